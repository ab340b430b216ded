package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Serve runs the scheduler until ctx is done: dispatch, remind, assess and deliver on
// their cron schedules (in the office's time zone, each a singleton), and collect watching
// the mailbox all the time. A failed run is retried per schedule.retries and logged in
// the store. On cancellation it lets the step in hand finish, then returns.
func (d *Deps) Serve(ctx context.Context) error {
	opts := []gocron.SchedulerOption{gocron.WithLocation(d.Config.Location)}
	if d.Clock != nil {
		opts = append(opts, gocron.WithClock(d.Clock))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return err
	}
	sc := d.Config.Schedule
	type job struct {
		name, cron string
		run        func(ctx context.Context, period string) (Counts, error)
	}
	jobs := []job{
		{"dispatch", sc.Dispatch, func(ctx context.Context, p string) (Counts, error) { return d.Dispatch(ctx, p, false) }},
		{"remind", sc.Remind, func(ctx context.Context, p string) (Counts, error) { return d.Remind(ctx, p, false) }},
		{"assess", sc.Assess, func(ctx context.Context, p string) (Counts, error) {
			_, c, err := d.Assess(ctx, p, AssessOptions{Queue: true})
			return c, err
		}},
		{"deliver", sc.Deliver, func(ctx context.Context, _ string) (Counts, error) { return d.Deliver(ctx) }},
	}
	// Runs use their own context, so a shutdown lets the step in hand finish.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	for _, j := range jobs {
		_, err := s.NewJob(gocron.CronJob(j.cron, false),
			gocron.NewTask(func() { d.runWithRetries(runCtx, j.name, j.run) }),
			gocron.WithName(j.name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
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
			if err := d.Watch(ctx); err != nil && !errors.Is(err, context.Canceled) {
				d.Logger.Error("collect stopped", "err", err)
			}
		}()
	} else {
		d.Logger.Warn("no IMAP server configured (imap.host): not collecting")
	}
	s.Start()
	d.Logger.Info("scheduler started", "timezone", d.Config.Location.String())
	<-ctx.Done()
	d.Logger.Info("shutting down: finishing the step in hand")
	err = s.Shutdown() // waits for running jobs
	wg.Wait()
	return err
}

// runWithRetries runs one scheduled step for the current period, retrying a failure
// schedule.retries times, schedule.retry_delay_seconds apart. Every attempt is a logged run.
func (d *Deps) runWithRetries(ctx context.Context, name string, run func(ctx context.Context, period string) (Counts, error)) {
	period := CurrentPeriod(d.now())
	for attempt := 0; ; attempt++ {
		_, err := d.RunLogged(ctx, name, period, func(ctx context.Context) (Counts, error) { return run(ctx, period) })
		if err == nil || attempt >= d.Config.Schedule.Retries || ctx.Err() != nil {
			if err != nil {
				d.Logger.Error("scheduled run failed, no retries left", "job", name, "period", period, "err", err)
			}
			return
		}
		delay := time.Duration(d.Config.Schedule.RetryDelaySeconds) * time.Second
		d.Logger.Warn("scheduled run failed, retrying", "job", name, "attempt", attempt+1, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-d.clockAfter(delay):
		}
	}
}
