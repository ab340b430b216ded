package jobs

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// End-to-end tests of the office's review (issue 14) on the embedded IMAP server and SMTP
// sink: real mail both ways, the store, the run log.

// collectLogged runs a collect pass as the CLI and the scheduler do: logged as a run.
func (h *harness) collectLogged() Counts {
	h.t.Helper()
	c, err := h.d.RunLogged(h.ctx, "collect", h.period, h.d.Collect)
	if err != nil {
		h.t.Fatal("collect:", err)
	}
	return c
}

// cellText reads 工作表!单元格 of a workbook.
func cellText(t testing.TB, data []byte, ref string) string {
	t.Helper()
	sheet, cell, _ := strings.Cut(ref, "!")
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.GetCellValue(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// setCell returns data with 工作表!单元格 set to v (as text, as a county types it).
func setCell(t testing.TB, data []byte, ref, v string) []byte {
	sheet, cell, _ := strings.Cut(ref, "!")
	return editForm(t, data, func(f *excelize.File) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	})
}

// latestMail returns the last mail the sink got whose subject contains s, sent to addr.
func (h *harness) latestMail(addr, s string) sunk {
	h.t.Helper()
	var got []sunk
	for _, m := range h.to(addr) {
		if strings.Contains(m.Subject, s) {
			got = append(got, m)
		}
	}
	if len(got) == 0 {
		h.t.Fatalf("no mail %q to %s", s, addr)
	}
	return got[len(got)-1]
}

// TestReviewReturnResubmitApprove walks one county through the review loop of issue 14:
// form accepted (待审核) → the office returns two cells with reasons → the county
// resubmits with one of them still as it was → the office returns it again → the county
// fixes it → approved → assessed on the approved version.
func TestReviewReturnResubmitApprove(t *testing.T) {
	h := newHarness(t)
	h.d.Config.Review.Required = true
	addr := h.county(rencheng).Emails[0]

	// 1. The form is accepted, and waits for the office.
	v1 := h.filled(rencheng, 0.8, 1)
	h.send(rencheng, "任城区11月进展表", xlsx("任城区.xlsx", v1))
	if c := h.collectLogged(); c["accepted"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	r1 := h.latestMail(addr, "【回执】")
	if !strings.Contains(r1.Text, "须经考核办审核") {
		t.Errorf("receipt under review.required does not say it waits for review:\n%s", r1.Text)
	}
	items, err := h.d.ReviewList(h.ctx, h.period)
	if err != nil || len(items) != 1 || items[0].Kind != ItemPending || items[0].County != rencheng || items[0].Version != 1 {
		t.Fatalf("review list = %+v, %v", items, err)
	}
	// Unapproved: the assessment treats the county as not yet accepted, and says why.
	a, _, err := h.d.Assess(h.ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cr := countyResult(t, a, rencheng)
	if cr.Submitted || !strings.Contains(cr.Review, "未审核") {
		t.Fatalf("before approval: submitted=%v review=%q", cr.Submitted, cr.Review)
	}

	// 2. The office returns two village cells, each with its note, and a reason.
	sub1, err := h.d.Store.LatestAccepted(h.ctx, rencheng, h.period)
	if err != nil {
		t.Fatal(err)
	}
	var cellA, cellB, newA, newB string
	vs := sub1.Filing.Villages
	for _, k := range sortedIDs(vs[0].Values) {
		n := vs[0].Values[k]
		// Another village's value of the same indicator is a valid value that differs.
		for _, w := range vs[1:] {
			if m, ok := w.Values[k]; ok && n.Set && m.Set && m.Value != n.Value {
				txt := cellText(t, v1, m.Cell)
				if cellA == "" {
					cellA, newA = n.Cell, txt
				} else if cellB == "" && n.Cell != cellA {
					cellB, newB = n.Cell, txt
				}
				break
			}
		}
	}
	if cellA == "" || cellB == "" {
		t.Fatal("no two village cells to return")
	}
	sheetA, refA, _ := strings.Cut(cellA, "!")
	sheetB, refB, _ := strings.Cut(cellB, "!")
	act, err := h.d.ReviewReturn(h.ctx, ReturnRequest{County: rencheng, Period: h.period, By: "张三",
		Reasons: []string{"村级台账两处数据与乡镇上报的统计不符，请核实"},
		Cells:   []store.ReviewCell{{Sheet: sheetA, Cell: refA, Note: "与镇统计站数据不符"}, {Sheet: sheetB, Cell: refB, Note: "请按年末口径填写"}}})
	if err != nil {
		t.Fatal(err)
	}
	if act.By != "张三" || len(act.Cells) != 2 {
		t.Fatalf("action = %+v", act)
	}
	// Returning it again before the county answers is refused.
	if _, err := h.d.ReviewReturn(h.ctx, ReturnRequest{County: rencheng, Period: h.period, By: "张三", Reasons: []string{"x"}}); !errors.Is(err, ErrReview) {
		t.Errorf("second return of the same version: %v", err)
	}
	h.deliver()
	ret := h.latestMail(addr, "【退回】")
	for _, w := range []string{"经审核需要修改", "与乡镇上报的统计不符", cellA + "：与镇统计站数据不符", cellB + "：请按年末口径填写", "标成红色"} {
		if !strings.Contains(ret.Subject+ret.Text, w) {
			t.Errorf("review return lacks %q:\n%s\n%s", w, ret.Subject, ret.Text)
		}
	}
	for _, p := range lang.Check(ret.Subject + "\n" + ret.Text) {
		t.Errorf("review return: %s", p)
	}
	if len(ret.Attachments) != 1 || !strings.HasSuffix(ret.Attachments[0].Filename, "_审核退回标注.xlsx") {
		t.Fatalf("return attachments: %+v", ret.Attachments)
	}
	marked := ret.Attachments[0].Data
	f, err := excelize.OpenReader(bytes.NewReader(marked))
	if err != nil {
		t.Fatal(err)
	}
	comments, err := f.GetComments(sheetA)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	noted := map[string]string{}
	for _, c := range comments {
		noted[c.Cell] = c.Text
	}
	for _, c := range comments {
		if c.Text == "" && len(c.Paragraph) > 0 {
			noted[c.Cell] = c.Paragraph[0].Text
		}
	}
	if !strings.Contains(noted[refA], "与镇统计站数据不符") || !strings.Contains(noted[refB], "年末口径") {
		t.Errorf("marked workbook comments: %v", noted)
	}

	// 3. The county corrects cell A only, in the marked copy, and resubmits.
	v2 := setCell(t, marked, cellA, newA)
	h.send(rencheng, "任城区11月进展表（修改）", xlsx("任城区_审核退回标注.xlsx", v2))
	if c := h.collectLogged(); c["accepted"] != 1 {
		t.Fatalf("collect v2 = %v", c)
	}
	h.deliver()
	r2 := h.latestMail(addr, "第2版）")
	oldA := cellText(t, v1, cellA)
	for _, w := range []string{"与第1版相比，修改了以下单元格", cellA + "：" + oldA + " → " + newA, "没有修改：" + cellB, "须经考核办审核"} {
		if !strings.Contains(r2.Text, w) {
			t.Errorf("receipt of v2 lacks %q:\n%s", w, r2.Text)
		}
	}
	for _, p := range lang.Check(r2.Subject + "\n" + r2.Text) {
		t.Errorf("receipt v2: %s", p)
	}
	items, _ = h.d.ReviewList(h.ctx, h.period)
	if len(items) != 1 || items[0].Version != 2 || items[0].Changes != 1 || len(items[0].Unchanged) != 1 || items[0].Unchanged[0] != cellB {
		t.Fatalf("review list after v2 = %+v", items)
	}

	// 4. Cell B is still wrong: a review matter, so the office returns it again.
	if _, err := h.d.ReviewReturn(h.ctx, ReturnRequest{County: rencheng, Period: h.period, By: "张三",
		Cells: []store.ReviewCell{{Sheet: sheetB, Cell: refB, Note: "仍未按年末口径修改"}}}); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	ret2 := h.latestMail(addr, "【退回】")
	if !strings.Contains(ret2.Text, "第2版") || !strings.Contains(ret2.Text, cellB+"：仍未按年末口径修改") {
		t.Errorf("second return:\n%s", ret2.Text)
	}

	// 5. Fixed, resubmitted: the receipt lists cell B.
	v3 := setCell(t, ret2.Attachments[0].Data, cellB, newB)
	h.send(rencheng, "任城区11月进展表（再次修改）", xlsx("任城区.xlsx", v3))
	if c := h.collectLogged(); c["accepted"] != 1 {
		t.Fatalf("collect v3 = %v", c)
	}
	h.deliver()
	r3 := h.latestMail(addr, "第3版）")
	if !strings.Contains(r3.Text, cellB+"："+cellText(t, v1, cellB)+" → "+newB) || strings.Contains(r3.Text, "没有修改") {
		t.Errorf("receipt of v3:\n%s", r3.Text)
	}

	// 6. Approved, then assessed on version 3; the report says by whom and when.
	if _, _, err := h.d.ReviewApprove(h.ctx, rencheng, h.period, "李四"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.d.ReviewApprove(h.ctx, rencheng, h.period, "李四"); !errors.Is(err, ErrReview) {
		t.Errorf("approving twice: %v", err)
	}
	if items, _ := h.d.ReviewList(h.ctx, h.period); len(items) != 0 {
		t.Errorf("review list after approval = %+v", items)
	}
	a, _, err = h.d.Assess(h.ctx, h.period, AssessOptions{Render: true})
	if err != nil {
		t.Fatal(err)
	}
	// The county's report says it, in its PDF (checked by pdftotext when installed).
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command(pt, filepath.Join(h.d.Config.Report.OutDir, h.period, rencheng+".pdf"), "-").Output()
		if txt := strings.Join(strings.Fields(string(out)), ""); err != nil || !strings.Contains(txt, "审核情况：本期计分采用第3版进展表，经考核办李四于") {
			t.Errorf("the report does not say who approved which version (%v):\n%.600s", err, txt)
		}
	}
	cr = countyResult(t, a, rencheng)
	if !cr.Submitted || cr.Version != 3 || !strings.Contains(cr.Review, "第3版") || !strings.Contains(cr.Review, "李四") {
		t.Fatalf("assessed: submitted=%v version=%d review=%q", cr.Submitted, cr.Version, cr.Review)
	}
	for _, p := range lang.Check(cr.Review) {
		t.Errorf("review line: %s", p)
	}

	// Every mail arrived once: 3 receipts and 2 returns, each Message-ID once.
	ids := map[string]int{}
	for _, m := range h.sink.Messages() {
		ids[m.MessageID]++
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("Message-ID %s arrived %d times", id, n)
		}
	}
	got := h.to(addr)
	var receipts, returns int
	for _, m := range got {
		switch {
		case strings.Contains(m.Subject, "【回执】"):
			receipts++
		case strings.Contains(m.Subject, "【退回】"):
			returns++
		}
	}
	if receipts != 3 || returns != 2 || len(got) != 5 || len(ids) != 5 {
		t.Errorf("mails to the county: %d receipts, %d returns, %d in all, %d Message-IDs; want 3, 2, 5, 5", receipts, returns, len(got), len(ids))
	}

	// The run log shows each step, with who.
	runs, err := h.d.Store.Runs(h.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Job == "review" || (r.Job == "collect" && r.Counts["accepted"] > 0) {
			log = append(log, r.Job+" "+r.Cause)
		}
	}
	want := []string{"collect ", "review return " + rencheng + " v1 by 张三: 村级台账两处数据", "collect ",
		"review return " + rencheng + " v2 by 张三: " + cellB + " 仍未按年末口径修改", "collect ", "review approve " + rencheng + " v3 by 李四"}
	if len(log) != len(want) {
		t.Fatalf("run log:\n%s", strings.Join(log, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(log[i], w) {
			t.Errorf("run %d = %q, want %q…", i, log[i], w)
		}
	}
	if testing.Verbose() {
		for _, m := range h.received() {
			t.Logf("%s\nTo: %v\n%s\n%s", m.Key, m.To, m.Subject, m.Text)
		}
		t.Logf("run log:\n%s", strings.Join(log, "\n"))
	}
}

func countyResult(t testing.TB, a *Assessment, code string) *struct {
	Submitted bool
	Version   int
	Review    string
} {
	t.Helper()
	for _, c := range a.Result.Counties {
		if c.Code == code {
			return &struct {
				Submitted bool
				Version   int
				Review    string
			}{c.Submitted, c.Version, c.Review}
		}
	}
	t.Fatalf("no county %s in the result", code)
	return nil
}

// TestReviewUnknownSender: a signed form from a personal mailbox waits for the office as
// 待确认来源 with no reply; accepted with --add-sender, the receipt goes to the county and
// the sender, and the next form from that address is taken directly. Mail from strangers
// without a valid form stays unanswered, and a discarded item stays discarded.
func TestReviewUnknownSender(t *testing.T) {
	h := newHarness(t)
	const clerk = "clerk@personal.kaohe.test"
	form := h.filled(rencheng, 0.8, 1)
	h.deliverRaw(h.mailFrom(clerk, "任城区11月进展表", xlsx("任城区.xlsx", form)))
	h.deliverRaw(h.mailFrom("spam@stranger.kaohe.test", "你好"))
	h.deliverRaw(h.mailFrom("other@stranger.kaohe.test", "表", xlsx("表.xlsx", h.form(yanzhou)[:200])))
	h.deliverRaw(h.mailFrom("someone@stranger.kaohe.test", "兖州区表格", xlsx("兖州区.xlsx", h.filled(yanzhou, 0.5, 3))))
	c := h.collectLogged()
	if c["source_pending"] != 2 || c["unknown_sender"] != 4 || c["accepted"] != 0 {
		t.Fatalf("collect = %v", c)
	}
	if d := h.deliver(); d["sent"] != 0 {
		t.Fatalf("something was answered: %v", d)
	}
	items, err := h.d.ReviewList(h.ctx, h.period)
	if err != nil || len(items) != 2 || items[0].Kind != ItemSource || items[0].Source.Sender != clerk || items[0].County != rencheng {
		t.Fatalf("review list = %+v, %v", items, err)
	}
	rs, err := h.d.ReviewStatusOf(h.ctx, h.period)
	if err != nil || len(rs.Sources[rencheng]) != 1 || len(rs.Sources[yanzhou]) != 1 {
		t.Fatalf("status: %+v, %v", rs, err)
	}

	// Accepted for 任城区, the sender added: the receipt goes to the county and the clerk.
	it, sub, err := h.d.ReviewAcceptSource(h.ctx, items[0].Source.ID, true, "王五")
	if err != nil {
		t.Fatal(err)
	}
	if it.State != store.SourceAccepted || it.DecidedBy != "王五" || sub.Status != store.Accepted || sub.County != rencheng {
		t.Fatalf("accepted: %+v %+v", it, sub)
	}
	if _, _, err := h.d.ReviewAcceptSource(h.ctx, it.ID, true, "王五"); !errors.Is(err, ErrReview) {
		t.Errorf("accepting twice: %v", err)
	}
	h.deliver()
	msgs := h.received()
	if len(msgs) != 1 {
		t.Fatalf("want one receipt, got %d", len(msgs))
	}
	m := msgs[0]
	want := append([]string{clerk}, h.county(rencheng).Emails...)
	if len(m.To) != len(want) || !strings.Contains(m.Subject, "【回执】") || !strings.Contains(m.Text, "未登记的邮箱 "+clerk) {
		t.Fatalf("receipt to %v (want %v): %s\n%s", m.To, want, m.Subject, m.Text)
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(m.To, ","), w) {
			t.Errorf("receipt not to %s: %v", w, m.To)
		}
	}

	// The clerk's next form is taken directly (the address was added in the store), and
	// its receipt lists what changed: at most 30 cells, then the rest counted.
	h.deliverRaw(h.mailFrom(clerk, "任城区11月进展表（更新）", xlsx("任城区.xlsx", h.filled(rencheng, 0.3, 9))))
	if c := h.collectLogged(); c["accepted"] != 1 || c["source_pending"] != 0 {
		t.Fatalf("collect from the added address = %v", c)
	}
	h.deliver()
	r := h.latestMail(clerk, "第2版）")
	if n := strings.Count(r.Text, " → "); n != MaxChangesListed || !strings.Contains(r.Text, "另有") || !strings.Contains(r.Text, "处修改。") {
		t.Errorf("receipt lists %d changes; want %d and 另有N处修改:\n%s", n, MaxChangesListed, r.Text)
	}
	for _, p := range lang.Check(r.Text) {
		t.Errorf("receipt: %s", p)
	}

	// The other is discarded: nobody hears of it, and it cannot be accepted after.
	d, err := h.d.ReviewDiscard(h.ctx, items[1].Source.ID, "非本单位人员发送", "王五")
	if err != nil || d.State != store.SourceDiscarded {
		t.Fatalf("discard: %+v %v", d, err)
	}
	if _, _, err := h.d.ReviewAcceptSource(h.ctx, d.ID, false, "王五"); !errors.Is(err, ErrReview) {
		t.Errorf("accept after discard: %v", err)
	}
	if got := h.to("someone@stranger.kaohe.test"); len(got) != 0 {
		t.Errorf("the discarded sender got %d mails", len(got))
	}
	if subs := h.submissions(); len(subs) != 2 {
		t.Errorf("submissions = %d, want 2 (任城区 v1, v2)", len(subs))
	}
	// Without review.required nothing is 待审核.
	if items, _ := h.d.ReviewList(h.ctx, h.period); len(items) != 0 {
		t.Errorf("review list = %+v", items)
	}
}

func TestDiffFilingsAndCopied(t *testing.T) {
	h := newHarness(t)
	parse := func(b []byte) *seeds.Filing {
		t.Helper()
		f, _, _, err := templates.Parse(b, "a.xlsx", templates.ParseOptions{Checklist: h.d.Checklist, Roster: h.d.Roster, Secret: h.d.Config.Forms.Secret})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	v1 := h.filled(rencheng, 0.8, 1)
	f1 := parse(v1)
	if ch := DiffFilings(h.d.Checklist, f1, f1); len(ch) != 0 {
		t.Errorf("a filing against itself: %v", ch)
	}
	// The same rows next month are 照抄上月 for every task not complete.
	var open, inProgress int
	for i, tr := range f1.Tasks {
		if tr.Status != seeds.StatusNone && tr.Status != seeds.StatusDone {
			open++
		}
		if tr.Status == seeds.StatusInProgress && inProgress == 0 {
			inProgress = i + 1
		}
	}
	if copied := copiedTasks(h.d.Checklist, f1, f1); len(copied) != open || open == 0 || copied[0].Title == "" {
		t.Errorf("copied = %v, want %d tasks (those not complete)", copied, open)
	}
	if inProgress == 0 {
		t.Fatal("no task 推进中 in the synthetic form")
	}
	// One task's status and progress changed: two changes, each naming its cell, old and
	// new, in sheet order; and that task is no longer 照抄上月.
	tr := f1.Tasks[inProgress-1]
	f2 := parse(setCell(t, setCell(t, v1, tr.Cell, "未启动"), tr.PercentCell, "0"))
	ch := DiffFilings(h.d.Checklist, f1, f2)
	if len(ch) != 2 || ch[0].Cell != tr.Cell || ch[0].Old != "推进中" || ch[0].New != "未启动" ||
		ch[1].Cell != tr.PercentCell || ch[1].New != "0" {
		t.Fatalf("changes = %v", ch)
	}
	if ch[0].String() != tr.Cell+"：推进中 → 未启动" {
		t.Errorf("change text %q", ch[0].String())
	}
	for _, c := range copiedTasks(h.d.Checklist, f1, f2) {
		if c.Task == tr.Task {
			t.Errorf("task %s changed but flagged 照抄上月", tr.Task)
		}
	}
}
