package web

import (
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/store"
)

// TestRealReviewHTTP: the console over the real review and the real collect path — the
// unit's evidence files listed and downloaded by id (a viewer may; an unknown id or a path
// is refused), the review's refusals in Chinese, and the 待确认来源 item accepted with its
// sender added (the receipt goes to the county and the sender) while a discard of it
// afterwards is refused.
func TestRealReviewHTTP(t *testing.T) {
	f := newMailFixture(t)
	ctx := context.Background()
	ev, err := f.d.Store.EvidenceOf(ctx, f.back, f.period)
	if err != nil || len(ev) != 1 {
		t.Fatalf("evidence of %s: %+v %v", f.back, ev, err)
	}

	vc := newClient(t, f.http.URL)
	vc.login(viewerName, viewerPW)
	_, body := vc.get("/unit/" + f.back + "?period=" + f.period)
	for _, want := range []string{"佐证材料", "一、1-会议纪要.pdf", ev[0].SHA256[:12], "一、1", "/download/evidence/" + strconv.FormatInt(ev[0].ID, 10)} {
		if !strings.Contains(body, want) {
			t.Errorf("unit page lacks %q", want)
		}
	}
	resp, err := vc.c.Get(f.http.URL + "/download/evidence/" + strconv.FormatInt(ev[0].ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != string(f.evidence) || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("viewer's evidence download: %d %s %q", resp.StatusCode, resp.Header, got)
	}
	for _, p := range []string{"/download/evidence/999", "/download/evidence/..%2Fkaohe.db", "/download/evidence/-1"} {
		if code, got := vc.get(p); code != 404 || !strings.Contains(got, "没有这个文件") {
			t.Errorf("%s: %d", p, code)
		}
	}

	rc := newClient(t, f.http.URL)
	csrf := rc.login(reviewerName, reviewerPW)
	_, body = rc.get("/review?period=" + f.period)
	for _, want := range []string{"待审核的报表", "待确认来源", f.stranger, "确认来源并受理", "舍弃"} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	// Refusals of the review, in Chinese.
	for _, c := range []struct {
		form url.Values
		path string
		want string
	}{
		{url.Values{"county": {f.back}, "cell": {"台账!P12"}, "note": {"x"}}, "/review/return", "工作表不对"},
		{url.Values{"county": {f.back}}, "/review/return", "退回需要填写理由"},
		{url.Values{"county": {f.d.Roster.Counties[5].Code}}, "/review/approve", "没有已受理的报表"},
		{url.Values{"id": {"999"}}, "/review/accept-source", "审核队列中没有第999项"},
	} {
		c.form.Set("csrf", csrf)
		c.form.Set("period", f.period)
		if _, got := rc.post(c.path, c.form); !strings.Contains(got, c.want) {
			t.Errorf("%s %v: no %q in the page", c.path, c.form, c.want)
		}
	}

	// The 待确认来源 item: discard needs a reason; accept with the sender added.
	srcs, err := f.d.Store.Sources(ctx, store.SourcePending, f.period)
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources: %+v %v", srcs, err)
	}
	id := strconv.FormatInt(srcs[0].ID, 10)
	if _, got := rc.post("/review/discard", url.Values{"csrf": {csrf}, "period": {f.period}, "id": {id}}); !strings.Contains(got, "舍弃需要填写理由") {
		t.Error("discard without a reason not refused in Chinese")
	}
	if _, got := rc.post("/review/accept-source", url.Values{"csrf": {csrf}, "period": {f.period}, "id": {id}, "add_sender": {"1"}}); !strings.Contains(got, "已确认第"+id+"项来源") || !strings.Contains(got, f.stranger+"今后可为该单位报送") {
		t.Errorf("accept-source: %s", flashOf(got))
	}
	if _, got := rc.post("/review/discard", url.Values{"csrf": {csrf}, "period": {f.period}, "id": {id}, "reason": {"重复"}}); !strings.Contains(got, "不能再处理") {
		t.Errorf("discard after accept: %s", flashOf(got))
	}
	if sub, err := f.d.Store.LatestAccepted(ctx, f.source, f.period); err != nil || sub.Version != 1 {
		t.Errorf("the source's form was not stored for %s: %v", f.source, err)
	}
	f.deliver(t)
	if len(f.mailsTo(t, f.stranger, "【回执】")) != 1 || len(f.mailsTo(t, f.d.Roster.County(f.source).Emails[0], "【回执】")) != 1 {
		t.Error("the receipt of the accepted source did not reach the sender and the county")
	}
	// The source's mail on the county's page, what became of it in Chinese.
	if _, got := rc.get("/unit/" + f.source + "?period=" + f.period); !strings.Contains(got, "经"+reviewerName+"确认来源后受理") {
		t.Error("the accepted source's mail is not on the county's page with its outcome in Chinese")
	}
	if _, got := rc.get("/unit/" + f.back + "?period=" + f.period); !strings.Contains(got, "<td>受理") {
		t.Error("an accepted mail's outcome not in Chinese")
	}
	// A viewer cannot decide one.
	if _, got := vc.post("/review/discard", url.Values{"csrf": {csrfOf(t, vc)}, "period": {f.period}, "id": {id}, "reason": {"x"}}); !strings.Contains(got, "查看账号") {
		t.Error("a viewer's discard not refused")
	}
}

// flashOf returns the flash message of a page, for failure messages.
func flashOf(body string) string {
	if i := strings.Index(body, `id="flash"`); i >= 0 {
		return body[i:min(len(body), i+400)]
	}
	return body[:min(len(body), 400)]
}

// csrfOf returns the client's CSRF token, read from its overview page.
func csrfOf(t *testing.T, c *client) string {
	t.Helper()
	_, body := c.get("/")
	i := strings.Index(body, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no CSRF token on the page")
	}
	body = body[i+len(`name="csrf" value="`):]
	return body[:strings.IndexByte(body, '"')]
}
