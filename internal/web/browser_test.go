package web

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
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
	f := newFixture(t, nil)
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

	// Log in; the month at a glance.
	run("open", chromedp.WaitVisible(chromedp.CSS("#login")))
	shot("01-login")
	login(reviewerName, reviewerPW)
	run("overview", chromedp.WaitVisible(chromedp.CSS("#counts")))
	if s := text("#counts"); !strings.Contains(s, "14\n应报") && !strings.Contains(s, "14应报") && !strings.Contains(s, "14 应报") {
		t.Errorf("counts: %q", s)
	}
	if s := text("#units"); !strings.Contains(s, "迟报") || !strings.Contains(s, "未报送") || !strings.Contains(s, "被退回") {
		t.Errorf("unit list: %q", s)
	}
	if s := text("#who"); !strings.Contains(s, reviewerName) {
		t.Errorf("who: %q", s)
	}
	shot("02-overview")

	// A unit: its versions and what changed, its mails, its score and report.
	unit := f.d.Roster.County(f.codes.twoVersions)
	run("unit", chromedp.Click(chromedp.CSS(`a[href^="/unit/`+unit.Code+`"]`)), chromedp.WaitVisible(chromedp.CSS("#score")))
	if s := text("main"); !strings.Contains(s, unit.Name) || !strings.Contains(s, "第2版") || !strings.Contains(s, "较上一版改动") || !strings.Contains(s, ".pdf") {
		t.Errorf("unit page lacks name, versions or report: %.300q", s)
	}
	shot("03-unit")
	shotTop("03-unit-top")

	// The review page without the review wired in.
	run("review", chromedp.Navigate(base+"/review?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#review-off")))
	shot("04-review")

	// The review page with a review wired in (a recording stand-in for issue 14's): return
	// with a reason on one cell, then approve, as the logged-in user.
	rev := &recordingReviewer{}
	srv2, err := New(Options{Deps: f.d, Reviewer: rev})
	if err != nil {
		t.Fatal(err)
	}
	h2 := httptest.NewServer(srv2)
	defer h2.Close()
	// Cookies do not tell ports apart and the session is in the store: the login holds.
	run("console with the review wired", chromedp.Navigate(h2.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#counts")))
	if s := text("#counts"); !strings.Contains(s, "1\n待审核") && !strings.Contains(s, "1待审核") {
		t.Errorf("counts with the review wired: %q", s)
	}
	run("review queue", chromedp.Navigate(h2.URL+"/review?period="+testPeriod), chromedp.WaitVisible(chromedp.CSS("#queue")),
		chromedp.Click(chromedp.CSS("#queue details summary")), chromedp.SendKeys(chromedp.CSS(`#queue textarea[name=reason]`), "村级台账数据与上月完全相同"),
		chromedp.SendKeys(chromedp.CSS(`#queue input[name=cell]`), "村级台账!P12"), chromedp.SendKeys(chromedp.CSS(`#queue input[name=note]`), "请核实后重报"))
	shot("04b-review-queue")
	run("return", chromedp.Click(chromedp.CSS(`#queue details button`)), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已退回") {
		t.Errorf("return: %q", s)
	}
	run("approve", chromedp.Click(chromedp.CSS(`#queue button.approve`)), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已通过") {
		t.Errorf("approve: %q", s)
	}
	if len(rev.returns) != 1 || rev.returns[0].By != reviewerName || len(rev.returns[0].Cells) != 1 || rev.returns[0].Cells[0].Cell != "村级台账!P12" ||
		len(rev.approve) != 1 || !strings.HasSuffix(rev.approve[0], reviewerName) {
		t.Errorf("the review was asked: returns %+v, approvals %v", rev.returns, rev.approve)
	}

	// Record an adjustment.
	late := f.d.Roster.County(f.codes.late)
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

	// The outbox: resend the failed mail.
	run("outbox", chromedp.Navigate(base+"/outbox?state=failed"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
	shot("07-outbox")
	run("resend", chromedp.Click(chromedp.CSS(`#outbox form button`)), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if s := text("#flash"); !strings.Contains(s, "已重新排队") {
		t.Errorf("resend: %q", s)
	}

	// The run log, catch-up runs marked, and the audit trail.
	run("runs", chromedp.Navigate(base+"/runs"), chromedp.WaitVisible(chromedp.CSS("#runs")))
	if s := text("#runs"); !strings.Contains(s, "补跑") {
		t.Errorf("runs: no catch-up mark: %q", s)
	}
	if s := text("#audit"); !strings.Contains(s, "记录加减分") || !strings.Contains(s, "重新发送") || !strings.Contains(s, reviewerName) {
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
	eval("viewer approves", `(() => {
		const f = document.createElement('form'); f.method = 'post'; f.action = '/review/approve';
		for (const [k, v] of [['csrf', document.querySelector('header input[name=csrf]').value], ['county', '`+f.codes.twoVersions+`'], ['period', '`+testPeriod+`']]) {
			const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); f.submit(); return true })()`)
	run("viewer refused", chromedp.WaitVisible(chromedp.CSS("#refused")))
	if s := text("#refused"); !strings.Contains(s, "查看账号") {
		t.Errorf("viewer's approval: %q", s)
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
