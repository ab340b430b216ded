package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/report"
)

// ServeCmd runs the scheduler.
type ServeCmd struct{}

// Run runs dispatch, remind, assess and deliver on their schedules and watches the
// mailbox, until SIGINT or SIGTERM; then it finishes the step in hand and exits. It
// refuses the demo secret. It holds the store's serve lock meanwhile: a second serve on
// the store exits 1 naming the holder; a lock left by a process that no longer runs is
// taken over.
func (c *ServeCmd) Run(g *Globals) error {
	return g.withGatedApp(needSecret("serve"), func(ctx context.Context, a *app) error {
		a.Progress = nil
		lock, err := store.LockServe(a.Store.Path())
		var le *store.LockedError
		if errors.As(err, &le) {
			return userErrorf("kaohe serve: %v: one scheduler per store; stop that one first (one-shot commands such as kaohe deliver may run beside it)", err)
		} else if err != nil {
			return fmt.Errorf("serve lock: %w", err)
		}
		defer func() {
			if err := lock.Release(); err != nil {
				a.Logger.Error("releasing the serve lock", "lock", lock.Path(), "err", err)
			}
		}()
		if p := lock.Previous; p != nil {
			a.Logger.Warn("took over a stale serve lock: its process no longer runs", "holder", p.String(), "lock", lock.Path())
		}
		a.Logger.Info("serve lock taken", "lock", lock.Path(), "holder", store.Self().String())
		return g.serveWithConsole(ctx, a)
	})
}

// Help is the detail of kaohe serve --help.
func (c *ServeCmd) Help() string {
	return "Runs dispatch, assess and deliver on the cron schedules of [schedule] (office.timezone), and remind at schedule.reminders (relative to each period's deadline), " +
		"and watches the mailbox, answering each form within seconds, until SIGINT or SIGTERM; " +
		"then it finishes the step in hand. With web.enabled it serves the office console beside it (see kaohe web). " + secretHelp
}

// InitCmd writes the documented sample config.
type InitCmd struct {
	Out   string `arg:"" optional:"" default:"kaohe.toml" help:"Where to write it." type:"path"`
	Force bool   `help:"Overwrite an existing file."`
}

// Run writes config.example.toml to Out.
func (c *InitCmd) Run(g *Globals) error {
	if _, err := os.Stat(c.Out); err == nil && !c.Force {
		return userErrorf("%s exists; use --force to overwrite it", c.Out)
	}
	if err := os.MkdirAll(filepath.Dir(c.Out), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(c.Out, config.Example(), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "wrote %s: edit it, then run `kaohe doctor --config %s`\n", c.Out, c.Out)
	return nil
}

// privacyWarnings says which of the store's files (and its directory) others than its
// owner may read: the store holds every raw mail and the roster's names. Nothing on
// Windows, where the mode bits do not tell.
func privacyWarnings(path string) []string {
	if runtime.GOOS == "windows" {
		return nil
	}
	var out []string
	if fi, err := os.Stat(filepath.Dir(path)); err == nil && fi.Mode().Perm()&0o044 != 0 {
		out = append(out, fmt.Sprintf("directory %s is readable by group or others (mode %04o): chmod 700 it", filepath.Dir(path), fi.Mode().Perm()))
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s is open to group or others (mode %04o): chmod 600 it; the store holds every mail and the roster's names", p, fi.Mode().Perm()))
		}
	}
	return out
}

// DoctorCmd checks the config, the store, the font and the mail servers.
type DoctorCmd struct{}

// Run prints one line per check; exit 1 (or 3 when a server is unreachable) if any fails.
func (c *DoctorCmd) Run(g *Globals) error {
	ok := true
	worst := 0
	line := func(name string, err error, detail string) {
		if err != nil {
			ok = false
			fmt.Fprintf(g.stdout, "FAIL  %-9s %v\n", name, err)
			return
		}
		fmt.Fprintf(g.stdout, "ok    %-9s %s\n", name, detail)
	}
	cfg, err := g.loadConfig()
	if err != nil {
		line("config", err, "")
		return &userError{msg: "doctor: the config has problems (above)"}
	}
	where := cfg.Path
	if where == "" {
		where = "embedded defaults"
	}
	line("config", nil, where)
	cl, r, err := loadData(cfg)
	if err != nil {
		line("data", err, "")
		return &userError{msg: "doctor: checklist or roster has problems (above)"}
	}
	line("checklist", nil, fmt.Sprintf("%s %s: %d areas, %d tasks", cl.Name, cl.Version, len(cl.Areas), len(cl.Tasks())))
	if cl.Year != 0 {
		// Which year's checklist is in force (issue 12): the year it was issued for, and
		// the years the office confirmed it for.
		y := time.Now().In(cfg.Location).Year()
		conf := slices.Concat(cl.ConfirmedYears, cfg.Checklist.ConfirmedYears)
		slices.Sort(conf)
		in := fmt.Sprintf("issued for %d, confirmed for %v", cl.Year, slices.Compact(conf))
		if jobs.ChecklistInForce(cl, cfg, fmt.Sprintf("%04d-01", y)) == nil {
			line("year", nil, fmt.Sprintf("%s: in force for %d", in, y))
		} else {
			fmt.Fprintf(g.stdout, "warn  %-9s %s: not confirmed for %d: kaohe assess refuses its periods (add %d to checklist.confirmed_years once the office confirms it)\n", "year", in, y, y)
		}
	}
	line("roster", nil, fmt.Sprintf("%d counties, %d leaders' addresses", len(r.Counties), len(r.Leaders)))
	if cfg.DemoSecretInUse() {
		// Trying kaohe on the embedded defaults, the demo key is fine; with real servers,
		// serve, dispatch, collect, remind and deliver refuse it.
		if cfg.IMAP.Host != "" || cfg.SMTP.Host != "" {
			line("secret", fmt.Errorf("forms would be signed with the public demo secret: set $%s (forms.secret_env) or forms.secret_file; serve, dispatch, remind, collect and deliver refuse to run until then", cfg.Forms.SecretEnv), "")
		} else {
			fmt.Fprintf(g.stdout, "warn  %-9s forms are signed with the public demo secret: set $%s (forms.secret_env) or forms.secret_file before real use\n", "secret", cfg.Forms.SecretEnv)
		}
	} else {
		line("secret", nil, "forms are signed with the configured secret")
	}
	var font []byte
	if cfg.Report.FontTTF != "" {
		font, err = os.ReadFile(cfg.Report.FontTTF)
	}
	if err == nil {
		_, err = report.NewRenderer(report.Options{Checklist: cl, Office: r.Office, FontTTF: font})
	}
	line("font", err, "glyphs for every task and name present")
	ctx := g.ctx
	a, err := g.openAppWith(ctx, cfg)
	if err != nil {
		line("store", err, "")
		return &userError{msg: "doctor: the store cannot be opened", code: exitUnreachable}
	}
	defer a.Close()
	line("store", nil, cfg.Store.Path)
	for _, w := range privacyWarnings(a.Store.Path()) {
		fmt.Fprintf(g.stdout, "warn  %-9s %s\n", "store", w)
	}
	if a.OpenMailbox == nil {
		fmt.Fprintf(g.stdout, "skip  %-9s no imap.host: no intake\n", "imap")
	} else {
		mb, err := a.OpenMailbox(ctx)
		var ue *userError
		detail := fmt.Sprintf("logged in to %s:%d as %s", cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Username)
		if err == nil {
			if in, ok := mb.(interface{ Info() mail.ServerInfo }); ok {
				detail += "\n" + imapInfoLines(in.Info())
			}
			mb.Close()
		} else if errors.As(err, &ue) && ue.code == exitUnreachable {
			worst = exitUnreachable
		}
		line("imap", caHint(err, "imap.ca_file"), detail)
	}
	if a.Sender == nil {
		fmt.Fprintf(g.stdout, "skip  %-9s no smtp.host: mail stays in the outbox\n", "smtp")
	} else {
		var err error
		detail := fmt.Sprintf("connected to %s:%d", cfg.SMTP.Host, cfg.SMTP.Port)
		if s, ok := a.Sender.(*mail.Sender); ok {
			var info mail.SMTPInfo
			info, err = s.Probe(ctx)
			switch {
			case info.SizeLimit > 0:
				detail += fmt.Sprintf("; size limit %.1f MB (SIZE %d)", float64(info.SizeLimit)/(1<<20), info.SizeLimit)
			case info.HasSize:
				detail += "; SIZE offered without a limit"
			default:
				detail += "; no SIZE: the size limit is unknown"
			}
		}
		if cfg.SMTP.DailyLimit > 0 {
			detail += fmt.Sprintf("; daily limit %d mails (smtp.daily_limit)", cfg.SMTP.DailyLimit)
		}
		if errors.Is(err, mail.ErrUnreachable) {
			worst = exitUnreachable
		}
		line("smtp", caHint(err, "smtp.ca_file"), detail)
	}
	if !ok {
		if worst == 0 {
			worst = exitUser
		}
		return &userError{msg: "doctor: some checks failed (above)", code: worst}
	}
	return nil
}

// imapInfoLines describes what the intake server said about itself: its capabilities
// and whether it took kaohe's ID (163.com and its kin refuse SELECT without one).
func imapInfoLines(info mail.ServerInfo) string {
	id := "ID accepted"
	if info.ServerID != "" {
		id += " (server: " + info.ServerID + ")"
	}
	if !info.IDAccepted {
		id = "ID not accepted: " + info.IDError
	}
	return fmt.Sprintf("          capabilities: %s\n          %s", strings.Join(info.Caps, " "), id)
}

// caHint names the setting that fixes "certificate signed by unknown authority".
func caHint(err error, key string) error {
	if err != nil && mail.UnknownAuthority(err) {
		return fmt.Errorf("%w (hint: a server with a private CA: set %s to its CA certificate, PEM)", err, key)
	}
	return err
}
