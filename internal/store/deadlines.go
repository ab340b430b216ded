package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Extension opens a locked period for one county until Until, recorded with who, when
// and why.
type Extension struct {
	ID     int64
	County string
	Period string
	Until  time.Time
	Reason string
	By     string
	At     time.Time
}

// AddExtension records an extension and sets e.ID.
//
// Errors: ErrInvalid for a missing county, period, time, reason or operator; database errors.
func (s *Store) AddExtension(ctx context.Context, e *Extension) error {
	if e.County == "" || e.Period == "" || e.Until.IsZero() || e.Reason == "" || e.By == "" || e.At.IsZero() {
		return fmt.Errorf("%w: an extension needs county, period, until, reason, by and at", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO extensions (county, period, until, reason, by_name, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			e.County, e.Period, ms(e.Until), e.Reason, e.By, ms(e.At)).Scan(&e.ID)
	})
	if err != nil {
		return fmt.Errorf("add extension: %w", err)
	}
	return nil
}

// Extensions returns the extensions of a period (every county when county is ""), oldest
// first.
//
// Errors: database errors.
func (s *Store) Extensions(ctx context.Context, period, county string) ([]Extension, error) {
	var out []Extension
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, county, period, until, reason, by_name, at FROM extensions
			WHERE period = ? AND (? = '' OR county = ?) ORDER BY id`, period, county, county)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Extension
			var until, at int64
			if err := rows.Scan(&e.ID, &e.County, &e.Period, &until, &e.Reason, &e.By, &at); err != nil {
				return err
			}
			e.Until, e.At = fromMS(until), fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("extensions %s: %w", period, err)
	}
	return out, nil
}

// LatestAcceptedBy is LatestAccepted among the forms received by t: the accepted form of
// the highest version received at or before t.
//
// Errors: ErrNotFound when there is none; database errors.
func (s *Store) LatestAcceptedBy(ctx context.Context, county, period string, t time.Time) (*Submission, error) {
	return s.oneSubmission(ctx, fmt.Sprintf("accepted %s %s by %s", county, period, t.Format(time.RFC3339)),
		`WHERE s.county = ? AND s.period = ? AND s.status = ? AND s.received <= ? ORDER BY s.version DESC, s.id DESC LIMIT 1`,
		county, period, Accepted, ms(t))
}

// Published is one report mailed for a period: a county's ("" for the summary) at a
// revision, with the digest of what it said.
type Published struct {
	Period   string
	County   string
	Revision int
	Digest   string
	At       time.Time
}

// LastPublished returns the latest revision mailed of a period's report for county (""
// for the summary).
//
// Errors: ErrNotFound when none was; database errors.
func (s *Store) LastPublished(ctx context.Context, period, county string) (*Published, error) {
	p := Published{Period: period, County: county}
	var at int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT revision, digest, at FROM published WHERE period = ? AND county = ?
			ORDER BY revision DESC LIMIT 1`, period, county).Scan(&p.Revision, &p.Digest, &at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("published %s %s: %w", period, county, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("published %s %s: %w", period, county, err)
	}
	p.At = fromMS(at)
	return &p, nil
}

// RecordPublished records that a revision of a report was mailed (queued); recording the
// same revision again is a no-op.
//
// Errors: database errors.
func (s *Store) RecordPublished(ctx context.Context, p Published) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO published (period, county, revision, digest, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (period, county, revision) DO NOTHING`, p.Period, p.County, p.Revision, p.Digest, ms(p.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("record published %s %s: %w", p.Period, p.County, err)
	}
	return nil
}
