package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/jining/kaohe/internal/bench"
)

// BenchCmd runs the whole pipeline on generated counties and prints how long each stage
// took and how much memory it needed (docs/performance.md). The pipeline runs in a child
// process (this binary again, see bench.ChildMain), apart from the generator and the mail
// servers, so that its memory is kaohe's own.
type BenchCmd struct {
	Counties   int     `help:"Counties to generate (2,844: every county-level unit of China)." default:"2844"`
	Villages   int     `help:"Villages per county." default:"172"`
	Broken     float64 `help:"Share of broken forms (0 for none)." default:"0.02"`
	Workers    int     `help:"Report rendering workers (0: one per CPU)." default:"0"`
	Period     string  `help:"Period, YYYY-MM." default:"2026-11"`
	Keep       string  `help:"Keep the store, reports and files in this directory instead of a temporary one." type:"path" placeholder:"DIR"`
	CPUProfile string  `help:"Write a CPU profile of kaohe's pipeline (the child process) to FILE." name:"cpuprofile" type:"path" placeholder:"FILE"`
	MemProfile string  `help:"Write a heap profile of kaohe's pipeline after each stage to FILE.<stage> (live objects at that point)." name:"memprofile" type:"path" placeholder:"FILE"`
}

// Run runs the benchmark and prints its figures.
func (c *BenchCmd) Run(g *Globals) error {
	if _, err := periodOrNowCheck(c.Period); err != nil {
		return err
	}
	if c.Counties < 1 || c.Villages < 1 {
		return &userError{msg: "--counties and --villages must be at least 1", code: exitUsage}
	}
	broken := c.Broken
	if broken == 0 {
		broken = -1 // bench.Options: negative means none
	}
	fmt.Fprintf(g.stdout, "kaohe bench: %d counties × %d villages, %.1f%% broken, %d CPUs (%s)\n",
		c.Counties, c.Villages, 100*max(broken, 0), runtime.NumCPU(), cpuModel())
	log := g.logger
	level := slog.LevelDebug
	if !g.Verbose {
		// One line per message at national size drowns the figures: warnings only.
		level = slog.LevelWarn
		log = newLoggerLevel(g.stderr, g.LogFormat, level)
	}
	res, err := bench.Run(g.ctx, bench.Options{Counties: c.Counties, Villages: c.Villages, Broken: broken,
		Workers: c.Workers, Period: c.Period, Dir: c.Keep, Logger: log, LogLevel: level, ChildStderr: g.stderr,
		CPUProfile: c.CPUProfile, HeapProfile: c.MemProfile})
	if res != nil {
		printBench(g.stdout, res)
	}
	return err
}

func printBench(w io.Writer, r *bench.Result) {
	fmt.Fprintf(w, "\n%-13s %10s %10s %8s %-9s %10s %11s\n", "stage", "wall", "CPU", "items", "", "per second", "peak RSS")
	for _, s := range r.Stages {
		who := "bench"
		if s.Kaohe {
			who = "kaohe"
		}
		fmt.Fprintf(w, "%-13s %9.2fs %9.2fs %8d %-9s %10.1f %7d MiB  %s\n", s.Name, s.Elapsed.Seconds(), s.CPU.Seconds(), s.Items, s.Unit, s.PerSecond(), s.PeakRSS>>20, who)
	}
	fmt.Fprintf(w, "\npipeline total (append → deliver): %.2fs\n", r.Total.Seconds())
	if sec := r.Total.Seconds(); sec > 0 {
		fmt.Fprintf(w, "forms per second:   %.1f (%d forms: %d accepted, %d rejected; %d generated broken)\n",
			float64(r.Forms)/sec, r.Forms, r.Accepted, r.Rejected, r.Broken)
		fmt.Fprintf(w, "reports per second: %.1f (%d county reports)\n", float64(r.Reports)/sec, r.Reports)
	}
	fmt.Fprintf(w, "PDF bytes/report:   %d\n", r.PDFBytesPerReport())
	fmt.Fprintf(w, "mails out:          %d (%d MiB)\n", r.MailsOut, r.MailsBytes>>20)
	fmt.Fprintf(w, "peak RSS (VmHWM):   %d MiB kaohe; %d MiB the bench's generator and mail servers\n", r.PeakRSS>>20, r.HarnessRSS>>20)
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
