package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"
)

// Adjustment kinds: the office's 加分 and 减分 items, and the results of an 抽查核查.
const (
	AdjBonus      = "加分"
	AdjPenalty    = "减分"
	AdjValue      = "核查数值" // a value found on site replaces the reported one
	AdjClaimTrue  = "核查属实" // a task claim found true
	AdjClaimFalse = "核查不实" // a task claim found false
)

// Adjustment targets.
const (
	TargetCounty    = ""          // the county as a whole (加分, 减分)
	TargetTask      = "task"      // a task's claim (核查属实, 核查不实)
	TargetIndicator = "indicator" // a county-level indicator (核查数值)
	TargetVillage   = "village"   // a village-level indicator of one village (核查数值)
)

// Adjustment is one record of the office for a county and period. Records are never
// deleted: RevokeAdjustment marks one revoked, with who, when and why.
type Adjustment struct {
	ID         int64
	County     string
	Period     string // YYYY-MM
	Kind       string // AdjBonus … AdjClaimFalse
	TargetKind string // TargetCounty … TargetVillage
	Target     string // task or indicator id
	Town       string // TargetVillage: the village's 乡镇
	Village    string // TargetVillage: the village
	Reported   string // what the county reported, as shown to the checker
	Value      float64
	Points     float64 // AdjBonus, AdjPenalty: positive points
	Reason     string
	Doc        string // 文号
	Source     string // "cli" or "verify:<sha256>"
	By         string
	At         time.Time

	RevokedAt     time.Time // zero: in force
	RevokedBy     string
	RevokedReason string
}

// Active reports whether the record is in force.
func (a *Adjustment) Active() bool { return a.RevokedAt.IsZero() }

// check returns what is wrong with a record about to be added.
func (a *Adjustment) check() error {
	var p []string
	if a.County == "" {
		p = append(p, "no county")
	}
	if len(a.Period) != 7 || a.Period[4] != '-' {
		p = append(p, fmt.Sprintf("period %q is not YYYY-MM", a.Period))
	}
	if strings.TrimSpace(a.By) == "" {
		p = append(p, "no operator (by)")
	}
	if a.At.IsZero() {
		p = append(p, "no time (at)")
	}
	if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) || math.IsNaN(a.Points) || math.IsInf(a.Points, 0) {
		p = append(p, "value or points not finite")
	}
	switch a.Kind {
	case AdjBonus, AdjPenalty:
		if a.TargetKind != TargetCounty || a.Target != "" {
			p = append(p, a.Kind+" applies to the county, not to a target")
		}
		if a.Points <= 0 {
			p = append(p, a.Kind+" needs positive points")
		}
		if strings.TrimSpace(a.Reason) == "" || strings.TrimSpace(a.Doc) == "" {
			p = append(p, a.Kind+" needs a reason and a document number (文号)")
		}
	case AdjValue:
		switch {
		case a.TargetKind == TargetIndicator && a.Target != "" && a.Village == "":
		case a.TargetKind == TargetVillage && a.Target != "" && a.Village != "":
		default:
			p = append(p, "核查数值 needs an indicator, and a village for a village-level one")
		}
	case AdjClaimTrue, AdjClaimFalse:
		if a.TargetKind != TargetTask || a.Target == "" {
			p = append(p, a.Kind+" needs a task")
		}
	default:
		p = append(p, fmt.Sprintf("unknown kind %q", a.Kind))
	}
	if len(p) > 0 {
		return fmt.Errorf("%w: adjustment: %s", ErrInvalid, strings.Join(p, "; "))
	}
	return nil
}

// AddAdjustments stores records in one transaction and returns them with their ids.
// allow, when not nil, is called inside the transaction with the records of the same
// counties and periods already in force (and those of recs before each one), and may
// refuse the addition (e.g. a cap that would be exceeded): nothing is stored then.
//
// Errors: ErrInvalid for a record missing what its kind needs; allow's error; database
// errors.
func (s *Store) AddAdjustments(ctx context.Context, recs []Adjustment, allow func(existing []Adjustment, add Adjustment) error) ([]Adjustment, error) {
	for i := range recs {
		if err := recs[i].check(); err != nil {
			return nil, err
		}
	}
	out := make([]Adjustment, len(recs))
	copy(out, recs)
	err := s.write(ctx, func(tx *sql.Tx) error {
		type key struct{ county, period string }
		cache := map[key][]Adjustment{}
		for i := range out {
			a := &out[i]
			k := key{a.County, a.Period}
			if allow != nil {
				ex, ok := cache[k]
				if !ok {
					var err error
					if ex, err = queryAdjustments(ctx, tx, a.Period, a.County, false); err != nil {
						return err
					}
					cache[k] = ex
				}
				if err := allow(ex, *a); err != nil {
					return err
				}
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO adjustments (county, period, kind, target_kind, target, town, village,
				reported, value, points, reason, doc, source, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				a.County, a.Period, a.Kind, a.TargetKind, a.Target, a.Town, a.Village, a.Reported, a.Value, a.Points,
				a.Reason, a.Doc, a.Source, a.By, ms(a.At)).Scan(&a.ID)
			if err != nil {
				return err
			}
			if allow != nil {
				cache[k] = append(cache[k], *a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add adjustments: %w", err)
	}
	return out, nil
}

// RevokeAdjustment marks a record revoked by by, at at, for reason. The record stays.
//
// Errors: ErrInvalid without by or reason; ErrNotFound when there is no such record;
// ErrState when it was revoked already; database errors.
func (s *Store) RevokeAdjustment(ctx context.Context, id int64, by, reason string, at time.Time) (*Adjustment, error) {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" || at.IsZero() {
		return nil, fmt.Errorf("%w: revoking needs who, why and when", ErrInvalid)
	}
	var out *Adjustment
	err := s.write(ctx, func(tx *sql.Tx) error {
		a, err := adjustmentByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.Active() {
			return fmt.Errorf("%w: adjustment %d was revoked on %s by %s", ErrState, id, a.RevokedAt.Format(time.DateTime), a.RevokedBy)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE adjustments SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE id = ?`,
			ms(at), by, reason, id); err != nil {
			return err
		}
		a.RevokedAt, a.RevokedBy, a.RevokedReason = fromMS(ms(at)), by, reason
		out = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("revoke adjustment %d: %w", id, err)
	}
	return out, nil
}

// Adjustment returns one record.
//
// Errors: ErrNotFound; database errors.
func (s *Store) Adjustment(ctx context.Context, id int64) (*Adjustment, error) {
	var out *Adjustment
	err := s.read(ctx, func(tx *sql.Tx) error {
		a, err := adjustmentByID(ctx, tx, id)
		out = a
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("adjustment %d: %w", id, err)
	}
	return out, nil
}

// Adjustments returns the records of a period and county ("" for all of either), in the
// order they were made; revoked ones too when withRevoked.
//
// Errors: database errors.
func (s *Store) Adjustments(ctx context.Context, period, county string, withRevoked bool) ([]Adjustment, error) {
	var out []Adjustment
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAdjustments(ctx, tx, period, county, withRevoked)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("adjustments: %w", err)
	}
	return out, nil
}

// HasAdjustmentSource reports whether records in force came from source (a 核查表
// already imported).
//
// Errors: database errors.
func (s *Store) HasAdjustmentSource(ctx context.Context, source string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM adjustments WHERE source = ? AND revoked_at = 0`, source).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("adjustments of %s: %w", source, err)
	}
	return n > 0, nil
}

const adjustmentCols = `id, county, period, kind, target_kind, target, town, village, reported, value, points,
	reason, doc, source, by_name, at, revoked_at, revoked_by, revoked_reason`

func scanAdjustment(r interface{ Scan(...any) error }) (Adjustment, error) {
	var a Adjustment
	var at, rev int64
	err := r.Scan(&a.ID, &a.County, &a.Period, &a.Kind, &a.TargetKind, &a.Target, &a.Town, &a.Village, &a.Reported,
		&a.Value, &a.Points, &a.Reason, &a.Doc, &a.Source, &a.By, &at, &rev, &a.RevokedBy, &a.RevokedReason)
	a.At, a.RevokedAt = fromMS(at), fromMS(rev)
	return a, err
}

func adjustmentByID(ctx context.Context, tx *sql.Tx, id int64) (*Adjustment, error) {
	a, err := scanAdjustment(tx.QueryRowContext(ctx, `SELECT `+adjustmentCols+` FROM adjustments WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func queryAdjustments(ctx context.Context, tx *sql.Tx, period, county string, withRevoked bool) ([]Adjustment, error) {
	q := `SELECT ` + adjustmentCols + ` FROM adjustments WHERE 1 = 1`
	var args []any
	if period != "" {
		q += ` AND period = ?`
		args = append(args, period)
	}
	if county != "" {
		q += ` AND county = ?`
		args = append(args, county)
	}
	if !withRevoked {
		q += ` AND revoked_at = 0`
	}
	q += ` ORDER BY id`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Adjustment
	for rows.Next() {
		a, err := scanAdjustment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
