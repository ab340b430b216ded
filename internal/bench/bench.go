// Package bench is kaohe's pipeline benchmark: it generates N county rosters of V
// villages each with filled forms (a share of them broken), mails them into the embedded
// IMAP server, and runs the monthly job on them — collect and answer, assess, render
// every PDF, deliver every mail — timing each stage and recording the peak memory.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
)

// Options configure a benchmark run.
type Options struct {
	Counties int     // default 2,844 (the county-level units of China)
	Villages int     // per county; default 172
	Broken   float64 // share of broken forms; default 0.02 (negative: none)
	Workers  int     // report workers; 0: the number of CPUs
	Period   string  // default 2026-11
	Seed     uint64
	Dir      string // store, reports and sink mail go here; "": a temporary directory, removed after
	Logger   *slog.Logger
	// MailDir, if set, receives every mail kaohe sends as a .eml file (for tests that read
	// them; costs disk at national size).
	MailDir string

	// The pipeline runs in a child process (see Run); these are its profiles.
	CPUProfile  string // a CPU profile of the pipeline, written to this file
	HeapProfile string // a heap profile after each stage, to HeapProfile.<stage>
	LogLevel    slog.Level
	ChildStderr io.Writer // the child's log; nil: os.Stderr
}

// Stage is one timed step of the run.
type Stage struct {
	Name    string        `json:"name"`
	Elapsed time.Duration `json:"elapsed"`
	CPU     time.Duration `json:"cpu"`      // user + system time of the process that ran the stage
	Items   int           `json:"items"`    // what it handled (forms, reports, mails)
	Unit    string        `json:"unit"`     // of Items
	PeakRSS int64         `json:"peak_rss"` // VmHWM of that process after the stage, bytes
	Counts  jobs.Counts   `json:"counts"`
	Kaohe   bool          `json:"kaohe"` // run by kaohe (the child), not by the bench's harness
}

// PerSecond is Items per second of the stage.
func (s Stage) PerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Items) / s.Elapsed.Seconds()
}

// Result is what a run measured.
type Result struct {
	Options    Options
	Stages     []Stage
	Total      time.Duration // of the pipeline (append to deliver, the child's start included), not generation
	PeakRSS    int64         // kaohe's peak resident set (the child's VmHWM), bytes
	HarnessRSS int64         // the bench process's (generator, mail servers) VmHWM, bytes
	Forms      int           // mails sent in by counties
	Broken     int
	Accepted   int
	Rejected   int
	Reports    int   // county PDFs rendered
	PDFBytes   int64 // total size of the county PDFs
	MailsOut   int   // mails the SMTP sink received (replies, reports, summary)
	MailsBytes int64
}

// PDFBytesPerReport is the mean size of a county report.
func (r *Result) PDFBytesPerReport() int64 {
	if r.Reports == 0 {
		return 0
	}
	return r.PDFBytes / int64(r.Reports)
}

const secret = "kaohe-bench-secret"

// reportsDir is where the child writes the reports, in the run's directory.
func reportsDir(dir string) string { return filepath.Join(dir, "reports") }

func (o *Options) defaults() {
	if o.Counties <= 0 {
		o.Counties = 2844
	}
	if o.Villages <= 0 {
		o.Villages = 172
	}
	if o.Broken == 0 {
		o.Broken = 0.02
	} else if o.Broken < 0 {
		o.Broken = 0
	}
	if o.Period == "" {
		o.Period = "2026-11"
	}
	if o.Seed == 0 {
		o.Seed = 20191816
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
}

// setup is what the bench and its child both derive from the options: the config (its
// mail and store settings filled in later), the deadline and the synthetic roster.
func setup(o Options) (*config.Config, time.Time, *seeds.Roster, error) {
	cfg, _, err := config.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	cfg.Forms.Secret = []byte(secret)
	if err := jobs.CheckPeriod(o.Period); err != nil {
		return nil, time.Time{}, nil, err
	}
	deadline, err := cfg.Deadline(o.Period)
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	// The bench's office has confirmed the checklist for the year it assesses.
	cfg.Checklist.ConfirmedYears = []int{deadline.Year()}
	roster := &seeds.Roster{Office: seeds.DefaultRoster().Office, Leaders: seeds.DefaultRoster().Leaders}
	for i := range o.Counties {
		roster.Counties = append(roster.Counties, *score.SyntheticCounty(strconv.Itoa(100001+i), o.Villages))
	}
	return cfg, deadline, roster, nil
}

// Run generates the forms and runs the pipeline. It returns an error when a step fails
// or its counts are not what the generated input implies (every intact form accepted,
// every broken one rejected, every county with an accepted form reported).
//
// The bench process generates the forms and runs the mail servers (the IMAP server
// holds every mail, ~170 MB at national size); kaohe's pipeline — collect, answer,
// assess, render and queue, deliver — runs in a child process (this executable again,
// see ChildMain) that talks to them over IMAP and SMTP on 127.0.0.1, as kaohe does with
// the office's mail server. So the peak memory reported is kaohe's own.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.defaults()
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{Options: o}
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kaohe-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg, deadline, roster, err := setup(o)
	if err != nil {
		return nil, err
	}
	checklist := seeds.DefaultChecklist()

	sink := &countingSink{}
	imapSrv, err := mail.StartIMAPServer(ctx, log.With("server", "imap"), map[string]string{"kaohe": secret})
	if err != nil {
		return nil, err
	}
	defer imapSrv.Close()
	smtpSrv, err := mail.StartSMTPSink(ctx, log.With("server", "smtp"), mail.SinkOptions{OnMessage: sink.add, DropData: true, Dir: o.MailDir})
	if err != nil {
		return nil, err
	}
	defer smtpSrv.Close()

	harnessStage := func(name, unit string, fn func() (int, jobs.Counts, error)) error {
		t0, c0 := time.Now(), CPUTime()
		n, counts, err := fn()
		s := Stage{Name: name, Elapsed: time.Since(t0), CPU: CPUTime() - c0, Items: n, Unit: unit, PeakRSS: PeakRSS(), Counts: counts}
		res.Stages = append(res.Stages, s)
		log.Info("bench stage", "stage", name, "elapsed", s.Elapsed, unit, n, "peak_rss_mb", s.PeakRSS>>20)
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		return nil
	}

	// 0. Generate every county's mail (not part of the pipeline's total).
	var mails [][]byte
	var times []time.Time
	if err := harnessStage("generate", "forms", func() (int, jobs.Counts, error) {
		var err error
		mails, times, res.Broken, err = generate(ctx, checklist, roster, cfg, o, deadline)
		return len(mails), jobs.Counts{"broken": res.Broken}, err
	}); err != nil {
		return nil, err
	}
	res.Forms = len(mails)
	roster = nil // the child makes its own
	pipelineStart := time.Now()

	// 1. Every county's mail into the intake mailbox.
	if err := harnessStage("append", "mails", func() (int, jobs.Counts, error) {
		for i, m := range mails {
			if err := imapSrv.AppendAt(ctx, "kaohe", "INBOX", m, times[i]); err != nil {
				return i, nil, err
			}
			mails[i] = nil // the server holds it now
		}
		return len(times), nil, nil
	}); err != nil {
		return nil, err
	}
	mails = nil

	// 2–6 in kaohe's process.
	p := childParams{Counties: o.Counties, Villages: o.Villages, Workers: o.Workers, Period: o.Period,
		Dir: dir, IMAP: imapSrv.Addr, SMTP: smtpSrv.Addr, CPUProfile: o.CPUProfile, HeapProfile: o.HeapProfile, LogLevel: o.LogLevel}
	err = runChild(ctx, p, o.ChildStderr, func(s Stage) {
		s.Kaohe = true
		res.Stages = append(res.Stages, s)
		res.PeakRSS = max(res.PeakRSS, s.PeakRSS)
		if s.Name == "collect" {
			res.Accepted, res.Rejected = s.Counts["accepted"], s.Counts["rejected"]
		}
		log.Info("bench stage", "stage", s.Name, "elapsed", s.Elapsed, s.Unit, s.Items, "peak_rss_mb", s.PeakRSS>>20, "counts", fmt.Sprint(map[string]int(s.Counts)))
	})
	res.Total = time.Since(pipelineStart)
	res.HarnessRSS = PeakRSS()
	res.MailsOut, res.MailsBytes = sink.count(), sink.bytes.Load()
	if err != nil {
		return res, err
	}

	// Check the counts against the input.
	entries, err := os.ReadDir(filepath.Join(reportsDir(dir), o.Period))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".pdf") && e.Name() != "summary.pdf" {
			fi, err := e.Info()
			if err != nil {
				return nil, err
			}
			res.Reports++
			res.PDFBytes += fi.Size()
		}
	}
	var problems []string
	if res.Accepted != res.Forms-res.Broken {
		problems = append(problems, fmt.Sprintf("%d forms accepted, want %d", res.Accepted, res.Forms-res.Broken))
	}
	if res.Rejected != res.Broken {
		problems = append(problems, fmt.Sprintf("%d forms rejected, want %d", res.Rejected, res.Broken))
	}
	if res.Reports != o.Counties {
		problems = append(problems, fmt.Sprintf("%d county reports, want %d", res.Reports, o.Counties))
	}
	// Counted at the SMTP server: an answer to every form, a report to every county, the
	// summary to the leaders, each once.
	if want := res.Forms + o.Counties + 1; res.MailsOut != want {
		problems = append(problems, fmt.Sprintf("%d mails delivered, want %d (%d answers, %d reports, 1 summary)", res.MailsOut, want, res.Forms, o.Counties))
	}
	if len(problems) > 0 {
		return res, errors.New("bench: " + strings.Join(problems, "; "))
	}
	return res, nil
}

// generate makes every county's mail: a filing of varied quality, its form (a share of
// them broken), the mail it comes in. It returns the mails, their arrival times and how
// many are broken.
func generate(ctx context.Context, cl *seeds.Checklist, roster *seeds.Roster, cfg *config.Config, o Options, deadline time.Time) ([][]byte, []time.Time, int, error) {
	synth := func(c *seeds.County, i int) *seeds.Filing {
		r := rand.New(rand.NewPCG(o.Seed, uint64(i)))
		return score.Synthetic(cl, c, o.Period, r, 0.25+0.7*r.Float64())
	}
	stencil, err := NewStencil(StencilOptions{Checklist: cl, Period: o.Period, Deadline: deadline, ReturnTo: cfg.Office.From,
		Secret: cfg.Forms.Secret, Villages: o.Villages, Filing: func(c *seeds.County) *seeds.Filing { return synth(c, 0) }}, score.SyntheticCounty)
	if err != nil {
		return nil, nil, 0, err
	}
	n := len(roster.Counties)
	mails := make([][]byte, n)
	times := make([]time.Time, n)
	// ⌈n × share⌉ counties send a broken form, spread evenly over the roster.
	spoilt := map[int]Breakage{}
	if k := int(math.Ceil(float64(n) * o.Broken)); k > 0 {
		for j := range k {
			spoilt[j*n/k+n/(2*k)] = Breakage(1 + j%int(numBreakages-1))
		}
	}
	var broken atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range roster.Counties {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			c := &roster.Counties[i]
			br := spoilt[i]
			if br != Intact {
				broken.Add(1)
			}
			form, err := stencil.Form(c, synth(c, i+1), br)
			if err != nil {
				return err
			}
			r := rand.New(rand.NewPCG(o.Seed, uint64(n+i)))
			at := deadline.AddDate(0, 0, -14).Add(time.Duration(r.Int64N(int64(13 * 24 * time.Hour))))
			name := fmt.Sprintf("%s_%s_进展表.xlsx", c.Name, o.Period)
			raw, err := mail.BuildMessage(mail.Outgoing{
				MessageID: fmt.Sprintf("<bench.%s.%d@county.kaohe.test>", c.Code, i),
				From:      c.Emails[0], To: []string{cfg.Office.From}, Subject: "报送" + name,
				Text: "市委组织部：\n\n附件是我单位的进展表，请查收。\n\n" + c.OrgName(),
				Date: at,
				Attachments: []mail.OutAttachment{{Name: name,
					ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: form}},
			})
			if err != nil {
				return err
			}
			mails[i], times[i] = raw, at
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, 0, err
	}
	return mails, times, int(broken.Load()), nil
}

// countingSink counts what the SMTP sink receives. The sink keeps no message bodies
// (DropData): at national size they were ~0.3 GB of PDFs that kaohe itself never holds.
type countingSink struct {
	mu    sync.Mutex
	n     int
	bytes atomic.Int64
}

func (s *countingSink) add(r mail.Received) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	s.bytes.Add(int64(len(r.Data)))
}

func (s *countingSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func splitAddr(addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	port, _ := strconv.Atoi(addr[i+1:]) // the servers' own listen addresses
	return addr[:i], port
}

func vmHWM(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := strings.Fields(string(v))
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}
