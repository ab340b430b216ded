package jobs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// uniqueZip returns a copy of an xlsx (a zip with no archive comment) with comment c
// appended as the archive comment: the same workbook to every reader, another SHA-256.
func uniqueZip(tb testing.TB, data []byte, c string) []byte {
	tb.Helper()
	const eocd = 22 // end of central directory record without a comment
	if len(data) < eocd || binary.LittleEndian.Uint32(data[len(data)-eocd:]) != 0x06054b50 {
		tb.Fatal("not a zip without a comment")
	}
	out := make([]byte, len(data), len(data)+len(c))
	copy(out, data)
	binary.LittleEndian.PutUint16(out[len(out)-2:], uint16(len(c)))
	return append(out, c...)
}

// heapSampler records the largest live heap seen while it runs.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			s.peak = max(s.peak, sample[0].Value.Uint64())
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	s.done.Wait()
	return s.peak
}

// vmHWM is the process's peak resident set (VmHWM) in bytes; 0 where /proc is missing.
func vmHWM() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkCollect3000 appends 3,000 mails with filled forms (every attachment a distinct
// file, from the roster's counties) to the embedded IMAP server, then collects them all
// and delivers the 3,000 receipts to the SMTP sink. Run it with -benchtime=1x.
func BenchmarkCollect3000(b *testing.B) {
	const n = 3000
	const variants = 3
	h0 := newHarness(b)
	var forms [][]byte
	var from []string
	for _, c := range h0.d.Roster.Counties {
		for v := range variants {
			forms = append(forms, h0.filled(c.Code, 0.5+0.2*float64(v), uint64(v)))
			from = append(from, c.Emails[v%len(c.Emails)])
		}
	}
	b.Logf("%d distinct forms, %d KiB each on average", len(forms), func() int {
		t := 0
		for _, f := range forms {
			t += len(f)
		}
		return t / len(forms) >> 10
	}())
	b.ResetTimer()
	var peak uint64
	var collectTime, deliverTime time.Duration
	for range b.N {
		b.StopTimer()
		h := newHarness(b)
		for i := range n {
			k := i % len(forms)
			raw := h.mailFrom(from[k], fmt.Sprintf("进展表 %d", i), xlsx("进展表.xlsx", uniqueZip(b, forms[k], fmt.Sprintf("copy %d", i))))
			h.deliverRaw(raw)
		}
		sampler := startHeapSampler()
		b.StartTimer()
		t0 := time.Now()
		c := h.collect()
		t1 := time.Now()
		d := h.deliver()
		b.StopTimer()
		collectTime += t1.Sub(t0)
		deliverTime += time.Since(t1)
		peak = max(peak, sampler.Stop())
		if c["messages"] != n || c["accepted"] != n || d["sent"] != n {
			b.Fatalf("collect %v, deliver %v", c, d)
		}
		if got := len(h.sink.Messages()); got != n {
			b.Fatalf("sink got %d", got)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(collectTime.Seconds()/float64(b.N), "collect-s/op")
	b.ReportMetric(deliverTime.Seconds()/float64(b.N), "deliver-s/op")
	b.ReportMetric(float64(vmHWM())/(1<<20), "VmHWM-MiB")
}
