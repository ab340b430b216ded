package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

func TestFiredAt(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		cron, now, want string
	}{
		{"0 8 1 * *", "2026-11-01 08:00:00.000", "2026-11-01 08:00:00.000"},    // on time
		{"0 8 1 * *", "2026-11-01 08:00:03.250", "2026-11-01 08:00:00.000"},    // a little late
		{"0 0 1 * *", "2026-10-31 23:59:59.900", "2026-11-01 00:00:00.000"},    // early: wall clock stepped back
		{"0 0 1 * *", "2026-11-01 00:00:00.001", "2026-11-01 00:00:00.000"},    // just after midnight
		{"*/5 * * * *", "2026-11-03 10:07:10.000", "2026-11-03 10:05:00.000"},  // nearest of 10:05 and 10:10
		{"*/5 * * * *", "2026-11-03 10:08:10.000", "2026-11-03 10:10:00.000"},  // nearer the next
		{"0 9 26 * *", "2026-11-27 03:00:00.000", "2026-11-26 09:00:00.000"},   // hours late
		{"0 9 29 2 *", "2027-03-01 09:00:00.000", "2028-02-29 09:00:00.000"},   // leap day: the only activation in reach
		{"@daily", "2026-12-31 23:59:59.000", "2027-01-01 00:00:00.000"},       // descriptor
		{"0 8 1 1 *", "2026-07-01 08:00:00.000", "2026-01-01 08:00:00.000"},    // yearly: half a year back is nearer
		{"0 8 1 1 *", "2026-07-04 08:00:00.000", "2027-01-01 08:00:00.000"},    // yearly: now the next is nearer
		{"30 8 * * 1-5", "2026-11-02 08:30:00.000", "2026-11-02 08:30:00.000"}, // weekday
		{"30 8 * * 1-5", "2026-11-01 08:30:00.000", "2026-11-02 08:30:00.000"}, // Sunday: Monday's is nearest
		{"0 8 1 * *", "2026-11-16 07:00:00.000", "2026-11-01 08:00:00.000"},    // past the middle: still the 1st
		{"0 8 1 * *", "2026-11-17 09:00:00.000", "2026-12-01 08:00:00.000"},    // nearer December
		{"0 12 15 * *", "2026-11-15 12:00:00.000", "2026-11-15 12:00:00.000"},  // exactly
		{"0 12 15 * *", "2026-11-15 11:59:59.999", "2026-11-15 12:00:00.000"},  // a millisecond early
		{"0 12 15 * *", "2026-11-29 23:00:00.000", "2026-11-15 12:00:00.000"},  // nearer the 15th than December's
		{"0 12 15 * *", "2026-12-01 01:00:00.000", "2026-12-15 12:00:00.000"},  // nearer December's
		{"0 12 15 * *", "2026-11-30 12:00:00.000", "2026-11-15 12:00:00.000"},  // equidistant: the earlier
		{"0 0 * * *", "2026-11-30 12:00:00.000", "2026-11-30 00:00:00.000"},    // equidistant: the earlier
		{"0 0 * * *", "2026-11-30 12:00:00.001", "2026-12-01 00:00:00.000"},    // just past the middle
	}
	for _, tt := range tests {
		t.Run(tt.cron+"@"+tt.now, func(t *testing.T) {
			s, err := cronParser.Parse(tt.cron)
			if err != nil {
				t.Fatal(err)
			}
			if got := firedAt(s, at(tt.now)); !got.Equal(at(tt.want)) {
				t.Errorf("firedAt = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestScheduledPeriods(t *testing.T) {
	h := newHarness(t)
	loc := h.d.Config.Location
	h.d.Config.Period.DeadlineDay, h.d.Config.Period.DeadlineHour = 25, 18
	tests := []struct {
		fired              time.Time
		dispatch, assessed string
	}{
		{time.Date(2026, 11, 1, 8, 0, 0, 0, loc), "2026-11", "2026-10"},
		{time.Date(2026, 11, 26, 9, 0, 0, 0, loc), "2026-11", "2026-11"},
		{time.Date(2026, 11, 25, 18, 0, 0, 0, loc), "2026-11", "2026-11"},  // at the deadline
		{time.Date(2026, 11, 25, 17, 59, 0, 0, loc), "2026-11", "2026-10"}, // before it
		{time.Date(2026, 12, 1, 0, 0, 0, 0, loc), "2026-12", "2026-11"},
		{time.Date(2027, 1, 1, 9, 0, 0, 0, loc), "2027-01", "2026-12"}, // over the year
		// 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Jining: the office's month counts.
		{time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC).In(loc), "2026-12", "2026-11"},
	}
	for _, tt := range tests {
		if got := CurrentPeriod(tt.fired); got != tt.dispatch {
			t.Errorf("%s: period %s, want %s", tt.fired, got, tt.dispatch)
		}
		if got := h.d.assessPeriod(tt.fired); got != tt.assessed {
			t.Errorf("%s: assess period %s, want %s", tt.fired, got, tt.assessed)
		}
	}
}

// monthDriver drives Serve with the harness's fake clock: it advances the clock from one
// scheduled activation to the next and waits, each time, for the runs due then to finish.
type monthDriver struct {
	h      *harness
	scheds map[string]cron.Schedule
	done   chan error
	cancel context.CancelFunc
	ran    chan jobFired
	seen   map[jobFired]bool
}

// jobFired is a job's task having finished with an activation.
type jobFired struct {
	job   string
	fired int64 // Unix ms
}

// startServe sets the schedule and runs Serve in the background until stop.
//
// reminders are schedule.reminders, e.g. "-3d 09:00": the remind job fires at their times
// of day (RemindCron).
func startServe(t *testing.T, h *harness, dispatch, reminders, assess, deliver string) *monthDriver {
	t.Helper()
	sc := &h.d.Config.Schedule
	sc.Dispatch, sc.Reminders, sc.Assess, sc.Deliver = dispatch, strings.Split(reminders, ","), assess, deliver
	m := &monthDriver{h: h, scheds: map[string]cron.Schedule{}, done: make(chan error, 1),
		ran: make(chan jobFired, 100000), seen: map[jobFired]bool{}}
	for name, expr := range map[string]string{"dispatch": dispatch, "remind": RemindCron(h.d.Config), "assess": assess, "deliver": deliver} {
		s, err := cronParser.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		m.scheds[name] = s
	}
	ctx, cancel := context.WithCancel(h.ctx)
	m.cancel = cancel
	hooks := serveHooks{done: func(job string, fired time.Time) { m.ran <- jobFired{job, fired.UnixMilli()} }}
	go func() { m.done <- h.d.serve(ctx, hooks) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-m.done:
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return m
}

// stop cancels Serve (as SIGTERM does) and returns what it returned.
func (m *monthDriver) stop() error {
	m.cancel()
	select {
	case err := <-m.done:
		m.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		m.h.t.Fatal("Serve did not return after cancel")
		return nil
	}
}

// timers waits until the scheduler has its timers on the fake clock (one per job).
func (m *monthDriver) timers() {
	m.h.t.Helper()
	ctx, cancel := context.WithTimeout(m.h.ctx, 30*time.Second)
	defer cancel()
	if err := m.h.clock.BlockUntilContext(ctx, len(m.scheds)); err != nil {
		m.h.t.Fatal("scheduler timers not set:", err)
	}
}

// advanceTo moves the clock to target, stopping at every activation on the way and
// waiting for the runs due at it to be logged as finished.
func (m *monthDriver) advanceTo(target time.Time) {
	m.h.t.Helper()
	for {
		now := m.h.clock.Now().In(m.h.d.Config.Location)
		var next time.Time
		var due []string
		for name, s := range m.scheds {
			n := s.Next(now)
			switch {
			case next.IsZero() || n.Before(next):
				next, due = n, []string{name}
			case n.Equal(next):
				due = append(due, name)
			}
		}
		m.timers()
		if next.After(target) {
			m.h.clock.Advance(target.Sub(now))
			return
		}
		m.h.clock.Advance(next.Sub(now))
		m.waitDone(next, due...)
	}
}

// waitDone waits until the jobs' tasks have finished with the activation at at.
func (m *monthDriver) waitDone(at time.Time, jobs ...string) {
	m.h.t.Helper()
	timeout := time.After(60 * time.Second)
	for _, j := range jobs {
		k := jobFired{j, at.UnixMilli()}
		for !m.seen[k] {
			select {
			case f := <-m.ran:
				m.seen[f] = true
			case <-timeout:
				m.h.t.Fatalf("timed out waiting for %s fired at %s", j, at)
			}
		}
	}
}

// waitRuns waits until each job has a finished run that started at at.
func (m *monthDriver) waitRuns(at time.Time, jobs ...string) []store.Run {
	m.h.t.Helper()
	var out []store.Run
	waitFor(m.h.t, fmt.Sprintf("runs of %v at %s", jobs, at), func() bool {
		runs, err := m.h.d.Store.Runs(m.h.ctx, 200)
		if err != nil {
			m.h.t.Fatal(err)
		}
		out = out[:0]
		for _, j := range jobs {
			found := false
			for _, r := range runs {
				if r.Job == j && r.Started.Equal(at) && r.Outcome != store.RunRunning {
					out = append(out, r)
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	})
	return out
}

// waitFor polls cond (in real time) until it holds, failing the test after 60 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(3 * time.Millisecond)
	}
}

// sinkCount is how many mails of kind the sink holds for addr ("" for any address).
func sinkCount(sink *mail.SMTPSink, addr, kind string) int {
	n := 0
	for _, r := range sink.Messages() {
		if kind != "" && headerValue(r.Data, "X-Kaohe-Kind") != kind {
			continue
		}
		if addr == "" {
			n++
			continue
		}
		for _, to := range r.To {
			if strings.EqualFold(to, addr) {
				n++
				break
			}
		}
	}
	return n
}

// at is a time in the office's zone in the harness's period.
func (h *harness) at(day, hour, min int) time.Time {
	return time.Date(2026, 11, day, hour, min, 0, 0, h.d.Config.Location)
}

// TestServeMonth runs the scheduler through November 2026 on the embedded servers:
// dispatch on the 1st, counties replying through the month (one with a broken form it
// corrects, one with a broken form it never corrects, one after the reminder, one late,
// five never), the reminder on the 22nd, the assessment on the 26th, deliveries every
// hour and after every collect pass. October ran as usual, so missed runs are caught up
// (a normal month has none: nothing runs twice), and idle mailbox checks log no run.
func TestServeMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("a month of scheduler runs")
	}
	h := newHarness(t)
	loc := h.d.Config.Location
	logCycle(t, h, "2026-10")
	h.clock = clockwork.NewFakeClockAt(time.Date(2026, 11, 1, 7, 59, 0, 0, loc))
	h.d.Clock = h.clock
	h.d.Config.Period.DeadlineDay, h.d.Config.Period.DeadlineHour = 25, 18
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00", "0 9 26 * *", "0 */4 * * *")

	counties := h.d.Roster.Counties
	first := func(code string) string { return h.county(code).Emails[0] }
	// waitReply waits until code's first address has n mails of kind.
	waitReply := func(code, kind string, n int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d %s mail(s) to %s", n, kind, code), func() bool { return sinkCount(h.sink, first(code), kind) >= n })
	}

	// 1st, 08:00: every county is mailed its form.
	m.advanceTo(h.at(1, 8, 0))
	waitFor(t, "14 forms at the sink", func() bool { return sinkCount(h.sink, "", templates.MailDispatch) == len(counties) })

	type reply struct {
		day, hour int
		code      string
		broken    bool
	}
	replies := []reply{
		{3, 10, "370811", false},
		{5, 15, "370812", false},
		{8, 9, "370826", false},
		{12, 11, "370827", false},
		{15, 16, "370828", true}, // broken, then corrected on the 18th
		{16, 10, "370829", true}, // broken, never corrected
		{18, 9, "370828", false},
		{20, 14, "370830", false},
		{23, 10, "370831", false}, // after the reminder, before the deadline
		{25, 20, "370832", false}, // two hours late
	}
	want := map[string]map[string]int{} // county → kind → mails
	for _, c := range counties {
		want[c.Code] = map[string]int{templates.MailDispatch: 1, templates.MailReport: 1}
	}
	acceptedBy22 := map[string]bool{}
	for i, r := range replies {
		m.advanceTo(h.at(r.day, r.hour, 0))
		if r.broken {
			h.send(r.code, "进展表", xlsx("进展表.xlsx", []byte("这不是一个表格文件")))
			want[r.code][templates.MailReject]++
			waitReply(r.code, templates.MailReject, want[r.code][templates.MailReject])
			continue
		}
		h.send(r.code, fmt.Sprintf("11月进展表(%d)", i), xlsx(FormFilename(h.county(r.code), h.period), h.filled(r.code, 0.5+0.05*float64(i), uint64(i))))
		want[r.code][templates.MailReceipt]++
		waitReply(r.code, templates.MailReceipt, want[r.code][templates.MailReceipt])
		if r.day < 22 {
			acceptedBy22[r.code] = true
		}
	}
	// The reminder went (on the 22nd) only to those with no accepted form by then.
	for _, c := range counties {
		if !acceptedBy22[c.Code] {
			want[c.Code][templates.MailRemind] = 1
		}
	}

	// Through the deadline and the assessment to the end of the month.
	m.advanceTo(time.Date(2026, 12, 1, 0, 0, 0, 0, loc))
	reportsWanted := len(counties)
	waitFor(t, "every report and the summary", func() bool {
		return sinkCount(h.sink, "", templates.MailReport) == reportsWanted && sinkCount(h.sink, "", templates.MailSummary) == 1
	})
	if err := m.stop(); err != nil {
		t.Fatal("Serve:", err)
	}

	// Every county got what it should, once.
	for _, c := range counties {
		for _, kind := range []string{templates.MailDispatch, templates.MailRemind, templates.MailReceipt, templates.MailReject, templates.MailReport, templates.MailNoForm, templates.MailSummary} {
			if got := sinkCount(h.sink, c.Emails[0], kind); got != want[c.Code][kind] {
				t.Errorf("%s (%s): %d %s mail(s), want %d", c.Code, c.Name, got, kind, want[c.Code][kind])
			}
		}
	}
	for _, l := range h.d.Roster.Leaders {
		if got := sinkCount(h.sink, l, templates.MailSummary); got != 1 {
			t.Errorf("leaders %s: %d summaries, want 1", l, got)
		}
		if got := sinkCount(h.sink, l, ""); got != 1 {
			t.Errorf("leaders %s: %d mails, want only the summary", l, got)
		}
	}
	// Nothing sent twice: every outbox key and Message-ID once at the sink, and the outbox
	// has nothing left.
	keys, ids := map[string]int{}, map[string]int{}
	for _, r := range h.sink.Messages() {
		keys[headerValue(r.Data, "X-Kaohe-Key")]++
		ids[r.MessageID]++
	}
	for k, n := range keys {
		if n != 1 || k == "" {
			t.Errorf("key %q reached the sink %d times", k, n)
		}
	}
	for id, n := range ids {
		if n != 1 || id == "" {
			t.Errorf("Message-ID %q reached the sink %d times", id, n)
		}
	}
	queued, err := h.d.Store.Outbox(h.ctx, store.OutQueued, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 0 {
		t.Errorf("%d mails still queued", len(queued))
	}
	// The reports on disk, and the late county is marked late in the assessment.
	for _, c := range counties {
		if _, err := os.Stat(filepath.Join(h.d.Config.Report.OutDir, h.period, c.Code+".pdf")); err != nil {
			t.Error(err)
		}
	}
	late, err := h.d.Store.LatestAccepted(h.ctx, "370832", h.period)
	if err != nil {
		t.Fatal(err)
	}
	if dl, _ := h.d.Config.Deadline(h.period); !late.Received.After(dl) {
		t.Errorf("late form received %s, deadline %s", late.Received, dl)
	}

	// Every run is logged, finished, with its outcome.
	runs, err := h.d.Store.Runs(h.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byJob := map[string][]store.Run{}
	for _, r := range runs {
		if r.Period == "2026-10" {
			continue // logged above
		}
		if r.Cause != "" {
			t.Errorf("run %d %s %s: cause %q in a normal month", r.ID, r.Job, r.Period, r.Cause)
		}
		if r.Outcome != store.RunOK {
			t.Errorf("run %d %s %s: outcome %s, error %q", r.ID, r.Job, r.Period, r.Outcome, r.Error)
		}
		if r.Finished.IsZero() {
			t.Errorf("run %d %s: not finished", r.ID, r.Job)
		}
		byJob[r.Job] = append(byJob[r.Job], r)
	}
	one := func(job string, at time.Time) store.Run {
		t.Helper()
		rs := byJob[job]
		if len(rs) != 1 {
			t.Fatalf("%d %s runs, want 1", len(rs), job)
		}
		if !rs[0].Started.Equal(at) || rs[0].Period != h.period {
			t.Errorf("%s run started %s for %q, want %s for %s", job, rs[0].Started, rs[0].Period, at, h.period)
		}
		return rs[0]
	}
	if r := one("dispatch", h.at(1, 8, 0)); r.Counts["queued"] != len(counties) {
		t.Errorf("dispatch counts %v", r.Counts)
	}
	wantReminded := 0
	for _, c := range counties {
		wantReminded += want[c.Code][templates.MailRemind]
	}
	if r := one("remind", h.at(22, 9, 0)); r.Counts["reminded"] != wantReminded || r.Counts["done"] != len(counties)-wantReminded {
		t.Errorf("remind counts %v, want %d reminded", r.Counts, wantReminded)
	}
	if r := one("assess", h.at(26, 9, 0)); r.Counts["queued"] != len(counties)+1 || r.Counts["assessed"] != 8 {
		t.Errorf("assess counts %v", r.Counts)
	}
	// Deliveries every four hours from 08:00 on the 1st to 00:00 on 1 December. An
	// activation that finds the watcher delivering is skipped (logged), which happens
	// more under -race; what matters is checked below: everything was sent, and once.
	activations := map[int64]int{}
	for _, r := range byJob["deliver"] {
		activations[r.Started.UnixMilli()]++
	}
	if n := len(activations); n < 30 || n > 30*6-2+1 {
		t.Errorf("%d deliver activations run, want at least one a day and at most %d", n, 30*6-2+1)
	}
	if len(byJob["collect"]) == 0 {
		t.Error("no collect runs logged")
	}
	// Only passes that handled mail are in the log: one for each mail (11), or fewer
	// when a pass took two; idle checks are not.
	for _, r := range byJob["collect"] {
		if r.Counts["messages"] == 0 {
			t.Errorf("idle collect run logged: %+v", r)
		}
	}
	if n := len(byJob["collect"]); n > len(replies) {
		t.Errorf("%d collect runs for %d mails", n, len(replies))
	}
	sent := 0
	for _, r := range byJob["deliver"] {
		sent += r.Counts["sent"]
	}
	if total := len(h.sink.Messages()); sent > total {
		t.Errorf("deliver runs counted %d sent, the sink has %d", sent, total)
	}
}

// failingSender fails SendBatch with err while fail is set, else passes it on.
type failingSender struct {
	mu   sync.Mutex
	fail error
	next Sender
}

func (f *failingSender) set(err error) {
	f.mu.Lock()
	f.fail = err
	f.mu.Unlock()
}

func (f *failingSender) SendBatch(ctx context.Context, msgs []mail.Outgoing, each func(int, error)) error {
	f.mu.Lock()
	err := f.fail
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.next.SendBatch(ctx, msgs, each)
}

// TestServeRetries: a failing step is retried schedule.retries times, each attempt a
// failed run in the log with its error; when it keeps failing it stops there, and when an
// attempt succeeds no further one is made.
func TestServeRetries(t *testing.T) {
	h := newHarness(t)
	h.d.OpenMailbox = nil // the scheduled steps only
	fs := &failingSender{next: h.d.Sender}
	h.d.Sender = fs
	h.d.Config.Schedule.Retries = 2
	h.d.Config.Schedule.RetryDelaySeconds = 120
	delay := 120 * time.Second
	boom := errors.New("connection refused (test)")
	fs.set(boom)
	queued := queueMails(t, h, 3)
	// The clock is at 08:00 on the 1st: deliver at 08:20 and 09:20.
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00", "0 9 26 * *", "20 * * * *")
	m.timers()
	h.clock.Advance(20 * time.Minute) // 08:20
	m.waitRuns(h.at(1, 8, 20), "deliver")
	// Attempt 2 and 3, each after the retry delay: the scheduler's timers and the retry's.
	for i := 0; i < 2; i++ {
		if err := h.clock.BlockUntilContext(h.ctx, len(m.scheds)+1); err != nil {
			t.Fatal(err)
		}
		at := h.clock.Now().Add(delay)
		h.clock.Advance(delay)
		m.waitRuns(at, "deliver")
	}
	m.waitDone(h.at(1, 8, 20), "deliver") // and no fourth attempt
	runs := deliverRuns(t, h)
	if len(runs) != 3 {
		t.Fatalf("%d deliver runs, want 3 (1 + 2 retries): %+v", len(runs), runs)
	}
	for _, r := range runs {
		if r.Outcome != store.RunFailed || !strings.Contains(r.Error, boom.Error()) {
			t.Errorf("run %d: outcome %s, error %q; want failed with %q", r.ID, r.Outcome, r.Error, boom)
		}
	}
	if sinkCount(h.sink, "", "") != 0 {
		t.Fatal("mail sent while the server failed")
	}
	// 09:20: fails once, then the retry succeeds and no more attempts follow.
	m.timers()
	h.clock.Advance(h.at(1, 9, 20).Sub(h.clock.Now()))
	m.waitRuns(h.at(1, 9, 20), "deliver")
	if err := h.clock.BlockUntilContext(h.ctx, len(m.scheds)+1); err != nil {
		t.Fatal(err)
	}
	fs.set(nil)
	at := h.clock.Now().Add(delay)
	h.clock.Advance(delay)
	m.waitRuns(at, "deliver")
	m.waitDone(h.at(1, 9, 20), "deliver")
	runs = deliverRuns(t, h)
	if len(runs) != 5 {
		t.Fatalf("%d deliver runs, want 5", len(runs))
	}
	last := runs[len(runs)-1]
	if last.Outcome != store.RunOK || last.Counts["sent"] != queued {
		t.Errorf("last run: %s %v %q", last.Outcome, last.Counts, last.Error)
	}
	if n := sinkCount(h.sink, "", ""); n != queued {
		t.Errorf("%d mails at the sink, want %d", n, queued)
	}
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
	if got := deliverRuns(t, h); len(got) != 5 {
		t.Errorf("%d deliver runs after stop, want 5", len(got))
	}
}

// queueMails puts n small mails in the outbox, one per county, and returns n.
func queueMails(t *testing.T, h *harness, n int) int {
	t.Helper()
	for _, c := range h.d.Roster.Counties[:n] {
		if _, _, err := h.d.enqueue(h.ctx, &store.Outgoing{Key: "test:" + c.Code, Kind: templates.MailRemind, County: c.Code,
			Period: h.period, To: c.Emails, Subject: "测试", Body: "测试邮件"}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// deliverRuns are the deliver runs, oldest first.
func deliverRuns(t *testing.T, h *harness) []store.Run {
	t.Helper()
	runs, err := h.d.Store.Runs(h.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Run
	for _, r := range runs {
		if r.Job == "deliver" {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// blockingSender holds SendBatch until released, telling when it started.
type blockingSender struct {
	started chan struct{}
	release chan struct{}
	next    Sender
}

func (b *blockingSender) SendBatch(ctx context.Context, msgs []mail.Outgoing, each func(int, error)) error {
	select {
	case b.started <- struct{}{}:
	default:
	}
	<-b.release
	return b.next.SendBatch(ctx, msgs, each)
}

// TestServeShutdownFinishesStep: cancelling Serve's context (SIGTERM) while a step is
// sending lets the step finish — every mail sent and marked, the run logged ok — and
// Serve returns only then; no run starts afterwards and a failed one is not retried.
func TestServeShutdownFinishesStep(t *testing.T) {
	h := newHarness(t)
	h.d.OpenMailbox = nil
	bs := &blockingSender{started: make(chan struct{}, 1), release: make(chan struct{}), next: h.d.Sender}
	h.d.Sender = bs
	queued := queueMails(t, h, 5)
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00", "0 9 26 * *", "20 * * * *")
	m.timers()
	h.clock.Advance(20 * time.Minute) // 08:20: deliver starts and blocks in SendBatch
	select {
	case <-bs.started:
	case <-time.After(30 * time.Second):
		t.Fatal("deliver did not start")
	}
	m.cancel()
	// Serve must wait for the step in hand; longer than gocron's own stop timeout would
	// be the real test, but any return before release is the bug.
	select {
	case err := <-m.done:
		t.Fatalf("Serve returned (%v) while a step was in hand", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(bs.release)
	if err := m.stop(); err != nil {
		t.Fatal("Serve:", err)
	}
	runs := deliverRuns(t, h)
	if len(runs) != 1 {
		t.Fatalf("%d deliver runs, want 1", len(runs))
	}
	if r := runs[0]; r.Outcome != store.RunOK || r.Counts["sent"] != queued || r.Finished.IsZero() {
		t.Errorf("deliver run: %s %v %q", r.Outcome, r.Counts, r.Error)
	}
	if n := sinkCount(h.sink, "", ""); n != queued {
		t.Errorf("%d mails at the sink, want %d", n, queued)
	}
	left, err := h.d.Store.Outbox(h.ctx, store.OutQueued, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d mails left queued: the step was cut short", len(left))
	}
	// After the shutdown, time passing starts nothing.
	h.clock.Advance(24 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	if got := deliverRuns(t, h); len(got) != 1 {
		t.Errorf("%d deliver runs after shutdown", len(got))
	}
}
