package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/jining/kaohe/internal/store"
)

// catchUpGrace is how long after its scheduled time a run is missed: the scheduler's own
// activation comes first, and a check at that very time does not race it.
const catchUpGrace = time.Minute

// catchUpRetryAfter is how long a catch-up waits after a failed run of the period (its
// retries spent) before trying the period again, so a job that keeps failing is tried
// hourly rather than at every check.
const catchUpRetryAfter = time.Hour

// catchUp decides from the run log, not only from the clock, what the scheduler missed
// (the machine was off or asleep at the scheduled time) and runs it. For dispatch,
// remind and assess, at each check:
//
//   - the scheduled time is the job's latest cron activation at least catchUpGrace ago,
//     and its period the one a run fired then works on (dispatch and remind: that month;
//     assess: the latest month whose deadline had passed). Only an activation of the
//     current period counts: the one that works on the period a run now would. So the
//     1st 07:00 does not dispatch the month before, and December's first days catch up
//     November's assessment but never October's;
//   - the job is run when the period has no successful run (by hand or scheduled; a
//     failed run, retries included, is not one, nor a preview such as dispatch
//     --dry-run; a run shown running by a process that still runs is in hand, one left
//     running by a dead process is not);
//   - a run of the period that failed is tried again only catchUpRetryAfter after it;
//   - dispatch is not caught up once the period's deadline has passed: the form would
//     come after the date it announces, and after the assessment. The office can still
//     send it by hand (kaohe dispatch);
//   - remind works on schedule.reminders (scheduled.slot): the latest reminder due, of
//     whichever period, is caught up when no run of its period started since it, until
//     it is stale — one before the deadline at the deadline, one after it at the
//     period's lock (reminderSlot);
//   - nothing is caught up for a store that has never run the cycle: the job must have
//     succeeded for an earlier period, or (remind, assess) the period's dispatch must
//     have. A first `kaohe serve` on a new store mails nobody it was not scheduled to.
//
// A caught-up run is logged (slog and the run log, cause store.RunCatchUp) and retried
// per schedule.retries like a scheduled one. The check also prunes the run log.
type catchUp struct {
	d            *Deps
	jobs         []*scheduled
	stop, runCtx context.Context

	mu        sync.Mutex // one check at a time; a check that finds one going is skipped
	told      map[string]bool
	lastPrune time.Time
}

// check runs what was missed, and prunes the run log once a day.
func (c *catchUp) check() {
	if !c.mu.TryLock() {
		return
	}
	defer c.mu.Unlock()
	c.prune()
	for _, j := range c.jobs {
		if !j.catchUp || c.stop.Err() != nil {
			continue
		}
		if err := c.checkJob(j); err != nil {
			c.d.Logger.Error("catch-up: reading the run log", "job", j.name, "err", err)
		}
	}
}

// tell logs msg at INFO once per job, period and msg, then at DEBUG.
func (c *catchUp) tell(j *scheduled, period, msg string, args ...any) {
	key := j.name + " " + period + " " + msg
	args = append([]any{"job", j.name, "period", period}, args...)
	if c.told[key] {
		c.d.Logger.Debug(msg, args...)
		return
	}
	c.told[key] = true
	c.d.Logger.Info(msg, args...)
}

func (c *catchUp) checkJob(j *scheduled) error {
	d := c.d
	now := d.now()
	if j.slot != nil {
		// A reminder: the latest one due, until it is stale (see reminderSlot); only a
		// run since it counts, as each reminder of a period is a run of its own.
		at, period, stale := j.slot(now.Add(-catchUpGrace))
		if at.IsZero() || !now.Before(stale) {
			return nil
		}
		return c.runIfMissed(j, at, period, at)
	}
	sched := lastActivation(j.sched, now.Add(-catchUpGrace))
	if sched.IsZero() {
		return nil
	}
	period := j.period(sched)
	if period == "" || period != j.period(now) {
		return nil // the current period's activation is still to come
	}
	if j.name != "assess" {
		if dl, err := d.Config.Deadline(period); err == nil && !now.Before(dl) {
			return nil
		}
	}
	return c.runIfMissed(j, sched, period, time.Time{})
}

// runIfMissed runs j for period, scheduled at sched, unless a run of the period started
// since since (any, when zero) succeeded or is in hand, or failed within the hour, or
// the store has not run the cycle before.
func (c *catchUp) runIfMissed(j *scheduled, sched time.Time, period string, since time.Time) error {
	d := c.d
	ctx := c.runCtx
	now := d.now()
	runs, err := d.Store.JobRuns(ctx, j.name, period)
	if err != nil {
		return err
	}
	var last *store.Run // the latest run that was not a preview
	for i, r := range runs {
		if r.Cause == store.RunPreview || r.Started.Before(since) {
			continue
		}
		if r.Outcome == store.RunOK {
			return nil
		}
		if last == nil {
			last = &runs[i]
		}
	}
	if last != nil {
		if last.Outcome == store.RunRunning {
			h, ok := store.ParseHolder(last.Holder)
			if ok && h.Running() || !ok && now.Sub(last.Started) < catchUpRetryAfter {
				return nil // in hand (a run logged without its holder: for an hour)
			}
		} else if at := last.Finished; !at.IsZero() && now.Sub(at) < catchUpRetryAfter {
			return nil
		}
	}
	armed, err := d.Store.RanBefore(ctx, j.name, period)
	if err != nil {
		return err
	}
	if !armed && j.name != "dispatch" {
		dispatched, err := d.Store.JobRuns(ctx, "dispatch", period)
		if err != nil {
			return err
		}
		for _, r := range dispatched {
			armed = armed || r.Outcome == store.RunOK && r.Cause != store.RunPreview
		}
	}
	if !armed {
		c.tell(j, period, "missed run not caught up: this store has not run the job before (run it by hand if it is wanted)",
			"scheduled", sched)
		return nil
	}
	if !j.busy.TryLock() {
		return nil // running now
	}
	defer j.busy.Unlock()
	d.Logger.Info("catch-up: the scheduled time passed with no successful run for the period: running it now",
		"job", j.name, "period", period, "scheduled", sched, "cause", store.RunCatchUp)
	d.runWithRetries(c.stop, c.runCtx, j.name, period, store.RunCatchUp, j.run)
	return nil
}

// caughtUp reports whether an activation fired at fired, coming late (past
// catchUpGrace), finds its period already run successfully since fired (caught up).
func (c *catchUp) caughtUp(j *scheduled, fired time.Time, period string) bool {
	if !j.catchUp || c.d.now().Sub(fired) < catchUpGrace {
		return false
	}
	runs, err := c.d.Store.JobRuns(c.runCtx, j.name, period)
	if err != nil {
		c.d.Logger.Error("reading the run log", "job", j.name, "err", err)
		return false
	}
	for _, r := range runs {
		if r.Outcome == store.RunOK && r.Cause != store.RunPreview && !r.Started.Before(fired) {
			c.d.Logger.Info("late activation skipped: its run was caught up", "job", j.name, "period", period, "fired", fired)
			return true
		}
	}
	return false
}

// prune deletes the runs older than store.run_log_days, at the first check and then
// once a day.
func (c *catchUp) prune() {
	d := c.d
	days := d.Config.Store.RunLogDays
	now := d.now()
	if days <= 0 || (!c.lastPrune.IsZero() && now.Sub(c.lastPrune) < 24*time.Hour) {
		return
	}
	c.lastPrune = now
	n, err := d.Store.PruneRuns(c.runCtx, now.AddDate(0, 0, -days))
	switch {
	case err != nil:
		d.Logger.Error("pruning the run log", "err", err)
	case n > 0:
		d.Logger.Info("run log pruned", "deleted", n, "older_than_days", days)
	default:
		d.Logger.Debug("run log pruned", "deleted", 0, "older_than_days", days)
	}
}

// lastActivation is sched's latest activation at or before t (zero when there is none
// within a year and a day).
func lastActivation(sched cron.Schedule, t time.Time) time.Time {
	for _, w := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		a := sched.Next(t.Add(-w))
		if a.IsZero() || a.After(t) {
			continue
		}
		for {
			n := sched.Next(a)
			if n.IsZero() || n.After(t) {
				return a
			}
			a = n
		}
	}
	return time.Time{}
}

// collectPass is one collect pass of a watcher, logged only when it did something: a
// pass that handled a message or failed is a run in the log (and an INFO line); an idle
// one is a DEBUG line and no row, so a mailbox watched every 30 s does not fill the log.
func (d *Deps) collectPass(ctx context.Context, mb Mailbox) error {
	started := d.now()
	counts, err := d.CollectFrom(ctx, mb)
	did := 0
	for _, n := range counts {
		did += n
	}
	if err == nil && did == 0 {
		d.Logger.Debug("collect: nothing new")
		return nil
	}
	r := store.Run{Job: "collect", Started: started, Finished: d.now(), Outcome: store.RunOK, Counts: counts}
	if err != nil {
		r.Outcome, r.Error = store.RunFailed, err.Error()
	}
	if _, lerr := d.Store.LogRun(context.WithoutCancel(ctx), r); lerr != nil {
		d.Logger.Error("recording run", "job", "collect", "err", lerr)
	}
	d.Logger.Info("run finished", "job", "collect", "outcome", r.Outcome, "counts", fmt.Sprint(map[string]int(counts)), "err", r.Error)
	return err
}
