package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// mailServers are the embedded IMAP server and SMTP sink a test points kaohe at.
type mailServers struct {
	imap *mail.IMAPServer
	sink *mail.SMTPSink
}

func startMailServers(t *testing.T) *mailServers {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	imapSrv, err := mail.StartIMAPServer(ctx, log, map[string]string{"kaohe": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return &mailServers{imap: imapSrv, sink: sink}
}

// writeConfig writes a config for s's servers with the store and reports in dir, and
// extra TOML appended; the IMAP password is in $KAOHE_TEST_IMAP_PW.
func (s *mailServers) writeConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	ih, ip := hostPort(s.imap.Addr)
	sh, sp := hostPort(s.sink.Addr)
	t.Setenv("KAOHE_TEST_IMAP_PW", "pw")
	cfg := filepath.Join(dir, "kaohe.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
[store]
path = %q
[report]
out_dir = %q
[imap]
host = %q
port = %d
tls = "plain"
username = "kaohe"
password_env = "KAOHE_TEST_IMAP_PW"
poll_seconds = 1
[smtp]
host = %q
port = %d
tls = "none"
rate_per_minute = 0
[checklist]
confirmed_years = [2026]
%s`, filepath.Join(dir, "kaohe.db"), filepath.Join(dir, "reports"), ih, ip, sh, sp, extra)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// header is a header of a raw message ("" when absent or unreadable).
func header(raw []byte, name string) string {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return m.Header.Get(name)
}

// TestServeMonthThroughCLI runs `kaohe serve` — the command, its config loading and
// jobs.Wire, the path production runs — on the embedded servers under a fake clock
// through November 2026: dispatch on the 1st, ten counties return their forms, the
// others are reminded on the 22nd, the assessment on the 26th queues the reports, and
// every mail reaches the sink once.
func TestServeMonthThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("a month of scheduler runs")
	}
	srv := startMailServers(t)
	dir := t.TempDir()
	const period = "2026-11"
	cfgPath := srv.writeConfig(t, dir, `
[period]
deadline_day = 25
deadline_hour = 18
[schedule]
dispatch = "0 8 1 * *"
reminders = ["-3d 09:00"]
assess = "0 9 26 * *"
deliver = "0 */4 * * *"
retries = 0
`)
	t.Setenv("KAOHE_FORM_SECRET", "serve-month-test-secret")
	cfg, _, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := cfg.Location
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, loc) }
	clock := clockwork.NewFakeClockAt(at(1, 7).Add(59 * time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := runWith([]string{"--config", cfgPath, "serve"}, &out, &errb, testHooks{clock: clock, ctx: ctx})
		done <- result{code, out.String(), errb.String()}
	}()
	stopped := false
	stop := func() result {
		cancel()
		select {
		case r := <-done:
			stopped = true
			return r
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not return after cancel")
		}
		return result{}
	}
	defer func() {
		if !stopped {
			if r := stop(); t.Failed() {
				t.Logf("serve: exit %d, log:\n%s", r.code, r.err)
			}
		}
	}()

	// A second handle on the store, as `kaohe runs` beside serve would have, once serve
	// has created it.
	waitUntil(t, "the store", func() bool { _, err := os.Stat(cfg.Store.Path); return err == nil })
	var st *store.Store
	waitUntil(t, "the store open", func() bool {
		st, err = store.Open(context.Background(), cfg.Store.Path, nil)
		return err == nil
	})
	defer st.Close()

	scheds := map[string]cron.Schedule{}
	// The remind job fires daily at 09:00 (jobs.RemindCron) and runs on the reminder's day
	// only: the 22nd, three days before the deadline.
	for name, expr := range map[string]string{"dispatch": cfg.Schedule.Dispatch, "remind": "0 9 22 * *", "assess": cfg.Schedule.Assess, "deliver": cfg.Schedule.Deliver} {
		s, err := cron.ParseStandard(expr)
		if err != nil {
			t.Fatal(err)
		}
		scheds[name] = s
	}
	// advanceTo steps the clock from activation to activation up to target, each time
	// waiting for the scheduler's timers and then for the dispatch, remind or assess run
	// due at it to be logged as finished. (A deliver activation that finds the previous
	// one or the watcher's delivery still in hand is skipped, by design: not waited for.)
	advanceTo := func(target time.Time) {
		t.Helper()
		for {
			now := clock.Now().In(loc)
			var next time.Time
			var due []string
			for name, s := range scheds {
				n := s.Next(now)
				switch {
				case next.IsZero() || n.Before(next):
					next, due = n, []string{name}
				case n.Equal(next):
					due = append(due, name)
				}
			}
			due = slices.DeleteFunc(due, func(j string) bool { return j == "deliver" })
			bctx, bcancel := context.WithTimeout(ctx, 60*time.Second)
			err := clock.BlockUntilContext(bctx, len(scheds))
			bcancel()
			if err != nil {
				t.Fatal("scheduler timers not set:", err)
			}
			if next.After(target) {
				clock.Advance(target.Sub(now))
				return
			}
			clock.Advance(next.Sub(now))
			waitUntil(t, fmt.Sprintf("runs of %v at %s", due, next), func() bool {
				runs, err := st.Runs(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range due {
					found := false
					for _, r := range runs {
						if r.Job == j && r.Started.Equal(next) && r.Outcome != store.RunRunning {
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
		}
	}
	roster, checklist := seeds.DefaultRoster(), seeds.DefaultChecklist()
	// count counts the sink's mails of kind (all kinds when "") for period (any when ""),
	// to addr (anyone when "").
	count := func(kind, period, addr string) int {
		n := 0
		for _, m := range srv.sink.Messages() {
			if kind != "" && header(m.Data, "X-Kaohe-Kind") != kind {
				continue
			}
			if period != "" && !strings.Contains(header(m.Data, "X-Kaohe-Key"), ":"+period) {
				continue
			}
			for _, to := range m.To {
				if addr == "" || strings.EqualFold(to, addr) {
					n++
					break
				}
			}
		}
		return n
	}

	// The 1st, 08:00: every county is mailed its form.
	advanceTo(at(1, 8))
	waitUntil(t, "every county's form at the sink", func() bool { return count(templates.MailDispatch, period, "") == len(roster.Counties) })

	// Ten counties return their filled forms between the 3rd and the 20th.
	forms := map[string][]byte{}
	for _, m := range srv.sink.Messages() {
		if header(m.Data, "X-Kaohe-Kind") != templates.MailDispatch {
			continue
		}
		p, err := mail.ParseMessage(m.Data, 20<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Attachments {
			if c := roster.CountyBySender(m.To[0]); c != nil && strings.HasSuffix(a.Filename, ".xlsx") {
				forms[c.Code] = a.Data
			}
		}
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	replied := map[string]bool{}
	for i := range roster.Counties[:10] {
		c := &roster.Counties[i]
		advanceTo(at(3+i, 10))
		filled, err := templates.FillForm(forms[c.Code], score.Synthetic(checklist, c, period, rng, 0.5+0.04*float64(i)))
		if err != nil {
			t.Fatal(err)
		}
		name := jobs.FormFilename(c, period)
		raw, err := mail.BuildMessage(mail.Outgoing{
			MessageID: fmt.Sprintf("<reply-%s@county.kaohe.test>", c.Code), From: c.Emails[0], To: []string{cfg.Office.From},
			Subject: "Re: " + name, Text: "附件是我单位的进展表，请查收。", Date: clock.Now(),
			Attachments: []mail.OutAttachment{{Name: name, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: filled}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.imap.AppendAt(ctx, "kaohe", "INBOX", raw, clock.Now()); err != nil {
			t.Fatal(err)
		}
		replied[c.Code] = true
		waitUntil(t, "the receipt to "+c.Code, func() bool { return count(templates.MailReceipt, "", c.Emails[0]) == 1 })
	}

	// The reminder on the 22nd, the assessment on the 26th, to the end of the month.
	advanceTo(time.Date(2026, 11, 30, 23, 0, 0, 0, loc))
	waitUntil(t, "every report and the summary", func() bool {
		return count(templates.MailReport, period, "") == len(roster.Counties) && count(templates.MailSummary, period, "") >= 1
	})
	r := stop()
	if r.code != exitOK {
		t.Fatalf("serve: exit %d\n%s\n%s", r.code, r.out, r.err)
	}

	// Each county got its form, its report, and a receipt or a reminder: once each.
	for _, c := range roster.Counties {
		want := map[string]int{templates.MailDispatch: 1, templates.MailReport: 1, templates.MailReceipt: 0, templates.MailRemind: 1, templates.MailReject: 0}
		if replied[c.Code] {
			want[templates.MailReceipt], want[templates.MailRemind] = 1, 0
		}
		for kind, n := range want {
			per := period
			if kind == templates.MailReceipt || kind == templates.MailReject {
				per = ""
			}
			if got := count(kind, per, c.Emails[0]); got != n {
				t.Errorf("%s (%s): %d %s mail(s), want %d", c.Code, c.Name, got, kind, n)
			}
		}
	}
	for _, l := range roster.Leaders {
		if got := count(templates.MailSummary, period, l); got != 1 {
			t.Errorf("leaders %s: %d summaries, want 1", l, got)
		}
	}
	// Nothing sent twice, whatever the period.
	keys, ids := map[string]int{}, map[string]int{}
	for _, m := range srv.sink.Messages() {
		keys[header(m.Data, "X-Kaohe-Key")]++
		ids[header(m.Data, "Message-Id")]++
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
	// The month's scheduled runs, each once and ok.
	runs, err := st.Runs(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		job string
		at  time.Time
	}{{"dispatch", at(1, 8)}, {"remind", at(22, 9)}, {"assess", at(26, 9)}} {
		n := 0
		for _, r := range runs {
			if r.Job == want.job && r.Period == period {
				n++
				if !r.Started.Equal(want.at) || r.Outcome != store.RunOK {
					t.Errorf("%s run %d: started %s, outcome %s %q; want %s, ok", want.job, r.ID, r.Started, r.Outcome, r.Error, want.at)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d %s runs for %s, want 1", n, want.job, period)
		}
	}
	queued, err := st.Outbox(context.Background(), store.OutQueued, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 0 {
		t.Errorf("%d mails still queued", len(queued))
	}
}

// waitUntil polls cond (in real time) until it holds, failing the test after 60 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
