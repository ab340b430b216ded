package score

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/seeds"
)

// The scenarios of issue 12 ("What was seen"), each asserting the rule that replaced
// the old one. TestJuneScenarioTable prints the after-figures of the closing note.

var scenDeadline = time.Date(2019, 7, 5, 17, 0, 0, 0, time.UTC)

// scenFiling builds a filing of n villages: every task reported st at progress pct
// (with 佐证 when evidence), every village value vv(i, id), county values cv.
func scenFiling(period string, n int, st seeds.Status, pct float64, evidence bool,
	vv func(i int, id string) float64, cv map[string]float64) *seeds.Filing {
	f := &seeds.Filing{County: "1", Period: period, Indicators: map[string]seeds.Number{}}
	for i, t := range checklist.Tasks() {
		tr := seeds.TaskReport{Task: t.ID, Status: st, Percent: pct, PercentSet: true, Cell: fmt.Sprintf("重点任务!E%d", 3+i)}
		if evidence {
			tr.Evidence = "工作台账"
		}
		f.Tasks = append(f.Tasks, tr)
	}
	for _, ind := range checklist.Indicators(seeds.LevelCounty) {
		f.Indicators[ind.ID] = seeds.Number{Value: cv[ind.ID], Set: true}
	}
	for i := range n {
		v := seeds.VillageReport{Town: "镇", Village: fmt.Sprint("村", i+1), Secretary: fmt.Sprint("书记", i+1), Values: map[string]seeds.Number{}}
		for _, ind := range checklist.Indicators(seeds.LevelVillage) {
			v.Values[ind.ID] = seeds.Number{Value: vv(i, ind.ID), Set: true}
		}
		f.Villages = append(f.Villages, v)
	}
	return f
}

func zeroData(int, string) float64 { return 0 }

// goodData meets every village target of the year.
func goodData(_ int, id string) float64 {
	switch id {
	case "sewage_volume":
		return 10
	case "reserve", "reserve_hs":
		return 3
	case "theme_days":
		return 12
	case "winter_hours":
		return 40
	case "income":
		return 8
	}
	return 1
}

var goodCounty = map[string]float64{"manure_rate": 100}

// assessOne scores one county filing received at recv (zero: on time).
func assessOne(t *testing.T, period string, f *seeds.Filing, recv time.Time) CountyResult {
	t.Helper()
	if recv.IsZero() {
		recv = scenDeadline
	}
	res, err := Assess(checklist, period, []Submission{{County: "1", Name: "甲", Filing: f, Received: recv, Deadline: scenDeadline}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Counties[0]
}

func taskOf(cr CountyResult, id string) TaskScore {
	for _, ts := range cr.Tasks {
		if ts.Task == id {
			return ts
		}
	}
	return TaskScore{}
}

func lightCount(cr CountyResult) string {
	n := map[Light]int{}
	for _, ts := range cr.Tasks {
		n[ts.Light]++
	}
	return fmt.Sprintf("绿%d黄%d红%d", n[Green], n[Yellow], n[Red])
}

// Claims decide the ranking: all 已完成 with zero data ranks below perfect data marked
// honestly, and 一、5 is 存疑 and scored on the data.
func Test申报全部已完成而台账为零(t *testing.T) {
	claim := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, zeroData, nil), time.Time{})
	honest := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusInProgress, 50, false, goodData, goodCounty), time.Time{})
	if claim.Total >= honest.Total {
		t.Errorf("all 已完成 with zero data %v, honest with perfect data %v", claim.Total, honest.Total)
	}
	ts := taskOf(claim, "一、5")
	if ts.Score != 0 || ts.Doubt == "" || ts.Claimed != 1 || ts.DataCredit != 0 || ts.Light != Red {
		t.Errorf("一、5: %+v", ts)
	}
	if !strings.Contains(ts.Doubt, "100.0%") || !strings.Contains(ts.Doubt, "0.0%") {
		t.Errorf("the doubt names both numbers: %s", ts.Doubt)
	}
	// Rule tasks are scored on data anyway, and the claim is 存疑 too.
	if w := taskOf(claim, "四、3"); w.Score != 0 || w.Doubt == "" {
		t.Errorf("四、3: %+v", w)
	}
}

// 推进中 no longer equals 已完成: 50% in June on a December task is on schedule, 50% in
// November is behind.
func Test推进中按完成进度计分(t *testing.T) {
	for _, tc := range []struct {
		period string
		credit float64
		light  Light
	}{{"2019-06", 1, Green}, {"2019-11", 0.5455, Red}, {"2019-01", 1, Green}} {
		cr := assessOne(t, tc.period, scenFiling(tc.period, 3, seeds.StatusInProgress, 50, false, goodData, goodCounty), time.Time{})
		if ts := taskOf(cr, "一、1"); !near(ts.Credit, tc.credit) || ts.Light != tc.light {
			t.Errorf("%s 推进中 50%%: credit %v light %s", tc.period, ts.Credit, ts.Light)
		}
	}
	// In January 推进中 at 5% is behind an 8% 序时, and 未启动 earns nothing.
	cr := assessOne(t, "2019-01", scenFiling("2019-01", 3, seeds.StatusInProgress, 5, false, goodData, goodCounty), time.Time{})
	if ts := taskOf(cr, "一、1"); !near(ts.Credit, 0.6) {
		t.Errorf("January 5%%: %v", ts.Credit)
	}
}

// Lights cannot contradict scores: everything 未启动 in January is red, not green.
func Test一月全部未启动亮红灯(t *testing.T) {
	cr := assessOne(t, "2019-01", scenFiling("2019-01", 36, seeds.StatusNotStarted, 0, false, goodData, goodCounty), time.Time{})
	for _, ts := range cr.Tasks {
		if ts.Kind == seeds.KindStatus && ts.Light != Red {
			t.Errorf("%s: %s at credit %v", ts.Task, ts.Light, ts.Credit)
		}
		if ts.Excluded == "" && ts.Light != lightOf(checklist.Scoring, ts.Credit) {
			t.Errorf("%s: light %s for credit %v", ts.Task, ts.Light, ts.Credit)
		}
	}
}

// Not-yet-due is one rule: a county that did nothing earns 0, and the rules not due
// (冬训, 组织生活会, 民主评议) leave the points possible.
func Test未到期不计分(t *testing.T) {
	cr := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusNotStarted, 0, false, zeroData, nil), time.Time{})
	if cr.Total != 0 || cr.Earned != 0 {
		t.Errorf("did nothing: total %v earned %v", cr.Total, cr.Earned)
	}
	for _, ts := range cr.Tasks {
		if ts.Score != 0 {
			t.Errorf("%s earns %v for nothing", ts.Task, ts.Score)
		}
	}
	// 五、3: 冬训 (step, December) is not due: 2 of 4 points possible. 五、4: only 主题党日.
	if ts := taskOf(cr, "五、3"); ts.Possible != 2 || ts.Parts[1].Excluded != notDue || !strings.Contains(ts.Explanation, "本期不计分（未到期）") {
		t.Errorf("五、3: %+v", ts)
	}
	if ts := taskOf(cr, "五、4"); ts.Possible != 2 {
		t.Errorf("五、4 possible %v", ts.Possible)
	}
	// 0/0 fund, 四、1 without a village above 50 m³/d, 四、10's 中心村 rule without a
	// roster and 五、2's 高中以上 without a village of 2 candidates are 不适用 too:
	// possible = 100 − 2 − 2 − 1.8 − 3 − 0.9 − 1.2.
	if cr.Possible != 89.1 {
		t.Errorf("possible %v", cr.Possible)
	}
	// Everything met: Raw is rescaled to 100.
	good := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), time.Time{})
	if good.Raw != 100 || good.Possible != 92.1 || good.Earned != 92.1 { // 100 − 2 − 2 − 3 (四、1) − 0.9 (中心村)
		t.Errorf("good: raw %v earned %v of %v", good.Raw, good.Earned, good.Possible)
	}
}

// Scope: a county reporting no village above 50 m³/d no longer earns 3/3 for 四、1: the
// rule is 不适用 and leaves the points possible; an honest county with 5 of 6 stations earns 2.5.
func Test污水处理站无涉及村不得满分(t *testing.T) {
	none := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), time.Time{})
	five := func(i int, id string) float64 {
		switch {
		case id == "sewage_volume" && i < 6:
			return 80
		case id == "sewage_station" && i == 5:
			return 0
		}
		return goodData(i, id)
	}
	honest := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, five, goodCounty), time.Time{})
	n, h := taskOf(none, "四、1"), taskOf(honest, "四、1")
	if n.Score != 0 || n.Excluded != notApplicable || h.Score != 2.5 || h.Possible != 3 {
		t.Errorf("none: %v (%s); honest: %v of %v", n.Score, n.Excluded, h.Score, h.Possible)
	}
}

// 0/0 is 不适用, not the same as 100万 with nothing to 集体经济: per 第一书记 (village).
func Test资金零比零不适用(t *testing.T) {
	funds := func(total, collective float64) func(int, string) float64 {
		return func(i int, id string) float64 {
			switch id {
			case "fund_sec":
				return total
			case "fund_sec_collective":
				return collective
			}
			return goodData(i, id)
		}
	}
	zero := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, funds(0, 0), goodCounty), time.Time{})
	none := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, funds(100, 0), goodCounty), time.Time{})
	z, n := taskOf(zero, "五、7"), taskOf(none, "五、7")
	if z.Parts[0].Excluded != notApplicable || z.Score != z.Possible || z.Possible != 4.2 || !strings.Contains(z.Parts[0].Explanation, "0/0") {
		t.Errorf("0/0: %+v", z)
	}
	if n.Parts[0].Credit != 0 || n.Score != 4.2 || n.Possible != 6 || zero.Total <= none.Total {
		t.Errorf("100/0: %v of %v; totals %v vs %v", n.Score, n.Possible, zero.Total, none.Total)
	}
}

// The 70% rule is checked per 第一书记, not over the county total: a county whose total
// is 75% (three villages at 100/100, one at 0/100) still has a 第一书记 below 70%, named
// with his village; a village with 0/0 or without a 第一书记 is not counted.
func Test第一书记资金逐人核算(t *testing.T) {
	vv := func(i int, id string) float64 {
		switch id {
		case "fund_sec":
			return []float64{100, 100, 100, 100, 0}[i]
		case "fund_sec_collective":
			return []float64{100, 100, 100, 0, 0}[i]
		}
		return goodData(i, id)
	}
	f := scenFiling("2019-12", 5, seeds.StatusDone, 100, true, vv, goodCounty)
	f.Villages[2].Secretary = "" // no 第一书记: not counted even with funds
	cr := assessOne(t, "2019-12", f, time.Time{})
	p := taskOf(cr, "五、7").Parts[0]
	// Concerned: 村1, 村2, 村4 (村3 has no 第一书记, 村5 is 0/0); 村4 is at 0%.
	if p.Kind != seeds.KindVillageRatio || !near(p.Credit, 2.0/3) || p.Excluded != "" {
		t.Errorf("credit %v (%s)", p.Credit, p.Explanation)
	}
	for _, want := range []string{"2/3名第一书记", "镇村4（书记4，0%）", "另有1个村资金为0（0/0）不计"} {
		if !strings.Contains(p.Explanation, want) {
			t.Errorf("explanation lacks %q: %s", want, p.Explanation)
		}
	}
	var short []string
	for _, v := range cr.Villages {
		if v.Task == "五、7" && v.Label == p.Label {
			for _, ts := range v.Short {
				short = append(short, ts.Villages...)
				short = append(short, ts.Secretaries...)
			}
		}
	}
	if strings.Join(short, ",") != "村4（0%）,书记4" {
		t.Errorf("shortfall %v", short)
	}
	// Over the county total this would have been 300/400 = 75% ≥ 70%: full marks.
	old := *f
	old.Form = 2
	old.Indicators = map[string]seeds.Number{"manure_rate": {Value: 100, Set: true},
		"fund_total": {Value: 400, Set: true}, "fund_collective": {Value: 300, Set: true}}
	if p := taskOf(assessOne(t, "2019-12", &old, time.Time{}), "五、7").Parts[0]; p.Kind != seeds.KindRatio || p.Credit != 1 {
		t.Errorf("a form of version 2 is scored on the county total: %+v", p)
	}
}

// 高中以上: the 2 reserve candidates each village must have are of 高中以上 文化程度 (五、2,
// 清单原文); a form of template version 2 has no such column, and the rule is 不适用 for it.
func Test后备力量高中以上(t *testing.T) {
	vv := func(hs float64) func(int, string) float64 {
		return func(i int, id string) float64 {
			if id == "reserve_hs" {
				return []float64{hs, 2, 3, 2}[i]
			}
			return goodData(i, id)
		}
	}
	cr := assessOne(t, "2019-06", scenFiling("2019-06", 4, seeds.StatusDone, 100, true, vv(1), goodCounty), time.Time{})
	ts := taskOf(cr, "五、2")
	var p RulePart
	for _, x := range ts.Parts {
		if strings.Contains(x.Label, "高中以上") {
			p = x
		}
	}
	r := checklist.Task("五、2").Rules[1]
	if r.Indicator != "reserve_hs" || r.Origin != seeds.OriginSeed || !strings.Contains(checklist.Task("五、2").Target, "高中以上") {
		t.Errorf("rule %+v", r)
	}
	if p.Credit != 0.75 || ts.Score != 3.7 || ts.Light != Green { // 4 × (0.4 + 0.3 × 0.75 + 0.3) = 3.7
		t.Errorf("one village with 1 of 高中以上: %v, %v (%s)", p.Credit, ts.Score, ts.Explanation)
	}
	f := scenFiling("2019-06", 4, seeds.StatusDone, 100, true, vv(1), goodCounty)
	f.Form = 2
	for i := range f.Villages {
		delete(f.Villages[i].Values, "reserve_hs")
	}
	ts = taskOf(assessOne(t, "2019-06", f, time.Time{}), "五、2")
	if ts.Parts[1].Excluded != notApplicable || ts.Possible != 2.8 || ts.Score != 2.8 || !strings.Contains(ts.Parts[1].Explanation, "第2版表格未设此项") {
		t.Errorf("version 2: %+v", ts)
	}
}

// Numbers reconcile: the printed threshold is the compared one, a share below the
// target is not printed as 100%, parts add up.
func Test数字可以复核(t *testing.T) {
	income := func(x float64) TaskScore {
		cr := assessOne(t, "2019-06", scenFiling("2019-06", 1, seeds.StatusDone, 100, true, func(i int, id string) float64 {
			if id == "income" {
				return x
			}
			return goodData(i, id)
		}, goodCounty), time.Time{})
		return taskOf(cr, "五、7")
	}
	// June: >1.8万元 (3 × 6/10); 1.805 is printed 1.81 and passes, 1.8049 is printed 1.80 and does not.
	a, b, c := income(1.805), income(1.8049), income(1.8)
	if a.Parts[1].Credit != 1 || b.Parts[1].Credit != 0 || c.Parts[1].Credit != 0 || !strings.Contains(a.Parts[1].Explanation, ">1.8万元") {
		t.Errorf("1.805: %v, 1.8049: %v, 1.8: %v (%s)", a.Parts[1].Credit, b.Parts[1].Credit, c.Parts[1].Credit, a.Parts[1].Explanation)
	}
	// A pro-rated quantity: 四、8 in July expects 58.333… printed ≥58.33%; 58.33 meets it.
	q := assessOne(t, "2019-07", scenFiling("2019-07", 1, seeds.StatusDone, 100, true, goodData,
		map[string]float64{"manure_rate": 58.33}), time.Time{})
	if ts := taskOf(q, "四、8"); ts.Credit != 1 || !strings.Contains(ts.Explanation, "≥58.33%") {
		t.Errorf("58.33 in July: %v (%s)", ts.Credit, ts.Explanation)
	}
	cr := assessOne(t, "2019-12", scenFiling("2019-12", 3, seeds.StatusDone, 100, true, func(i int, id string) float64 {
		switch id {
		case "fund_sec":
			return 100
		case "fund_sec_collective":
			return 69.99
		}
		return goodData(i, id)
	}, goodCounty), time.Time{})
	if p := taskOf(cr, "五、7").Parts[0]; strings.Contains(p.Explanation, "100.0%") || !strings.Contains(p.Explanation, "69.99%") {
		t.Errorf("69.99/100: %s", p.Explanation)
	}
	reconciles(t, "五、7 69.99%", cr)
}

// Lateness costs per day, up to a cap: 158 days late is −3, not −1.
func Test迟报按天扣分(t *testing.T) {
	cr := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), scenDeadline.Add(158*24*time.Hour))
	if cr.Deduction != 3 || cr.Total != 97 {
		t.Errorf("158 days: −%v, total %v", cr.Deduction, cr.Total)
	}
	cr = assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), scenDeadline.Add(47*time.Hour))
	if cr.Deduction != 0.4 {
		t.Errorf("2 days: −%v", cr.Deduction)
	}
}

// 已完成 without 佐证 counts 80% and is listed as 缺佐证.
func Test已完成缺佐证(t *testing.T) {
	cr := assessOne(t, "2019-12", scenFiling("2019-12", 3, seeds.StatusDone, 100, false, goodData, goodCounty), time.Time{})
	ts := taskOf(cr, "一、1")
	if !ts.NoEvidence || ts.Credit != 0.8 || ts.Score != 3.2 || !strings.Contains(ts.Explanation, "缺佐证") {
		t.Errorf("一、1: %+v", ts)
	}
}

// reconciles checks that the printed parts add up exactly: tasks to areas, areas to
// Earned, Earned rescaled to Raw, Raw minus deductions to Total.
func reconciles(t *testing.T, what string, cr CountyResult) {
	t.Helper()
	if !cr.Submitted {
		return
	}
	i := 0
	var earned, possible int64
	for _, a := range cr.Areas {
		var sum, pos int64
		for ; i < len(cr.Tasks) && cr.Tasks[i].Area == a.ID; i++ {
			sum += cents(cr.Tasks[i].Score)
			pos += cents(cr.Tasks[i].Possible)
		}
		if fmt.Sprintf("%.2f", fromCents(sum)) != fmt.Sprintf("%.2f", a.Score) || fromCents(pos) != a.Possible {
			t.Errorf("%s area %s: tasks add to %.2f of %.2f, printed %.2f of %.2f", what, a.ID, fromCents(sum), fromCents(pos), a.Score, a.Possible)
		}
		earned += cents(a.Score)
		possible += cents(a.Possible)
	}
	if fromCents(earned) != cr.Earned || fromCents(possible) != cr.Possible {
		t.Errorf("%s: areas add to %v of %v, printed %v of %v", what, fromCents(earned), fromCents(possible), cr.Earned, cr.Possible)
	}
	raw := cr.Earned
	if cr.Possible != 100 {
		raw = roundHalfUp(cr.Earned*100/cr.Possible, 100)
	}
	if fmt.Sprintf("%.2f", raw) != fmt.Sprintf("%.2f", cr.Raw) {
		t.Errorf("%s: %v of %v rescales to %.2f, printed %.2f", what, cr.Earned, cr.Possible, raw, cr.Raw)
	}
	var ded int64
	for _, d := range cr.Deduct {
		ded += cents(d.Points)
	}
	if total := max(0, cents(cr.Raw)-ded); fromCents(total) != cr.Total || fromCents(ded) != cr.Deduction {
		t.Errorf("%s: %v − %v = %v, printed %v", what, cr.Raw, fromCents(ded), fromCents(total), cr.Total)
	}
}

// TestPropertyReconcile: over random filings, printed numbers add up exactly; doing
// nothing earns 0 on every applicable item; lights follow credit; a status task's credit
// never exceeds its data by more than the margin.
func TestPropertyReconcile(t *testing.T) {
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 12))
		period := fmt.Sprintf("2019-%02d", 1+r.IntN(12))
		res, err := Assess(checklist, period, generated(r, period), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range res.Counties {
			reconciles(t, fmt.Sprintf("seed %d %s %s", seed, period, cr.Name), cr)
			for _, ts := range cr.Tasks {
				if ts.Excluded == "" && ts.Light != lightOf(checklist.Scoring, ts.Credit) || ts.Credit == 0 && ts.Excluded == "" && ts.Light != Red {
					t.Errorf("seed %d %s %s: light %s at credit %v", seed, cr.Name, ts.Task, ts.Light, ts.Credit)
				}
				if ts.Doubt != "" && ts.Credit > ts.DataCredit+1e-9 {
					t.Errorf("seed %d %s %s: 存疑 claim earns %v over data %v", seed, cr.Name, ts.Task, ts.Credit, ts.DataCredit)
				}
			}
		}
		// Doing nothing (all 未启动, all zero) earns 0 on every applicable item.
		co := &seeds.DefaultRoster().Counties[int(seed)%3]
		f := scenFiling(period, len(co.Villages), seeds.StatusNotStarted, 0, false, zeroData, nil)
		cr := assessOne(t, period, f, time.Time{})
		for _, ts := range cr.Tasks {
			if ts.Score != 0 || (ts.Excluded == "" && ts.Light != Red) {
				t.Errorf("seed %d %s: nothing done earns %v (%s)", seed, ts.Task, ts.Score, ts.Light)
			}
		}
		if cr.Total != 0 {
			t.Errorf("seed %d %s: nothing done totals %v", seed, period, cr.Total)
		}
	}
}

// TestJuneScenarioTable logs the after-figures of the closing note's June table.
func TestJuneScenarioTable(t *testing.T) {
	row := func(name string, cr CountyResult, extra string) {
		t.Logf("| %s | %.2f %s %s %s |", name, cr.Total, cr.Grade, lightCount(cr), extra)
	}
	a := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, zeroData, nil), time.Time{})
	row("全部已完成零数据(6月)", a, fmt.Sprintf("一、5=%v %s", taskOf(a, "一、5").Score, taskOf(a, "一、5").Doubt))
	b := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusNotStarted, 0, false, goodData, goodCounty), time.Time{})
	row("数据全达标报未启动(6月)", b, "")
	h := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusInProgress, 50, false, goodData, goodCounty), time.Time{})
	row("数据全达标如实报推进中50%(6月)", h, "")
	c := assessOne(t, "2019-11", scenFiling("2019-11", 36, seeds.StatusInProgress, 50, false, goodData, goodCounty), time.Time{})
	row("11月推进中50%数据达标", c, fmt.Sprintf("一、1=%v", taskOf(c, "一、1").Score))
	d := assessOne(t, "2019-01", scenFiling("2019-01", 36, seeds.StatusNotStarted, 0, false, goodData, goodCounty), time.Time{})
	row("1月全部未启动数据达标", d, "")
	e := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusNotStarted, 0, false, zeroData, nil), time.Time{})
	row("6月什么都没做", e, fmt.Sprintf("五、4=%v/%v 五、3=%v/%v", taskOf(e, "五、4").Score, taskOf(e, "五、4").Possible, taskOf(e, "五、3").Score, taskOf(e, "五、3").Possible))
	l := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), scenDeadline.Add(158*24*time.Hour))
	row("迟报158天全达标", l, fmt.Sprintf("扣%v", l.Deduction))
	j := assessOne(t, "2019-01", scenFiling("2019-01", 36, seeds.StatusNotStarted, 0, false, zeroData, nil), time.Time{})
	row("1月全部未启动零数据", j, "")
	none := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, goodData, goodCounty), time.Time{})
	ts := taskOf(none, "四、1")
	t.Logf("| 四、1 自报无村>50（无考核办认定） | %v/%v %s |", ts.Score, ts.Possible, ts.Excluded)
	// 五、7 per 第一书记: no fund in any village (0/0), or 100万元 in every village with
	// nothing to 集体经济.
	funds := func(total float64) func(int, string) float64 {
		return func(i int, id string) float64 {
			switch id {
			case "fund_sec":
				return total
			case "fund_sec_collective":
				return 0
			}
			return goodData(i, id)
		}
	}
	z := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, funds(0), goodCounty), time.Time{})
	n := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusDone, 100, true, funds(100), goodCounty), time.Time{})
	t.Logf("| 五、7 资金0/0 | %v/%v 总分%.2f | 100万/0 | %v/%v 总分%.2f |", taskOf(z, "五、7").Score, taskOf(z, "五、7").Possible, z.Total,
		taskOf(n, "五、7").Score, taskOf(n, "五、7").Possible, n.Total)
}

// Seed deadlines are the seed's: 四、3 "到2020年" is expected over two years, 五、7
// "11月份前" is due in October and "突破3万元" is strictly more, and the 70周年 activities
// (三、11) are a 2019 task only.
func Test清单原文的时限(t *testing.T) {
	water := func(i int, id string) float64 {
		if id == "safe_water" {
			return float64(min(1, 1-i/9)) // 9 of 36 villages
		}
		return goodData(i, id)
	}
	june := assessOne(t, "2019-06", scenFiling("2019-06", 36, seeds.StatusInProgress, 50, false, water, goodCounty), time.Time{})
	if ts := taskOf(june, "四、3"); ts.Credit != 1 || !strings.Contains(ts.Explanation, "序时目标25%") {
		t.Errorf("四、3 June 2019, 9 of 36 villages: %v (%s)", ts.Credit, ts.Explanation)
	}
	dec20 := assessOne(t, "2020-12", scenFiling("2020-12", 36, seeds.StatusInProgress, 50, false, water, goodCounty), time.Time{})
	if ts := taskOf(dec20, "四、3"); ts.Credit != 0.25 {
		t.Errorf("四、3 December 2020: %v (%s)", ts.Credit, ts.Explanation)
	}
	if tk := checklist.Task("五、7"); tk.Due != 10 || tk.Rules[2].Op != ">" || tk.Rules[2].Due != 10 {
		t.Errorf("五、7: due %d, rule %s due %d", tk.Due, tk.Rules[2].Op, tk.Rules[2].Due)
	}
	in2020 := assessOne(t, "2020-06", scenFiling("2020-06", 3, seeds.StatusNotStarted, 0, false, goodData, goodCounty), time.Time{})
	if ts := taskOf(in2020, "三、11"); ts.Excluded != notApplicable || ts.Possible != 0 {
		t.Errorf("三、11 in 2020: %+v", ts)
	}
	if ts := taskOf(june, "三、11"); ts.Possible != 1 {
		t.Errorf("三、11 in 2019: %+v", ts)
	}
	for _, tk := range checklist.Tasks() {
		if strings.Contains(tk.Target, "国庆前开展") || strings.Contains(tk.Target, "年底前见成效") {
			t.Errorf("%s: invented target %q", tk.ID, tk.Target)
		}
	}
	if checklist.Year != 2019 || !checklist.InForce(2019) || checklist.InForce(2020) {
		t.Errorf("checklist year %d", checklist.Year)
	}
}

// Grades discriminate: at most 30% of a ranking is 优秀, 功能区 are ranked apart, and a
// unit without a form is shown (unranked, or last with 0 when the checklist says so).
func Test优秀名额与功能区排名(t *testing.T) {
	var subs []Submission
	for i := range 10 {
		// Totals 100, 99.x, … all ≥ 90: distinct amounts of 四、8.
		f := scenFiling("2019-12", 3, seeds.StatusDone, 100, true, goodData,
			map[string]float64{"manure_rate": 100 - float64(i)*2, "fund_total": 100, "fund_collective": 80})
		code := fmt.Sprintf("37%02d", i)
		f.County = code
		subs = append(subs, Submission{County: code, Name: "县" + code, Filing: f})
	}
	for i := range 2 {
		f := scenFiling("2019-12", 3, seeds.StatusDone, 100, true, goodData, goodCounty)
		code := fmt.Sprintf("39%02d", i)
		f.County = code
		subs = append(subs, Submission{County: code, Name: "区" + code, Type: seeds.UnitZone, Filing: f})
	}
	subs = append(subs, Submission{County: "3799", Name: "未报县"})
	res, err := Assess(checklist, "2019-12", subs, nil)
	if err != nil {
		t.Fatal(err)
	}
	excellent := 0
	for _, c := range res.Counties {
		switch {
		case c.Type == seeds.UnitZone:
			if c.Of != 2 || c.Rank != 1 || c.Grade != "优秀" {
				t.Errorf("功能区 %s: rank %d of %d, %s", c.Name, c.Rank, c.Of, c.Grade)
			}
		case !c.Submitted:
			if c.Rank != 0 || c.Total != 0 {
				t.Errorf("未报送 %s: rank %d", c.Name, c.Rank)
			}
		default:
			if c.Of != 10 || c.Total < 90 {
				t.Errorf("%s: rank %d of %d, total %v", c.Name, c.Rank, c.Of, c.Total)
			}
			if c.Grade == "优秀" {
				excellent++
			} else if c.Grade != "良好" || !strings.Contains(c.GradeNote, "名额") {
				t.Errorf("%s: %s (%s)", c.Name, c.Grade, c.GradeNote)
			}
		}
	}
	if excellent != 3 {
		t.Errorf("%d 优秀 of 10 县市区, want 3", excellent)
	}
	// scoring.missing = "last": the unit without a form is ranked last with 0, not dropped.
	cl := *checklist
	cl.Scoring.Missing = "last"
	res, err = Assess(&cl, "2019-12", subs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Counties {
		if c.Code == "3799" && (c.Rank != 11 || c.Of != 11 || c.Total != 0 || c.Grade != "较差") {
			t.Errorf("未报送, last: %+v", c)
		}
	}
}

// Scope comes from the office: the roster says which villages need a sewage station
// (a county reporting no volume above 50 m³/d cannot escape it) and which are 中心村
// (each needs a 6 m road); where the roster is silent the county's volume decides and
// is flagged as self-reported.
func Test适用范围由考核办认定(t *testing.T) {
	co := &seeds.County{Code: "1", Name: "甲"}
	yes, no := true, false
	for i := range 6 {
		v := seeds.Village{Town: "镇", Name: fmt.Sprint("村", i+1)}
		switch i {
		case 0, 1:
			v.SewageStation = &yes
		case 2:
			v.SewageStation = &no
		case 3:
			v.Central = true
		}
		co.Villages = append(co.Villages, v)
	}
	data := func(i int, id string) float64 {
		switch id {
		case "sewage_volume":
			if i == 4 {
				return 80 // not decided by the office: the county's report counts
			}
			return 0 // the county reports no village above 50 m³/d
		case "sewage_station", "road6":
			if i == 1 || i == 3 {
				return 0
			}
		}
		return goodData(i, id)
	}
	f := scenFiling("2019-12", 6, seeds.StatusDone, 100, true, data, goodCounty)
	res, err := Assess(checklist, "2019-12", []Submission{{County: "1", Name: "甲", Filing: f, Roster: co}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := res.Counties[0]
	sewage := taskOf(cr, "四、1")
	// Concerned: 村1, 村2 (roster), 村5 (self-reported 80); 村2 has no station.
	var sum VillageRuleSummary
	for _, v := range cr.Villages {
		if v.Task == "四、1" {
			sum = v
		}
	}
	if sum.Concerned != 3 || sum.Meeting != 2 || sum.SelfReported != 1 || sewage.Score != 2 || !strings.Contains(sewage.Explanation, "按自报污水产生规模认定") {
		t.Errorf("四、1: %+v; %v (%s)", sum, sewage.Score, sewage.Explanation)
	}
	// 四、10: 村4 is a 中心村 without a 6 m road: that rule earns 0.
	roads := taskOf(cr, "四、10")
	if len(roads.Parts) != 3 || roads.Parts[2].Credit != 0 || roads.Parts[2].Excluded != "" {
		t.Errorf("四、10: %+v", roads.Parts)
	}
	// Without roster facts the 中心村 rule is 不适用 and the county's volumes decide.
	res, err = Assess(checklist, "2019-12", []Submission{{County: "1", Name: "甲", Filing: f}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := taskOf(res.Counties[0], "四、10").Parts[2]; p.Excluded != notApplicable {
		t.Errorf("no roster: %+v", p)
	}
}

// 已完成 with an evidence file sent for the task (佐证材料) is not 缺佐证, even with no
// 佐证说明; a file sent for another task does not help.
func Test已完成有佐证材料(t *testing.T) {
	f := scenFiling("2019-12", 3, seeds.StatusDone, 100, false, goodData, goodCounty)
	res, err := Assess(checklist, "2019-12", []Submission{{County: "1", Name: "甲", Filing: f, Received: scenDeadline, Deadline: scenDeadline,
		EvidenceFiles: map[string][]string{"一、1": {"一、1-会议纪要.pdf"}, "一、2": nil}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := res.Counties[0]
	ts := taskOf(cr, "一、1")
	if ts.NoEvidence || ts.Credit != 1 || ts.Score != 4 || !strings.Contains(ts.Explanation, "佐证材料：一、1-会议纪要.pdf") ||
		len(ts.EvidenceFiles) != 1 {
		t.Errorf("一、1 with a file: %+v", ts)
	}
	if ts := taskOf(cr, "一、2"); !ts.NoEvidence {
		t.Errorf("一、2 without a file: %+v", ts)
	}
	reconciles(t, "evidence files", cr)
}
