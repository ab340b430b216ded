package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Review actions of the office on an accepted submission (issue 14).
const (
	ReviewApprove = "approve" // 审核通过: the submission counts for the assessment
	ReviewReturn  = "return"  // 退回: the county must correct and resubmit
)

// ReviewCell is a cell the office names when it returns a form, with its note.
type ReviewCell struct {
	Sheet string `json:"sheet"`
	Cell  string `json:"cell"`
	Note  string `json:"note"`
}

// ReviewAction is one action of the office on an accepted submission. Actions are never
// changed or deleted; the latest one of a submission is its review state.
type ReviewAction struct {
	ID         int64
	Submission int64
	County     string
	Period     string
	Action     string // ReviewApprove or ReviewReturn
	Reason     string // ReviewReturn: the reasons, one a line
	Cells      []ReviewCell
	By         string
	At         time.Time
}

// AddReviewAction records an action and returns it with its id.
//
// Errors: ErrInvalid for an unknown action, no operator or time, a return without a
// reason or cell; ErrNotFound when the submission does not exist; ErrState when it is
// not an accepted one; database errors.
func (s *Store) AddReviewAction(ctx context.Context, a ReviewAction) (ReviewAction, error) {
	switch {
	case a.Action != ReviewApprove && a.Action != ReviewReturn:
		return a, fmt.Errorf("%w: review action %q", ErrInvalid, a.Action)
	case strings.TrimSpace(a.By) == "" || a.At.IsZero():
		return a, fmt.Errorf("%w: review action needs who and when", ErrInvalid)
	case a.Action == ReviewReturn && strings.TrimSpace(a.Reason) == "" && len(a.Cells) == 0:
		return a, fmt.Errorf("%w: a return needs a reason or a cell", ErrInvalid)
	}
	cells := a.Cells
	if cells == nil {
		cells = []ReviewCell{}
	}
	cj, err := json.Marshal(cells)
	if err != nil {
		return a, fmt.Errorf("review action: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var status, county, period string
		err := tx.QueryRowContext(ctx, `SELECT status, county, period FROM submissions WHERE id = ?`, a.Submission).Scan(&status, &county, &period)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("submission %d: %w", a.Submission, ErrNotFound)
		} else if err != nil {
			return err
		}
		if status != Accepted {
			return fmt.Errorf("%w: submission %d is %s, not accepted", ErrState, a.Submission, status)
		}
		a.County, a.Period = county, period
		return tx.QueryRowContext(ctx, `INSERT INTO review_actions (submission, county, period, action, reason, cells, by_name, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Submission, county, period, a.Action, a.Reason, string(cj), a.By, ms(a.At)).Scan(&a.ID)
	})
	if err != nil {
		return a, fmt.Errorf("add review action: %w", err)
	}
	a.At = fromMS(ms(a.At))
	return a, nil
}

// ReviewActions returns the actions of a period and county ("" for every county), oldest
// first.
//
// Errors: database errors.
func (s *Store) ReviewActions(ctx context.Context, period, county string) ([]ReviewAction, error) {
	q := `SELECT id, submission, county, period, action, reason, cells, by_name, at FROM review_actions WHERE period = ?`
	args := []any{period}
	if county != "" {
		q += ` AND county = ?`
		args = append(args, county)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("review actions: %w", err)
	}
	defer rows.Close()
	var out []ReviewAction
	for rows.Next() {
		var a ReviewAction
		var cj string
		var at int64
		if err := rows.Scan(&a.ID, &a.Submission, &a.County, &a.Period, &a.Action, &a.Reason, &cj, &a.By, &at); err != nil {
			return nil, fmt.Errorf("review actions: %w", err)
		}
		a.At = fromMS(at)
		if err := json.Unmarshal([]byte(cj), &a.Cells); err != nil {
			return nil, fmt.Errorf("review action %d cells: %w", a.ID, err)
		}
		if len(a.Cells) == 0 {
			a.Cells = nil
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("review actions: %w", err)
	}
	return out, nil
}

// PreviousVersion returns the accepted submission that id superseded (its version − 1),
// with its filing.
//
// Errors: ErrNotFound when id is a first version or not accepted; database errors.
func (s *Store) PreviousVersion(ctx context.Context, id int64) (*Submission, error) {
	return s.oneSubmission(ctx, fmt.Sprintf("version before submission %d", id),
		`WHERE s.superseded_by = ? AND s.status = ?`, id, Accepted)
}

// States of a form in the source queue.
const (
	SourcePending   = "pending"   // 待确认来源: waiting for the office
	SourceAccepted  = "accepted"  // the office accepted it for the county
	SourceDiscarded = "discarded" // the office discarded it
)

// SourceItem is a form with a valid signature that came from an address on no county's
// list: it waits in the queue until the office accepts or discards it.
type SourceItem struct {
	ID         int64
	Message    int64 // the store's id of the message
	Part       int   // 1-based index among the message's form attachments
	County     string
	Period     string
	Sender     string
	Subject    string
	Filename   string
	SHA256     string
	Received   time.Time
	State      string // SourcePending, SourceAccepted or SourceDiscarded
	Submission int64  // SourceAccepted: the submission it became
	DecidedBy  string
	DecidedAt  time.Time
	Reason     string
	Created    time.Time
}

// QueueSource adds a form to the source queue, in state pending. The same (Message,
// Part) queued before is one item: nothing is written and existed is true.
//
// Errors: ErrInvalid without message, county or sender; database errors.
func (s *Store) QueueSource(ctx context.Context, it *SourceItem) (id int64, existed bool, err error) {
	if it.Message == 0 || it.County == "" || it.Sender == "" {
		return 0, false, fmt.Errorf("%w: source item needs message, county and sender", ErrInvalid)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM source_queue WHERE message = ? AND part = ?`, it.Message, it.Part).Scan(&id)
		if err == nil {
			existed = true
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO source_queue (message, part, county, period, sender, subject, filename, sha256, received, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, it.Message, it.Part, it.County, it.Period,
			strings.ToLower(it.Sender), it.Subject, it.Filename, it.SHA256, ms(it.Received), ms(s.now())).Scan(&id)
	})
	if err != nil {
		return 0, false, fmt.Errorf("queue source: %w", err)
	}
	return id, existed, nil
}

const sourceCols = `id, message, part, county, period, sender, subject, filename, sha256, received, state,
	COALESCE(submission, 0), decided_by, decided_at, reason, created`

func scanSource(r interface{ Scan(...any) error }) (SourceItem, error) {
	var it SourceItem
	var rec, dec, cr int64
	err := r.Scan(&it.ID, &it.Message, &it.Part, &it.County, &it.Period, &it.Sender, &it.Subject, &it.Filename, &it.SHA256,
		&rec, &it.State, &it.Submission, &it.DecidedBy, &dec, &it.Reason, &cr)
	it.Received, it.DecidedAt, it.Created = fromMS(rec), fromMS(dec), fromMS(cr)
	return it, err
}

// Source returns one item of the source queue.
//
// Errors: ErrNotFound; database errors.
func (s *Store) Source(ctx context.Context, id int64) (*SourceItem, error) {
	it, err := scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM source_queue WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("source item %d: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("source item %d: %w", id, err)
	}
	return &it, nil
}

// Sources returns the items of the source queue in a state and period ("" for any),
// oldest first.
//
// Errors: database errors.
func (s *Store) Sources(ctx context.Context, state, period string) ([]SourceItem, error) {
	q := `SELECT ` + sourceCols + ` FROM source_queue WHERE 1 = 1`
	var args []any
	if state != "" {
		q += ` AND state = ?`
		args = append(args, state)
	}
	if period != "" {
		q += ` AND period = ?`
		args = append(args, period)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("source queue: %w", err)
	}
	defer rows.Close()
	var out []SourceItem
	for rows.Next() {
		it, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("source queue: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// DecideSource records the office's decision on a pending item: state SourceAccepted
// (with the submission it became) or SourceDiscarded, by whom, when and why.
//
// Errors: ErrInvalid for another state or without who or when; ErrNotFound; ErrState
// when the item was decided already; database errors.
func (s *Store) DecideSource(ctx context.Context, id int64, state string, submission int64, by, reason string, at time.Time) (*SourceItem, error) {
	if (state != SourceAccepted && state != SourceDiscarded) || strings.TrimSpace(by) == "" || at.IsZero() {
		return nil, fmt.Errorf("%w: deciding a source item needs accepted or discarded, who and when", ErrInvalid)
	}
	var sub any
	if submission != 0 {
		sub = submission
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT state FROM source_queue WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if cur != SourcePending {
			return fmt.Errorf("%w: source item %d is %s already", ErrState, id, cur)
		}
		_, err = tx.ExecContext(ctx, `UPDATE source_queue SET state = ?, submission = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?`,
			state, sub, by, ms(at), reason, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decide source item %d: %w", id, err)
	}
	return s.Source(ctx, id)
}

// AddCountySender allows email to submit for county, beside the roster's addresses (the
// roster is a file; the office adds an address from the review queue). Adding it again
// changes nothing.
//
// Errors: ErrInvalid without county, address or who; database errors.
func (s *Store) AddCountySender(ctx context.Context, county, email, by, reason string, at time.Time) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if county == "" || email == "" || strings.TrimSpace(by) == "" {
		return fmt.Errorf("%w: a county sender needs county, address and who", ErrInvalid)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO county_senders (county, email, by_name, at, reason) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, county, email, by, ms(at), reason)
		if err != nil {
			return fmt.Errorf("add county sender: %w", err)
		}
		return nil
	})
}

// CountySenders returns the addresses the office added, each with its county.
//
// Errors: database errors.
func (s *Store) CountySenders(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT email, county FROM county_senders ORDER BY at`)
	if err != nil {
		return nil, fmt.Errorf("county senders: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, c string
		if err := rows.Scan(&e, &c); err != nil {
			return nil, fmt.Errorf("county senders: %w", err)
		}
		if _, ok := out[e]; !ok { // the first county an address was added for
			out[e] = c
		}
	}
	return out, rows.Err()
}

// SubmissionBySHA256 returns the submission of an attachment, with its filing.
//
// Errors: ErrNotFound; database errors.
func (s *Store) SubmissionBySHA256(ctx context.Context, sum string) (*Submission, error) {
	return s.oneSubmission(ctx, "submission "+sum, `WHERE s.sha256 = ?`, sum)
}
