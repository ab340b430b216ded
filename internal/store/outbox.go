package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Outgoing mail states.
const (
	OutQueued = "queued"
	OutSent   = "sent"
	OutFailed = "failed" // permanently; shown to the operator
)

// Outgoing is one mail in the outbox.
type Outgoing struct {
	ID          int64
	Key         string // idempotency key, e.g. "reply:<msg id>:<n>", "report:2026-11:370811"
	Kind        string // e.g. reply, report, summary, dispatch, reminder
	County      string // the county it is for; "" for the leaders' summary
	Period      string
	From        string
	To          []string
	Subject     string
	Body        string
	Attachments []OutAttachment
	MessageID   string // the Message-ID header, stable across retries: set at enqueue from Key unless given
	InReplyTo   string // the Message-ID of the mail this answers ("" if none)
	State       string // OutQueued, OutSent or OutFailed
	Priority    int    // set at enqueue from Key and Kind (KindPriority): lower goes first
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Created     time.Time
	SentAt      time.Time
}

// Outbox priorities: under a daily limit (smtp.daily_limit) the outbox sends replies to
// counties first, then reports, reminders (and any other kind), forms last.
const (
	PriorityReply    = 0
	PriorityReport   = 1
	PriorityReminder = 2
	PriorityDispatch = 3
)

// KindPriority is the priority of a mail by its key and kind: a key "reply:…" (every
// answer to a county's mail, whatever its kind) or a receipt/reject/noform kind is a
// reply, and so is an office notice a county acts on (extend: 【延期】, review_return:
// the office's 【退回】); report, summary
// and escalate (督办单) are reports; dispatch is the form; the rest are reminders.
func KindPriority(key, kind string) int {
	switch {
	case strings.HasPrefix(key, "reply:"), kind == "receipt", kind == "reject", kind == "noform",
		kind == "extend", kind == "review_return":
		return PriorityReply
	case kind == "report", kind == "summary", kind == "escalate":
		return PriorityReport
	case kind == "dispatch":
		return PriorityDispatch
	}
	return PriorityReminder
}

// OutAttachment is an attachment of an outgoing mail.
type OutAttachment struct {
	Name        string
	ContentType string
	Data        []byte // nil when listed without data (Outbox)
	Size        int64
}

// OutgoingMessageID derives the stable Message-ID of an outbox key:
// "<kaohe.HASH@DOMAIN>" with HASH from the key and DOMAIN that of the From address
// ("kaohe.localhost" when it has none).
func OutgoingMessageID(key, from string) string {
	sum := sha256.Sum256([]byte(key))
	domain := "kaohe.localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i+1 < len(a.Address) {
			domain = strings.ToLower(a.Address[i+1:])
		}
	}
	return "<kaohe." + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Enqueue puts a mail in the outbox, queued, with its attachments, in one transaction.
// Enqueueing a key already in the outbox (whatever its state) is a no-op that returns the
// existing id with existed=true. On a new row, o.ID, o.MessageID (when empty), o.State,
// o.Created and o.NextAttempt (when zero: now) are set.
//
// Errors: ErrInvalid when Key or To is empty; database errors.
func (s *Store) Enqueue(ctx context.Context, o *Outgoing) (id int64, existed bool, err error) {
	if o.Key == "" || len(o.To) == 0 {
		return 0, false, fmt.Errorf("%w: outgoing mail needs a key and recipients", ErrInvalid)
	}
	tj, err := json.Marshal(o.To)
	if err != nil {
		return 0, false, fmt.Errorf("enqueue %s: %w", o.Key, err)
	}
	msgID := o.MessageID
	if msgID == "" {
		msgID = OutgoingMessageID(o.Key, o.From)
	}
	created := s.now()
	prio := KindPriority(o.Key, o.Kind)
	next := o.NextAttempt
	if next.IsZero() {
		next = created
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO outgoing
			(key, kind, county, period, from_addr, to_addrs, subject, body, message_id, in_reply_to, state, attempts, next_attempt, last_error, created, sent_at, priority)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?, 0, ?)
			ON CONFLICT (key) DO NOTHING RETURNING id`,
			o.Key, o.Kind, o.County, o.Period, o.From, string(tj), o.Subject, o.Body, msgID, o.InReplyTo, OutQueued, ms(next), ms(created), prio).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			existed = true
			return tx.QueryRowContext(ctx, `SELECT id FROM outgoing WHERE key = ?`, o.Key).Scan(&id)
		} else if err != nil {
			return err
		}
		for i, a := range o.Attachments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outgoing_attachments (outgoing, seq, name, content_type, data) VALUES (?, ?, ?, ?, ?)`,
				id, i, a.Name, a.ContentType, nonNil(a.Data)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("enqueue %s: %w", o.Key, err)
	}
	if !existed {
		o.ID, o.MessageID, o.State, o.Created, o.NextAttempt, o.Priority = id, msgID, OutQueued, fromMS(ms(created)), fromMS(ms(next)), prio
	}
	return id, existed, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const outgoingCols = `id, key, kind, county, period, from_addr, to_addrs, subject, body, message_id, in_reply_to, state, attempts,
	next_attempt, last_error, created, sent_at, priority`

func scanOutgoing(sc interface{ Scan(...any) error }) (Outgoing, error) {
	var o Outgoing
	var tj string
	var next, created, sent int64
	if err := sc.Scan(&o.ID, &o.Key, &o.Kind, &o.County, &o.Period, &o.From, &tj, &o.Subject, &o.Body, &o.MessageID,
		&o.InReplyTo, &o.State, &o.Attempts, &next, &o.LastError, &created, &sent, &o.Priority); err != nil {
		return o, err
	}
	o.NextAttempt, o.Created, o.SentAt = fromMS(next), fromMS(created), fromMS(sent)
	if err := json.Unmarshal([]byte(tj), &o.To); err != nil {
		return o, fmt.Errorf("outgoing %d recipients: %w", o.ID, err)
	}
	return o, nil
}

func queryOutgoing(ctx context.Context, tx *sql.Tx, withData bool, q string, args ...any) ([]Outgoing, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+outgoingCols+` FROM outgoing `+q, args...)
	if err != nil {
		return nil, err
	}
	var out []Outgoing
	idx := map[int64]int{}
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[o.ID] = len(out)
		out = append(out, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	data := "NULL"
	if withData {
		data = "data"
	}
	for i := range out {
		rows, err := tx.QueryContext(ctx, `SELECT name, content_type, LENGTH(data), `+data+` FROM outgoing_attachments
			WHERE outgoing = ? ORDER BY seq`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a OutAttachment
			if err := rows.Scan(&a.Name, &a.ContentType, &a.Size, &a.Data); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Attachments = append(out[i].Attachments, a)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Outgoing returns one outgoing mail with its attachments.
//
// Errors: ErrNotFound; database errors.
func (s *Store) Outgoing(ctx context.Context, id int64) (*Outgoing, error) {
	var out []Outgoing
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryOutgoing(ctx, tx, true, `WHERE id = ?`, id)
		return err
	})
	if err == nil && len(out) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("outgoing %d: %w", id, err)
	}
	return &out[0], nil
}

// DueOutgoing returns up to limit queued mails whose next attempt is due at now, by
// priority (KindPriority), oldest first within one, with their attachments.
//
// Errors: ErrInvalid when limit < 1; database errors.
func (s *Store) DueOutgoing(ctx context.Context, now time.Time, limit int) ([]Outgoing, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: limit %d", ErrInvalid, limit)
	}
	var out []Outgoing
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryOutgoing(ctx, tx, true, `WHERE state = ? AND next_attempt <= ? ORDER BY priority, id LIMIT ?`, OutQueued, ms(now), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("due outgoing: %w", err)
	}
	return out, nil
}

// ClaimDue is DueOutgoing for senders that may run side by side (several processes): in
// one transaction it picks the due mails and moves their next attempt to now+lease, so no
// other sender picks them until the lease runs out, and records this process as their
// holder. A sender that dies mid-send leaves them to be retried after the lease, or at
// once by the next sender on its host (ReleaseDead), with the same Message-ID.
//
// Errors: ErrInvalid when limit < 1 or lease <= 0; database errors.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Outgoing, error) {
	return s.ClaimDueBy(ctx, now, now, lease, limit)
}

// ClaimDueBy is ClaimDue picking only mails due by dueBy (not after now). Senders that
// drain the outbox together pass the time they started as dueBy: none of them then
// picks a mail another has claimed meanwhile, even if its lease ran out on a clock
// that jumped, nor one deferred during the drain.
//
// Errors: ErrInvalid when limit < 1, lease <= 0 or dueBy is after now; database errors.
func (s *Store) ClaimDueBy(ctx context.Context, dueBy, now time.Time, lease time.Duration, limit int) ([]Outgoing, error) {
	if limit < 1 || lease <= 0 || dueBy.After(now) {
		return nil, fmt.Errorf("%w: limit %d, lease %s, due by %s after now %s", ErrInvalid, limit, lease, dueBy, now)
	}
	var out []Outgoing
	until := now.Add(lease)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryOutgoing(ctx, tx, true, `WHERE state = ? AND next_attempt <= ? ORDER BY priority, id LIMIT ?`, OutQueued, ms(dueBy), limit)
		if err != nil {
			return err
		}
		for i := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outgoing SET next_attempt = ?, claimed_by = ? WHERE id = ?`, ms(until), s.holder, out[i].ID); err != nil {
				return err
			}
			out[i].NextAttempt = fromMS(ms(until))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due outgoing: %w", err)
	}
	return out, nil
}

// transition updates a mail that is queued (or, when also is set, in state also).
// It returns ErrNotFound for an unknown id, ErrState for a mail in another state, and
// reports whether the row was in state also (no update was made then).
func (s *Store) transition(ctx context.Context, id int64, also, set string, args ...any) (was bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM outgoing WHERE id = ?`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if also != "" && state == also {
			was = true
			return nil
		}
		if state != OutQueued {
			return fmt.Errorf("%w: mail is %s", ErrState, state)
		}
		_, err = tx.ExecContext(ctx, `UPDATE outgoing SET `+set+` WHERE id = ?`, append(args, id)...)
		return err
	})
	return was, err
}

// MarkSent records that a queued mail was sent at at (attempts+1, last error cleared).
// Marking a sent mail sent again is a no-op.
//
// Errors: ErrNotFound; ErrState when the mail failed permanently; database errors.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.transition(ctx, id, OutSent, `state = ?, sent_at = ?, attempts = attempts + 1, last_error = '', claimed_by = ''`, OutSent, ms(at)); err != nil {
		return fmt.Errorf("mark outgoing %d sent: %w", id, err)
	}
	return nil
}

// MarkRetry records a temporary failure of a queued mail: attempts+1, the error, and the
// time of the next attempt.
//
// Errors: ErrNotFound; ErrState when the mail is not queued; database errors.
func (s *Store) MarkRetry(ctx context.Context, id int64, errMsg string, next time.Time) error {
	if _, err := s.transition(ctx, id, "", `attempts = attempts + 1, last_error = ?, next_attempt = ?, claimed_by = ''`, errMsg, ms(next)); err != nil {
		return fmt.Errorf("mark outgoing %d for retry: %w", id, err)
	}
	return nil
}

// MarkFailed records a permanent failure of a queued mail (attempts+1); it is not tried
// again unless requeued.
//
// Errors: ErrNotFound; ErrState when the mail is not queued; database errors.
func (s *Store) MarkFailed(ctx context.Context, id int64, errMsg string) error {
	if _, err := s.transition(ctx, id, "", `state = ?, attempts = attempts + 1, last_error = ?, claimed_by = ''`, OutFailed, errMsg); err != nil {
		return fmt.Errorf("mark outgoing %d failed: %w", id, err)
	}
	return nil
}

// Requeue puts a failed mail back in the queue, due at next (the operator fixed the
// address or the server). Attempts and the last error are kept.
//
// Errors: ErrNotFound; ErrState when the mail has not failed; database errors.
func (s *Store) Requeue(ctx context.Context, id int64, next time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outgoing SET state = ?, next_attempt = ?, claimed_by = '' WHERE id = ? AND state = ?`, OutQueued, ms(next), id, OutFailed)
		if err := affected(res, err); !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := exists(ctx, tx, `SELECT 1 FROM outgoing WHERE id = ?`, id); err != nil {
			return err
		}
		return fmt.Errorf("%w: mail has not failed", ErrState)
	})
	if err != nil {
		return fmt.Errorf("requeue outgoing %d: %w", id, err)
	}
	return nil
}

// Outbox lists outgoing mail for the operator, filtered by state and period ("" for any),
// oldest first, with attachment names and sizes but not their data.
//
// Errors: database errors.
func (s *Store) Outbox(ctx context.Context, state, period string) ([]Outgoing, error) {
	q := `WHERE 1 = 1`
	var args []any
	if state != "" {
		q += ` AND state = ?`
		args = append(args, state)
	}
	if period != "" {
		q += ` AND period = ?`
		args = append(args, period)
	}
	var out []Outgoing
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryOutgoing(ctx, tx, false, q+` ORDER BY id`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// Release gives back a claimed mail that was not tried (the batch stopped before it),
// due again at next. A mail no longer queued (sent or failed meanwhile) is left alone.
//
// Errors: database errors.
func (s *Store) Release(ctx context.Context, id int64, next time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outgoing SET next_attempt = ?, claimed_by = '' WHERE id = ? AND state = ?`, ms(next), id, OutQueued)
		return err
	})
	if err != nil {
		return fmt.Errorf("release outgoing %d: %w", id, err)
	}
	return nil
}

// ReleaseDead gives back at once, due at now, the queued mails claimed by a holder that
// no longer runs (Holder.Running: a process of this host that died, or an earlier life
// of this pid), instead of leaving them to their lease. Each keeps its Message-ID, and a
// mail the dead sender got through is recorded sent, not queued, so none goes twice
// except the one in flight when it died (sent but not yet marked). It returns how many
// mails it released and from which holders.
//
// Errors: database errors.
func (s *Store) ReleaseDead(ctx context.Context, now time.Time) (released int, dead []Holder, err error) {
	var ids []string
	err = s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT claimed_by FROM outgoing WHERE claimed_by <> '' AND state = ?`, OutQueued)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, nil, fmt.Errorf("release dead claims: %w", err)
	}
	for _, id := range ids {
		if id == s.holder {
			continue
		}
		h, ok := ParseHolder(id)
		if !ok || h.Running() {
			continue
		}
		err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE outgoing SET next_attempt = CASE WHEN next_attempt > ? THEN ? ELSE next_attempt END,
				claimed_by = '' WHERE claimed_by = ? AND state = ?`, ms(now), ms(now), id, OutQueued)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			released += int(n)
			return err
		})
		if err != nil {
			return released, dead, fmt.Errorf("release claims of %s: %w", h, err)
		}
		dead = append(dead, h)
	}
	return released, dead, nil
}

// SentSince counts the mails sent at or after since (a daily limit's day).
//
// Errors: database errors.
func (s *Store) SentSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outgoing WHERE state = ? AND sent_at >= ?`, OutSent, ms(since)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("mails sent since %s: %w", since, err)
	}
	return n, nil
}

// DueCount counts the queued mails due by at, claimed or not.
//
// Errors: database errors.
func (s *Store) DueCount(ctx context.Context, at time.Time) (int, error) {
	var n int
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outgoing WHERE state = ? AND next_attempt <= ?`, OutQueued, ms(at)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("mails due by %s: %w", at, err)
	}
	return n, nil
}
