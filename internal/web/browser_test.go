package web

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

var screens = flag.Bool("screens", false, "write the browser test's screenshots to testdata/screens (else to a temporary directory)")

// chromium returns the path of a Chromium-based browser, or "" when there is none.
func chromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser drives the console in a real headless Chromium: log in, see the month,
// open a unit, see the review page, record an adjustment, resend a failed mail, read the
// run log, download summary.xlsx; a form without its CSRF token and a viewer's approval
// are refused; five wrong passwords slow the login down. Each page is screenshot.
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: CI must install it (.ci/run: apt-get install chromium)")
		}
		t.Skip("no chromium on this machine (apt-get install chromium): the browser test is skipped")
	}
	f := newMailFixture(t)
	shots := t.TempDir()
	if *screens {
		shots = filepath.Join("testdata", "screens")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	downloads := t.TempDir()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"), chromedp.Flag("renderer-process-limit", "1"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	base := f.http.URL
	// The first action starts the browser, on a context without a timeout (a timeout
	// there would stop the browser); the rest run under one.
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 6*time.Minute)
	defer cancel()

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shotAs := func(name string, a chromedp.Action[[]byte]) {
		t.Helper()
		buf, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string) { t.Helper(); shotAs(name, chromedp.FullScreenshot(100)) }
	shotTop := func(name string) { t.Helper(); shotAs(name, chromedp.CaptureScreenshot()) } // what the window shows
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	login := func(name, pw string) {
		t.Helper()
		run("login "+name, chromedp.Navigate(base+"/login"),
			chromedp.SetValue(chromedp.CSS("#name"), name), chromedp.SetValue(chromedp.CSS("#password"), pw),
			chromedp.Click(chromedp.CSS("#login")))
	}
	logout := func() {
		t.Helper()
		run("logout", chromedp.Click(chromedp.CSS("header .who button")), chromedp.WaitVisible(chromedp.CSS("#login")))
	}

	ctxb := context.Background()
	backC, waitC := f.d.Roster.County(f.back), f.d.Roster.County(f.waits)
	backAddr := backC.Emails[0]

	// Log in; the month at a glance.
	run("open", chromedp.WaitVisible(chromedp.CSS("#login")))
	shot("01-login")
	login(reviewerName, reviewerPW)
	run("overview", chromedp.WaitVisible(chromedp.CSS("#counts")), chromedp.Navigate(base+"/?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#counts")))
	if s := text("#counts"); !strings.Contains(s, "14\n应报") && !strings.Contains(s, "14应报") && !strings.Contains(s, "14 应报") {
		t.Errorf("counts: %q", s)
	}
	if s := text("#counts"); !strings.Contains(s, "2\n待审核") && !strings.Contains(s, "2待审核") || !strings.Contains(s, "1\n待确认来源") && !strings.Contains(s, "1待确认来源") {
		t.Errorf("counts: %q", s)
	}
	if s := text("#units"); !strings.Contains(s, "已报送") || !strings.Contains(s, "未报送") || !strings.Contains(s, "待确认来源") {
		t.Errorf("unit list: %q", s)
	}
	if s := text("#who"); !strings.Contains(s, reviewerName) {
		t.Errorf("who: %q", s)
	}
	shot("02-overview")

	// A unit: its version, its mails and its evidence file.
	run("unit", chromedp.Click(chromedp.CSS(`a[href^="/unit/`+f.back+`"]`)), chromedp.WaitVisible(chromedp.CSS("#evidence")))
	if s := text("main"); !strings.Contains(s, backC.Name) || !strings.Contains(s, "第1版") || !strings.Contains(s, "【回执】") {
		t.Errorf("unit page lacks name, version or receipt: %.300q", s)
	}
	if s := text("#evidence"); !strings.Contains(s, "一、1-会议纪要.pdf") || !strings.Contains(s, "一、1") {
		t.Errorf("evidence: %q", s)
	}
	shot("03-unit")
	shotTop("03-unit-top")

	// The review page: a refusal in Chinese, then return the form with a reason on one cell.
	cell := f.villageCell(t, f.back)
	rowSel := `#queue tr[data-county="` + f.back + `"]`
	run("review queue", chromedp.Navigate(base+"/review?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#queue")),
		chromedp.WaitVisible(chromedp.CSS("#sources")))
	shot("04-review")
	run("bad cell", chromedp.Click(chromedp.CSS(rowSel+" details summary")), chromedp.SendKeys(chromedp.CSS(rowSel+" textarea[name=reason]"), "村级台账数据与乡镇统计不符"),
		chromedp.SendKeys(chromedp.CSS(rowSel+" input[name=cell]"), "台账!P12"), chromedp.Click(chromedp.CSS(rowSel+" details button")),
		chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "工作表不对") {
		t.Errorf("a bad cell: %q", s)
	}
	run("return", chromedp.Click(chromedp.CSS(rowSel+" details summary")), chromedp.SendKeys(chromedp.CSS(rowSel+" textarea[name=reason]"), "村级台账数据与乡镇统计不符"),
		chromedp.SendKeys(chromedp.CSS(rowSel+" input[name=cell]"), cell), chromedp.SendKeys(chromedp.CSS(rowSel+" input[name=note]"), "请核实后重报"))
	shot("04b-review-return")
	run("return sent", chromedp.Click(chromedp.CSS(rowSel+" details button")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已退回") {
		t.Fatalf("return: %q", s)
	}
	// The county's 【退回】 arrives at the SMTP sink with its workbook, the cell marked.
	f.deliver(t)
	rets := f.mailsTo(t, backAddr, "【退回】")
	if len(rets) != 1 {
		t.Fatalf("%d 【退回】 to %s", len(rets), backAddr)
	}
	if !strings.Contains(rets[0].Text, "请核实后重报") || !strings.Contains(rets[0].Text, "村级台账数据与乡镇统计不符") {
		t.Errorf("【退回】 lacks the reason or the note:\n%s", rets[0].Text)
	}
	if len(rets[0].Attachments) != 1 || !strings.HasSuffix(rets[0].Attachments[0].Filename, "_审核退回标注.xlsx") {
		t.Fatalf("【退回】 attachments: %+v", rets[0].Attachments)
	}
	if note := cellComment(t, rets[0].Attachments[0].Data, cell); !strings.Contains(note, "请核实后重报") {
		t.Errorf("the marked workbook's comment on %s: %q", cell, note)
	}

	// The county resubmits; the reviewer approves the resubmission.
	f.send(t, backAddr, f.back, 11)
	if c := f.collect(t); c["accepted"] != 1 {
		t.Fatalf("resubmission: collect = %v", c)
	}
	run("resubmission", chromedp.Navigate(base+"/review?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS(rowSel)))
	if s := text(rowSel); !strings.Contains(s, "第2版") || !strings.Contains(s, "重报") {
		t.Errorf("the resubmission in the queue: %q", s)
	}
	shot("04c-review-resubmitted")
	run("approve", chromedp.Click(chromedp.CSS(rowSel+" button.approve")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已通过") {
		t.Errorf("approve: %q", s)
	}
	acts, err := f.d.Store.ReviewActions(ctxb, testPeriod, f.back)
	if err != nil || len(acts) != 2 || acts[0].Action != store.ReviewReturn || acts[1].Action != store.ReviewApprove || acts[1].By != reviewerName {
		t.Fatalf("review actions: %+v %v", acts, err)
	}
	if sub, err := f.d.Store.LatestAccepted(ctxb, f.back, testPeriod); err != nil || sub.Version != 2 || sub.ID != acts[1].Submission {
		t.Errorf("approved %d, latest %+v %v", acts[1].Submission, sub, err)
	}
	// Approving it again is refused, in Chinese.
	eval("approve again", postForm("/review/approve", [][2]string{{"county", f.back}, {"period", testPeriod}}))
	run("approve again refused", chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "不能重复通过") {
		t.Errorf("approving twice: %q", s)
	}
	// The form from an address on no county's list: accepted for its county, the sender added.
	run("accept source", chromedp.Navigate(base+"/review?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#sources")),
		chromedp.Click(chromedp.CSS("#sources input[name=add_sender]")), chromedp.Click(chromedp.CSS("#sources button.accept")),
		chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已确认第") || !strings.Contains(s, f.stranger) {
		t.Errorf("accept source: %q", s)
	}
	if s := text("#review-done"); !strings.Contains(s, "退回") || !strings.Contains(s, "审核通过") || !strings.Contains(s, "请核实后重报") {
		t.Errorf("review record: %q", s)
	}
	shot("04d-review-source-accepted")
	// Assess (queueing the reports and the summary) for the downloads below.
	if _, err := f.d.RunLogged(ctxb, "assess", testPeriod, func(ctx context.Context) (jobs.Counts, error) {
		_, c, err := f.d.Assess(ctx, testPeriod, jobs.AssessOptions{Queue: true})
		return c, err
	}); err != nil {
		t.Fatal(err)
	}
	run("unit after", chromedp.Navigate(base+"/unit/"+f.back+"?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#score")))
	if s := text("main"); !strings.Contains(s, "第2版") || !strings.Contains(s, "较上一版改动") || !strings.Contains(s, "【退回】") ||
		!strings.Contains(s, "已退回（"+reviewerName) || !strings.Contains(s, "已审核（"+reviewerName) || !strings.Contains(s, "请核实后重报") {
		t.Errorf("unit page after the review: %.300q", s)
	}
	shot("03b-unit-reviewed")
	shotTop("03b-unit-reviewed-top")
	_ = waitC

	// Record an adjustment.
	late := waitC
	run("adjust form", chromedp.Navigate(base+"/adjust?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#adjust-form")),
		chromedp.SetValue(chromedp.CSS("#county"), late.Code), chromedp.SetValue(chromedp.CSS("#kind"), "减分"),
		chromedp.SendKeys(chromedp.CSS("#points"), "1.5"), chromedp.SendKeys(chromedp.CSS("#reason"), "村级台账与实地不符"),
		chromedp.SendKeys(chromedp.CSS("#doc"), "济组考〔2026〕7号"), chromedp.Click(chromedp.CSS("#adjust-submit")),
		chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已记录第1条") {
		t.Fatalf("adjust: %q", s)
	}
	if s := text("#records"); !strings.Contains(s, late.Name) || !strings.Contains(s, reviewerName) || !strings.Contains(s, "济组考〔2026〕7号") {
		t.Errorf("records: %q", s)
	}
	recs, err := f.d.Store.Adjustments(context.Background(), testPeriod, late.Code, true)
	if err != nil || len(recs) != 1 || recs[0].By != reviewerName || recs[0].Points != 1.5 || recs[0].Kind != "减分" {
		t.Fatalf("stored: %+v %v", recs, err)
	}
	shot("05-adjust")

	// A form whose CSRF token was taken out is refused, and records nothing.
	eval("no csrf", `document.querySelector('#adjust-form input[name=csrf]').remove()`)
	run("no csrf",
		chromedp.SendKeys(chromedp.CSS("#points"), "1"), chromedp.SendKeys(chromedp.CSS("#reason"), "x"),
		chromedp.SendKeys(chromedp.CSS("#doc"), "y"), chromedp.Click(chromedp.CSS("#adjust-submit")),
		chromedp.WaitVisible(chromedp.CSS("#refused")))
	if s := text("#refused"); !strings.Contains(s, "CSRF") {
		t.Errorf("without CSRF: %q", s)
	}
	if recs, _ := f.d.Store.Adjustments(context.Background(), testPeriod, "", true); len(recs) != 1 {
		t.Errorf("a request without CSRF token recorded something: %d records", len(recs))
	}
	shot("06-csrf-refused")

	// The outbox: the receipts, the 【退回】 and the reports.
	run("outbox", chromedp.Navigate(base+"/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
	shot("07-outbox")

	// The run log (the review's runs among them) and the audit trail.
	run("runs", chromedp.Navigate(base+"/runs"), chromedp.WaitVisible(chromedp.CSS("#runs")))
	if s := text("#runs"); !strings.Contains(s, "审核") || !strings.Contains(s, "收取") || !strings.Contains(s, "return "+f.back+" v1 by "+reviewerName) {
		t.Errorf("runs: %q", s)
	}
	if s := text("#audit"); !strings.Contains(s, "记录加减分") || !strings.Contains(s, "审核退回") || !strings.Contains(s, "确认来源") || !strings.Contains(s, reviewerName) {
		t.Errorf("audit: %q", s)
	}
	shot("08-runs")

	// Download summary.xlsx by its link.
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	yes := true
	run("download", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &yes})
		return err
	}), chromedp.Navigate(base+"/?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#counts")),
		chromedp.Click(chromedp.CSS(`a.dl[href$="/1"]`)))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("summary.xlsx: no download: %v", err)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		b, err := os.ReadFile(filepath.Join(downloads, ev.GUID))
		if err != nil || !bytes.HasPrefix(b, []byte("PK")) || len(b) < 2000 {
			t.Errorf("summary.xlsx: %d bytes, %v", len(b), err)
		}
		break
	}
	logout()

	// A viewer sees the month but cannot act: a hand-made approval is refused.
	login(viewerName, viewerPW)
	run("viewer", chromedp.WaitVisible(chromedp.CSS("#counts")), chromedp.Navigate(base+"/adjust?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#records")))
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#adjust-form').length`))
	if err != nil || forms != 0 {
		t.Error("a viewer is offered the adjustment form")
	}
	shot("09-viewer-adjust")
	eval("viewer approves", postForm("/review/approve", [][2]string{{"county", f.waits}, {"period", testPeriod}}))
	run("viewer refused", chromedp.WaitVisible(chromedp.CSS("#refused")))
	if s := text("#refused"); !strings.Contains(s, "查看账号") {
		t.Errorf("viewer's approval: %q", s)
	}
	if acts, _ := f.d.Store.ReviewActions(ctxb, testPeriod, f.waits); len(acts) != 0 {
		t.Errorf("a viewer's approval was recorded: %+v", acts)
	}
	shot("10-viewer-refused")
	logout()

	// An admin's users page.
	login(adminName, adminPW)
	run("users", chromedp.WaitVisible(chromedp.CSS("#counts")), chromedp.Navigate(base+"/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
	shot("11-users")
	logout()

	// Five wrong passwords, then even the right one waits.
	for i := 0; i < maxFailures; i++ {
		login(reviewerName, "not-the-password")
		run("wrong password", chromedp.WaitVisible(chromedp.CSS("#login-error")))
		if s := text("#login-error"); !strings.Contains(s, "用户名或密码错误") {
			t.Fatalf("wrong password %d: %q", i+1, s)
		}
	}
	login(reviewerName, reviewerPW)
	run("slowed", chromedp.WaitVisible(chromedp.CSS("#login-error")))
	if s := text("#login-error"); !strings.Contains(s, "密码错误次数过多") {
		t.Errorf("sixth attempt: %q", s)
	}
	shot("12-login-slowed")
	f.clock.Advance(31 * time.Second)
	login(reviewerName, reviewerPW)
	run("after the wait", chromedp.WaitVisible(chromedp.CSS("#counts")))
	t.Logf("screenshots in %s", shots)
}

// postForm is JavaScript that posts a hand-made form (with the page's CSRF token) to path.
func postForm(path string, fields [][2]string) string {
	var b strings.Builder
	for _, kv := range fields {
		b.WriteString("['" + kv[0] + "', '" + kv[1] + "'], ")
	}
	return `(() => {
		const f = document.createElement('form'); f.method = 'post'; f.action = '` + path + `';
		for (const [k, v] of [['csrf', document.querySelector('header input[name=csrf]').value], ` + b.String() + `]) {
			const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); f.submit(); return true })()`
}

// cellComment returns the comment on 工作表!单元格 of a workbook.
func cellComment(t *testing.T, data []byte, ref string) string {
	t.Helper()
	sheet, cell, _ := strings.Cut(ref, "!")
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	cs, err := x.GetComments(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		if c.Cell == cell {
			out = append(out, c.Text)
			for _, p := range c.Paragraph {
				out = append(out, p.Text)
			}
		}
	}
	return strings.Join(out, " ")
}
