package score

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// benchSubs builds n synthetic counties of v villages each, all submitted.
func benchSubs(n, v int, period string) []Submission {
	r := rand.New(rand.NewPCG(1, 1))
	dl := time.Date(2019, 10, 5, 17, 0, 0, 0, time.UTC)
	subs := make([]Submission, n)
	for i := range subs {
		co := SyntheticCounty(fmt.Sprintf("%06d", 100000+i), v)
		subs[i] = Submission{County: co.Code, Name: co.Name, Deadline: dl, Version: 1,
			Received: dl.Add(time.Duration(r.IntN(96)-48) * time.Hour),
			Filing:   Synthetic(checklist, co, period, r, r.Float64())}
	}
	return subs
}

// BenchmarkAssess3000 scores 3,000 counties × 170 villages (every county in China) held
// in memory. MB-heap is the heap in use after scoring (inputs included); allocs and B/op
// are the scoring's own.
func BenchmarkAssess3000(b *testing.B) {
	subs := benchSubs(3000, 170, "2019-10")
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Assess(checklist, "2019-10", subs, nil); err != nil {
			b.Fatal(err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1e6, "MB-heap")
	if res.Assessed != 3000 {
		b.Fatalf("assessed %d", res.Assessed)
	}
}

// BenchmarkAssess3000JSON adds marshalling the result, as a store or report would.
func BenchmarkAssess3000JSON(b *testing.B) {
	subs := benchSubs(3000, 170, "2019-10")
	b.ReportAllocs()
	for b.Loop() {
		res, err := Assess(checklist, "2019-10", subs, nil)
		if err != nil {
			b.Fatal(err)
		}
		out, err := json.Marshal(res)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(out))/1e6, "MB-json")
	}
}

// BenchmarkAssess300 is BenchmarkAssess3000 at a tenth of the size, for checking what
// a change to the result costs in memory without scoring the whole country.
func BenchmarkAssess300(b *testing.B) {
	subs := benchSubs(300, 170, "2019-10")
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Assess(checklist, "2019-10", subs, nil); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1e6, "MB-heap")
	out, err := json.Marshal(res)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(out))/1e6, "MB-json")
}
