package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/robfig/cron/v3"
)

// cronParser parses schedule expressions as config checks them and gocron runs them
// (minute hour day-of-month month day-of-week, or a descriptor such as @daily).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduled is one job of the scheduler.
type scheduled struct {
	name  string
	cron  string
	sched cron.Schedule
	// period says which period a run that fired at fired works on ("" for none).
	period func(fired time.Time) string
	run    func(ctx context.Context, period string) (Counts, error)
	// catchUp: a missed run of the job is caught up (dispatch, remind, assess).
	catchUp bool
	// slot, when set, stands for the cron's activations in catch-up (the reminders of
	// schedule.reminders, whose days the cron cannot say): the latest one at or before t,
	// the period it works on, and when a missed one is no longer worth running (zero at:
	// none). An activation whose period is "" is then no run at all.
	slot func(t time.Time) (at time.Time, period string, stale time.Time)
	// busy is held while the job runs, scheduled or caught up: one run at a time.
	busy sync.Mutex
}

// Serve runs the scheduler until ctx is done: dispatch, remind, assess and deliver on
// their cron schedules (in the office's time zone, each a singleton: an activation that
// comes while the job's previous run is still in hand is skipped and logged), and collect
// watching the mailbox all the time, answering what it collected within seconds. A failed
// run is retried per schedule.retries and logged in the store. On cancellation no new run
// starts and no retry is made, but the step in hand finishes (with a context that is not
// cancelled) before Serve returns.
//
// Deliveries started by Serve (the deliver job and the watcher's) never run side by side.
//
// Serve catches up missed runs (see catchUp): at start, and after every activation of a
// scheduled job, a dispatch, remind or assess whose scheduled time in the current period
// has passed with no successful run for that period in the run log is run once, logged
// as a catch-up. It also prunes the run log (store.run_log_days) at start and daily.
//
// Serve returns an error when a cron expression is invalid or the scheduler cannot start
// or stop cleanly; failed runs are logged, not returned.
func (d *Deps) Serve(ctx context.Context) error { return d.serve(ctx, serveHooks{}) }

// serveHooks let tests follow the scheduler.
type serveHooks struct {
	// done is called when a scheduled job's task has finished with the activation fired
	// (its retries included, or skipped, and the catch-up check that follows it), after
	// the job is free to run again; and with job "start" when the check at start is done.
	done func(job string, fired time.Time)
}

func (d *Deps) serve(ctx context.Context, hooks serveHooks) error {
	loc := d.Config.Location
	if loc == nil {
		loc = time.Local
	}
	// The scheduler's own stop timeout is not relied on: in-flight runs are tracked below.
	opts := []gocron.SchedulerOption{gocron.WithLocation(loc), gocron.WithStopTimeout(time.Minute)}
	if d.Clock != nil {
		opts = append(opts, gocron.WithClock(d.Clock))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return err
	}
	var deliverMu sync.Mutex
	deliver := func(ctx context.Context) (Counts, error) {
		deliverMu.Lock()
		defer deliverMu.Unlock()
		return d.Deliver(ctx)
	}
	sc := d.Config.Schedule
	jobs := []*scheduled{
		{name: "dispatch", cron: sc.Dispatch, period: CurrentPeriod, catchUp: true,
			run: func(ctx context.Context, p string) (Counts, error) { return d.Dispatch(ctx, p, false) }},
		{name: "remind", cron: RemindCron(d.Config), period: d.reminderPeriod, slot: d.reminderSlot, catchUp: true,
			run: func(ctx context.Context, p string) (Counts, error) { return d.Remind(ctx, p, false) }},
		{name: "assess", cron: sc.Assess, period: d.assessPeriod, catchUp: true,
			run: func(ctx context.Context, p string) (Counts, error) {
				_, c, err := d.Assess(ctx, p, AssessOptions{Queue: true})
				return c, err
			}},
		{name: "deliver", cron: sc.Deliver, period: func(time.Time) string { return "" },
			run: func(ctx context.Context, _ string) (Counts, error) { return deliver(ctx) }},
	}

	// Runs use their own context, so a shutdown lets the step in hand finish; stopping
	// tells the retry loops to make no further attempt.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	var (
		mu       sync.Mutex
		stopping bool
		inFlight sync.WaitGroup
	)
	begin := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if stopping {
			return false
		}
		inFlight.Add(1)
		return true
	}
	for _, j := range jobs {
		j.sched, err = cronParser.Parse(j.cron)
		if err != nil {
			return fmt.Errorf("schedule %s (%q): %w", j.name, j.cron, err)
		}
	}
	cu := &catchUp{d: d, jobs: jobs, stop: ctx, runCtx: runCtx, told: map[string]bool{}}
	for _, j := range jobs {
		// The job's own lock rather than gocron's singleton mode: the job is free again
		// exactly when its task says so, which the tests can follow.
		_, err := s.NewJob(gocron.CronJob(j.cron, false),
			gocron.NewTask(func() {
				if !begin() {
					return
				}
				defer inFlight.Done()
				fired := firedAt(j.sched, d.now())
				period := j.period(fired)
				switch {
				case j.slot != nil && period == "":
					// The remind cron fires at every reminder's time of day; not a reminder's day.
				case cu.caughtUp(j, fired, period):
					// A late activation (the machine slept through it) whose run was
					// caught up meanwhile: nothing runs twice.
				case j.busy.TryLock():
					d.runWithRetries(ctx, runCtx, j.name, period, "", j.run)
					j.busy.Unlock()
				default:
					d.Logger.Warn("previous run still in hand: this activation is skipped", "job", j.name, "fired", fired)
				}
				cu.check()
				if hooks.done != nil {
					hooks.done(j.name, fired)
				}
			}),
			gocron.WithName(j.name),
		)
		if err != nil {
			return fmt.Errorf("schedule %s (%q): %w", j.name, j.cron, err)
		}
	}
	var wg sync.WaitGroup
	if d.OpenMailbox != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.watch(ctx, deliver)
		}()
	} else {
		d.Logger.Warn("no IMAP server configured (imap.host): not collecting")
	}
	s.Start()
	d.Logger.Info("scheduler started", "timezone", loc.String())
	if begin() {
		started := d.now()
		go func() {
			defer inFlight.Done()
			cu.check()
			if hooks.done != nil {
				hooks.done("start", started)
			}
		}()
	}
	<-ctx.Done()
	d.Logger.Info("shutting down: finishing the step in hand")
	mu.Lock()
	stopping = true
	mu.Unlock()
	err = s.Shutdown()
	inFlight.Wait() // whatever gocron's stop timeout said, the step in hand has finished
	wg.Wait()
	if errors.Is(err, gocron.ErrStopJobsTimedOut) {
		err = nil // the runs were waited for above
	}
	return err
}

// watch is Watch for Serve: collect continuously and answer at once, with deliveries
// going through deliver (which Serve serialises with its deliver job).
func (d *Deps) watch(ctx context.Context, deliver func(context.Context) (Counts, error)) {
	poll := time.Duration(d.Config.IMAP.PollSeconds) * time.Second
	for ctx.Err() == nil {
		err := d.watchPasses(ctx, poll, deliver)
		if ctx.Err() != nil {
			return
		}
		d.Logger.Warn("collect: mailbox connection lost, reconnecting", "err", err, "in", poll)
		select {
		case <-ctx.Done():
		case <-d.clockAfter(poll):
		}
	}
}

func (d *Deps) watchPasses(ctx context.Context, poll time.Duration, deliver func(context.Context) (Counts, error)) error {
	mb, err := d.OpenMailbox(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := mb.Close(); err != nil {
			d.Logger.Debug("closing mailbox", "err", err)
		}
	}()
	for ctx.Err() == nil {
		if err := d.collectPass(ctx, mb); err != nil {
			return err
		}
		if d.Sender != nil {
			if _, err := deliver(ctx); err != nil && ctx.Err() == nil {
				d.Logger.Warn("deliver after collect", "err", err)
			}
		}
		if err := mb.Wait(ctx, poll); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// assessPeriod is the period an assessment fired at fired works on: the latest period
// whose deadline has passed. An assess job on the 26th assesses that month; one on the
// 1st assesses the month before.
func (d *Deps) assessPeriod(fired time.Time) string {
	p := CurrentPeriod(fired)
	if dl, err := d.Config.Deadline(p); err == nil && fired.Before(dl) {
		return PreviousPeriod(p)
	}
	return p
}

// firedAt is the activation of sched that a run starting at now belongs to: the one
// nearest to now. A timer that fires a little early (the wall clock was stepped back) or
// late (a busy machine) still works on the activation it was set for, so a dispatch due at
// midnight on the 1st never works on the month before. now's location is kept.
func firedAt(sched cron.Schedule, now time.Time) time.Time {
	next := sched.Next(now)
	var prev time.Time
	for _, w := range []time.Duration{time.Second, time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		t := sched.Next(now.Add(-w))
		if t.After(now) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.After(now) || n.IsZero() {
				break
			}
			t = n
		}
		prev = t
		break
	}
	switch {
	case prev.IsZero() && next.IsZero():
		return now
	case prev.IsZero():
		return next
	case next.IsZero() || now.Sub(prev) <= next.Sub(now):
		return prev
	}
	return next
}

// runWithRetries runs one scheduled step for period, retrying a failure schedule.retries
// times, schedule.retry_delay_seconds apart. Every attempt is a logged run (with cause,
// e.g. store.RunCatchUp). Attempts run
// with runCtx; once stop is done no further attempt is made.
func (d *Deps) runWithRetries(stop, runCtx context.Context, name, period, cause string, run func(ctx context.Context, period string) (Counts, error)) {
	for attempt := 0; ; attempt++ {
		_, err := d.RunLoggedCause(runCtx, name, period, cause, func(ctx context.Context) (Counts, error) { return run(ctx, period) })
		if err == nil {
			return
		}
		if attempt >= d.Config.Schedule.Retries {
			d.Logger.Error("scheduled run failed, no retries left", "job", name, "period", period, "attempts", attempt+1, "err", err)
			return
		}
		if stop.Err() != nil {
			d.Logger.Error("scheduled run failed; shutting down, not retried", "job", name, "period", period, "err", err)
			return
		}
		delay := time.Duration(d.Config.Schedule.RetryDelaySeconds) * time.Second
		d.Logger.Warn("scheduled run failed, retrying", "job", name, "period", period, "attempt", attempt+1, "in", delay, "err", err)
		select {
		case <-stop.Done():
			d.Logger.Error("scheduled run failed; shutting down, not retried", "job", name, "period", period, "err", err)
			return
		case <-d.clockAfter(delay):
		}
	}
}
