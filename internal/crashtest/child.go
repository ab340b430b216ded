// Package crashtest checks that kaohe survives being killed: a parent process hosts the
// embedded IMAP server and SMTP sink and runs a child that collects, assesses and
// delivers against a store file, SIGKILLs the child at random points, restarts it, and
// at the end checks that every form was stored once, every mail sent once and every PDF
// written whole. The child is the test binary itself, re-executed with KAOHE_CRASH_CHILD
// set (see TestCrashSafety); this file holds what parent and child share.
package crashtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
)

// Options say where the child finds its store, reports and servers.
type Options struct {
	Dir      string // the store is Dir/kaohe.db, the reports Dir/reports
	IMAP     string // host:port of the IMAP server (plain, user kaohe, password pw)
	SMTP     string // host:port of the SMTP sink (no TLS, no AUTH)
	Period   string // the period to assess
	Counties int    // the first Counties counties of the demo roster (all when 0)
	Mode     string // "" for the whole run (RunChild), ModeDeliver to only drain the outbox
}

// ModeDeliver makes the child only drain the outbox, with the default lease: a killed
// child's claims are then taken back by the next one because it no longer runs, not
// because a short lease ran out.
const ModeDeliver = "deliver"

// Environment variables passing Options to the child.
const (
	EnvChild    = "KAOHE_CRASH_CHILD"
	envDir      = "KAOHE_CRASH_DIR"
	envIMAP     = "KAOHE_CRASH_IMAP"
	envSMTP     = "KAOHE_CRASH_SMTP"
	envPeriod   = "KAOHE_CRASH_PERIOD"
	envCounties = "KAOHE_CRASH_COUNTIES"
	envMode     = "KAOHE_CRASH_MODE"
)

// Env returns o as environment entries for the child.
func (o Options) Env() []string {
	return []string{EnvChild + "=1", envDir + "=" + o.Dir, envIMAP + "=" + o.IMAP, envSMTP + "=" + o.SMTP,
		envPeriod + "=" + o.Period, envCounties + "=" + strconv.Itoa(o.Counties), envMode + "=" + o.Mode}
}

// OptionsFromEnv reads Options from the environment (lookup is os.LookupEnv in the child).
//
// Errors: a variable missing or malformed.
func OptionsFromEnv(lookup func(string) (string, bool)) (Options, error) {
	var o Options
	for _, v := range []struct {
		name string
		dst  *string
	}{{envDir, &o.Dir}, {envIMAP, &o.IMAP}, {envSMTP, &o.SMTP}, {envPeriod, &o.Period}} {
		s, ok := lookup(v.name)
		if !ok || s == "" {
			return o, fmt.Errorf("crash child: $%s not set", v.name)
		}
		*v.dst = s
	}
	if s, ok := lookup(envCounties); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return o, fmt.Errorf("crash child: $%s: %w", envCounties, err)
		}
		o.Counties = n
	}
	o.Mode, _ = lookup(envMode)
	if o.Mode != "" && o.Mode != ModeDeliver {
		return o, fmt.Errorf("crash child: $%s = %q", envMode, o.Mode)
	}
	return o, jobs.CheckPeriod(o.Period)
}

// Roster is the demo roster cut to its first n counties (all when n is 0 or too big).
func Roster(n int) *seeds.Roster {
	r := seeds.DefaultRoster()
	if n > 0 && n < len(r.Counties) {
		r.Counties = r.Counties[:n]
	}
	return r
}

// Config is the default config pointed at o's servers, store and reports.
//
// Errors: a host:port that does not parse; config errors.
func Config(o Options) (*config.Config, error) {
	cfg, _, err := config.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	ih, ip, err := hostPort(o.IMAP)
	if err != nil {
		return nil, err
	}
	sh, sp, err := hostPort(o.SMTP)
	if err != nil {
		return nil, err
	}
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password = ih, ip, "plain", "kaohe", "pw"
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.RatePerMinute = sh, sp, "none", 0
	// One connection: the 1 ms lease below lets a restarted child take over a killed
	// one's claims at once, but would also let a second connection of the same child
	// take mails the first has claimed and not yet sent.
	cfg.SMTP.Connections = 1
	cfg.Forms.Secret = []byte("kaohe-crash-secret") // the harness's own: never the public demo secret
	cfg.Store.Path = filepath.Join(o.Dir, "kaohe.db")
	cfg.Report.OutDir = filepath.Join(o.Dir, "reports")
	cfg.Report.Workers = 2
	if pt, err := time.Parse("2006-01", o.Period); err == nil {
		cfg.Checklist.ConfirmedYears = []int{pt.Year()} // the harness's office confirmed its year
	}
	return cfg, nil
}

func hostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return h, port, err
}

// IMAPConfig is the client config for o's IMAP server.
func IMAPConfig(cfg *config.Config) mail.IMAPConfig {
	return mail.IMAPConfig{Host: cfg.IMAP.Host, Port: cfg.IMAP.Port, TLS: "plain", Username: "kaohe", Password: "pw",
		Mailbox: "INBOX", ProcessedKeyword: cfg.IMAP.ProcessedKeyword, Timeout: 20 * time.Second}
}

// RunChild does the work the parent kills: open the store, then one collect pass, deliver,
// assess o.Period (render and queue the reports), deliver (in ModeDeliver: only deliver,
// then a line "sent N"). It writes "phase NAME" lines to
// phases as it goes ("start", "collect", "deliver", "assess", "deliver2", "done"), so the
// parent can aim its kills.
//
// Errors: any step's error.
func RunChild(ctx context.Context, o Options, phases io.Writer, log *slog.Logger) error {
	phase := func(name string) { fmt.Fprintf(phases, "phase %s\n", name) }
	phase("start")
	cfg, err := Config(o)
	if err != nil {
		return err
	}
	// The production wiring (what `kaohe serve` runs), on the harness's servers and roster.
	// One sender at a time here: a killed child's claims may be taken over at once.
	d, err := jobs.Wire(ctx, cfg, log, jobs.WireOptions{Roster: Roster(o.Counties), DeliverLease: time.Millisecond, MailTimeout: 20 * time.Second})
	if err != nil {
		return err
	}
	defer d.Close()
	if o.Mode == ModeDeliver {
		d.DeliverLease = 0
		phase("deliver")
		c, err := d.Deliver(ctx)
		if err != nil {
			return fmt.Errorf("deliver: %w", err)
		}
		fmt.Fprintf(phases, "sent %d\n", c["sent"])
		phase("done")
		return nil
	}
	phase("collect")
	if _, err := d.Collect(ctx); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	phase("deliver")
	if _, err := d.Deliver(ctx); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	phase("assess")
	if _, _, err := d.Assess(ctx, o.Period, jobs.AssessOptions{Queue: true}); err != nil {
		return fmt.Errorf("assess: %w", err)
	}
	phase("deliver2")
	if _, err := d.Deliver(ctx); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	phase("done")
	return nil
}
