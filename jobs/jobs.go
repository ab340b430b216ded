// Package jobs holds the steps of the monthly job — dispatch, collect, remind, assess,
// deliver — and the scheduler that runs them. Each step is idempotent: run twice, or
// restarted after a crash at any point, it does nothing twice and loses nothing.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/report"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// Mailbox is the intake mailbox as collect uses it (internal/mail.Inbox implements it).
type Mailbox interface {
	Unprocessed(ctx context.Context) ([]mail.Fetched, error)
	MarkProcessed(ctx context.Context, uidValidity, uid uint32) error
	Wait(ctx context.Context, poll time.Duration) error
	Close() error
}

// Sender sends a batch of mails over one connection (internal/mail.Sender implements it).
type Sender interface {
	SendBatch(ctx context.Context, msgs []mail.Outgoing, each func(i int, err error)) error
}

// Deps are what the steps work with. cmd builds them from the config.
type Deps struct {
	Config    *config.Config
	Checklist *seeds.Checklist
	Roster    *seeds.Roster
	Store     *store.Store
	Logger    *slog.Logger
	Clock     clockwork.Clock // nil: the real clock

	// OpenMailbox connects to the intake mailbox; nil when none is configured.
	OpenMailbox func(ctx context.Context) (Mailbox, error)
	// Sender sends mail; nil when no SMTP server is configured (mail stays queued).
	Sender Sender
	// Renderer renders the PDF reports; created on first use when nil.
	Renderer *report.Renderer
	// DeliverLease is how long Deliver holds the mails it claimed before another sender
	// may take them (0: DefaultDeliverLease).
	DeliverLease time.Duration
	// Progress, when set, is told how far a long step has come.
	Progress func(step string, done, total int)

	// crashAt is a test hook: when set, collect calls it at each step boundary of a
	// message ("after:fetch", "after:store_raw", …; see collect.go) and aborts the pass
	// with its error, as a crash there would.
	crashAt func(step string) error
}

func (d *Deps) now() time.Time {
	if d.Clock == nil {
		return time.Now().In(d.Config.Location)
	}
	return d.Clock.Now().In(d.Config.Location)
}

// mailData is what every mail to county c says about who writes and whom it addresses.
func (d *Deps) mailData(c *seeds.County) templates.MailData {
	return templates.MailData{Office: d.office(), Contact: d.Config.Office.Contact, CountyName: c.Name, Org: c.OrgName(),
		LateRule: d.Checklist.Scoring.LateText(), ReturnTo: d.Config.Office.From, Date: d.now()}
}

func (d *Deps) office() string {
	if d.Config.Office.Name != "" {
		return d.Config.Office.Name
	}
	return d.Roster.Office
}

func (d *Deps) leaders() []string {
	if len(d.Config.Report.Leaders) > 0 {
		return d.Config.Report.Leaders
	}
	return d.Roster.Leaders
}

func (d *Deps) progress(step string, done, total int) {
	if d.Progress != nil {
		d.Progress(step, done, total)
	}
}

// CurrentPeriod is the period ("YYYY-MM") that t falls in.
func CurrentPeriod(t time.Time) string { return t.Format("2006-01") }

// PreviousPeriod is the period before p.
func PreviousPeriod(p string) string {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return ""
	}
	return t.AddDate(0, -1, 0).Format("2006-01")
}

// CheckPeriod returns an error unless p is a valid "YYYY-MM".
func CheckPeriod(p string) error {
	if _, err := time.Parse("2006-01", p); err != nil || len(p) != 7 {
		return fmt.Errorf("period %q: want YYYY-MM, e.g. 2026-11", p)
	}
	return nil
}

// Counts are what a step did, logged with its run.
type Counts map[string]int

// RunLogged runs fn as job name for period, recording the run in the store (start, end,
// outcome, counts, error). It returns fn's error.
func (d *Deps) RunLogged(ctx context.Context, job, period string, fn func(ctx context.Context) (Counts, error)) (Counts, error) {
	return d.RunLoggedCause(ctx, job, period, "", fn)
}

// RunLoggedCause is RunLogged recording why the run was started (store.RunCatchUp,
// store.RunPreview, or "").
func (d *Deps) RunLoggedCause(ctx context.Context, job, period, cause string, fn func(ctx context.Context) (Counts, error)) (Counts, error) {
	id, err := d.Store.StartRunCause(ctx, job, period, cause, d.now())
	if err != nil {
		return nil, fmt.Errorf("recording run of %s: %w", job, err)
	}
	counts, ferr := fn(ctx)
	outcome, msg := "ok", ""
	if ferr != nil {
		outcome, msg = "failed", ferr.Error()
	}
	// Record the end even when ctx was cancelled: the run did end.
	if err := d.Store.FinishRun(context.WithoutCancel(ctx), id, d.now(), outcome, counts, msg); err != nil {
		d.Logger.Error("recording end of run", "job", job, "err", err)
	}
	args := []any{"job", job, "period", period, "outcome", outcome, "counts", fmt.Sprint(map[string]int(counts)), "err", msg}
	if cause != "" {
		args = append(args, "cause", cause)
	}
	d.Logger.Info("run finished", args...)
	return counts, ferr
}

// SyncRoster records the roster's counties and their allowed sender addresses in the
// store (counties no longer on it are kept, marked inactive). It returns the store's errors.
func SyncRoster(ctx context.Context, st *store.Store, r *seeds.Roster) error {
	cs := make([]store.County, len(r.Counties))
	for i, c := range r.Counties {
		cs[i] = store.County{Code: c.Code, Name: c.Name, Emails: c.Emails}
	}
	return st.SyncCounties(ctx, cs)
}
