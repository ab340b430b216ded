package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RecordFormVersion records that forms of template version were sent (queued) for
// period; the first record of a pair is kept.
//
// Errors: ErrInvalid when period or version is empty; database errors.
func (s *Store) RecordFormVersion(ctx context.Context, period, version string, at time.Time) error {
	if period == "" || version == "" {
		return fmt.Errorf("%w: form version %q of period %q", ErrInvalid, version, period)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO form_versions (period, template_version, first_sent) VALUES (?, ?, ?)
			ON CONFLICT (period, template_version) DO NOTHING`, period, version, ms(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("record form version %s of %s: %w", version, period, err)
	}
	return nil
}

// FormVersions returns the template versions of the forms sent for period, in the order
// they were first sent (none: nil).
//
// Errors: database errors.
func (s *Store) FormVersions(ctx context.Context, period string) ([]string, error) {
	var out []string
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT template_version FROM form_versions WHERE period = ? ORDER BY first_sent, template_version`, period)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("form versions of %s: %w", period, err)
	}
	return out, nil
}
