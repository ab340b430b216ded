package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Run outcomes.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunFailed  = "failed"
)

// Run is one logged run of a job.
type Run struct {
	ID       int64
	Job      string
	Period   string
	Started  time.Time
	Finished time.Time // zero while running (or when the process died during the run)
	Outcome  string    // RunRunning, RunOK or RunFailed
	Counts   map[string]int
	Error    string
}

// StartRun logs the start of a job run and returns its id.
//
// Errors: ErrInvalid when job is empty; database errors.
func (s *Store) StartRun(ctx context.Context, job, period string, at time.Time) (int64, error) {
	if job == "" {
		return 0, fmt.Errorf("%w: run without job", ErrInvalid)
	}
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs (job, period, started, outcome) VALUES (?, ?, ?, ?) RETURNING id`,
			job, period, ms(at), RunRunning).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("start run %s: %w", job, err)
	}
	return id, nil
}

// FinishRun logs the end of a run: its outcome, counts (e.g. "received": 12) and error.
//
// Errors: ErrInvalid when outcome is not RunOK or RunFailed; ErrNotFound when the run does
// not exist; database errors.
func (s *Store) FinishRun(ctx context.Context, id int64, at time.Time, outcome string, counts map[string]int, errMsg string) error {
	if outcome != RunOK && outcome != RunFailed {
		return fmt.Errorf("%w: run outcome %q", ErrInvalid, outcome)
	}
	if counts == nil {
		counts = map[string]int{}
	}
	cj, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("finish run %d: counts: %w", id, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET finished = ?, outcome = ?, counts = ?, error = ? WHERE id = ?`,
			ms(at), outcome, string(cj), errMsg, id)
		return affected(res, err)
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	return nil
}

// Runs returns the most recent runs, newest first, at most limit (all when limit <= 0).
//
// Errors: database errors.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	q := `SELECT id, job, period, started, finished, outcome, counts, error FROM runs ORDER BY started DESC, id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished int64
		var cj string
		if err := rows.Scan(&r.ID, &r.Job, &r.Period, &started, &finished, &r.Outcome, &cj, &r.Error); err != nil {
			return nil, fmt.Errorf("runs: %w", err)
		}
		r.Started, r.Finished = fromMS(started), fromMS(finished)
		if err := json.Unmarshal([]byte(cj), &r.Counts); err != nil {
			return nil, fmt.Errorf("run %d counts: %w", r.ID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return out, nil
}
