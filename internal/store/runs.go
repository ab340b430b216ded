package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	Holder   string // the process that logged it (Holder.ID; "" for runs logged before it was recorded)
	Cause    string // why it ran: "" by hand or on its schedule, RunCatchUp, RunPreview
}

// Run causes.
const (
	// RunCatchUp: the scheduler started the run because the job's scheduled time had
	// passed with no successful run for the period (the machine was off).
	RunCatchUp = "catch-up"
	// RunPreview: a run by hand that sent nothing (dispatch/remind --dry-run, assess
	// without --queue); it does not count as the period's run for the catch-up.
	RunPreview = "preview"
)

// StartRun logs the start of a job run and returns its id.
//
// Errors: ErrInvalid when job is empty; database errors.
func (s *Store) StartRun(ctx context.Context, job, period string, at time.Time) (int64, error) {
	return s.StartRunCause(ctx, job, period, "", at)
}

// StartRunCause is StartRun recording why the run was started (e.g. RunCatchUp).
//
// Errors: ErrInvalid when job is empty; database errors.
func (s *Store) StartRunCause(ctx context.Context, job, period, cause string, at time.Time) (int64, error) {
	if job == "" {
		return 0, fmt.Errorf("%w: run without job", ErrInvalid)
	}
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs (job, period, started, outcome, holder, cause) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			job, period, ms(at), RunRunning, s.holder, cause).Scan(&id)
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

// LogRun records a run that has finished (Started, Finished, Outcome RunOK or RunFailed,
// Counts, Error, Cause) in one write, for runs logged only when they did something (an
// idle mailbox check is not logged). It returns the new id.
//
// Errors: ErrInvalid when Job is empty or Outcome is not RunOK or RunFailed; database errors.
func (s *Store) LogRun(ctx context.Context, r Run) (int64, error) {
	if r.Job == "" || (r.Outcome != RunOK && r.Outcome != RunFailed) {
		return 0, fmt.Errorf("%w: run of %q with outcome %q", ErrInvalid, r.Job, r.Outcome)
	}
	if r.Counts == nil {
		r.Counts = map[string]int{}
	}
	cj, err := json.Marshal(r.Counts)
	if err != nil {
		return 0, fmt.Errorf("log run %s: counts: %w", r.Job, err)
	}
	var id int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs (job, period, started, finished, outcome, counts, error, holder, cause)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.Job, r.Period, ms(r.Started), ms(r.Finished), r.Outcome, string(cj), r.Error, s.holder, r.Cause).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("log run %s: %w", r.Job, err)
	}
	return id, nil
}

// PruneRuns deletes the runs that started before before, whatever their outcome, and
// returns how many it deleted.
//
// Errors: database errors.
func (s *Store) PruneRuns(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE started < ?`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune runs: %w", err)
	}
	return n, nil
}

// JobRuns returns the runs of job for period, newest first.
//
// Errors: database errors.
func (s *Store) JobRuns(ctx context.Context, job, period string) ([]Run, error) {
	return s.queryRuns(ctx, `WHERE job = ? AND period = ? ORDER BY started DESC, id DESC`, job, period)
}

// RanBefore reports whether job has a successful run for a period before period
// ("YYYY-MM" periods compare as strings).
//
// Errors: database errors.
func (s *Store) RanBefore(ctx context.Context, job, period string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE job = ? AND outcome = ? AND period <> '' AND period < ? LIMIT 1`,
		job, RunOK, period).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("runs of %s before %s: %w", job, period, err)
	}
	return true, nil
}

// Runs returns the most recent runs, newest first, at most limit (all when limit <= 0).
//
// Errors: database errors.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	q := `ORDER BY started DESC, id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.queryRuns(ctx, q, args...)
}

func (s *Store) queryRuns(ctx context.Context, q string, args ...any) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, job, period, started, finished, outcome, counts, error, holder, cause FROM runs `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished int64
		var cj string
		if err := rows.Scan(&r.ID, &r.Job, &r.Period, &started, &finished, &r.Outcome, &cj, &r.Error, &r.Holder, &r.Cause); err != nil {
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
