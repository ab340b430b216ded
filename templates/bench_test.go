package templates

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jining/kaohe/seeds"
)

// options200 are the test options for a county of 200 villages (the largest counties
// have about that many).
func options200(t testing.TB) Options {
	t.Helper()
	o := testOptions(t)
	c := *o.County
	c.Villages = nil
	for i := range 200 {
		c.Villages = append(c.Villages, seeds.Village{Town: fmt.Sprintf("第%d镇", i/20+1), Name: fmt.Sprintf("测试%03d村", i), Secretary: "张三"})
	}
	r := *o.Roster
	r.Counties = append([]seeds.County{c}, r.Counties[1:]...)
	o.Roster, o.County = &r, &r.Counties[0]
	return o
}

// BenchmarkBuild200 builds the blank form of a county with 200 villages.
func BenchmarkBuild200(b *testing.B) {
	o := options200(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildPrefill200 builds a form prefilled with last period's filing.
func BenchmarkBuildPrefill200(b *testing.B) {
	o := options200(b)
	o.Prefill = RandomFiling(o.Checklist, o.County, o.Period, 5)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFillForm200 fills a 200-village form with a filing.
func BenchmarkFillForm200(b *testing.B) {
	o := options200(b)
	form := build(b, o)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 5)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FillForm(form, fl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnnotate200 marks 20 problems in a 200-village form.
func BenchmarkAnnotate200(b *testing.B) {
	o := options200(b)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 5)
	for i := range 20 {
		v := fl.Villages[i*10].Values["winter_hours"]
		v.Value = 999
		fl.Villages[i*10].Values["winter_hours"] = v
	}
	data := fill(b, build(b, o), fl)
	_, _, _, err := Parse(data, "form.xlsx", parseOptions(o))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 20 {
		b.Fatalf("problems = %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Annotate(data, ps); err != nil {
			b.Fatal(err)
		}
	}
}
