package jobs

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

// End-to-end tests of issue 5 on the embedded IMAP server and SMTP sink (see harness_test.go).

const (
	rencheng = "370811"
	yanzhou  = "370812"
)

// submissions returns every submission of the test period.
func (h *harness) submissions() []store.Submission {
	h.t.Helper()
	subs, err := h.d.Store.Submissions(h.ctx, h.period)
	if err != nil {
		h.t.Fatal(err)
	}
	return subs
}

// outbox returns every outgoing mail, whatever its state and period.
func (h *harness) outbox() []store.Outgoing {
	h.t.Helper()
	out, err := h.d.Store.Outbox(h.ctx, "", "")
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// keys counts the mails the sink got by X-Kaohe-Key.
func (h *harness) keys() map[string]int {
	m := map[string]int{}
	for _, s := range h.received() {
		m[s.Key]++
	}
	return m
}

// afterBackoff moves the fake clock past the longest retry wait.
func (h *harness) afterBackoff() {
	h.clock.Advance(time.Duration(h.d.Config.SMTP.RetryMaxSeconds+1) * time.Second)
}

// editForm opens a workbook, lets fn change it, and returns the new bytes.
func editForm(t testing.TB, data []byte, fn func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// column finds the column letter of header in row 1 of sheet.
func column(t testing.TB, f *excelize.File, sheet, header string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	i := slices.Index(rows[0], header)
	if i < 0 {
		t.Fatalf("sheet %s has no column %s", sheet, header)
	}
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}

// indicatorRow finds the row of a county indicator on the 量化指标 sheet.
func indicatorRow(t testing.TB, f *excelize.File, id string) int {
	t.Helper()
	col := column(t, f, templates.SheetIndicators, templates.HdrIndID)
	for r := 2; r < 200; r++ {
		v, err := f.GetCellValue(templates.SheetIndicators, fmt.Sprintf("%s%d", col, r))
		if err != nil {
			t.Fatal(err)
		}
		if v == id {
			return r
		}
	}
	t.Fatalf("no indicator row %s", id)
	return 0
}

func TestWatchAnswersWithinFiveSeconds(t *testing.T) {
	h := newHarness(t)
	form := h.filled(rencheng, 0.8, 1)
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- h.d.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	// Let the watcher make its first pass and go idle, so the form is found by IDLE.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	h.send(rencheng, "任城区11月进展表", xlsx("任城区.xlsx", form))
	addr := h.county(rencheng).Emails[0]
	for len(h.to(addr)) == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no receipt 5 s after the form arrived; sink has %d mails", len(h.sink.Messages()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("receipt after %v", time.Since(start))
	got := h.to(addr)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【回执】") {
		t.Fatalf("want one receipt, got %d: %+v", len(got), got[0].Subject)
	}
}

func TestBadFormRejectedWithAnnotatedWorkbook(t *testing.T) {
	h := newHarness(t)
	var cells struct{ status, text, rng string }
	bad := editForm(t, h.filled(rencheng, 0.8, 1), func(f *excelize.File) {
		status := column(t, f, templates.SheetTasks, templates.HdrStatus)
		value := column(t, f, templates.SheetIndicators, templates.HdrIndValue)
		cells.status = fmt.Sprintf("%s5", status)
		cells.text = fmt.Sprintf("%s2", column(t, f, templates.SheetVillages, "村集体经济收入（万元）"))
		cells.rng = fmt.Sprintf("%s%d", value, indicatorRow(t, f, "manure_rate"))
		for cell, v := range map[string]string{cells.status: "", cells.text: "很多", cells.rng: "120%"} {
			sheet := templates.SheetIndicators
			switch cell {
			case cells.status:
				sheet = templates.SheetTasks
			case cells.text:
				sheet = templates.SheetVillages
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	})
	h.send(rencheng, "任城区进展表", xlsx("任城区进展表.xlsx", bad))
	if c := h.collect(); c["rejected"] != 1 || c["accepted"] != 0 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(h.county(rencheng).Emails[0])
	if len(got) != 1 {
		t.Fatalf("want one mail, got %d", len(got))
	}
	m := got[0]
	if !strings.Contains(m.Subject, "【退回】") {
		t.Errorf("subject %q", m.Subject)
	}
	// Every problem the parser finds is listed as 工作表!单元格: 说明.
	_, _, _, err := templates.Parse(bad, "x.xlsx", templates.ParseOptions{Checklist: h.d.Checklist, Roster: h.d.Roster, Secret: h.d.Config.Forms.Secret, County: rencheng})
	var ps templates.Problems
	if !errors.As(err, &ps) || len(ps) < 3 {
		t.Fatalf("parse of the bad form: %v", err)
	}
	for _, p := range ps {
		if !strings.Contains(m.Text, p.String()) {
			t.Errorf("rejection does not list %q:\n%s", p.String(), m.Text)
		}
	}
	for _, want := range []string{templates.SheetTasks + "!" + cells.status + "：", templates.SheetVillages + "!" + cells.text + "：", templates.SheetIndicators + "!" + cells.rng + "："} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("rejection has no line for %s:\n%s", want, m.Text)
		}
	}
	// The county's own workbook comes back, marked.
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "任城区进展表_退回标注.xlsx" {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	f, err := excelize.OpenReader(bytes.NewReader(m.Attachments[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct{ sheet, cell string }{{templates.SheetTasks, cells.status}, {templates.SheetVillages, cells.text}, {templates.SheetIndicators, cells.rng}} {
		comments, err := f.GetComments(c.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(comments, func(cm excelize.Comment) bool { return cm.Cell == c.cell }) {
			t.Errorf("%s!%s has no comment", c.sheet, c.cell)
		}
		style, err := f.GetCellStyle(c.sheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) == 0 || !strings.HasPrefix(strings.ToUpper(strings.TrimPrefix(st.Fill.Color[0], "#")), "FF") {
			t.Errorf("%s!%s fill = %+v, want red", c.sheet, c.cell, st.Fill)
		}
	}
	subs := h.submissions()
	if len(subs) != 1 || subs[0].Status != store.Rejected || len(subs[0].Problems) != len(ps) {
		t.Errorf("submissions: %+v", subs)
	}
}

// gbkMail hand-builds a message from a mail client that names the attachment in GBK,
// with RFC 2047 encoded words (rfc2231 false) or an RFC 2231 extended parameter.
func gbkMail(t testing.TB, from, to, msgID, name string, data []byte, rfc2231 bool) []byte {
	t.Helper()
	enc := simplifiedchinese.GBK.NewEncoder()
	gbk := func(s string) []byte {
		b, err := enc.Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	word := func(s string) string { return "=?GBK?B?" + base64.StdEncoding.EncodeToString(gbk(s)) + "?=" }
	b64 := func(b []byte) string {
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		out.WriteString(s + "\r\n")
		return out.String()
	}
	var head string
	if rfc2231 {
		head = "Content-Type: application/octet-stream\r\n" +
			"Content-Disposition: attachment;\r\n filename*=GBK''" + strings.ReplaceAll(url.PathEscape(string(gbk(name))), "+", "%2B") + "\r\n"
	} else {
		head = "Content-Type: application/vnd.ms-excel; name=\"" + word(name) + "\"\r\n" +
			"Content-Disposition: attachment; filename=\"" + word(name) + "\"\r\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nDate: Mon, 2 Nov 2026 09:00:00 +0800\r\nMIME-Version: 1.0\r\n",
		word("任城区委组织部"), from, to, word("任城区11月进展表"), msgID)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"=_gbk\"\r\n\r\n")
	b.WriteString("--=_gbk\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(b64(gbk("附件是我单位的进展表,请查收。")))
	b.WriteString("--=_gbk\r\n" + head + "Content-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(b64(data))
	b.WriteString("--=_gbk--\r\n")
	return []byte(b.String())
}

func TestGBKAttachmentNames(t *testing.T) {
	for _, rfc2231 := range []bool{false, true} {
		t.Run(fmt.Sprintf("rfc2231=%v", rfc2231), func(t *testing.T) {
			h := newHarness(t)
			const name = "任城区进展表.xlsx"
			raw := gbkMail(t, h.county(rencheng).Emails[0], h.d.Config.Office.From, "<gbk.1@rencheng.kaohe.test>", name, h.filled(rencheng, 0.8, 1), rfc2231)
			h.deliverRaw(raw)
			if c := h.collect(); c["accepted"] != 1 {
				t.Fatalf("collect = %v", c)
			}
			subs := h.submissions()
			if len(subs) != 1 || subs[0].Filename != name {
				t.Fatalf("submissions: %+v", subs)
			}
			h.deliver()
			got := h.to(h.county(rencheng).Emails[0])
			if len(got) != 1 || !strings.Contains(got[0].Text, "《"+name+"》") {
				t.Fatalf("receipt: %+v", got)
			}
			if headerValue(got[0].Data, "In-Reply-To") != "<gbk.1@rencheng.kaohe.test>" {
				t.Errorf("receipt does not answer the message")
			}
		})
	}
}

func TestDuplicatesProcessedOnce(t *testing.T) {
	h := newHarness(t)
	addr := h.county(rencheng).Emails[0]
	v1 := h.filled(rencheng, 0.8, 1)
	// The same raw message twice: two UIDs, one message.
	raw := h.mailFrom(addr, "任城区进展表", xlsx("任城区.xlsx", v1))
	h.deliverRaw(raw)
	h.deliverRaw(raw)
	if c := h.collect(); c["messages"] != 2 || c["accepted"] != 1 || c["duplicates"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	if n := len(h.submissions()); n != 1 {
		t.Fatalf("%d submissions", n)
	}
	if got := h.to(addr); len(got) != 1 {
		t.Fatalf("%d mails for one message", len(got))
	}
	// The same file in a new mail: still one submission; the county gets a receipt
	// again, for the same version (it may not have seen the first).
	h.send(rencheng, "再发一次", xlsx("任城区.xlsx", v1))
	if c := h.collect(); c["duplicate_forms"] != 1 || c["accepted"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	subs := h.submissions()
	if len(subs) != 1 || subs[0].Version != 1 {
		t.Fatalf("submissions: %+v", subs)
	}
	got := h.to(addr)
	if len(got) != 2 || !strings.Contains(got[1].Subject, "【回执】") || strings.Contains(got[1].Subject, "第2版") {
		t.Fatalf("second mail: %+v", got[len(got)-1].Subject)
	}
	// A newer form is version 2; re-sending the old file then cannot make it count
	// again, and the county is told so rather than sent a misleading receipt.
	h.send(rencheng, "修改后的表", xlsx("任城区.xlsx", h.filled(rencheng, 0.9, 2)))
	h.collect()
	h.send(rencheng, "旧表", xlsx("任城区旧.xlsx", v1))
	h.collect()
	h.deliver()
	got = h.to(addr)
	if len(got) != 4 {
		t.Fatalf("%d mails", len(got))
	}
	if !strings.Contains(got[2].Subject, "第2版") {
		t.Errorf("receipt of v2: %q", got[2].Subject)
	}
	if !strings.Contains(got[3].Subject, "【退回】") || !strings.Contains(got[3].Text, "第1版完全相同") || !strings.Contains(got[3].Text, "以第2版为准") {
		t.Errorf("re-sent old form answered with %q:\n%s", got[3].Subject, got[3].Text)
	}
	latest, err := h.d.Store.LatestAccepted(h.ctx, rencheng, h.period)
	if err != nil || latest.Version != 2 {
		t.Errorf("latest = %+v, %v", latest, err)
	}
}

var errCrash = errors.New("injected crash")

func TestCrashAtEveryStepThenRestart(t *testing.T) {
	steps := []string{stepFetch, stepStoreRaw, stepParse, stepValidate, stepSubmission, stepReply, stepState, stepMark}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			h := newHarness(t)
			h.send(rencheng, "任城区进展表", xlsx("任城区.xlsx", h.filled(rencheng, 0.8, 1)))
			var seen []string
			h.d.crashAt = func(s string) error {
				seen = append(seen, s)
				if s == step {
					return errCrash
				}
				return nil
			}
			if _, err := h.d.Collect(h.ctx); !errors.Is(err, errCrash) {
				t.Fatalf("collect did not stop at %s (steps seen %v): %v", step, seen, err)
			}
			// Restart: a new process, a new store handle on the same file.
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			if err := h.d.Store.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(h.ctx, h.d.Config.Store.Path, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			d := *h.d
			d.Store, d.crashAt = st, nil
			h.d = &d
			h.collect()
			h.deliver()
			if c := h.collect(); c["messages"] != 0 || c["recovered"] != 0 {
				t.Errorf("third pass did work: %v", c)
			}
			h.deliver()
			subs := h.submissions()
			if len(subs) != 1 || subs[0].Status != store.Accepted {
				t.Errorf("submissions: %+v", subs)
			}
			if out := h.outbox(); len(out) != 1 || out[0].State != store.OutSent {
				t.Errorf("outbox: %+v", out)
			}
			if got := h.sink.Messages(); len(got) != 1 {
				t.Errorf("%d mails sent", len(got))
			}
			msgs, err := st.Messages(h.ctx, "", false)
			if err != nil || len(msgs) != 1 || msgs[0].State != store.MessageProcessed {
				t.Errorf("messages: %+v, %v", msgs, err)
			}
		})
	}
}

func TestDroppedIMAPConnectionMidFetch(t *testing.T) {
	h := newHarness(t)
	codes := []string{rencheng, yanzhou, "370826"}
	for i, code := range codes {
		h.send(code, "进展表", xlsx(code+".xlsx", h.filled(code, 0.8, uint64(i))))
	}
	h.imap.DropAfter(1)
	if _, err := h.d.Collect(h.ctx); err == nil {
		t.Fatal("collect did not notice the dropped connection")
	}
	if c := h.collect(); c["accepted"]+c["recovered"] == 0 {
		t.Fatalf("second pass = %v", c)
	}
	h.deliver()
	if c := h.collect(); c["messages"] != 0 {
		t.Errorf("third pass = %v", c)
	}
	if n := len(h.submissions()); n != len(codes) {
		t.Errorf("%d submissions, want %d", n, len(codes))
	}
	for _, code := range codes {
		if got := h.to(h.county(code).Emails[0]); len(got) != 1 {
			t.Errorf("%s got %d mails", code, len(got))
		}
	}
}

func TestSMTPTemporaryFailureRetriedOnce(t *testing.T) {
	for _, code := range []int{421, 451} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			h := newHarness(t)
			h.send(rencheng, "进展表", xlsx("任城区.xlsx", h.filled(rencheng, 0.8, 1)))
			h.collect()
			h.sink.FailNext(code, 1)
			if c := h.deliver(); c["deferred"] != 1 || c["sent"] != 0 {
				t.Fatalf("first deliver = %v", c)
			}
			if c := h.deliver(); c["sent"] != 0 {
				t.Fatalf("retried before the backoff: %v", c)
			}
			h.afterBackoff()
			if c := h.deliver(); c["sent"] != 1 {
				t.Fatalf("deliver after the backoff = %v", c)
			}
			h.afterBackoff()
			h.deliver()
			if k := h.keys(); len(k) != 1 || k["reply:1:1"] != 1 {
				t.Errorf("sink got %v", k)
			}
			out := h.outbox()
			if len(out) != 1 || out[0].State != store.OutSent || out[0].Attempts != 2 { // the 4xx and the success
				t.Errorf("outbox: %+v", out)
			}
		})
	}
}

func TestSMTPPermanentFailure(t *testing.T) {
	h := newHarness(t)
	h.send(rencheng, "进展表", xlsx("任城区.xlsx", h.filled(rencheng, 0.8, 1)))
	h.collect()
	h.sink.FailNext(550, 1)
	if c := h.deliver(); c["failed"] != 1 {
		t.Fatalf("deliver = %v", c)
	}
	h.afterBackoff()
	if c := h.deliver(); c["sent"] != 0 {
		t.Fatalf("a failed mail was sent again: %v", c)
	}
	failed, err := h.d.Store.Outbox(h.ctx, store.OutFailed, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Key != "reply:1:1" || !strings.Contains(failed[0].LastError, "550") {
		t.Fatalf("failed mails: %+v", failed)
	}
	if n := len(h.sink.Messages()); n != 0 {
		t.Errorf("sink got %d", n)
	}
}

// armingSender arms a sink failure once `after` mails were sent, to fail one mid-batch.
type armingSender struct {
	Sender
	after, sent int
	arm         func()
}

func (s *armingSender) SendBatch(ctx context.Context, msgs []mail.Outgoing, each func(int, error)) error {
	return s.Sender.SendBatch(ctx, msgs, func(i int, err error) {
		each(i, err)
		if err == nil {
			if s.sent++; s.sent == s.after {
				s.arm()
			}
		}
	})
}

func TestSMTP421MidBatchLosesNothing(t *testing.T) {
	h := newHarness(t)
	codes := []string{rencheng, yanzhou, "370826", "370827", "370828"}
	for i, code := range codes {
		h.send(code, "进展表", xlsx(code+".xlsx", h.filled(code, 0.8, uint64(i))))
	}
	if c := h.collect(); c["accepted"] != len(codes) {
		t.Fatalf("collect = %v", c)
	}
	h.d.Sender = &armingSender{Sender: h.d.Sender, after: 2, arm: func() { h.sink.FailNext(421, 1) }}
	if c := h.deliver(); c["sent"] != 2 || c["deferred"] != 3 {
		t.Fatalf("first deliver = %v", c)
	}
	h.afterBackoff()
	if c := h.deliver(); c["sent"] != 3 {
		t.Fatalf("second deliver = %v", c)
	}
	k := h.keys()
	if len(k) != len(codes) {
		t.Errorf("sink got %v", k)
	}
	for key, n := range k {
		if n != 1 {
			t.Errorf("%s sent %d times", key, n)
		}
	}
	for _, code := range codes {
		if got := h.to(h.county(code).Emails[0]); len(got) != 1 {
			t.Errorf("%s got %d mails", code, len(got))
		}
	}
}

func TestSpoofedSenderIgnored(t *testing.T) {
	h := newHarness(t)
	h.deliverRaw(h.mailFrom("zzb@rencheng.example.com", "任城区进展表", xlsx("任城区.xlsx", h.filled(rencheng, 0.8, 1))))
	if c := h.collect(); c["unknown_sender"] != 1 || c["accepted"] != 0 {
		t.Fatalf("collect = %v", c)
	}
	if c := h.deliver(); c["sent"] != 0 {
		t.Errorf("deliver = %v", c)
	}
	if n := len(h.sink.Messages()); n != 0 {
		t.Errorf("a stranger was answered: %d mails", n)
	}
	if out := h.outbox(); len(out) != 0 {
		t.Errorf("outbox: %+v", out)
	}
	if subs := h.submissions(); len(subs) != 0 {
		t.Errorf("submissions: %+v", subs)
	}
	// The form's signature is valid: it waits for the office as 待确认来源 (issue 14;
	// review_test.go), unanswered until the office accepts it.
	kept, err := h.d.Store.Messages(h.ctx, store.MessageProcessed, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Sender != "zzb@rencheng.example.com" || !strings.Contains(kept[0].Outcome, OutcomeSourcePending) {
		t.Fatalf("kept: %+v", kept)
	}
	if q, err := h.d.Store.Sources(h.ctx, store.SourcePending, ""); err != nil || len(q) != 1 || q[0].County != rencheng {
		t.Fatalf("review queue: %+v, %v", q, err)
	}
	if raw, err := h.d.Store.RawMessage(h.ctx, kept[0].ID); err != nil || len(raw) == 0 {
		t.Errorf("raw message not kept: %v", err)
	}
}

func TestFormOfAnotherCountyRefused(t *testing.T) {
	h := newHarness(t)
	// 任城区 sends 兖州区's form.
	h.send(rencheng, "进展表", xlsx("兖州区.xlsx", h.filled(yanzhou, 0.8, 1)))
	if c := h.collect(); c["rejected"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(h.county(rencheng).Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【退回】") {
		t.Fatalf("mails: %d", len(got))
	}
	r, y := h.county(rencheng).Name, h.county(yanzhou).Name
	if !strings.Contains(got[0].Text, "这是"+y+"的表格，应报送"+r+"的表格") {
		t.Errorf("reason does not name both counties:\n%s", got[0].Text)
	}
	for _, e := range h.county(yanzhou).Emails {
		if n := len(h.to(e)); n != 0 {
			t.Errorf("%s got %d mails", e, n)
		}
	}
	if _, err := h.d.Store.LatestAccepted(h.ctx, yanzhou, h.period); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("兖州区 has an accepted form: %v", err)
	}
}

// TestReportsOnlyToTheirCounty: each county's report goes to that county's addresses
// only, the summary to the leaders; with report.summary_to = "all" each county's one
// report mail also carries the summary 通报 (two attachments), never another county's
// report.
func TestReportsOnlyToTheirCounty(t *testing.T) {
	for _, to := range []string{config.SummaryLeaders, config.SummaryAll} {
		t.Run(to, func(t *testing.T) { testReportsOnlyToTheirCounty(t, to) })
	}
}

func testReportsOnlyToTheirCounty(t *testing.T, summaryTo string) {
	h := newHarness(t)
	h.d.Config.Report.SummaryTo = summaryTo
	codes := []string{rencheng, yanzhou, "370826", "370827"}
	for i, code := range codes {
		h.send(code, "进展表", xlsx(code+".xlsx", h.filled(code, 0.5+0.1*float64(i), uint64(i))))
	}
	if c := h.collect(); c["accepted"] != len(codes) {
		t.Fatalf("collect = %v", c)
	}
	h.clock.Advance(40 * 24 * time.Hour) // past the deadline
	if _, _, err := h.d.Assess(h.ctx, h.period, AssessOptions{Queue: true}); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	owner := map[string]string{} // county address → code
	for _, c := range h.d.Roster.Counties {
		for _, e := range c.Emails {
			owner[strings.ToLower(e)] = c.Code
		}
	}
	leaders := h.d.leaders()
	reports := map[string]int{}
	summaries := 0
	for _, m := range h.received() {
		switch {
		case strings.HasPrefix(m.Key, "report:"):
			code := strings.TrimPrefix(m.Key, "report:"+h.period+":")
			c := h.county(code)
			reports[code]++
			for _, to := range m.Received.To {
				if owner[strings.ToLower(to)] != code {
					t.Errorf("report of %s sent to %s (county %q)", code, to, owner[strings.ToLower(to)])
				}
			}
			if !slices.Equal(sortedLower(m.Received.To), sortedLower(c.Emails)) {
				t.Errorf("report of %s went to %v, want %v", code, m.Received.To, c.Emails)
			}
			want := 1
			if summaryTo == config.SummaryAll {
				want = 2
			}
			if len(m.Attachments) != want || !strings.HasPrefix(m.Attachments[0].Filename, c.Name+"_") || !strings.HasSuffix(m.Attachments[0].Filename, ".pdf") {
				t.Errorf("report of %s has attachments %+v", code, m.Attachments)
			}
			if want == 2 {
				sum := m.Attachments[1]
				if sum.Filename != h.period+"_考核汇总.pdf" || !bytes.Equal(sum.Data, summaryPDF(t, h)) {
					t.Errorf("report of %s: second attachment %q is not the summary", code, sum.Filename)
				}
				if !strings.Contains(m.Text, "全市考核情况通报") {
					t.Errorf("report of %s does not mention the summary:\n%s", code, m.Text)
				}
			}
			for _, a := range m.Attachments {
				for _, o := range h.d.Roster.Counties {
					if o.Code != code && strings.Contains(a.Filename, o.Name) {
						t.Errorf("report mail of %s carries %s", code, a.Filename)
					}
				}
			}
			for _, o := range h.d.Roster.Counties {
				if o.Code != code && strings.Contains(m.Subject, o.Name) {
					t.Errorf("report of %s names %s in its subject %q", code, o.Name, m.Subject)
				}
			}
		case strings.HasPrefix(m.Key, "summary:"):
			summaries++
			if !slices.Equal(sortedLower(m.Received.To), sortedLower(leaders)) {
				t.Errorf("summary went to %v, want the leaders %v", m.Received.To, leaders)
			}
			for _, to := range m.Received.To {
				if owner[strings.ToLower(to)] != "" {
					t.Errorf("summary sent to county address %s", to)
				}
			}
		}
	}
	if summaries != 1 {
		t.Errorf("%d summaries", summaries)
	}
	for _, c := range h.d.Roster.Counties {
		if reports[c.Code] != 1 {
			t.Errorf("%s got %d reports", c.Code, reports[c.Code])
		}
	}
}

// summaryPDF returns the summary PDF that Assess wrote for the harness's period.
func summaryPDF(t *testing.T, h *harness) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.d.Config.Report.OutDir, h.period, "summary.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedLower(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	slices.Sort(out)
	return out
}

func TestNoAttachmentGetsNote(t *testing.T) {
	h := newHarness(t)
	h.send(rencheng, "请问表格在哪里")
	if c := h.collect(); c["noform"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(h.county(rencheng).Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【提示】") || !strings.Contains(got[0].Text, "请问表格在哪里") {
		t.Fatalf("mails: %+v", got)
	}
	if len(got[0].Attachments) != 0 || len(h.submissions()) != 0 {
		t.Errorf("note has attachments or a submission was stored")
	}
}

func TestTwentyAttachmentsOneRejection(t *testing.T) {
	h := newHarness(t)
	form := h.filled(rencheng, 0.8, 1)
	var atts []mail.OutAttachment
	for i := range 20 {
		atts = append(atts, xlsx(fmt.Sprintf("任城区%02d.xlsx", i+1), form))
	}
	h.send(rencheng, "二十个附件", atts...)
	if c := h.collect(); c["rejected"] != 1 || c["accepted"] != 0 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(h.county(rencheng).Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【退回】") || !strings.Contains(got[0].Text, "20个表格附件") {
		t.Fatalf("mails: %d %+v", len(got), got)
	}
	if subs := h.submissions(); len(subs) != 0 {
		t.Errorf("submissions: %+v", subs)
	}
}

func TestPeriodProblem(t *testing.T) {
	for _, tc := range []struct {
		form, now string
		want      string
	}{
		{"2026-11", "2026-11", ""},
		{"2026-10", "2026-11", ""}, // last month's form, late
		{"2026-12", "2026-11", "尚未开始"},
		{"2026-09", "2026-11", "已过报送期"},
		{"2025-12", "2026-01", ""},
		{"2025-11", "2026-01", "已过报送期"},
	} {
		got := periodProblem(tc.form, tc.now)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("periodProblem(%s, %s) = %q, want %q", tc.form, tc.now, got, tc.want)
		}
	}
}

// A form for a period long past, sent from the right county, is refused with the reason.
func TestOldPeriodFormRefused(t *testing.T) {
	h := newHarness(t)
	h.period = "2026-08"
	old := h.filled("370811", 0.8, 7)
	h.period = testPeriod
	h.send("370811", "八月的表", xlsx("任城区八月.xlsx", old))
	if c := h.collect(); c["rejected"] != 1 {
		t.Fatalf("collect counts = %v", c)
	}
	h.deliver()
	got := h.to(h.county("370811").Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【退回】") || !strings.Contains(got[0].Text, "2026年8月的表格，已过报送期") {
		t.Fatalf("reply: %+v", got)
	}
}

// TestDeliverConnections drains an outbox of many mails over several connections at
// once, with the server answering 421 to a few of them: every mail reaches the server
// exactly once, and the store says so.
func TestDeliverConnections(t *testing.T) {
	h := newHarness(t)
	h.d.Config.SMTP.Connections, h.d.Config.SMTP.BatchSize = 3, 7
	const n = 60
	for i := range n {
		if _, _, err := h.d.Store.Enqueue(h.ctx, &store.Outgoing{Key: fmt.Sprintf("test:%02d", i), Kind: "test",
			To: []string{fmt.Sprintf("c%02d@county.test", i)}, Subject: "测试", Body: "正文", NextAttempt: h.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	h.sink.FailNext(421, 3) // 421 ends the connection: the rest of its batch waits too
	c := h.deliver()
	if c["sent"]+c["deferred"] != n || c["deferred"] < 3 {
		t.Fatalf("first deliver = %v, want %d sent or deferred, at least 3 deferred", c, n)
	}
	h.afterBackoff()
	if c2 := h.deliver(); c2["sent"] != c["deferred"] {
		t.Fatalf("second deliver = %v, want the %d deferred sent", c2, c["deferred"])
	}
	k := h.keys()
	if len(k) != n {
		t.Errorf("the server got %d distinct mails, want %d", len(k), n)
	}
	for key, times := range k {
		if times != 1 {
			t.Errorf("%s reached the server %d times", key, times)
		}
	}
	for _, o := range h.outbox() {
		if o.State != store.OutSent {
			t.Errorf("%s is %s", o.Key, o.State)
		}
	}
	if got := h.sink.Connections(); got < 9 {
		t.Errorf("%d connections, want at least one a batch (9)", got)
	}
}
