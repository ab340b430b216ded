package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/jining/kaohe/jobs"
)

// EnvChild names the environment variable that makes this executable the bench's child:
// it holds the child's parameters as JSON. ChildMain checks it.
const EnvChild = "KAOHE_BENCH_CHILD"

// childParams is what the child needs to run the pipeline against the bench's servers.
// The roster is made again from Counties and Villages (score.SyntheticCounty is
// deterministic), so it need not be sent.
type childParams struct {
	Counties, Villages, Workers int
	Period                      string
	Dir                         string // store and reports
	IMAP, SMTP                  string // host:port of the bench's servers
	CPUProfile, HeapProfile     string
	LogLevel                    slog.Level
}

// stageLine is one line of the child's output: a stage done, or the error that ended it.
type stageLine struct {
	Stage *Stage `json:"stage,omitempty"`
	Err   string `json:"err,omitempty"`
}

// runChild runs the pipeline in a child process (this executable, which must call
// ChildMain first thing) and calls onStage as each stage ends. The child's log goes to
// stderr (os.Stderr when nil). It returns the child's error, or an error when the child
// could not start or ended without saying why.
func runChild(ctx context.Context, p childParams, stderr io.Writer, onStage func(Stage)) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: finding this executable to run the pipeline: %w", err)
	}
	js, err := json.Marshal(p)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), EnvChild+"="+string(js))
	if stderr == nil {
		stderr = os.Stderr
	}
	cmd.Stderr = stderr
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" { // a process there cannot be sent an interrupt
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("bench: starting the pipeline process: %w", err)
	}
	var childErr error
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l stageLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue // not ours (a stray print): ignore
		}
		switch {
		case l.Err != "":
			childErr = errors.New(l.Err)
		case l.Stage != nil:
			onStage(*l.Stage)
		}
	}
	werr := cmd.Wait()
	switch {
	case childErr != nil:
		return childErr
	case ctx.Err() != nil:
		return ctx.Err()
	case werr != nil:
		return fmt.Errorf("bench: the pipeline process: %w", werr)
	}
	return nil
}

// ChildMain runs the bench's pipeline when this process was started as its child (EnvChild
// is set), writes one JSON line per stage to stdout, and returns the exit code with
// ok=true; otherwise it does nothing and returns ok=false. Call it first thing in main
// (and in TestMain of tests that call Run).
func ChildMain() (code int, ok bool) {
	js, isChild := os.LookupEnv(EnvChild)
	if !isChild {
		return 0, false
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	enc := json.NewEncoder(os.Stdout)
	var p childParams
	err := json.Unmarshal([]byte(js), &p)
	if err == nil {
		err = runPipeline(ctx, p, func(s Stage) error { return enc.Encode(stageLine{Stage: &s}) })
	}
	if err != nil {
		_ = enc.Encode(stageLine{Err: err.Error()})
		return 1, true
	}
	return 0, true
}

// runPipeline is the child: kaohe's monthly job on the bench's mailbox, stage by stage,
// on a fake clock (the forms arrive before the deadline; the assessment runs after it).
func runPipeline(ctx context.Context, p childParams, report func(Stage) error) error {
	if p.CPUProfile != "" {
		f, err := os.Create(p.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: p.LogLevel}))
	o := Options{Counties: p.Counties, Villages: p.Villages, Period: p.Period}
	o.defaults()
	cfg, deadline, roster, err := setup(o)
	if err != nil {
		return err
	}
	ih, ip := splitAddr(p.IMAP)
	sh, sp := splitAddr(p.SMTP)
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password = ih, ip, "plain", "kaohe", secret
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS, cfg.SMTP.RatePerMinute = sh, sp, "none", 0
	cfg.Report.OutDir = reportsDir(p.Dir)
	cfg.Report.Workers = p.Workers
	cfg.Store.Path = filepath.Join(p.Dir, "kaohe.db")
	clock := clockwork.NewFakeClockAt(deadline.Add(-time.Hour))
	// The production wiring (what `kaohe serve` runs), on the bench's servers, roster and clock.
	d, err := jobs.Wire(ctx, cfg, log, jobs.WireOptions{Roster: roster, Clock: clock, MailTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer d.Close()

	stage := func(name, unit string, fn func() (int, jobs.Counts, error)) error {
		t0, c0 := time.Now(), CPUTime()
		n, counts, err := fn()
		s := Stage{Name: name, Elapsed: time.Since(t0), CPU: CPUTime() - c0, Items: n, Unit: unit, PeakRSS: PeakRSS(), Counts: counts}
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		if p.HeapProfile != "" {
			if err := writeHeapProfile(p.HeapProfile + "." + strings.ReplaceAll(name, "+", "-")); err != nil {
				return err
			}
		}
		return report(s)
	}
	// Collect: store, validate, queue the answers.
	if err := stage("collect", "forms", func() (int, jobs.Counts, error) {
		c, err := d.RunLogged(ctx, "collect", p.Period, d.Collect)
		return c["messages"], c, err
	}); err != nil {
		return err
	}
	// Answer: deliver the receipts and rejections.
	if err := stage("answer", "mails", func() (int, jobs.Counts, error) {
		c, err := d.RunLogged(ctx, "deliver", p.Period, d.Deliver)
		return c["sent"], c, err
	}); err != nil {
		return err
	}
	clock.Advance(deadline.Add(63 * time.Hour).Sub(clock.Now()))
	// Assess: load the accepted forms, score, store the assessment.
	var assessed *jobs.Assessment
	if err := stage("assess", "counties", func() (int, jobs.Counts, error) {
		c, err := d.RunLogged(ctx, "assess", p.Period, func(ctx context.Context) (jobs.Counts, error) {
			a, c, err := d.Assess(ctx, p.Period, jobs.AssessOptions{})
			assessed = a
			return c, err
		})
		return c["counties"], c, err
	}); err != nil {
		return err
	}
	// Render every PDF and queue the reports from the result just computed (what Assess
	// with Queue does after scoring; timed apart here).
	if err := stage("render+queue", "reports", func() (int, jobs.Counts, error) {
		c, err := d.RunLogged(ctx, "publish", p.Period, func(ctx context.Context) (jobs.Counts, error) {
			return d.Publish(ctx, assessed, jobs.AssessOptions{Queue: true})
		})
		return c["files"], c, err
	}); err != nil {
		return err
	}
	assessed = nil
	// Deliver the reports and the summary.
	return stage("deliver", "mails", func() (int, jobs.Counts, error) {
		c, err := d.RunLogged(ctx, "deliver", p.Period, d.Deliver)
		return c["sent"], c, err
	})
}

// writeHeapProfile writes a heap profile of the live objects (after a GC) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
