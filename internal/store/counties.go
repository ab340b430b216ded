package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// County is a reporting unit as the store knows it: its code, name and the addresses
// allowed to submit for it.
type County struct {
	Code   string
	Name   string
	Emails []string // lower case
	Active bool     // false: no longer on the roster (read only; SyncCounties sets it)
}

// SyncCounties makes the store's counties those of the roster: new ones are added, names
// and addresses updated, and counties no longer listed are kept but marked inactive (their
// submissions stay). Addresses are compared and stored in lower case.
//
// Errors: ErrInvalid for an empty code or a code listed twice; database errors.
func (s *Store) SyncCounties(ctx context.Context, counties []County) error {
	seen := map[string]bool{}
	for _, c := range counties {
		if c.Code == "" {
			return fmt.Errorf("%w: county without code (%q)", ErrInvalid, c.Name)
		}
		if seen[c.Code] {
			return fmt.Errorf("%w: county %s listed twice", ErrInvalid, c.Code)
		}
		seen[c.Code] = true
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE counties SET active = 0`); err != nil {
			return fmt.Errorf("sync counties: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM county_emails`); err != nil {
			return fmt.Errorf("sync counties: %w", err)
		}
		for _, c := range counties {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counties (code, name, active) VALUES (?, ?, 1)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = 1`, c.Code, c.Name); err != nil {
				return fmt.Errorf("sync county %s: %w", c.Code, err)
			}
			for _, e := range c.Emails {
				e = strings.ToLower(strings.TrimSpace(e))
				if e == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO county_emails (county, email) VALUES (?, ?)
					ON CONFLICT DO NOTHING`, c.Code, e); err != nil {
					return fmt.Errorf("sync county %s address: %w", c.Code, err)
				}
			}
		}
		return nil
	})
}

// Counties returns the counties, active ones only unless all is set, ordered by code.
//
// Errors: database errors.
func (s *Store) Counties(ctx context.Context, all bool) ([]County, error) {
	var out []County
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT code, name, active FROM counties ORDER BY code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		idx := map[string]int{}
		for rows.Next() {
			var c County
			var active int
			if err := rows.Scan(&c.Code, &c.Name, &active); err != nil {
				return err
			}
			c.Active = active != 0
			if !c.Active && !all {
				continue
			}
			idx[c.Code] = len(out)
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		erows, err := tx.QueryContext(ctx, `SELECT county, email FROM county_emails ORDER BY county, email`)
		if err != nil {
			return err
		}
		defer erows.Close()
		for erows.Next() {
			var code, email string
			if err := erows.Scan(&code, &email); err != nil {
				return err
			}
			if i, ok := idx[code]; ok {
				out[i].Emails = append(out[i].Emails, email)
			}
		}
		return erows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("counties: %w", err)
	}
	return out, nil
}

// CountiesBySender returns the codes of the active counties that list addr among their
// addresses (case-insensitive), sorted; none is an empty slice.
//
// Errors: database errors.
func (s *Store) CountiesBySender(ctx context.Context, addr string) ([]string, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	rows, err := s.db.QueryContext(ctx, `SELECT e.county FROM county_emails e
		JOIN counties c ON c.code = e.county WHERE e.email = ? AND c.active = 1`, addr)
	if err != nil {
		return nil, fmt.Errorf("county by sender: %w", err)
	}
	defer rows.Close()
	codes := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("county by sender: %w", err)
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("county by sender: %w", err)
	}
	sort.Strings(codes)
	return codes, nil
}
