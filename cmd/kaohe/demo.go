package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jining/kaohe/internal/demo"
	"github.com/jining/kaohe/jobs"
)

// DemoCmd runs the whole monthly job on embedded servers and the demo roster.
type DemoCmd struct {
	Out    string `help:"Directory for reports/ and mail/." default:"demo-out" type:"path"`
	Period string `help:"Period to simulate, YYYY-MM (default: the current month)."`
	Seed   uint64 `help:"Seed of the synthetic values." default:"20191816"`
	Web    bool   `help:"Keep the demo's store (DIR/kaohe.db) and leave the office console running on it, with a one-time admin password, until interrupted."`
	Listen string `help:"Address of the console with --web." default:"127.0.0.1:8080" placeholder:"ADDR"`
}

// Run runs the demo and prints the league table and where the files are.
func (c *DemoCmd) Run(g *Globals) error {
	var err error
	if c.Period != "" {
		if _, err := periodOrNowCheck(c.Period); err != nil {
			return err
		}
	}
	fmt.Fprintln(g.stdout, "kaohe demo: embedded IMAP and SMTP servers on 127.0.0.1, 14 Jining units, one month of forms…")
	log := g.logger
	if !g.Verbose {
		// The steps are summed up on stdout; only warnings go to the log.
		log = newLoggerLevel(g.stderr, g.LogFormat, slog.LevelWarn)
	}
	step := func(name string, counts jobs.Counts) {
		fmt.Fprintf(g.stdout, "  %-9s %s\n", name, formatCounts(counts))
	}
	o := demo.Options{OutDir: c.Out, Period: c.Period, Seed: c.Seed, Logger: log, Progress: newProgress(g.stderr), Step: step}
	if c.Web {
		if o.StorePath, err = freshDemoStore(c.Out); err != nil {
			return err
		}
	}
	res, err := demo.Run(g.ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout)
	if err := printResult(g.stdout, res.Assessment.Result, "table"); err != nil {
		return err
	}
	abs, _ := filepath.Abs(c.Out) // only for display
	fmt.Fprintf(g.stdout, "\nreports:  %s\n", filepath.Join(abs, "reports", res.Period))
	fmt.Fprintf(g.stdout, "mail:     %s (%d messages received by the SMTP sink)\n", filepath.Join(abs, "mail"), res.Mails)
	fmt.Fprintf(g.stdout, "elapsed:  %s\n", res.Elapsed.Round(1e7))
	if c.Web {
		return g.demoConsole(o.StorePath, c.Listen)
	}
	return nil
}

func periodOrNowCheck(p string) (string, error) {
	if len(p) != 7 || p[4] != '-' {
		return "", &userError{msg: fmt.Sprintf("period %q: want YYYY-MM", p), code: exitUsage}
	}
	return p, nil
}
