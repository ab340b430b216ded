package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// harness is the whole job on real servers: the embedded IMAP server and SMTP sink on
// 127.0.0.1, a store in a temporary directory, the embedded checklist and demo roster,
// and a fake clock at 08:00 on the first day of the period.
type harness struct {
	t       testing.TB
	ctx     context.Context
	imap    *mail.IMAPServer
	sink    *mail.SMTPSink
	d       *Deps
	clock   *clockwork.FakeClock
	period  string
	dir     string
	imapCfg mail.IMAPConfig
	seq     atomic.Int64
}

const testPeriod = "2026-11"

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
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
	ih, ip := splitHostPort(t, imapSrv.Addr)
	sh, sp := splitHostPort(t, sink.Addr)
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password, cfg.IMAP.PollSeconds = ih, ip, "plain", "kaohe", "pw", 1
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.RatePerMinute = sh, sp, "none", 0
	cfg.Store.Path = filepath.Join(dir, "kaohe.db")
	cfg.Report.OutDir = filepath.Join(dir, "reports")
	cfg.Checklist.ConfirmedYears = []int{2025, 2026, 2027} // the years the tests assess
	st, err := store.Open(ctx, cfg.Store.Path, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	roster := seeds.DefaultRoster()
	if err := SyncRoster(ctx, st, roster); err != nil {
		t.Fatal(err)
	}
	start, _ := time.ParseInLocation("2006-01", testPeriod, cfg.Location)
	clock := clockwork.NewFakeClockAt(start.Add(8 * time.Hour))
	h := &harness{t: t, ctx: ctx, imap: imapSrv, sink: sink, clock: clock, period: testPeriod, dir: dir}
	h.imapCfg = mail.IMAPConfig{Host: ih, Port: ip, TLS: "plain", Username: "kaohe", Password: "pw", Mailbox: "INBOX",
		ProcessedKeyword: cfg.IMAP.ProcessedKeyword, Timeout: 10 * time.Second}
	h.d = &Deps{
		Config: cfg, Checklist: seeds.DefaultChecklist(), Roster: roster, Store: st, Logger: log, Clock: clock,
		OpenMailbox: func(ctx context.Context) (Mailbox, error) { return mail.DialIMAP(ctx, h.imapCfg, log) },
		Sender:      mail.NewSender(mail.SMTPConfig{Host: sh, Port: sp, TLS: "none", From: cfg.Office.From, Timeout: 10 * time.Second}, log),
	}
	return h
}

func splitHostPort(t testing.TB, addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	var port int
	if _, err := fmt.Sscan(addr[i+1:], &port); err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return addr[:i], port
}

// county returns the roster's county with code.
func (h *harness) county(code string) *seeds.County {
	c := h.d.Roster.County(code)
	if c == nil {
		h.t.Fatalf("no county %s", code)
	}
	return c
}

// form builds code's form for the period.
func (h *harness) form(code string) []byte {
	h.t.Helper()
	b, _, err := h.d.BuildForm(h.ctx, h.county(code), h.period)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// filled returns code's form filled with synthetic values of the given quality (0–1).
func (h *harness) filled(code string, quality float64, seed uint64) []byte {
	h.t.Helper()
	f := score.Synthetic(h.d.Checklist, h.county(code), h.period, rand.New(rand.NewPCG(seed, 2)), quality)
	b, err := templates.FillForm(h.form(code), f)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// xlsx is an attachment named name holding data.
func xlsx(name string, data []byte) mail.OutAttachment {
	return mail.OutAttachment{Name: name, ContentType: xlsxType, Data: data}
}

// mailFrom builds a message from from to the office with the attachments.
func (h *harness) mailFrom(from, subject string, atts ...mail.OutAttachment) []byte {
	h.t.Helper()
	n := h.seq.Add(1)
	raw, err := mail.BuildMessage(mail.Outgoing{
		MessageID: fmt.Sprintf("<test.%d@county.kaohe.test>", n), From: from, To: []string{h.d.Config.Office.From},
		Subject: subject, Text: "附件是我单位的进展表。", Date: h.clock.Now(), Attachments: atts,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return raw
}

// deliverRaw puts a raw message into the office's INBOX, arriving at the fake clock's now.
func (h *harness) deliverRaw(raw []byte) {
	h.t.Helper()
	if err := h.imap.AppendAt(h.ctx, "kaohe", "INBOX", raw, h.clock.Now()); err != nil {
		h.t.Fatal(err)
	}
}

// send mails attachments from a county address (the county's first) to the office.
func (h *harness) send(code, subject string, atts ...mail.OutAttachment) {
	h.t.Helper()
	h.deliverRaw(h.mailFrom(h.county(code).Emails[0], subject, atts...))
}

// collect runs one collect pass and fails the test on error.
func (h *harness) collect() Counts {
	h.t.Helper()
	c, err := h.d.Collect(h.ctx)
	if err != nil {
		h.t.Fatal("collect:", err)
	}
	return c
}

// deliver drains the outbox and fails the test on error.
func (h *harness) deliver() Counts {
	h.t.Helper()
	c, err := h.d.Deliver(h.ctx)
	if err != nil {
		h.t.Fatal("deliver:", err)
	}
	return c
}

// sunk is one mail the SMTP sink received, parsed.
type sunk struct {
	mail.Received
	*mail.Parsed
	Key string // X-Kaohe-Key
}

// received returns every mail the sink got, parsed, in order.
func (h *harness) received() []sunk {
	h.t.Helper()
	var out []sunk
	for _, r := range h.sink.Messages() {
		p, err := mail.ParseMessage(r.Data, 0)
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, sunk{Received: r, Parsed: p, Key: headerValue(r.Data, "X-Kaohe-Key")})
	}
	return out
}

// to returns the mails sent to addr.
func (h *harness) to(addr string) []sunk {
	var out []sunk
	for _, s := range h.received() {
		for _, t := range s.To {
			if strings.EqualFold(t, addr) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func headerValue(raw []byte, name string) string {
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestHarnessAcceptedFormGetsReceipt(t *testing.T) {
	h := newHarness(t)
	h.send("370811", "任城区11月进展表", xlsx("任城区.xlsx", h.filled("370811", 0.8, 1)))
	c := h.collect()
	if c["accepted"] != 1 || c["messages"] != 1 {
		t.Fatalf("collect counts = %v", c)
	}
	if d := h.deliver(); d["sent"] != 1 {
		t.Fatalf("deliver counts = %v", d)
	}
	got := h.to(h.county("370811").Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【回执】") || !strings.Contains(got[0].Text, "42项任务") {
		t.Fatalf("receipt: %+v", got)
	}
	if got[0].Key != "reply:1:1" {
		t.Errorf("key = %q", got[0].Key)
	}
	// A second pass finds nothing new and sends nothing.
	if c := h.collect(); c["messages"] != 0 {
		t.Errorf("second pass: %v", c)
	}
	if d := h.deliver(); d["sent"] != 0 {
		t.Errorf("second deliver: %v", d)
	}
}
