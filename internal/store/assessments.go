package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Assessment is the stored scoring of one period.
type Assessment struct {
	Period           string
	ChecklistVersion string
	Created          time.Time
	// Result is the JSON of score.Result, stored as given: plain, or gzip-compressed
	// (~8× smaller at national size, and never whole in memory while it is written).
	// DecodeResult and ResultJSON read either.
	Result []byte
	Rows   []AssessmentRow
}

// gzipMagic starts a gzip stream; JSON cannot start with it.
var gzipMagic = []byte{0x1f, 0x8b}

// resultReader returns a reader of the JSON of a stored result.
func resultReader(b []byte) (io.Reader, error) {
	if bytes.HasPrefix(b, gzipMagic) {
		return gzip.NewReader(bytes.NewReader(b))
	}
	return bytes.NewReader(b), nil
}

// DecodeResult decodes the assessment's result JSON into v (a *score.Result, or a
// struct with only the fields wanted: the rest is skipped), streaming it from the
// compressed form rather than inflating it whole.
//
// Errors: gzip and JSON errors.
func (a *Assessment) DecodeResult(v any) error {
	r, err := resultReader(a.Result)
	if err != nil {
		return fmt.Errorf("assessment %s: %w", a.Period, err)
	}
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("assessment %s: %w", a.Period, err)
	}
	return nil
}

// ResultJSON returns the assessment's result as plain JSON.
//
// Errors: gzip errors.
func (a *Assessment) ResultJSON() ([]byte, error) {
	if !bytes.HasPrefix(a.Result, gzipMagic) {
		return a.Result, nil
	}
	r, err := resultReader(a.Result)
	if err != nil {
		return nil, fmt.Errorf("assessment %s: %w", a.Period, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("assessment %s: %w", a.Period, err)
	}
	return b, nil
}

// AssessmentRow is one county's line of an assessment, queryable without the JSON.
type AssessmentRow struct {
	County    string
	Submitted bool
	Total     float64
	Grade     string
	Rank      int // 0 when not ranked
}

// PutAssessment stores the assessment of a period, replacing the one stored before for
// that period (a re-run), rows included, in one transaction. A zero Created is now.
//
// Errors: ErrInvalid when Period is empty, Result is neither a JSON object nor gzip,
// or a county has two rows; database errors.
func (s *Store) PutAssessment(ctx context.Context, a *Assessment) error {
	if a.Period == "" || len(a.Result) == 0 {
		return fmt.Errorf("%w: assessment needs a period and a result", ErrInvalid)
	}
	if t := bytes.TrimLeft(a.Result, " \t\r\n"); !bytes.HasPrefix(a.Result, gzipMagic) && (len(t) == 0 || t[0] != '{') {
		return fmt.Errorf("%w: assessment result is neither a JSON object nor gzip", ErrInvalid)
	}
	seen := map[string]bool{}
	for _, r := range a.Rows {
		if seen[r.County] {
			return fmt.Errorf("%w: assessment %s lists county %s twice", ErrInvalid, a.Period, r.County)
		}
		seen[r.County] = true
	}
	created := a.Created
	if created.IsZero() {
		created = s.now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM assessment_rows WHERE period = ?`, a.Period); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM assessments WHERE period = ?`, a.Period); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (period, checklist_version, created, result) VALUES (?, ?, ?, ?)`,
			a.Period, a.ChecklistVersion, ms(created), a.Result); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO assessment_rows (period, county, submitted, total, grade, rank) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range a.Rows {
			if _, err := st.ExecContext(ctx, a.Period, r.County, boolInt(r.Submitted), r.Total, r.Grade, r.Rank); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put assessment %s: %w", a.Period, err)
	}
	a.Created = fromMS(ms(created))
	return nil
}

// Assessment returns the assessment of a period with its rows ordered by rank (unranked
// last) then county.
//
// Errors: ErrNotFound when the period was not assessed; database errors.
func (s *Store) Assessment(ctx context.Context, period string) (*Assessment, error) {
	var out *Assessment
	err := s.read(ctx, func(tx *sql.Tx) error {
		a, err := loadAssessments(ctx, tx, `WHERE period = ?`, period)
		if err != nil {
			return err
		}
		if len(a) == 0 {
			return ErrNotFound
		}
		out = a[0]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assessment %s: %w", period, err)
	}
	return out, nil
}

// AssessmentsBefore returns up to n assessments of periods before period, most recent
// first, with their rows; for history and trends.
//
// Errors: ErrInvalid when n < 1; database errors.
func (s *Store) AssessmentsBefore(ctx context.Context, period string, n int) ([]*Assessment, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: n = %d", ErrInvalid, n)
	}
	var out []*Assessment
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = loadAssessments(ctx, tx, `WHERE period < ? ORDER BY period DESC LIMIT ?`, period, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assessments before %s: %w", period, err)
	}
	return out, nil
}

func loadAssessments(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]*Assessment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT period, checklist_version, created, result FROM assessments `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []*Assessment
	for rows.Next() {
		var a Assessment
		var created int64
		if err := rows.Scan(&a.Period, &a.ChecklistVersion, &created, &a.Result); err != nil {
			rows.Close()
			return nil, err
		}
		a.Created = fromMS(created)
		out = append(out, &a)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for _, a := range out {
		rows, err := tx.QueryContext(ctx, `SELECT county, submitted, total, grade, rank FROM assessment_rows WHERE period = ?
			ORDER BY CASE WHEN rank = 0 THEN 1 ELSE 0 END, rank, county`, a.Period)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r AssessmentRow
			var sub int
			if err := rows.Scan(&r.County, &sub, &r.Total, &r.Grade, &r.Rank); err != nil {
				rows.Close()
				return nil, err
			}
			r.Submitted = sub != 0
			a.Rows = append(a.Rows, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}
