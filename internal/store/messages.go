package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Message states.
const (
	MessageNew       = "new"       // stored, not yet fully handled (left by a crash if old)
	MessageProcessed = "processed" // handled: submissions stored, replies queued
	MessageIgnored   = "ignored"   // deliberately not handled (e.g. unknown sender: no backscatter)
)

// Message is one received mail. Raw is stored before anything is parsed.
type Message struct {
	ID          int64
	Mailbox     string
	UIDValidity uint32
	UID         uint32 // 0 when the message did not come from an IMAP mailbox
	MessageID   string // the Message-ID header
	Sender      string
	Subject     string
	Received    time.Time
	Raw         []byte // only filled when asked for
	SHA256      string // of Raw, hex; set by PutMessage
	Size        int64  // len(Raw); set by PutMessage
	State       string // MessageNew, MessageProcessed or MessageIgnored
	Outcome     string // free text for the operator, e.g. "accepted 370811 2026-11 v2"
	ProcessedAt time.Time
	Created     time.Time
}

// Attachment is one attachment of a received message, recorded by its sha256.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64
	SHA256      string // hex
}

// PutMessage stores a received message durably, in state new. It is idempotent: when
// the same (Mailbox, UIDValidity, UID) is already stored, or the same Message-ID with the
// same raw bytes is stored under another UID (a re-sent or copied duplicate), nothing is
// written and the existing id is returned with existed=true. The caller then looks at
// the existing message's state (Message) to decide whether anything is left to do.
// m.ID, m.SHA256, m.Size, m.State and m.Created are set on a new row.
//
// Errors: ErrInvalid when Raw is empty; database errors.
func (s *Store) PutMessage(ctx context.Context, m *Message) (id int64, existed bool, err error) {
	if len(m.Raw) == 0 {
		return 0, false, fmt.Errorf("%w: message without raw bytes", ErrInvalid)
	}
	sum := sha256.Sum256(m.Raw)
	hexsum := hex.EncodeToString(sum[:])
	var uid any
	if m.UID != 0 {
		uid = int64(m.UID)
	}
	created := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		if uid != nil {
			err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
				m.Mailbox, int64(m.UIDValidity), uid).Scan(&id)
			if err == nil {
				existed = true
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE message_id = ? AND raw_sha256 = ? ORDER BY id LIMIT 1`,
			m.MessageID, hexsum).Scan(&id)
		if err == nil {
			existed = true
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO messages
			(mailbox, uidvalidity, uid, message_id, sender, subject, received, raw, raw_sha256, size, state, outcome, processed_at, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?) RETURNING id`,
			m.Mailbox, int64(m.UIDValidity), uid, m.MessageID, m.Sender, m.Subject, ms(m.Received),
			m.Raw, hexsum, int64(len(m.Raw)), MessageNew, ms(created)).Scan(&id)
	})
	if err != nil {
		return 0, false, fmt.Errorf("put message: %w", err)
	}
	if !existed {
		m.ID, m.SHA256, m.Size, m.State, m.Created = id, hexsum, int64(len(m.Raw)), MessageNew, fromMS(ms(created))
		m.Outcome, m.ProcessedAt = "", time.Time{}
	}
	return id, existed, nil
}

// AddAttachment records an attachment of a stored message. Recording the same one
// (same sha256 and filename) again is a no-op, so a message handled again after a crash
// does not list its attachments twice.
//
// Errors: ErrInvalid when SHA256 is empty; ErrNotFound when the message does not exist;
// database errors.
func (s *Store) AddAttachment(ctx context.Context, msgID int64, a Attachment) error {
	if a.SHA256 == "" {
		return fmt.Errorf("%w: attachment without sha256", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, `SELECT 1 FROM messages WHERE id = ?`, msgID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO attachments (message, filename, content_type, size, sha256)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, msgID, a.Filename, a.ContentType, a.Size, a.SHA256)
		return err
	})
	if err != nil {
		return fmt.Errorf("add attachment to message %d: %w", msgID, err)
	}
	return nil
}

// Attachments returns the recorded attachments of a message in the order recorded.
//
// Errors: database errors (an unknown message has none).
func (s *Store) Attachments(ctx context.Context, msgID int64) ([]Attachment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT filename, content_type, size, sha256 FROM attachments WHERE message = ? ORDER BY id`, msgID)
	if err != nil {
		return nil, fmt.Errorf("attachments of message %d: %w", msgID, err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.Filename, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("attachments of message %d: %w", msgID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attachments of message %d: %w", msgID, err)
	}
	return out, nil
}

// SetMessageState sets a message's state and outcome; leaving state new clears the
// processed time, any other state sets it to now.
//
// Errors: ErrInvalid for an unknown state; ErrNotFound when the message does not exist;
// database errors.
func (s *Store) SetMessageState(ctx context.Context, id int64, state, outcome string) error {
	switch state {
	case MessageNew, MessageProcessed, MessageIgnored:
	default:
		return fmt.Errorf("%w: message state %q", ErrInvalid, state)
	}
	var at int64
	if state != MessageNew {
		at = ms(s.now())
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET state = ?, outcome = ?, processed_at = ? WHERE id = ?`, state, outcome, at, id)
		return affected(res, err)
	})
	if err != nil {
		return fmt.Errorf("set state of message %d: %w", id, err)
	}
	return nil
}

const messageCols = `id, mailbox, uidvalidity, uid, message_id, sender, subject, received, raw_sha256, size, state, outcome, processed_at, created`

func scanMessage(sc interface{ Scan(...any) error }, extra ...any) (Message, error) {
	var m Message
	var uidv int64
	var uid sql.NullInt64
	var received, processed, created int64
	dest := append([]any{&m.ID, &m.Mailbox, &uidv, &uid, &m.MessageID, &m.Sender, &m.Subject, &received,
		&m.SHA256, &m.Size, &m.State, &m.Outcome, &processed, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return m, err
	}
	m.UIDValidity, m.UID = uint32(uidv), uint32(uid.Int64)
	m.Received, m.ProcessedAt, m.Created = fromMS(received), fromMS(processed), fromMS(created)
	return m, nil
}

// Message returns one message without its raw bytes.
//
// Errors: ErrNotFound; database errors.
func (s *Store) Message(ctx context.Context, id int64) (*Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("message %d: %w", id, err)
	}
	return &m, nil
}

// Messages returns the messages in a state (all when state is ""), oldest first, without
// their raw bytes unless withRaw is set. Messages(ctx, MessageNew, true) is what a
// restart uses to finish the work a crash left.
//
// Errors: database errors.
func (s *Store) Messages(ctx context.Context, state string, withRaw bool) ([]Message, error) {
	cols := messageCols
	if withRaw {
		cols += ", raw"
	}
	q := `SELECT ` + cols + ` FROM messages`
	var args []any
	if state != "" {
		q += ` WHERE state = ?`
		args = append(args, state)
	}
	q += ` ORDER BY id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var raw []byte
		var extra []any
		if withRaw {
			extra = []any{&raw}
		}
		m, err := scanMessage(rows, extra...)
		if err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
		m.Raw = raw
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	return out, nil
}

// RawMessage returns the raw bytes of a message.
//
// Errors: ErrNotFound; database errors.
func (s *Store) RawMessage(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT raw FROM messages WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("raw message %d: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("raw message %d: %w", id, err)
	}
	return raw, nil
}

// exists returns ErrNotFound when the query yields no row.
func exists(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	var one int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// affected turns an UPDATE that touched no row into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
