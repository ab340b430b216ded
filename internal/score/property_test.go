package score

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jining/kaohe/seeds"
)

// cloneFiling copies a filing deeply enough to change any value of the copy.
func cloneFiling(f *seeds.Filing) *seeds.Filing {
	g := *f
	g.Tasks = append([]seeds.TaskReport(nil), f.Tasks...)
	g.Indicators = maps.Clone(f.Indicators)
	g.Villages = append([]seeds.VillageReport(nil), f.Villages...)
	for i := range g.Villages {
		g.Villages[i].Values = maps.Clone(f.Villages[i].Values)
	}
	return &g
}

// generated builds the submissions of the demo roster for one period: random quality,
// some values left empty, some counties late, rejected or missing.
func generated(r *rand.Rand, period string) []Submission {
	roster := seeds.DefaultRoster()
	dl := time.Date(2019, 1, 5, 17, 0, 0, 0, time.UTC)
	var subs []Submission
	for i := range roster.Counties {
		co := &roster.Counties[i]
		s := Submission{County: co.Code, Name: co.Name, Deadline: dl, Version: 1}
		switch x := r.IntN(20); {
		case x == 0:
		case x == 1:
			s.Rejected = 1
			s.Problems = []string{"量化指标!D4: 请填写数字"}
		default:
			f := Synthetic(checklist, co, period, r, r.Float64())
			blank(r, f, 0.02)
			s.Filing = f
			s.Received = dl.Add(time.Duration(r.IntN(8*24)-4*24) * time.Hour)
		}
		subs = append(subs, s)
	}
	return subs
}

// blank empties a share p of the values of a filing.
func blank(r *rand.Rand, f *seeds.Filing, p float64) {
	for _, id := range sortedKeys(f.Indicators) {
		if r.Float64() < p {
			f.Indicators[id] = seeds.Number{Cell: f.Indicators[id].Cell}
		}
	}
	for _, v := range f.Villages {
		for _, id := range sortedKeys(v.Values) {
			if r.Float64() < p {
				v.Values[id] = seeds.Number{Cell: v.Values[id].Cell}
			}
		}
	}
	for i := range f.Tasks {
		if r.Float64() < p {
			f.Tasks[i].Status = seeds.StatusNone
		}
	}
}

func sortedKeys(m map[string]seeds.Number) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	// insertion sort: a few keys only
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// improvable lists the indicators for which a higher value (是 rather than 否) is better:
// those a rule measures with >=, > or == 是, and that no rule uses as a denominator or a
// where-condition.
func improvable(c *seeds.Checklist) map[string]bool {
	out := map[string]bool{}
	other := map[string]bool{}
	for _, t := range c.Tasks() {
		for _, r := range t.Rules {
			ind := c.Indicator(r.Indicator)
			if r.Op == ">=" || r.Op == ">" || (r.Op == "==" && ind.Type == seeds.TypeBool && r.Threshold == 1) {
				out[r.Indicator] = true
			} else {
				other[r.Indicator] = true
			}
			if r.Denominator != "" {
				other[r.Denominator] = true
			}
			if r.Where != nil {
				other[r.Where.Indicator] = true
			}
		}
	}
	for id := range other {
		delete(out, id)
	}
	return out
}

func better(r *rand.Rand, ind *seeds.Indicator, n seeds.Number) seeds.Number {
	n.Set = true
	if ind.Type == seeds.TypeBool {
		n.Value = 1
		return n
	}
	step := 1 + float64(r.IntN(10))
	if ind.Type != seeds.TypeInteger {
		step = r.Float64() * 10
	}
	n.Value += step
	return n
}

func TestPropertyBoundsAndMonotone(t *testing.T) {
	up := improvable(checklist)
	if len(up) < 10 {
		t.Fatalf("only %d improvable indicators: %v", len(up), up)
	}
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 42))
		period := fmt.Sprintf("2019-%02d", 1+r.IntN(12))
		subs := generated(r, period)
		res, err := Assess(checklist, period, subs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Counties {
			if !c.Submitted {
				continue
			}
			if c.Raw < 0 || c.Raw > 100 || c.Total > c.Raw || c.Total < 0 {
				t.Errorf("seed %d %s: raw %v total %v", seed, c.Name, c.Raw, c.Total)
			}
			for _, a := range c.Areas {
				if a.Score < 0 || a.Score > a.Weight {
					t.Errorf("seed %d %s area %s: %v of %v", seed, c.Name, a.ID, a.Score, a.Weight)
				}
			}
			for _, ts := range c.Tasks {
				if ts.Credit < 0 || ts.Credit > 1 || ts.Score > ts.Possible || ts.Possible > ts.Weight || ts.Explanation == "" ||
					(ts.Light == "") != (ts.Excluded != "") || (ts.Excluded != "") != (ts.Possible == 0) {
					t.Errorf("seed %d %s task %s: %+v", seed, c.Name, ts.Task, ts)
				}
			}
		}

		// Improve every single value of one county, one at a time.
		var base Submission
		for _, s := range subs {
			if s.Filing != nil {
				base = s
				break
			}
		}
		score := func(f *seeds.Filing) float64 {
			s := base
			s.Filing = f
			res, err := Assess(checklist, period, []Submission{s}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Counties[0].Total
		}
		before := score(base.Filing)
		check := func(what string, f *seeds.Filing) {
			if after := score(f); after < before {
				t.Errorf("seed %d %s %s: improving %s lowered the total from %v to %v", seed, period, base.Name, what, before, after)
			}
		}
		// More progress (a consistent status and 完成进度), or evidence for 已完成, never
		// lowers the total.
		for i, tr := range base.Filing.Tasks {
			f := cloneFiling(base.Filing)
			g := &f.Tasks[i]
			switch {
			case tr.Status == seeds.StatusDone && tr.Evidence == "":
				g.Evidence = "验收材料"
			case tr.Status == seeds.StatusDone:
				continue
			case tr.Status == seeds.StatusInProgress && (tr.Percent >= 99 || r.IntN(3) == 0):
				g.Status, g.Percent, g.Evidence = seeds.StatusDone, 100, "验收材料"
			default:
				from := 0.0
				if tr.Status == seeds.StatusInProgress {
					from = tr.Percent
				}
				g.Status, g.PercentSet = seeds.StatusInProgress, true
				g.Percent = from + 1 + float64(r.IntN(int(99-from)))
			}
			check("progress of "+tr.Task, f)
		}
		for _, id := range sortedKeys(base.Filing.Indicators) {
			if up[id] {
				f := cloneFiling(base.Filing)
				f.Indicators[id] = better(r, checklist.Indicator(id), f.Indicators[id])
				check(id, f)
			}
		}
		for vi, v := range base.Filing.Villages {
			for _, id := range sortedKeys(v.Values) {
				if up[id] {
					f := cloneFiling(base.Filing)
					f.Villages[vi].Values[id] = better(r, checklist.Indicator(id), v.Values[id])
					check(v.Village+" "+id, f)
				}
			}
		}
	}
}

func TestPropertyDeterministicJSON(t *testing.T) {
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 99))
		period := fmt.Sprintf("2019-%02d", 1+r.IntN(12))
		subs := generated(r, period)
		prev, err := Assess(checklist, prevMonth(period), generated(r, prevMonth(period)), nil)
		if err != nil {
			t.Fatal(err)
		}
		res1, err := Assess(checklist, period, subs, []*Result{prev})
		if err != nil {
			t.Fatal(err)
		}
		b1, err := json.Marshal(res1)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(res1)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("seed %d: two marshals differ", seed)
		}
		shuffled := make([]Submission, len(subs))
		for i, s := range subs {
			shuffled[i] = s
			if s.Filing != nil {
				shuffled[i].Filing = cloneFiling(s.Filing)
			}
		}
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		res2, err := Assess(checklist, period, shuffled, []*Result{prev})
		if err != nil {
			t.Fatal(err)
		}
		b3, _ := json.Marshal(res2)
		if !bytes.Equal(b1, b3) {
			t.Fatalf("seed %d: shuffled input gives different JSON", seed)
		}
	}
}

func prevMonth(period string) string {
	t, _ := time.Parse("2006-01", period)
	return t.AddDate(0, -1, 0).Format("2006-01")
}

func TestSyntheticRealistic(t *testing.T) {
	roster := seeds.DefaultRoster()
	co := &roster.Counties[0]
	r := rand.New(rand.NewPCG(3, 3))
	f := Synthetic(checklist, co, "2019-11", r, 0.5)
	if len(f.Tasks) != 42 || len(f.Villages) != len(co.Villages) || f.County != co.Code || f.Period != "2019-11" {
		t.Fatalf("filing shape: %d tasks, %d villages", len(f.Tasks), len(f.Villages))
	}
	over3, statuses := 0, map[seeds.Status]int{}
	for _, v := range f.Villages {
		inc := v.Values["income"]
		if !inc.Set || inc.Value < 0.5 || inc.Value > 30 || inc.Cell == "" {
			t.Errorf("%s income %+v", v.Village, inc)
		}
		if inc.Value >= 3 {
			over3++
		}
		if v.Values["reserve40"].Value > v.Values["reserve"].Value {
			t.Errorf("%s: reserve40 > reserve", v.Village)
		}
	}
	for _, tr := range f.Tasks {
		statuses[tr.Status]++
	}
	if over3*10 < len(f.Villages)*7 {
		t.Errorf("only %d of %d villages over 3万元 in November", over3, len(f.Villages))
	}
	if statuses[seeds.StatusInProgress]+statuses[seeds.StatusDone] < 36 {
		t.Errorf("statuses %v", statuses)
	}
	funded := 0
	for _, v := range f.Villages {
		n, d := v.Values["fund_sec_collective"].Value, v.Values["fund_sec"].Value
		if n > d {
			t.Errorf("%s: funds %v of %v", v.Village, n, d)
		}
		if n > 0 {
			funded++
		}
	}
	if funded*2 < len(f.Villages) {
		t.Errorf("only %d of %d villages with 第一书记 funds", funded, len(f.Villages))
	}
	if c := f.Villages[0].Values["income"].Cell; c != "村级台账!S4" {
		t.Errorf("income cell %q", c)
	}
	// Better quality gives better totals, on average.
	lo, hi := 0.0, 0.0
	for i := range 10 {
		for _, q := range []float64{0.1, 0.9} {
			f := Synthetic(checklist, co, "2019-11", rand.New(rand.NewPCG(uint64(i), 5)), q)
			res, err := Assess(checklist, "2019-11", []Submission{{County: co.Code, Name: co.Name, Filing: f}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if q < 0.5 {
				lo += res.Counties[0].Total
			} else {
				hi += res.Counties[0].Total
			}
		}
	}
	if hi <= lo+50 {
		t.Errorf("quality hardly matters: %v vs %v over 10 filings", lo, hi)
	}
}
