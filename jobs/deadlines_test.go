package jobs

import (
	"cmp"
	"context"
	"fmt"
	"github.com/jining/kaohe/internal/config"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// TestQuarterDeadlines runs the scheduler through September to November 2026 on the
// embedded servers with a fake clock (deadline the 25th 18:00, locked 5 days later;
// reminders 3 and 1 days before and 1 day after the deadline, 09:00; assessment the 27th):
//
//   - 任城区 sends on the 3rd every month, with one task 未启动 each time: red three
//     months running, it gets a 提醒 (October) then a 督办 (November) 督办单, and the
//     November 通报 lists it;
//   - 兖州区 sends on the 23rd: reminded on the 22nd only;
//   - 曲阜市 sends November's form after the lock: 【逾期】, not scored; the office
//     extends its deadline (kaohe extend), the re-assessment scores it and mails the
//     corrected reports (更正) once; a second re-assessment mails nothing;
//   - the others never send: reminded on each reminder day, the one after the deadline
//     copied to 曲阜市's escalate_to address.
func TestQuarterDeadlines(t *testing.T) {
	if testing.Short() {
		t.Skip("a quarter of scheduler runs")
	}
	h := newHarness(t)
	loc := h.d.Config.Location
	cfg := h.d.Config
	cfg.Period.DeadlineDay, cfg.Period.DeadlineHour, cfg.Period.LockAfterDays = 25, 18, 5
	cfg.Escalation.Months, cfg.Escalation.Levels = 2, []string{"提醒", "督办", "通报"}
	const onTime, after22, locked = "370811", "370812", "370881"
	leader := "fenguan.qufu@county.kaohe.test"
	h.county(locked).EscalateTo = []string{leader}
	logCycle(t, h, "2026-08")
	at := func(month time.Month, day, hour int) time.Time {
		return time.Date(2026, month, day, hour, 0, 0, 0, loc)
	}
	h.clock = clockwork.NewFakeClockAt(at(9, 1, 7).Add(59 * time.Minute))
	h.d.Clock = h.clock
	m := startServe(t, h, "0 8 1 * *", "-3d 09:00,-1d 09:00,+1d 09:00", "0 9 27 * *", "0 */6 * * *")

	// The task 任城区 leaves 未启动: the checklist's first status task.
	var task *seeds.Task
	for _, tk := range h.d.Checklist.Tasks() {
		if tk.Kind == seeds.KindStatus {
			task = tk
			break
		}
	}
	if task == nil {
		t.Fatal("no status task in the checklist")
	}
	filled := func(code string, notStarted bool) []byte {
		f := score.Synthetic(h.d.Checklist, h.county(code), h.period, rand.New(rand.NewPCG(7, 2)), 0.95)
		if notStarted {
			for i := range f.Tasks {
				if f.Tasks[i].Task == task.ID {
					f.Tasks[i].Status, f.Tasks[i].Percent = seeds.StatusNotStarted, 0
					// a task not done needs the county's words (template version 3)
					f.Tasks[i].Problems = cmp.Or(f.Tasks[i].Problems, "资金尚未落实")
					f.Tasks[i].NextSteps = cmp.Or(f.Tasks[i].NextSteps, "下月启动")
				}
			}
		}
		b, err := templates.FillForm(h.form(code), f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	addr := func(code string) string { return h.county(code).Emails[0] }
	waitMail := func(to, kind string, n int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d %s mail(s) to %s", n, kind, to), func() bool { return sinkCount(h.sink, to, kind) >= n })
	}
	for i, month := range []time.Month{9, 10, 11} {
		h.period = fmt.Sprintf("2026-%02d", month)
		m.advanceTo(at(month, 3, 10))
		h.send(onTime, "进展表", xlsx(FormFilename(h.county(onTime), h.period), filled(onTime, true)))
		waitMail(addr(onTime), templates.MailReceipt, i+1)
		m.advanceTo(at(month, 23, 10))
		h.send(after22, "进展表", xlsx(FormFilename(h.county(after22), h.period), filled(after22, false)))
		waitMail(addr(after22), templates.MailReceipt, i+1)
		m.advanceTo(at(month, 28, 0))
		waitMail("", templates.MailSummary, i+1)
	}
	// 曲阜市's November form, after the lock (30 November 18:00).
	m.advanceTo(at(11, 30, 20))
	h.send(locked, "进展表", xlsx(FormFilename(h.county(locked), h.period), filled(locked, false)))
	waitMail(addr(locked), templates.MailOverdue, 1)
	m.advanceTo(at(11, 30, 23))
	if err := m.stop(); err != nil {
		t.Fatal("Serve:", err)
	}

	// Reminders: on the configured days only, to the counties without an accepted form.
	var reminds []store.Run
	for _, r := range runsOf(t, h, "remind") {
		if r.Period != "2026-08" {
			reminds = append(reminds, r)
		}
	}
	if len(reminds) != 9 {
		t.Fatalf("%d remind runs, want 9 (3 a month)", len(reminds))
	}
	n := len(h.d.Roster.Counties)
	for i, r := range reminds {
		month := time.Month(9 + i/3)
		day := []int{22, 24, 26}[i%3]
		want := []int{n - 1, n - 2, n - 2}[i%3]
		if !r.Started.Equal(at(month, day, 9)) || r.Period != fmt.Sprintf("2026-%02d", month) || r.Outcome != store.RunOK {
			t.Errorf("remind run %d: %s %s %s, want %s", i, r.Started, r.Period, r.Outcome, at(month, day, 9))
		}
		if r.Counts["reminded"] != want {
			t.Errorf("remind run %s: %v, want %d reminded", r.Started, r.Counts, want)
		}
		if day == 26 && r.Counts["escalated"] != 1 {
			t.Errorf("remind run %s: %v, want 1 copied to escalate_to", r.Started, r.Counts)
		}
	}
	if got := sinkCount(h.sink, addr(onTime), templates.MailRemind); got != 0 {
		t.Errorf("任城区 (form on the 3rd): %d reminders", got)
	}
	if got := sinkCount(h.sink, addr(after22), templates.MailRemind); got != 3 {
		t.Errorf("兖州区 (form on the 23rd): %d reminders, want 3 (the 22nd's)", got)
	}
	if got := sinkCount(h.sink, addr(locked), templates.MailRemind); got != 9 {
		t.Errorf("曲阜市: %d reminders, want 9", got)
	}
	if got := sinkCount(h.sink, leader, templates.MailRemind); got != 3 {
		t.Errorf("曲阜市's 分管领导: %d reminders, want 3 (after the deadline only)", got)
	}
	for _, s := range h.to(leader) {
		if !strings.Contains(s.Subject, "已逾期未报送") || !strings.Contains(s.Text, "抄送你单位分管领导") {
			t.Errorf("copy to the 分管领导: %s\n%s", s.Subject, s.Text)
		}
	}

	// The form after the lock: stored, answered 【逾期】, not scored.
	over := h.to(addr(locked))
	last := over[len(over)-1]
	if !strings.Contains(last.Subject, "【逾期】") || !strings.Contains(last.Text, "不计入考核评分") {
		t.Errorf("reply to the form after the lock: %s\n%s", last.Subject, last.Text)
	}
	if _, err := h.d.Store.LatestAccepted(h.ctx, locked, "2026-11"); err != nil {
		t.Errorf("the form after the lock is not stored: %v", err)
	}
	nov := func() *score.CountyResult {
		a, err := h.d.Store.Assessment(h.ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		var res score.Result
		if err := a.DecodeResult(&res); err != nil {
			t.Fatal(err)
		}
		for i := range res.Counties {
			if res.Counties[i].Code == locked {
				return &res.Counties[i]
			}
		}
		t.Fatal("曲阜市 not assessed")
		return nil
	}
	if c := nov(); c.Submitted {
		t.Errorf("the form after the lock was scored")
	}
	reAssess := func() Counts {
		t.Helper()
		_, c, err := h.d.Assess(h.ctx, "2026-11", AssessOptions{Queue: true})
		if err != nil {
			t.Fatal(err)
		}
		h.deliver()
		return c
	}
	if c := reAssess(); c["queued"] != 0 {
		t.Errorf("re-assessment with nothing new queued %d mails", c["queued"])
	}

	// The office extends it: the county is told, the re-assessment scores its form and
	// mails the reports that changed as 更正, once.
	ext, err := h.d.Extend(h.ctx, locked, "2026-11", at(12, 3, 18), "县委组织部邮件系统故障，已报备", "王科长")
	if err != nil {
		t.Fatal(err)
	}
	if ext.By != "王科长" || ext.Reason == "" || !ext.At.Equal(h.clock.Now()) {
		t.Errorf("extension %+v", ext)
	}
	if _, err := h.d.Extend(h.ctx, locked, "2026-11", at(11, 20, 18), "早于截止时间", "王科长"); err == nil {
		t.Error("an extension before the deadline was accepted")
	}
	c := reAssess()
	if !nov().Submitted {
		t.Fatal("the extended county's form is not scored")
	}
	if c["corrected"] == 0 || c["queued"] == 0 {
		t.Errorf("re-assessment after the extension: %v", c)
	}
	if got := sinkCount(h.sink, addr(locked), templates.MailExtend); got != 1 {
		t.Errorf("%d 【延期】 notices to the county, want 1", got)
	}
	corrected := 0
	for _, s := range h.to(addr(locked)) {
		if s.Key == "report:2026-11:"+locked+":r2" {
			corrected++
			if !strings.Contains(s.Subject, "【更正】") || !strings.Contains(s.Text, "更正后的报告") {
				t.Errorf("corrected report mail: %s\n%s", s.Subject, s.Text)
			}
			if len(s.Attachments) == 0 || !strings.Contains(s.Attachments[0].Filename, "（更正）") {
				t.Errorf("corrected report attachment %v", s.Attachments)
			}
		}
	}
	if corrected != 1 {
		t.Errorf("%d corrected reports to 曲阜市, want 1", corrected)
	}
	if got := sinkCount(h.sink, "", templates.MailSummary); got != 4 {
		t.Errorf("%d summaries, want 4 (three months and November's 更正)", got)
	}
	before := len(h.sink.Messages())
	if c := reAssess(); c["queued"] != 0 {
		t.Errorf("a second re-assessment queued %d mails", c["queued"])
	}
	if after := len(h.sink.Messages()); after != before {
		t.Errorf("a second re-assessment sent %d mails", after-before)
	}

	// The corrected report, as mailed, is one kaohe issued (kaohe verify-report).
	var corr []byte
	for _, s := range h.to(addr(locked)) {
		if s.Key == "report:2026-11:"+locked+":r2" {
			corr = s.Attachments[0].Data
		}
	}
	if v, err := h.d.VerifyReport(h.ctx, corr, "", "2026-11"); err != nil || v.Code != locked {
		t.Errorf("verify-report of the corrected report: %+v %v", v, err)
	}

	// 任城区's task, red three months: a 提醒 in October, a 督办 in November, in the 通报.
	var esc []sunk
	for _, s := range h.to(addr(onTime)) {
		if headerValue(s.Data, "X-Kaohe-Kind") == templates.MailEscalate && strings.Contains(s.Subject, task.ID) {
			esc = append(esc, s)
		}
	}
	if len(esc) != 2 || !strings.Contains(esc[0].Subject, "【提醒】") || !strings.Contains(esc[0].Subject, "2026年10月") ||
		!strings.Contains(esc[1].Subject, "【督办】") || !strings.Contains(esc[1].Subject, "连续3个月") {
		for _, s := range esc {
			t.Log(s.Subject)
		}
		t.Fatalf("%d 督办单 mails for %s, want 提醒 (October) then 督办 (November)", len(esc), task.ID)
	}
	if len(esc[1].Attachments) != 1 || !strings.HasSuffix(esc[1].Attachments[0].Filename, ".pdf") {
		t.Errorf("督办单 attachment %v", esc[1].Attachments)
	}
	novSummaries := 0
	for _, s := range h.to(h.d.Roster.Leaders[0]) {
		if headerValue(s.Data, "X-Kaohe-Kind") == templates.MailSummary && strings.Contains(s.Subject, "2026年11月") {
			novSummaries++
			if !strings.Contains(s.Text, "督办1份") || !strings.Contains(s.Text, "按时报送率") {
				t.Errorf("November's summary does not list the 督办单 and rates:\n%s", s.Text)
			}
		}
	}
	if novSummaries != 2 {
		t.Errorf("%d November summaries to the leaders, want 2 (the 通报 and its 更正)", novSummaries)
	}
	t.Logf("re-assessment after the extension: %v; 督办单: %s / %s", c, esc[0].Subject, esc[1].Subject)
}

// TestReminderCatchUp: each reminder of schedule.reminders missed (the machine was off)
// is caught up once, until it is stale: one before the deadline until the deadline, the
// one after it until the period's lock; a reminder moved by the holidays file is due on
// its working day; and the remind activations on other days are no run.
func TestReminderCatchUp(t *testing.T) {
	h := newHarness(t)
	loc := h.d.Config.Location
	h.d.Config.Schedule.Retries = 0
	// 2026-12-22 is a Tuesday: listed as a holiday, its reminder moves to Monday the 21st.
	hol, err := config.ReadHolidays([]byte("2026-12-22\n"))
	if err != nil {
		t.Fatal(err)
	}
	h.d.Config.SetHolidays(hol)
	var calls []string
	mk := func() *catchUp {
		s, err := cronParser.Parse(RemindCron(h.d.Config))
		if err != nil {
			t.Fatal(err)
		}
		j := &scheduled{name: "remind", cron: RemindCron(h.d.Config), sched: s, period: h.d.reminderPeriod, slot: h.d.reminderSlot, catchUp: true,
			run: func(_ context.Context, p string) (Counts, error) { calls = append(calls, p); return Counts{}, nil }}
		return &catchUp{d: h.d, jobs: []*scheduled{j}, stop: h.ctx, runCtx: h.ctx, told: map[string]bool{}}
	}
	dec := func(day, hour, min int) time.Time { return time.Date(2026, 12, day, hour, min, 0, 0, loc) }
	check := func(at time.Time, want ...string) {
		t.Helper()
		startAt(h, at)
		calls = nil
		mk().check()
		if fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Errorf("at %s: ran %v, want %v", at.Format("01-02 15:04"), calls, want)
		}
	}
	logCycle(t, h, "2026-11")
	if p := h.d.reminderPeriod(dec(21, 9, 0)); p != "2026-12" {
		t.Errorf("21 December 09:00 is no reminder (%q): the 22nd's, moved off the holiday, is", p)
	}
	for _, at := range []time.Time{dec(22, 9, 0), dec(23, 9, 0), dec(24, 9, 30)} {
		if p := h.d.reminderPeriod(at); p != "" {
			t.Errorf("%s is a reminder of %s", at, p)
		}
	}
	check(dec(20, 10, 0))            // November's last reminder is stale, December's first to come
	check(dec(21, 10, 0), "2026-12") // missed the 21st's (moved from the 22nd)
	check(dec(21, 11, 0))            // it ran (logged by check's run)
	check(dec(24, 8, 0))             // the 24th's is still to come
	check(dec(25, 17, 0), "2026-12") // missed the 24th's: caught up before the deadline
	check(dec(26, 8, 0))             // the 26th's is to come; the 24th's ran
	check(dec(30, 12, 0), "2026-12") // missed the 26th's: caught up until the lock (30th 18:00)
	// A store that missed the 24th and the 26th altogether: too late for both.
	h2 := newHarness(t)
	h.d, h.ctx = h2.d, h2.ctx
	h.d.Config.Schedule.Retries = 0
	logCycle(t, h, "2026-11")
	check(dec(25, 18, 0)) // the 24th's missed, and the deadline has passed: stale
	check(dec(30, 18, 0)) // the 26th's missed, and the period is locked: stale
}

// TestExtensionOpensOldPeriod: a form for a period two months past is refused, unless the
// office extended the county's deadline for it; then it gets a receipt (迟报) and counts.
func TestExtensionOpensOldPeriod(t *testing.T) {
	h := newHarness(t) // 1 November 2026, 08:00
	const code = "370811"
	h.period = "2026-09"
	h.send(code, "九月进展表", xlsx("九月.xlsx", h.filled(code, 0.8, 1)))
	if c := h.collect(); c["rejected"] != 1 {
		t.Fatalf("September's form in November: %v, want rejected", c)
	}
	if _, err := h.d.Extend(h.ctx, code, "2026-09", time.Date(2026, 11, 5, 18, 0, 0, 0, h.d.Config.Location), "补报九月台账", "王科长"); err != nil {
		t.Fatal(err)
	}
	h.send(code, "九月进展表（补报）", xlsx("九月.xlsx", h.filled(code, 0.8, 2)))
	if c := h.collect(); c["accepted"] != 1 {
		t.Fatalf("September's form after the extension: %v, want accepted", c)
	}
	h.deliver()
	got := h.to(h.county(code).Emails[0])
	kinds := map[string]int{}
	for _, s := range got {
		kinds[headerValue(s.Data, "X-Kaohe-Kind")]++
	}
	if kinds[templates.MailReject] != 1 || kinds[templates.MailExtend] != 1 || kinds[templates.MailReceipt] != 1 {
		t.Errorf("mails to the county: %v", kinds)
	}
	for _, s := range got {
		if headerValue(s.Data, "X-Kaohe-Kind") == templates.MailReceipt && !strings.Contains(s.Subject, "迟报") {
			t.Errorf("receipt %q does not say 迟报", s.Subject)
		}
	}
	a, _, err := h.d.Assess(h.ctx, "2026-09", AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range a.Result.Counties {
		if c.Code == code && !c.Submitted {
			t.Error("the extended form is not scored")
		}
	}
}
