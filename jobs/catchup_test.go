package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

// logRun puts a finished run of job for period in the run log, started at at.
func logRun(t *testing.T, h *harness, job, period string, at time.Time, outcome string) {
	t.Helper()
	if _, err := h.d.Store.LogRun(h.ctx, store.Run{Job: job, Period: period, Started: at, Finished: at.Add(time.Second), Outcome: outcome}); err != nil {
		t.Fatal(err)
	}
}

// logCycle logs a whole month's dispatch, remind and assess of period as done: the store
// of an office that has been running kaohe.
func logCycle(t *testing.T, h *harness, period string) {
	t.Helper()
	start, err := time.ParseInLocation("2006-01", period, h.d.Config.Location)
	if err != nil {
		t.Fatal(err)
	}
	logRun(t, h, "dispatch", period, start.Add(8*time.Hour), store.RunOK)
	logRun(t, h, "remind", period, start.AddDate(0, 0, 21).Add(9*time.Hour), store.RunOK)
	logRun(t, h, "assess", period, start.AddDate(0, 0, 25).Add(9*time.Hour), store.RunOK)
}

// runsOf are the runs of job (all jobs when ""), oldest first.
func runsOf(t *testing.T, h *harness, job string) []store.Run {
	t.Helper()
	runs, err := h.d.Store.Runs(h.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Run
	for _, r := range runs {
		if job == "" || r.Job == job {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// startAt moves the harness to a fake clock at at.
func startAt(h *harness, at time.Time) {
	h.clock = clockwork.NewFakeClockAt(at)
	h.d.Clock = h.clock
}

// TestCatchUpDispatchAfterOutage: the machine was off from 31 October to 10:00 on
// 1 December, past the 08:00 dispatch. Serve dispatches December once, at start, logged
// as a catch-up; the hours after run nothing twice. Serve's start also prunes the run log.
func TestCatchUpDispatchAfterOutage(t *testing.T) {
	h := newHarness(t)
	h.d.OpenMailbox = nil
	loc := h.d.Config.Location
	logRun(t, h, "collect", "", time.Date(2025, 6, 1, 8, 0, 0, 0, loc), store.RunOK) // older than run_log_days
	logCycle(t, h, "2026-10")
	logCycle(t, h, "2026-11")
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	startAt(h, start)
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00", "0 9 26 * *", "*/30 * * * *")
	m.waitDone(start, "start")
	runs := runsOf(t, h, "dispatch")
	if len(runs) != 3 {
		t.Fatalf("%d dispatch runs, want October's, November's and one caught up: %+v", len(runs), runs)
	}
	if r := runs[2]; r.Period != "2026-12" || r.Cause != store.RunCatchUp || r.Outcome != store.RunOK ||
		!r.Started.Equal(start) || r.Counts["queued"] != len(h.d.Roster.Counties) {
		t.Errorf("caught-up dispatch: %+v", r)
	}
	// Through the day, a check after every deliver: nothing runs twice, and the forms go.
	m.advanceTo(time.Date(2026, 12, 2, 10, 0, 0, 0, loc))
	if got := len(runsOf(t, h, "dispatch")); got != 3 {
		t.Errorf("%d dispatch runs after a day, want 3", got)
	}
	for _, job := range []string{"remind", "assess"} {
		if got := len(runsOf(t, h, job)); got != 2 {
			t.Errorf("%d %s runs, want the 2 logged (nothing to catch up)", got, job)
		}
	}
	if n := sinkCount(h.sink, "", templates.MailDispatch); n != len(h.d.Roster.Counties) {
		t.Errorf("%d forms at the sink, want %d", n, len(h.d.Roster.Counties))
	}
	for _, r := range runsOf(t, h, "") {
		if r.Started.Before(start.AddDate(0, 0, -h.d.Config.Store.RunLogDays)) {
			t.Errorf("run %d %s of %s not pruned", r.ID, r.Job, r.Started)
		}
	}
	if got := len(runsOf(t, h, "collect")); got != 0 {
		t.Errorf("%d collect runs left: the 2025 one is older than run_log_days", got)
	}
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestCatchUpAssessAfterOutage: the machine was off from the 21st to 10:00 on the 27th,
// over the 22nd's reminder and the 26th's assessment. Serve assesses November once at
// start (a catch-up); the reminder is not caught up, as November's deadline has passed.
// December's first days assess nothing again; 1 December 08:00 dispatches as scheduled.
func TestCatchUpAssessAfterOutage(t *testing.T) {
	h := newHarness(t)
	loc := h.d.Config.Location
	logCycle(t, h, "2026-10")
	logRun(t, h, "dispatch", "2026-11", h.at(1, 8, 0), store.RunOK)
	h.send("370811", "11月进展表", xlsx(FormFilename(h.county("370811"), h.period), h.filled("370811", 0.8, 1)))
	h.collect()
	h.d.OpenMailbox = nil
	start := h.at(27, 10, 0)
	startAt(h, start)
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00", "0 9 26 * *", "0 */6 * * *")
	m.waitDone(start, "start")
	runs := runsOf(t, h, "assess")
	if len(runs) != 2 {
		t.Fatalf("%d assess runs, want October's and one caught up: %+v", len(runs), runs)
	}
	if r := runs[1]; r.Period != "2026-11" || r.Cause != store.RunCatchUp || r.Outcome != store.RunOK || !r.Started.Equal(start) {
		t.Errorf("caught-up assessment: %+v", r)
	}
	if got := len(runsOf(t, h, "remind")); got != 1 {
		t.Errorf("%d remind runs, want October's only: November's deadline has passed", got)
	}
	m.advanceTo(time.Date(2026, 12, 1, 12, 0, 0, 0, loc))
	if got := len(runsOf(t, h, "assess")); got != 2 {
		t.Errorf("%d assess runs by 1 December noon, want 2", got)
	}
	dispatch := runsOf(t, h, "dispatch")
	if last := dispatch[len(dispatch)-1]; len(dispatch) != 3 || last.Period != "2026-12" || last.Cause != "" ||
		!last.Started.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, loc)) {
		t.Errorf("dispatch runs %+v: want December's on schedule", dispatch)
	}
	if n := sinkCount(h.sink, "", templates.MailReport); n != len(h.d.Roster.Counties) {
		t.Errorf("%d reports at the sink, want %d", n, len(h.d.Roster.Counties))
	}
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestCatchUpRules checks each rule of catchUp on the run log, with steps that count
// their calls: when a missed run is run, and when not.
func TestCatchUpRules(t *testing.T) {
	h := newHarness(t)
	loc := h.d.Config.Location
	h.d.Config.Schedule.Retries = 0
	var mu sync.Mutex
	calls := map[string][]string{}
	var fail error
	step := func(name string) func(context.Context, string) (Counts, error) {
		return func(_ context.Context, p string) (Counts, error) {
			mu.Lock()
			defer mu.Unlock()
			calls[name] = append(calls[name], p)
			return Counts{"n": 1}, fail
		}
	}
	mk := func() *catchUp {
		var jobs []*scheduled
		for _, j := range []struct{ name, cron string }{{"dispatch", "0 8 1 * *"}, {"remind", "0 9 22 * *"}, {"assess", "0 9 26 * *"}} {
			s, err := cronParser.Parse(j.cron)
			if err != nil {
				t.Fatal(err)
			}
			period := CurrentPeriod
			if j.name == "assess" {
				period = h.d.assessPeriod
			}
			jobs = append(jobs, &scheduled{name: j.name, cron: j.cron, sched: s, period: period, run: step(j.name), catchUp: true})
		}
		return &catchUp{d: h.d, jobs: jobs, stop: h.ctx, runCtx: h.ctx, told: map[string]bool{}}
	}
	check := func(at time.Time, want map[string][]string) {
		t.Helper()
		startAt(h, at)
		mu.Lock()
		calls = map[string][]string{}
		mu.Unlock()
		mk().check()
		mu.Lock()
		defer mu.Unlock()
		if fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Errorf("at %s: ran %v, want %v", at.Format("01-02 15:04"), calls, want)
		}
	}
	none := map[string][]string{}
	dec := func(day, hour, min int) time.Time { return time.Date(2026, 12, day, hour, min, 0, 0, loc) }

	// A new store: nothing is caught up.
	check(dec(1, 10, 0), none)
	logCycle(t, h, "2026-10")
	logCycle(t, h, "2026-11")
	check(dec(1, 7, 0), none) // before the 1st's activation: November's is not December's
	check(dec(1, 8, 0), none) // at it: the scheduler's own activation runs it
	check(dec(1, 8, 0), none) // within the grace
	check(dec(1, 8, 30), map[string][]string{"dispatch": {"2026-12"}})
	check(dec(1, 9, 0), none) // done: logged ok by the catch-up
	check(dec(22, 10, 0), map[string][]string{"remind": {"2026-12"}})
	check(dec(25, 18, 0), none)                                                                  // assess: December's deadline is now, its run on the 26th
	check(dec(26, 10, 0), map[string][]string{"assess": {"2026-12"}})                            // missed the 26th
	check(time.Date(2027, 1, 20, 0, 0, 0, 0, loc), map[string][]string{"dispatch": {"2027-01"}}) // off all of January's first weeks

	// A failed run is not a success: tried again, but not before an hour has passed.
	h2 := newHarness(t)
	h.d = h2.d
	h.ctx = h2.ctx
	loc = h.d.Config.Location
	h.d.Config.Schedule.Retries = 0
	logCycle(t, h, "2026-11")
	fail = errors.New("font missing (test)")
	check(dec(26, 10, 0), map[string][]string{"assess": {"2026-12"}})
	fail = nil
	check(dec(26, 10, 30), none) // failed at 10:00: retried an hour later
	check(dec(26, 11, 1), map[string][]string{"assess": {"2026-12"}})
	check(dec(26, 12, 30), none)
	a := runsOf(t, h, "assess")
	if len(a) != 3 || a[1].Outcome != store.RunFailed || a[1].Cause != store.RunCatchUp || a[2].Outcome != store.RunOK {
		t.Errorf("assess runs %+v", a)
	}

	// A run left "running": in hand when its process runs, missed when it died.
	logRun(t, h, "dispatch", "2026-11", time.Date(2026, 11, 1, 8, 0, 0, 0, loc), store.RunOK)
	if _, err := h.d.Store.StartRun(h.ctx, "remind", "2026-12", dec(22, 9, 0)); err != nil { // this process
		t.Fatal(err)
	}
	check(dec(22, 10, 0), map[string][]string{"dispatch": {"2026-12"}})
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	holder := store.Holder{Host: store.Self().Host, PID: dead.ProcessState.Pid(), PIDNS: store.Self().PIDNS, Nonce: "dead"}
	if _, err := h.d.Store.DB().ExecContext(h.ctx, `UPDATE runs SET holder = ? WHERE job = 'remind' AND outcome = 'running'`, holder.ID()); err != nil {
		t.Fatal(err)
	}
	check(dec(22, 10, 5), map[string][]string{"remind": {"2026-12"}})

	// Dispatch and remind are not caught up after the deadline.
	h3 := newHarness(t)
	h.d, h.ctx = h3.d, h3.ctx
	h.d.Config.Schedule.Retries = 0
	logCycle(t, h, "2026-11")
	check(dec(25, 18, 0), map[string][]string{})
	check(dec(27, 9, 0), map[string][]string{"assess": {"2026-12"}})

	// A preview by hand (dispatch --dry-run) is not the period's run; a run left running
	// with no holder recorded is in hand for an hour, then not.
	h4 := newHarness(t)
	h.d, h.ctx = h4.d, h4.ctx
	h.d.Config.Schedule.Retries = 0
	logCycle(t, h, "2026-11")
	if _, err := h.d.Store.LogRun(h.ctx, store.Run{Job: "dispatch", Period: "2026-12", Started: dec(1, 7, 0), Finished: dec(1, 7, 1),
		Outcome: store.RunOK, Cause: store.RunPreview}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.Store.StartRun(h.ctx, "remind", "2026-12", dec(22, 9, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.Store.DB().ExecContext(h.ctx, `UPDATE runs SET holder = '' WHERE outcome = 'running'`); err != nil {
		t.Fatal(err)
	}
	check(dec(1, 9, 0), map[string][]string{"dispatch": {"2026-12"}})
	check(dec(22, 9, 30), none)
	check(dec(22, 10, 1), map[string][]string{"remind": {"2026-12"}})
}

// TestCollectPassQuiet: an idle mailbox check logs no run; a pass that handled a message
// is one run.
func TestCollectPassQuiet(t *testing.T) {
	h := newHarness(t)
	mb, err := h.d.OpenMailbox(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	for range 3 {
		if err := h.d.collectPass(h.ctx, mb); err != nil {
			t.Fatal(err)
		}
	}
	if runs := runsOf(t, h, ""); len(runs) != 0 {
		t.Fatalf("idle passes logged %d runs: %+v", len(runs), runs)
	}
	h.send("370811", "进展表", xlsx("进展表.xlsx", []byte("这不是一个表格文件")))
	if err := h.d.collectPass(h.ctx, mb); err != nil {
		t.Fatal(err)
	}
	if err := h.d.collectPass(h.ctx, mb); err != nil {
		t.Fatal(err)
	}
	runs := runsOf(t, h, "")
	if len(runs) != 1 || runs[0].Job != "collect" || runs[0].Outcome != store.RunOK || runs[0].Counts["messages"] != 1 || runs[0].Finished.IsZero() {
		t.Fatalf("runs %+v: want one collect run of one message", runs)
	}
}
