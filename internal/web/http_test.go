package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/templates"
)

// client is a browser without a browser: a cookie jar that does not follow redirects
// on its own for POSTs.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) post(path string, v url.Values) (int, string) {
	c.t.Helper()
	resp, err := c.c.PostForm(c.base+path, v)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) upload(path, csrf, name string, data []byte) (int, string) {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", csrf)
	mw.WriteField("period", testPeriod)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp, err := c.c.Post(c.base+path, mw.FormDataContentType(), &b)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var tags = regexp.MustCompile(`(?s)<[^>]*>`)

// pageText is the text of an HTML page, tags dropped, entities decoded.
func pageText(body string) string { return html.UnescapeString(tags.ReplaceAllString(body, "\n")) }

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (c *client) login(name, pw string) string {
	c.t.Helper()
	code, body := c.post("/login", url.Values{"name": {name}, "password": {pw}})
	if code != 200 || !strings.Contains(body, "概况") {
		c.t.Fatalf("login %s: %d %s", name, code, body)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// recordingReviewer stands in for the office review of issue 14, which the lead wires
// after merging: it records what the console asked of it.
type recordingReviewer struct {
	mu      sync.Mutex
	approve []string
	returns []ReturnRequest
	sources []string
}

func (r *recordingReviewer) List(ctx context.Context, period string) ([]ReviewItem, error) {
	return []ReviewItem{{County: "370811", Name: "任城区", Period: period, Version: 1, State: "待审核"}}, nil
}

func (r *recordingReviewer) Approve(ctx context.Context, county, period, by string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.approve = append(r.approve, county+" "+period+" "+by)
	return nil
}

func (r *recordingReviewer) Return(ctx context.Context, req ReturnRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.returns = append(r.returns, req)
	return nil
}

func (r *recordingReviewer) AcceptSource(ctx context.Context, id int64, addSender bool, by string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sources = append(r.sources, fmt.Sprintf("accept %d %v %s", id, addSender, by))
	return "已确认。", nil
}

func (r *recordingReviewer) DiscardSource(ctx context.Context, id int64, reason, by string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sources = append(r.sources, fmt.Sprintf("discard %d %s %s", id, reason, by))
	return nil
}

func TestPagesAndRoles(t *testing.T) {
	rev := &recordingReviewer{}
	f := newFixture(t, rev)
	ctx := context.Background()

	anon := newClient(t, f.http.URL)
	if code, body := anon.get("/"); code != 200 || !strings.Contains(body, "登录") {
		t.Fatalf("anonymous /: %d", code)
	}
	if code, _ := anon.get("/download/attachment/1/0"); code != 200 {
		t.Fatalf("anonymous download: %d", code) // redirected to the login page
	}
	if code, _ := anon.post("/adjust/add", url.Values{"county": {f.codes.late}}); code != http.StatusUnauthorized {
		t.Fatalf("anonymous POST: %d", code)
	}

	rc := newClient(t, f.http.URL)
	csrf := rc.login(reviewerName, reviewerPW)
	for path, want := range map[string][]string{
		"/":                            {"应报", "迟报", "未报送", "被退回", "待审核", "考核排名.xlsx"},
		"/unit/" + f.codes.twoVersions: {"第2版", "较上一版改动", "评估报告", "11月报表", "来信"},
		"/unit/" + f.codes.rejected:    {"约五万", "被退回"},
		"/review":                      {"任城区", "通过", "退回并通知"},
		"/adjust":                      {"记录加分或减分", "下载本期核查表"},
		"/outbox":                      {"发送失败", "重新发送", "550 5.1.1"},
		"/runs":                        {"补跑", "assess"},
	} {
		code, body := rc.get(path + "?period=" + testPeriod)
		if path == "/outbox" || path == "/runs" {
			code, body = rc.get(path)
		}
		if code != 200 {
			t.Errorf("%s: %d", path, code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", path, w)
			}
		}
		if ps := lang.Check(pageText(body)); len(ps) > 0 {
			t.Errorf("%s: ASCII punctuation between Chinese characters: %v", path, ps)
		}
		if strings.Contains(body, testSecret) || strings.Contains(body, testMailPassword) {
			t.Errorf("%s reveals a secret", path)
		}
	}
	if code, body := rc.get("/users"); code != http.StatusForbidden || !strings.Contains(body, "只有管理员") {
		t.Errorf("reviewer on /users: %d", code)
	}
	if code, _ := rc.get("/?period=2026-13"); code != 200 {
		t.Errorf("bad period: %d", code)
	}
	if code, _ := rc.get("/download/attachment/999/0"); code != 404 {
		t.Errorf("unknown attachment: %d", code)
	}
	if code, _ := rc.get("/download/attachment/..%2f..%2fetc%2fpasswd/0"); code != 404 {
		t.Errorf("a path for an id: %d", code)
	}

	// Review through the interface, with the logged-in user as --by.
	if code, body := rc.post("/review/approve", url.Values{"csrf": {csrf}, "period": {testPeriod}, "county": {"370811"}}); code != 200 || !strings.Contains(body, "已通过") {
		t.Errorf("approve: %d %s", code, body)
	}
	rc.post("/review/return", url.Values{"csrf": {csrf}, "period": {testPeriod}, "county": {"370811"}, "reason": {"数据有误"},
		"cell": {"村级台账!P12", ""}, "note": {"与上月相同", ""}})
	if len(rev.approve) != 1 || rev.approve[0] != "370811 "+testPeriod+" "+reviewerName {
		t.Errorf("approvals: %v", rev.approve)
	}
	if len(rev.returns) != 1 || rev.returns[0].By != reviewerName || len(rev.returns[0].Cells) != 1 || rev.returns[0].Cells[0].Note != "与上月相同" {
		t.Errorf("returns: %+v", rev.returns)
	}

	// Adjustments: the CLI's rules, the user as --by.
	code, body := rc.post("/adjust/add", url.Values{"csrf": {csrf}, "period": {testPeriod}, "county": {f.codes.late}, "kind": {"减分"},
		"points": {"abc"}, "reason": {"x"}, "doc": {"y"}})
	if code != 200 || !strings.Contains(body, "分值“abc”不是数字") {
		t.Errorf("points abc: %d", code)
	}
	_, body = rc.post("/adjust/add", url.Values{"csrf": {csrf}, "period": {testPeriod}, "county": {f.codes.late}, "kind": {"减分"},
		"points": {"2"}, "reason": {"迟报"}, "doc": {""}})
	if !strings.Contains(body, "未记录：") || !strings.Contains(body, "document number") {
		t.Errorf("no 文号: the refusal of jobs.AddAdjustment should show: %s", body)
	}
	_, body = rc.post("/adjust/add", url.Values{"csrf": {csrf}, "period": {testPeriod}, "county": {f.codes.late}, "kind": {"减分"},
		"points": {"1"}, "reason": {"台账不全"}, "doc": {"济组考〔2026〕3号"}})
	if !strings.Contains(body, "已记录第1条") {
		t.Fatalf("adjust add: %s", body)
	}
	recs, _ := f.d.Store.Adjustments(ctx, testPeriod, "", true)
	if len(recs) != 1 || recs[0].By != reviewerName || recs[0].Source != "web" {
		t.Fatalf("records: %+v", recs)
	}
	_, body = rc.post("/adjust/revoke", url.Values{"csrf": {csrf}, "period": {testPeriod}, "id": {"1"}, "reason": {"误记"}})
	if !strings.Contains(body, "已撤销第1条") {
		t.Errorf("revoke: %s", body)
	}
	if a, _ := f.d.Store.Adjustment(ctx, 1); a.RevokedBy != reviewerName {
		t.Errorf("revoked by %q", a.RevokedBy)
	}

	// Resend a failed mail.
	_, body = rc.post("/outbox/resend", url.Values{"csrf": {csrf}, "id": {itoa(f.failed)}})
	if !strings.Contains(body, "已重新排队") {
		t.Errorf("resend: %s", body)
	}
	_, body = rc.post("/outbox/resend", url.Values{"csrf": {csrf}, "id": {itoa(f.failed)}})
	if !strings.Contains(body, "没有发送失败") {
		t.Errorf("resend twice: %s", body)
	}

	// An 抽查核查: download the 核查表, upload it empty (refused with the CLI's message),
	// then with one claim found true (recorded by the logged-in user).
	code, sample := rc.get("/verify/sample?period=" + testPeriod + "&villages=1&tasks=1")
	if code != 200 || !strings.HasPrefix(sample, "PK") {
		t.Fatalf("核查表: %d", code)
	}
	if _, body := rc.upload("/verify/import", csrf, "核查表.xlsx", []byte(sample)); !strings.Contains(body, "没有填写任何核查值或核查结论") {
		t.Errorf("empty 核查表: %s", body)
	}
	xf, err := excelize.OpenReader(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	xf.SetCellStr(templates.VerifySheetInfo, "B5", "济组核〔2026〕6号")
	xf.SetCellStr(templates.VerifySheetTasks, "G2", "属实")
	var filled bytes.Buffer
	if err := xf.Write(&filled); err != nil {
		t.Fatal(err)
	}
	if _, body := rc.upload("/verify/import", csrf, "核查表.xlsx", filled.Bytes()); !strings.Contains(body, "已记录1条核查结果") {
		t.Errorf("filled 核查表: %s", body)
	}
	if recs, _ := f.d.Store.Adjustments(ctx, testPeriod, "", true); len(recs) != 2 || recs[1].Kind != "核查属实" || recs[1].By != reviewerName || recs[1].Doc != "济组核〔2026〕6号" {
		t.Errorf("records after the 核查表: %+v", recs)
	}

	// Without the CSRF token, or with another session's: refused, nothing done.
	for _, tok := range []string{"", strings.Repeat("0", 64)} {
		code, body := rc.post("/adjust/add", url.Values{"csrf": {tok}, "period": {testPeriod}, "county": {f.codes.late}, "kind": {"加分"},
			"points": {"1"}, "reason": {"x"}, "doc": {"y"}})
		if code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("CSRF %q: %d", tok, code)
		}
	}

	// A form posted from another site is refused, token or not.
	req, _ := http.NewRequest("POST", f.http.URL+"/adjust/add", strings.NewReader(url.Values{"csrf": {csrf}, "period": {testPeriod},
		"county": {f.codes.late}, "kind": {"加分"}, "points": {"1"}, "reason": {"x"}, "doc": {"y"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := rc.c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// A viewer sees, and is refused any action even with its own valid token.
	vc := newClient(t, f.http.URL)
	vcsrf := vc.login(viewerName, viewerPW)
	if _, body := vc.get("/adjust?period=" + testPeriod); strings.Contains(body, `action="/adjust/add"`) {
		t.Error("a viewer is offered the adjustment form")
	}
	for _, path := range []string{"/review/approve", "/adjust/add", "/adjust/revoke", "/outbox/resend", "/users/add"} {
		code, body := vc.post(path, url.Values{"csrf": {vcsrf}, "period": {testPeriod}, "county": {"370811"}, "kind": {"加分"}, "points": {"1"},
			"reason": {"x"}, "doc": {"y"}, "id": {"1"}, "name": {"x"}, "role": {"admin"}, "password": {"0123456789"}})
		if code != http.StatusForbidden {
			t.Errorf("viewer %s: %d", path, code)
		}
		if path == "/review/approve" && !strings.Contains(body, "查看账号") {
			t.Errorf("viewer approve: %s", body)
		}
	}
	if len(rev.approve) != 1 {
		t.Errorf("a viewer's approval reached the review: %v", rev.approve)
	}
	if recs, _ := f.d.Store.Adjustments(ctx, testPeriod, "", true); len(recs) != 2 {
		t.Errorf("a viewer's adjustment was recorded: %d records", len(recs))
	}

	// Admins manage users; the audit trail names who did what.
	ac := newClient(t, f.http.URL)
	acsrf := ac.login(adminName, adminPW)
	if _, body := ac.post("/users/add", url.Values{"csrf": {acsrf}, "name": {"赵六"}, "role": {"viewer"}, "password": {"short"}}); !strings.Contains(body, "密码至少10个字符") {
		t.Errorf("short password accepted")
	}
	if _, body := ac.post("/users/add", url.Values{"csrf": {acsrf}, "name": {"赵六"}, "role": {"viewer"}, "password": {"zhaoliu-2026"}}); !strings.Contains(body, "已添加用户") {
		t.Errorf("user add: %s", body)
	}
	log, _ := f.d.Store.AuditLog(ctx, 0)
	seen := map[string]string{}
	for _, e := range log {
		if _, ok := seen[e.Action]; !ok { // the newest
			seen[e.Action] = e.User
		}
	}
	for action, user := range map[string]string{"adjust.add": reviewerName, "adjust.revoke": reviewerName, "outbox.resend": reviewerName,
		"review.approve": reviewerName, "review.return": reviewerName, "user.add": adminName, "login": adminName} {
		if seen[action] != user {
			t.Errorf("audit %s by %q, want %q", action, seen[action], user)
		}
	}
	// Logging out ends the session.
	ac.post("/logout", url.Values{"csrf": {acsrf}})
	if _, body := ac.get("/users"); !strings.Contains(body, `name="password"`) || strings.Contains(body, "添加用户") {
		t.Error("still logged in after logout")
	}
}

func TestReviewOff(t *testing.T) {
	f := newFixture(t, nil)
	c := newClient(t, f.http.URL)
	csrf := c.login(reviewerName, reviewerPW)
	if _, body := c.get("/review"); !strings.Contains(body, "审核功能未启用") {
		t.Error("no 审核功能未启用")
	}
	if _, body := c.post("/review/approve", url.Values{"csrf": {csrf}, "county": {"370811"}}); !strings.Contains(body, "审核功能未启用") {
		t.Error("approve without a reviewer")
	}
}

func TestLoginSlowedDown(t *testing.T) {
	f := newFixture(t, nil)
	c := newClient(t, f.http.URL)
	for i := 0; i < maxFailures; i++ {
		if code, body := c.post("/login", url.Values{"name": {reviewerName}, "password": {"wrong"}}); code != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
			t.Fatalf("wrong password %d: %d", i+1, code)
		}
	}
	// Now even the right password must wait, 30 s, then 60 s after the next failure.
	code, body := c.post("/login", url.Values{"name": {reviewerName}, "password": {reviewerPW}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "密码错误次数过多，请30秒后再试") {
		t.Fatalf("sixth attempt: %d %s", code, body)
	}
	f.clock.Advance(31 * time.Second)
	c.post("/login", url.Values{"name": {reviewerName}, "password": {"wrong again"}})
	if _, body := c.post("/login", url.Values{"name": {reviewerName}, "password": {reviewerPW}}); !strings.Contains(body, "请60秒后再试") {
		t.Fatalf("after a sixth failure: %s", body)
	}
	// Another name from the same address is not held up by this one's failures.
	if code, _ := newClient(t, f.http.URL).post("/login", url.Values{"name": {viewerName}, "password": {viewerPW}}); code != 200 {
		t.Errorf("another user: %d", code)
	}
	f.clock.Advance(61 * time.Second)
	c.login(reviewerName, reviewerPW)
}

func TestListenRefusesPlainHTTPOffLoopback(t *testing.T) {
	_, err := Listen(config.Web{Listen: "0.0.0.0:0", SessionHours: 12})
	if err == nil || !strings.Contains(err.Error(), "web.tls_cert") {
		t.Fatalf("plain HTTP on all interfaces: %v", err)
	}
	ln, err := Listen(config.Web{Listen: "0.0.0.0:0", BehindProxy: true, SessionHours: 12})
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/unit/370811?period=2026-11": "/unit/370811?period=2026-11", "//evil.example/": "/",
		"https://evil.example/": "/", "/\\evil": "/", "": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHashPassword(t *testing.T) {
	if _, err := HashPassword("123456789"); err == nil || !strings.Contains(err.Error(), "至少10个字符") {
		t.Errorf("9 characters: %v", err)
	}
	if _, err := HashPassword(strings.Repeat("长", 25)); err == nil || !strings.Contains(err.Error(), "72字节") {
		t.Errorf("75 bytes: %v", err)
	}
	h, err := HashPassword("十个汉字的密码也可以")
	if err != nil || bcrypt.CompareHashAndPassword([]byte(h), []byte("十个汉字的密码也可以")) != nil {
		t.Errorf("hash: %v", err)
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != bcryptCost {
		t.Errorf("cost %d", c)
	}
}
