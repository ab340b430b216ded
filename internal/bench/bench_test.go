package bench

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestRun runs the whole pipeline on a few small counties, two of them broken: Run
// itself checks that every intact form is accepted, every broken one rejected, and every
// county reported and mailed.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	res, err := Run(context.Background(), Options{Counties: 5, Villages: 12, Broken: 0.4, Dir: t.TempDir(), LogLevel: slog.LevelWarn})
	if err != nil {
		t.Fatal(err)
	}
	if res.Broken != 2 || res.Rejected != 2 || res.Accepted != 3 || res.Reports != 5 {
		t.Errorf("broken %d, rejected %d, accepted %d, reports %d", res.Broken, res.Rejected, res.Accepted, res.Reports)
	}
	names := []string{}
	for _, s := range res.Stages {
		names = append(names, s.Name)
		if kaohe := s.Name != "generate" && s.Name != "append"; s.Kaohe != kaohe {
			t.Errorf("stage %s: run by kaohe %v, want %v", s.Name, s.Kaohe, kaohe)
		}
	}
	if got := strings.Join(names, ","); got != "generate,append,collect,answer,assess,render+queue,deliver" {
		t.Errorf("stages %s", got)
	}
	// 5 receipts or rejections, 5 reports, 1 summary.
	if res.MailsOut != 11 {
		t.Errorf("%d mails out, want 11", res.MailsOut)
	}
	if res.PDFBytesPerReport() < 10_000 || res.PeakRSS <= 0 || res.HarnessRSS <= 0 {
		t.Errorf("%d bytes a report, peak RSS %d (harness %d)", res.PDFBytesPerReport(), res.PeakRSS, res.HarnessRSS)
	}
}

func TestVmHWM(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"Name:\tkaohe\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1000 kB\n", 123456 << 10},
		{"Name:\tkaohe\n", 0},
		{"VmHWM:\t  12 MB\n", 0},
	} {
		if got := vmHWM(strings.NewReader(tc.in)); got != tc.want {
			t.Errorf("vmHWM(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// BenchmarkPipeline14 is a month of the 14 Jining units at 40 villages each, generation
// included (kaohe bench --counties 14 --villages 40 prints the stages apart).
func BenchmarkPipeline14(b *testing.B) {
	for b.Loop() {
		if _, err := Run(context.Background(), Options{Counties: 14, Villages: 40, Dir: b.TempDir(), LogLevel: slog.LevelWarn}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMain lets Run start this test binary as its pipeline process.
func TestMain(m *testing.M) {
	if code, ok := ChildMain(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}
