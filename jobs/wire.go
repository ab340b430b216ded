package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/report"
	"github.com/jining/kaohe/seeds"
)

// WireOptions are what a driver other than the command line (the demo, the bench, the
// crash harness, tests) sets when it wires the job. The zero value is production.
type WireOptions struct {
	// Checklist and Roster replace those the config names (e.g. a generated roster).
	Checklist *seeds.Checklist
	Roster    *seeds.Roster
	// Clock is the steps' and the scheduler's clock; nil: the real one.
	Clock clockwork.Clock
	// Renderer renders the reports; nil: created on first use.
	Renderer *report.Renderer
	// Progress, when set, is told how far a long step has come.
	Progress func(step string, done, total int)
	// DeliverLease is Deps.DeliverLease (0: DefaultDeliverLease).
	DeliverLease time.Duration
	// MailTimeout bounds each IMAP and SMTP exchange (0: 30 s).
	MailTimeout time.Duration
}

// WireError is a failure of Wire, naming the part that failed: "checklist", "roster"
// (the data files: a problem the user can fix) or "store" (opening it or syncing the
// roster into it).
type WireError struct {
	Part string
	Err  error
}

func (e *WireError) Error() string { return fmt.Sprintf("%s: %v", e.Part, e.Err) }
func (e *WireError) Unwrap() error { return e.Err }

// Wire builds the Deps every driver runs the job with — the CLI (and so serve), the demo,
// the bench and the crash harness — from a loaded config: it loads the checklist and
// roster the config names (unless o gives them), opens the store (creating it owner-only)
// and syncs the roster into it, and wires the IMAP mailbox and the SMTP sender when the
// config names their hosts. Close the Deps when done.
//
// Errors: a *WireError naming the part that failed.
func Wire(ctx context.Context, cfg *config.Config, logger *slog.Logger, o WireOptions) (*Deps, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cl := o.Checklist
	if cl == nil {
		var err error
		if cl, err = seeds.LoadChecklist(cfg.Checklist.File); err != nil {
			return nil, &WireError{Part: "checklist", Err: err}
		}
	}
	r := o.Roster
	if r == nil {
		var err error
		if r, err = seeds.LoadRoster(cfg.Roster.File); err != nil {
			return nil, &WireError{Part: "roster", Err: err}
		}
	}
	st, err := store.Open(ctx, cfg.Store.Path, logger)
	if err != nil {
		return nil, &WireError{Part: "store", Err: fmt.Errorf("%s: %w", cfg.Store.Path, err)}
	}
	if err := SyncRoster(ctx, st, r); err != nil {
		return nil, &WireError{Part: "store", Err: errors.Join(fmt.Errorf("syncing the roster: %w", err), st.Close())}
	}
	d := &Deps{Config: cfg, Checklist: cl, Roster: r, Store: st, Logger: logger, Clock: o.Clock,
		Renderer: o.Renderer, Progress: o.Progress, DeliverLease: o.DeliverLease}
	timeout := o.MailTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if cfg.IMAP.Host != "" {
		ic := IMAPConfig(cfg, timeout)
		d.OpenMailbox = func(ctx context.Context) (Mailbox, error) { return mail.DialIMAP(ctx, ic, logger) }
	}
	if cfg.SMTP.Host != "" {
		d.Sender = mail.NewSender(SMTPConfig(cfg, timeout), logger)
	}
	return d, nil
}

// Close closes the store.
func (d *Deps) Close() error { return d.Store.Close() }

// IMAPConfig is the client config of the intake mailbox cfg names.
func IMAPConfig(cfg *config.Config, timeout time.Duration) mail.IMAPConfig {
	c := cfg.IMAP
	return mail.IMAPConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username, Password: c.Password,
		Mailbox: c.Mailbox, ProcessedKeyword: c.ProcessedKeyword, MoveTo: c.MoveTo, Timeout: timeout,
		CAFile: c.CAFile, ClientName: "kaohe", ClientVersion: buildVersion()}
}

// SMTPConfig is the client config of the SMTP server cfg names.
func SMTPConfig(cfg *config.Config, timeout time.Duration) mail.SMTPConfig {
	c := cfg.SMTP
	return mail.SMTPConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username, Password: c.Password,
		From: cfg.Office.From, HeloName: c.Helo, Timeout: timeout, CAFile: c.CAFile}
}

// buildVersion is kaohe's module version as built ("(devel)" from a work tree), sent to
// the IMAP server in the ID command.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
