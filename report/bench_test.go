package report

import (
	"testing"

	"github.com/jining/kaohe/seeds"
)

// BenchmarkCountyReport renders the county reports of a sample period (all 42 tasks,
// village sections, six months of history) with one renderer, as an assessment run
// does. It reports the average PDF size as B/pdf.
func BenchmarkCountyReport(b *testing.B) {
	cl := seeds.DefaultChecklist()
	res, hist := SampleHistory(cl, seeds.DefaultRoster(), "2019-09", 5, 3)
	r := testRenderer(b, false)
	var codes []string
	for _, c := range res.Counties {
		if c.Submitted {
			codes = append(codes, c.Code)
		}
	}
	b.ReportAllocs()
	var total int
	cpu0 := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		pdf, err := r.County(res, codes[i%len(codes)], hist)
		if err != nil {
			b.Fatal(err)
		}
		total += len(pdf)
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(total)/float64(b.N), "B/pdf")
}

// BenchmarkCountyReportParallel renders county reports from all cores with one
// shared renderer.
func BenchmarkCountyReportParallel(b *testing.B) {
	cl := seeds.DefaultChecklist()
	res, hist := SampleHistory(cl, seeds.DefaultRoster(), "2019-09", 5, 3)
	r := testRenderer(b, false)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c := &res.Counties[i%len(res.Counties)]
			i++
			if _, err := r.County(res, c.Code, hist); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(cpuTime(b)-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkSummaryReport renders the summary PDF.
func BenchmarkSummaryReport(b *testing.B) {
	cl := seeds.DefaultChecklist()
	res, hist := SampleHistory(cl, seeds.DefaultRoster(), "2019-09", 5, 3)
	r := testRenderer(b, false)
	for b.Loop() {
		if _, err := r.Summary(res, hist); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewRenderer measures parsing the embedded font, which happens once per process.
func BenchmarkNewRenderer(b *testing.B) {
	for b.Loop() {
		if _, err := NewRenderer(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
