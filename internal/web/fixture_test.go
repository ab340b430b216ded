package web

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

const (
	testPeriod = "2026-11"
	// Secrets no page may show.
	testSecret       = "form-secret-5f1c2e9a"
	testMailPassword = "mail-password-77d0c3"
)

// fixture is a store with a month of forms (on time, late, two versions, rejected,
// missing), a stored assessment with its reports queued, a failed mail and three users,
// and the console on it.
type fixture struct {
	d      *jobs.Deps
	clock  *clockwork.FakeClock
	srv    *Server
	http   *httptest.Server
	codes  struct{ twoVersions, rejected, late, missing string }
	failed int64 // id of the failed mail
}

// Passwords of the fixture's users.
const (
	reviewerName, reviewerPW = "王芳", "wangfang-2026-pw"
	viewerName, viewerPW     = "李明", "liming-2026-pw!"
	adminName, adminPW       = "管理员", "admin-2026-pw!!"
)

func newFixture(t *testing.T, rev Reviewer) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, _, err := config.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.Forms.Secret = []byte(testSecret)
	cfg.IMAP.Password, cfg.SMTP.Password = testMailPassword, testMailPassword
	cfg.Store.Path = filepath.Join(dir, "kaohe.db")
	cfg.Report.OutDir = filepath.Join(dir, "reports")
	cfg.Checklist.ConfirmedYears = []int{2025, 2026, 2027} // the years the tests assess
	deadline, _ := cfg.Deadline(testPeriod)
	clock := clockwork.NewFakeClockAt(deadline.Add(50 * time.Hour))
	d, err := jobs.Wire(ctx, cfg, nil, jobs.WireOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f := &fixture{d: d, clock: clock}
	cs := d.Roster.Counties
	f.codes.twoVersions, f.codes.rejected, f.codes.late, f.codes.missing = cs[0].Code, cs[1].Code, cs[2].Code, cs[len(cs)-1].Code
	rng := mrand.New(mrand.NewPCG(7, 1))
	put := func(sub *store.Submission) {
		t.Helper()
		if _, _, err := d.Store.PutSubmission(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	for i := range cs {
		c := &cs[i]
		at := deadline.Add(-time.Duration(48+i) * time.Hour)
		switch c.Code {
		case f.codes.missing:
			continue
		case f.codes.rejected:
			put(&store.Submission{County: c.Code, Period: testPeriod, Status: store.Rejected, Source: store.SourceImport, Filename: "报表.xlsx",
				SHA256: "rejected-" + c.Code, Received: at, Problems: []string{"村级台账!F12：应填写数字，不能填写“约五万”。"}})
			continue
		case f.codes.late:
			at = deadline.Add(30 * time.Hour)
		case f.codes.twoVersions:
			put(&store.Submission{County: c.Code, Period: testPeriod, Status: store.Accepted, Source: store.SourceImport, Filename: "报表v1.xlsx",
				SHA256: "v1-" + c.Code, Received: at.Add(-24 * time.Hour), Filing: score.Synthetic(d.Checklist, c, testPeriod, rng, 0.4)})
		}
		put(&store.Submission{County: c.Code, Period: testPeriod, Status: store.Accepted, Source: store.SourceImport, Filename: "报表.xlsx",
			SHA256: fmt.Sprintf("form-%s", c.Code), Received: at, Filing: score.Synthetic(d.Checklist, c, testPeriod, rng, 0.5+0.03*float64(i))})
	}
	// A mail in from the first county's registered address.
	m := &store.Message{Mailbox: "INBOX", UIDValidity: 1, UID: 1, MessageID: "<a@x>", Sender: cs[0].Emails[0], Subject: "11月报表",
		Received: deadline.Add(-72 * time.Hour), Raw: []byte("From: " + cs[0].Emails[0] + "\r\nSubject: x\r\n\r\nhello\r\n")}
	if _, _, err := d.Store.PutMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, "accepted "+cs[0].Code+" "+testPeriod+" v2"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunLogged(ctx, "assess", testPeriod, func(ctx context.Context) (jobs.Counts, error) {
		_, c, err := d.Assess(ctx, testPeriod, jobs.AssessOptions{Queue: true})
		return c, err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunLoggedCause(ctx, "remind", testPeriod, store.RunCatchUp, func(ctx context.Context) (jobs.Counts, error) {
		return jobs.Counts{"reminded": 1}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// One mail failed for good: a reminder to the missing unit.
	o := &store.Outgoing{Key: "remind:test", Kind: "remind", County: f.codes.missing, Period: testPeriod, From: cfg.Office.From,
		To: []string{"nobody@invalid.example"}, Subject: "【提醒】请尽快报送11月报表", Body: "请尽快报送。"}
	if _, _, err := d.Store.Enqueue(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.MarkFailed(ctx, o.ID, "550 5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	f.failed = o.ID
	for _, u := range []struct{ name, role, pw string }{{reviewerName, store.RoleReviewer, reviewerPW}, {viewerName, store.RoleViewer, viewerPW}, {adminName, store.RoleAdmin, adminPW}} {
		h, err := HashPassword(u.pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Store.AddUser(ctx, u.name, u.role, h, "test", clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.srv, err = New(Options{Deps: d, Reviewer: rev})
	if err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(f.srv)
	t.Cleanup(f.http.Close)
	return f
}
