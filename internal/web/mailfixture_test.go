package web

import (
	"context"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/templates"
)

// mailFixture is the console with the REAL review (JobsReviewer) over a store fed by the
// real collect path: the embedded IMAP server and SMTP sink on 127.0.0.1, review.required,
// and forms mailed in by counties (one with an evidence file) and one signed form from an
// address on no county's list (待确认来源).
type mailFixture struct {
	d      *jobs.Deps
	clock  *clockwork.FakeClock
	imap   *mail.IMAPServer
	sink   *mail.SMTPSink
	http   *httptest.Server
	period string
	seq    int
	// the county whose form is returned and resubmitted; one whose form waits; the county of
	// the form from an unknown address, and that address
	back, waits, source, stranger string
	evidence                      []byte // the PDF mailed beside back's form
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	imapSrv, err := mail.StartIMAPServer(ctx, log, map[string]string{"kaohe": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{Dir: filepath.Join(dir, "mail")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	cfg, _, err := config.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	hostPort := func(addr string) (string, int) {
		i := strings.LastIndexByte(addr, ':')
		p, err := strconv.Atoi(addr[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		return addr[:i], p
	}
	ih, ip := hostPort(imapSrv.Addr)
	sh, sp := hostPort(sink.Addr)
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password, cfg.IMAP.PollSeconds = ih, ip, "plain", "kaohe", "pw", 1
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.RatePerMinute = sh, sp, "none", 0
	cfg.Forms.Secret = []byte(testSecret)
	cfg.Store.Path = filepath.Join(dir, "kaohe.db")
	cfg.Report.OutDir = filepath.Join(dir, "reports")
	cfg.Checklist.ConfirmedYears = []int{2025, 2026, 2027}
	cfg.Review.Required = true
	start, _ := time.ParseInLocation("2006-01", testPeriod, cfg.Location)
	clock := clockwork.NewFakeClockAt(start.Add(8 * time.Hour))
	d, err := jobs.Wire(ctx, cfg, log, jobs.WireOptions{Clock: clock, MailTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cs := d.Roster.Counties
	f := &mailFixture{d: d, clock: clock, imap: imapSrv, sink: sink, period: testPeriod,
		back: cs[0].Code, waits: cs[1].Code, source: cs[2].Code, stranger: "clerk.unknown@example.net",
		evidence: []byte("%PDF-1.7\n会议纪要\n%%EOF\n")}
	f.send(t, cs[0].Emails[0], f.back, 1, mail.OutAttachment{Name: "一、1-会议纪要.pdf", ContentType: "application/pdf", Data: f.evidence})
	f.send(t, cs[1].Emails[0], f.waits, 2)
	f.send(t, f.stranger, f.source, 3)
	if c := f.collect(t); c["accepted"] != 2 || c["source_pending"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	f.deliver(t)
	for _, u := range []struct{ name, role, pw string }{{reviewerName, store.RoleReviewer, reviewerPW}, {viewerName, store.RoleViewer, viewerPW}, {adminName, store.RoleAdmin, adminPW}} {
		h, err := HashPassword(u.pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Store.AddUser(ctx, u.name, u.role, h, "test", clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(Options{Deps: d, Reviewer: JobsReviewer(d)})
	if err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(srv)
	t.Cleanup(f.http.Close)
	return f
}

// send mails code's form, filled with synthetic values (seed), from from to the office,
// with the extra attachments.
func (f *mailFixture) send(t *testing.T, from, code string, seed uint64, extra ...mail.OutAttachment) {
	t.Helper()
	ctx := context.Background()
	c := f.d.Roster.County(code)
	form, _, err := f.d.BuildForm(ctx, c, f.period)
	if err != nil {
		t.Fatal(err)
	}
	filled, err := templates.FillForm(form, score.Synthetic(f.d.Checklist, c, f.period, mrand.New(mrand.NewPCG(seed, 2)), 0.8))
	if err != nil {
		t.Fatal(err)
	}
	f.seq++
	raw, err := mail.BuildMessage(mail.Outgoing{MessageID: fmt.Sprintf("<web.%d@county.kaohe.test>", f.seq), From: from,
		To: []string{f.d.Config.Office.From}, Subject: c.Name + "11月进展表", Text: "附件是我单位的进展表。", Date: f.clock.Now(),
		Attachments: append([]mail.OutAttachment{{Name: c.Name + ".xlsx", ContentType: xlsxType, Data: filled}}, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.imap.AppendAt(ctx, "kaohe", "INBOX", raw, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
}

// collect runs a collect pass as the CLI does (logged as a run).
func (f *mailFixture) collect(t *testing.T) jobs.Counts {
	t.Helper()
	c, err := f.d.RunLogged(context.Background(), "collect", f.period, f.d.Collect)
	if err != nil {
		t.Fatal("collect:", err)
	}
	return c
}

// deliver drains the outbox to the SMTP sink.
func (f *mailFixture) deliver(t *testing.T) jobs.Counts {
	t.Helper()
	c, err := f.d.Deliver(context.Background())
	if err != nil {
		t.Fatal("deliver:", err)
	}
	return c
}

// mailsTo returns the mails the sink got for addr whose subject contains s, parsed.
func (f *mailFixture) mailsTo(t *testing.T, addr, s string) []*mail.Parsed {
	t.Helper()
	var out []*mail.Parsed
	for _, r := range f.sink.Messages() {
		p, err := mail.ParseMessage(r.Data, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range r.To {
			if strings.EqualFold(to, addr) && strings.Contains(p.Subject, s) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// villageCell returns a cell of the first village of code's latest accepted form.
func (f *mailFixture) villageCell(t *testing.T, code string) string {
	t.Helper()
	sub, err := f.d.Store.LatestAccepted(context.Background(), code, f.period)
	if err != nil {
		t.Fatal(err)
	}
	vs := sub.Filing.Villages[0].Values
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := vs[k]; n.Set && strings.HasPrefix(n.Cell, templates.SheetVillages+"!") {
			return n.Cell
		}
	}
	t.Fatal("no village cell")
	return ""
}
