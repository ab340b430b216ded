package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Evidence is a file a county sent beside its form (佐证材料), kept with its content.
type Evidence struct {
	ID          int64
	Submission  int64 // the submission it came with
	Message     int64 // the message it came in (0 when not from mail)
	County      string
	Period      string
	Filename    string
	ContentType string // the file's type: PDF, JPG, PNG, DOCX or XLSX
	Size        int64
	SHA256      string   // hex; set from Data by PutEvidence
	Tasks       []string // the task ids it is linked to; empty when it names none
	Data        []byte   // nil when listed (EvidenceOf)
	Created     time.Time
}

// PutEvidence stores an evidence file; storing the same file (submission, content,
// name) again is a no-op that returns the stored id with existed=true.
//
// Errors: ErrInvalid when Submission, County or Data is missing; database errors.
func (s *Store) PutEvidence(ctx context.Context, e *Evidence) (id int64, existed bool, err error) {
	if e.Submission == 0 || e.County == "" || len(e.Data) == 0 {
		return 0, false, fmt.Errorf("%w: evidence needs a submission, a county and content", ErrInvalid)
	}
	sum := sha256.Sum256(e.Data)
	e.SHA256, e.Size = hex.EncodeToString(sum[:]), int64(len(e.Data))
	tasks := e.Tasks
	if tasks == nil {
		tasks = []string{}
	}
	tj, err := json.Marshal(tasks)
	if err != nil {
		return 0, false, err
	}
	var msg any
	if e.Message != 0 {
		msg = e.Message
	}
	created := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO evidence
			(submission, message, county, period, filename, content_type, size, sha256, tasks, data, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (submission, sha256, filename) DO NOTHING RETURNING id`,
			e.Submission, msg, e.County, e.Period, e.Filename, e.ContentType, e.Size, e.SHA256, string(tj), e.Data, ms(created)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			existed = true
			return tx.QueryRowContext(ctx, `SELECT id FROM evidence WHERE submission = ? AND sha256 = ? AND filename = ?`,
				e.Submission, e.SHA256, e.Filename).Scan(&id)
		}
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("store evidence %s: %w", e.Filename, err)
	}
	e.ID, e.Created = id, fromMS(ms(created))
	return id, existed, nil
}

// EvidenceOf lists the evidence files of a period, oldest first, without their content:
// of one county, or of every county when county is "".
//
// Errors: database errors.
func (s *Store) EvidenceOf(ctx context.Context, county, period string) ([]Evidence, error) {
	q := `SELECT id, submission, COALESCE(message, 0), county, period, filename, content_type, size, sha256, tasks, created
		FROM evidence WHERE period = ?`
	args := []any{period}
	if county != "" {
		q += ` AND county = ?`
		args = append(args, county)
	}
	var out []Evidence
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Evidence
			var tj string
			var created int64
			if err := rows.Scan(&e.ID, &e.Submission, &e.Message, &e.County, &e.Period, &e.Filename, &e.ContentType,
				&e.Size, &e.SHA256, &tj, &created); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(tj), &e.Tasks); err != nil {
				return fmt.Errorf("evidence %d tasks: %w", e.ID, err)
			}
			e.Created = fromMS(created)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("evidence of %s %s: %w", county, period, err)
	}
	return out, nil
}

// EvidenceData returns the content of an evidence file.
//
// Errors: ErrNotFound; database errors.
func (s *Store) EvidenceData(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT data FROM evidence WHERE id = ?`, id).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("evidence %d: %w", id, err)
	}
	return data, nil
}

// EvidenceFile returns one evidence file with its content, by its id.
//
// Errors: ErrNotFound; database errors.
func (s *Store) EvidenceFile(ctx context.Context, id int64) (*Evidence, error) {
	var e Evidence
	var tj string
	var created int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, submission, COALESCE(message, 0), county, period, filename, content_type, size, sha256, tasks, created, data
			FROM evidence WHERE id = ?`, id).Scan(&e.ID, &e.Submission, &e.Message, &e.County, &e.Period, &e.Filename, &e.ContentType,
			&e.Size, &e.SHA256, &tj, &created, &e.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("evidence %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(tj), &e.Tasks); err != nil {
		return nil, fmt.Errorf("evidence %d tasks: %w", id, err)
	}
	e.Created = fromMS(created)
	return &e, nil
}
