package score

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jining/kaohe/seeds"
)

var checklist = seeds.DefaultChecklist()

// newEval returns an evaluator for month m over the embedded checklist.
func newEval(m int) *evaluator {
	e := &evaluator{c: checklist, month: m, inds: map[string]*seeds.Indicator{}}
	for _, t := range checklist.Tasks() {
		for i := range t.Indicators {
			e.inds[t.Indicators[i].ID] = &t.Indicators[i]
		}
	}
	return e
}

// ruleOf returns rule i of a task of the embedded checklist.
func ruleOf(t *testing.T, task string, i int) (*seeds.Task, *seeds.Rule) {
	t.Helper()
	tk := checklist.Task(task)
	if tk == nil || i >= len(tk.Rules) {
		t.Fatalf("no rule %d of task %s", i, task)
	}
	return tk, &tk.Rules[i]
}

// miss marks a value left empty in village tables.
const miss = math.MaxFloat64

// villageFiling builds a filing whose villages report vals for indicator id (miss: empty),
// in column P from row 4, 3 villages per town.
func villageFiling(id string, vals ...float64) *seeds.Filing {
	f := &seeds.Filing{Indicators: map[string]seeds.Number{}}
	for i, v := range vals {
		n := seeds.Number{Value: v, Set: true, Cell: fmt.Sprintf("村级台账!P%d", 4+i)}
		if v == miss {
			n = seeds.Number{Cell: n.Cell}
		}
		f.Villages = append(f.Villages, seeds.VillageReport{Town: fmt.Sprintf("%c镇", 'A'+i/3),
			Village: fmt.Sprintf("村%d", i+1), Row: 4 + i, Values: map[string]seeds.Number{id: n}})
	}
	return f
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func cat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-4 }

func TestFraction(t *testing.T) {
	for _, tc := range []struct {
		m, due  int
		prorata bool
		want    float64
	}{
		{1, 12, true, 1.0 / 12}, {6, 12, true, 0.5}, {12, 12, true, 1},
		{1, 11, true, 1.0 / 11}, {11, 11, true, 1}, {12, 11, true, 1},
		{1, 12, false, 0}, {11, 12, false, 0}, {12, 12, false, 1},
		{1, 0, false, 1}, {1, 0, true, 1},
	} {
		if got := fraction(tc.m, tc.due, tc.prorata); !near(got, tc.want) {
			t.Errorf("fraction(%d, %d, %v) = %v, want %v", tc.m, tc.due, tc.prorata, got, tc.want)
		}
	}
}

func TestStatusTask(t *testing.T) {
	task := checklist.Task("一、1") // weight 4, due 12
	t11 := checklist.Task("三、11") // weight 1, due 10
	const none = -1.0             // 完成进度 not on the form (template version 1)
	for _, tc := range []struct {
		task     *seeds.Task
		m        int
		st       seeds.Status
		pct      float64
		evidence string
		credit   float64
		behind   float64
		light    Light
	}{
		{task, 1, seeds.StatusInProgress, none, "", 1, 0, Green},               // old form: 推进中 counts as on 序时 (8%)
		{task, 1, seeds.StatusNotStarted, 0, "", 0, 8.33, Red},                 // 0 credit is always red
		{task, 1, seeds.StatusNone, none, "", 0, 8.33, Red},                    // empty cell counts as 未启动
		{task, 6, seeds.StatusInProgress, 50, "", 1, 0, Green},                 // 50% in June on a December task: on schedule
		{task, 11, seeds.StatusInProgress, 50, "", 0.5455, 41.67, Red},         // 50% in November is behind
		{task, 10, seeds.StatusInProgress, 80, "", 0.96, 3.33, Green},          // 80% against 83%
		{task, 12, seeds.StatusInProgress, 70, "", 0.7, 30, Yellow},            // due month, 70%
		{task, 12, seeds.StatusInProgress, none, "", 0.8, 20, Yellow},          // old form, due month, still 推进中
		{task, 12, seeds.StatusNotStarted, 0, "", 0, 100, Red},                 // due and not started
		{task, 12, seeds.StatusDone, 100, "验收报告", 1, 0, Green},                 // done with 佐证
		{task, 12, seeds.StatusDone, 100, "", 0.8, 20, Yellow},                 // done without 佐证: 缺佐证, counts 80%
		{task, 6, seeds.StatusDone, 100, "", 1, 0, Green},                      // 80% is ahead of 序时 50%
		{t11, 10, seeds.StatusNotStarted, 0, "", 0, 83.33, Red},                // the seed gives no 国庆前: due 12
		{t11, 11, seeds.StatusDone, none, "", 1, 0, Green},                     // old form: 已完成 taken as is
		{t11, 5, seeds.StatusInProgress, 50, "", 1, 0, Green},                  // 序时 50%
		{checklist.Task("四、5"), 9, seeds.StatusNotStarted, 0, "", 0, 100, Red}, // due 9
	} {
		t.Run(fmt.Sprintf("%s/%d/%s/%v", tc.task.ID, tc.m, tc.st, tc.pct), func(t *testing.T) {
			rep := seeds.TaskReport{Task: tc.task.ID, Status: tc.st, Cell: "重点任务!E5", Evidence: tc.evidence}
			if tc.pct != none {
				rep.Percent, rep.PercentSet = tc.pct, true
			}
			f := &seeds.Filing{Tasks: []seeds.TaskReport{rep}}
			ts, _ := newEval(tc.m).task(f, tc.task)
			if !near(ts.Credit, tc.credit) || !near(ts.Behind, tc.behind) || ts.Light != tc.light {
				t.Errorf("credit %v behind %v light %s, want %v %v %s (%s)", ts.Credit, ts.Behind, ts.Light,
					tc.credit, tc.behind, tc.light, ts.Explanation)
			}
			if want := round2(tc.credit * tc.task.Weight); math.Abs(ts.Score-want) > 0.011 || ts.Possible != tc.task.Weight {
				t.Errorf("score %v of %v, want %v of %v", ts.Score, ts.Possible, want, tc.task.Weight)
			}
			if ts.NoEvidence != (tc.st == seeds.StatusDone && tc.pct != none && tc.evidence == "") {
				t.Errorf("no_evidence %v (%s)", ts.NoEvidence, ts.Explanation)
			}
			if !strings.HasSuffix(ts.Explanation, "（重点任务!E5）") {
				t.Errorf("explanation lacks the cell: %s", ts.Explanation)
			}
		})
	}
	// The worked examples of docs/scoring.md.
	f := &seeds.Filing{Tasks: []seeds.TaskReport{{Task: "一、1", Status: seeds.StatusInProgress, Percent: 50, PercentSet: true, Cell: "重点任务!E3"}}}
	ts, _ := newEval(11).task(f, task)
	if want := "进展状态“推进中”，完成进度50%，序时进度92%，得分率54.5%，得2.18/4分（重点任务!E3）"; ts.Explanation != want {
		t.Errorf("explanation\n got %s\nwant %s", ts.Explanation, want)
	}
	f.Tasks[0] = seeds.TaskReport{Task: "一、1", Status: seeds.StatusDone, Percent: 100, PercentSet: true, Cell: "重点任务!E3"}
	ts, _ = newEval(12).task(f, task)
	if want := "进展状态“已完成”，完成进度100%，序时进度100%，已完成但未填佐证说明（缺佐证），按80%计，得分率80.0%，得3.2/4分（重点任务!E3）"; ts.Explanation != want {
		t.Errorf("explanation\n got %s\nwant %s", ts.Explanation, want)
	}
}

func TestQuantityRule(t *testing.T) {
	_, r := ruleOf(t, "四、8", 0) // manure_rate >= 100, due 12, pro-rata
	for _, tc := range []struct {
		m      int
		v      float64
		credit float64
	}{
		{12, 100, 1},        // exactly on target
		{12, 99.99, 0.9999}, // just under
		{12, 0, 0},          // zero
		{12, 100, 1},        // (max is 100: over target is checked before the due month)
		{12, miss, 0},       // missing
		{1, 100.0 / 12, 1},  // January: 8.33% is on 序时
		{1, 4.16, 0.4994},   // 4.16 of the printed (rounded) 8.33
		{1, 4.165, 0.5006},  // values are rounded to 0.01 too: 4.17
		{1, 50, 1},          // over target
		{6, 50, 1},          // June
		{6, 49.99, 0.9998},  // just under
		{11, 90, 0.9818},    // 90 / (100·11/12)
	} {
		f := &seeds.Filing{Indicators: map[string]seeds.Number{}}
		if tc.v != miss {
			f.Indicators["manure_rate"] = seeds.Number{Value: tc.v, Set: true, Cell: "量化指标!D3"}
		}
		o := newEval(tc.m).rule(f, nil, r)
		if !near(o.part.Credit, tc.credit) {
			t.Errorf("m=%d v=%v: credit %v, want %v (%s)", tc.m, tc.v, o.part.Credit, tc.credit, o.part.Explanation)
		}
	}
	f := &seeds.Filing{Indicators: map[string]seeds.Number{"manure_rate": {Value: 65, Set: true, Cell: "量化指标!D3"}}}
	o := newEval(9).rule(f, nil, r)
	if want := "畜禽粪污资源化利用任务完成率65%，序时目标≥75%（12月底前≥100%），得分率86.7%（量化指标!D3）"; o.part.Explanation != want {
		t.Errorf("explanation\n got %s\nwant %s", o.part.Explanation, want)
	}
	o = newEval(9).rule(&seeds.Filing{}, nil, r)
	if !strings.Contains(o.part.Explanation, "未填报") || o.part.Credit != 0 {
		t.Errorf("missing value: %v %s", o.part.Credit, o.part.Explanation)
	}
}

func TestRatioRule(t *testing.T) {
	_, r := ruleOf(t, "五、7", 0) // fund_collective / fund_total >= 0.7, not pro-rated
	for _, tc := range []struct {
		m        int
		num, den float64
		credit   float64
		says     string
	}{
		{1, 70, 100, 1, "70%"},               // exactly on target, even in January
		{12, 69.93, 100, 0.999, "69.93%"},    // just under
		{12, 69.99, 100, 0.9999, "得分率99.9%"}, // never printed as 100.0%
		{12, 0, 100, 0, "0%"},                // zero
		{12, 90, 100, 1, "90%"},              // over target
		{12, miss, 100, 0, "未填报"},            // missing numerator
		{12, 70, miss, 0, "未填报"},             // missing denominator
		{12, 0, 0, 0, "（0/0），不适用"},           // no money at all: 不适用, not 0
		{12, 5, 0, 1, "100%"},                // inconsistent (the form rejects it): counts as all
		{12, 35, 100, 0.5, "35%"},            // half the target
	} {
		f := &seeds.Filing{Indicators: map[string]seeds.Number{}}
		if tc.num != miss {
			f.Indicators["fund_collective"] = seeds.Number{Value: tc.num, Set: true, Cell: "量化指标!D5"}
		}
		if tc.den != miss {
			f.Indicators["fund_total"] = seeds.Number{Value: tc.den, Set: true, Cell: "量化指标!D4"}
		}
		o := newEval(tc.m).rule(f, nil, r)
		if (o.excluded == notApplicable) != (tc.num == 0 && tc.den == 0) {
			t.Errorf("%v/%v: excluded %q", tc.num, tc.den, o.excluded)
		}
		if !near(o.part.Credit, tc.credit) || !strings.Contains(o.part.Explanation, tc.says) {
			t.Errorf("%v/%v: credit %v, want %v; %s", tc.num, tc.den, o.part.Credit, tc.credit, o.part.Explanation)
		}
	}
	f := &seeds.Filing{Indicators: map[string]seeds.Number{
		"fund_total":      {Value: 80, Set: true, Cell: "量化指标!D4"},
		"fund_collective": {Value: 52, Set: true, Cell: "量化指标!D5"},
	}}
	o := newEval(9).rule(f, nil, r)
	if want := "项目资金用于村级集体经济的比例65%（52/80万元），目标≥70%，得分率92.9%（量化指标!D5、D4）"; o.part.Explanation != want {
		t.Errorf("explanation\n got %s\nwant %s", o.part.Explanation, want)
	}
}

func TestVillageRules(t *testing.T) {
	type tc struct {
		name      string
		task      string
		rule      int
		m         int
		vals      []float64
		credit    float64
		meeting   int
		concerned int
	}
	cases := []tc{
		// village_share: income >= 5 in 80% of villages, due 11, threshold pro-rated.
		{"share on target", "五、7", 3, 11, cat(repeat(5, 8), repeat(1, 2)), 1, 8, 10},
		{"share just under", "五、7", 3, 11, cat(repeat(5, 7), []float64{4.99}, repeat(1, 2)), 0.875, 7, 10},
		{"share zero", "五、7", 3, 11, repeat(0, 10), 0, 0, 10},
		{"share over", "五、7", 3, 12, repeat(20, 10), 1, 10, 10},
		{"share missing", "五、7", 3, 11, cat(repeat(5, 7), []float64{miss}, repeat(1, 2)), 0.875, 7, 10},
		// January: 5 × 1/10 (due 10: 11月份前) = 0.5; values are compared at 0.01, half up.
		{"share January on 序时", "五、7", 3, 1, cat(repeat(0.5, 8), repeat(0.49, 2)), 1, 8, 10},
		{"share January value precision", "五、7", 3, 1, repeat(0.495, 10), 1, 10, 10},
		{"share January under", "五、7", 3, 1, repeat(0.44, 10), 0, 0, 10},
		{"share after due", "五、7", 3, 12, cat(repeat(4.99, 10)), 0, 0, 10},
		// compliance, numeric, pro-rata: income > 3 (突破3万元) in every village.
		{"compliance on target", "五、7", 2, 11, repeat(3.01, 10), 1, 10, 10},
		{"compliance 3 is not 突破3", "五、7", 2, 11, repeat(3, 10), 0, 0, 10},
		{"compliance one short", "五、7", 2, 11, cat(repeat(3.01, 9), []float64{3}), 0.9, 9, 10},
		{"compliance June", "五、7", 2, 6, repeat(1.81, 10), 1, 10, 10},
		// June: 3 × 6/10 = 1.8, printed >1.8: 1.805 prints as 1.81 and passes, 1.8049 as 1.80 and does not.
		{"compliance June rounding", "五、7", 2, 6, []float64{1.805, 1.8049, 1.81, 1.8}, 0.5, 2, 4},
		// compliance, bool, standing.
		{"bool all", "五、3", 0, 1, repeat(1, 10), 1, 10, 10},
		{"bool one 否", "五、3", 0, 1, cat(repeat(1, 9), []float64{0}), 0.9, 9, 10},
		{"bool one empty", "五、3", 0, 12, cat(repeat(1, 9), []float64{miss}), 0.9, 9, 10},
		{"bool none", "五、3", 0, 12, repeat(0, 10), 0, 0, 10},
		// compliance, bool, 到2020年: June 2019 expects 6/24 of the villages.
		{"water June 2019", "四、3", 0, 6, cat(repeat(1, 2), repeat(0, 8)), 0.8, 2, 10},
		// village_share, bool: road6 in 50% of villages.
		{"road6 half", "四、10", 1, 5, cat(repeat(1, 5), repeat(0, 5)), 1, 5, 10},
		{"road6 under", "四、10", 1, 12, cat(repeat(1, 1), repeat(0, 9)), 0.4, 1, 10}, // December 2019: half of 50%
		// compliance, integer, standing: reserve >= 2.
		{"reserve on", "五、2", 0, 1, repeat(2, 4), 1, 4, 4},
		{"reserve under", "五、2", 0, 1, []float64{2, 2, 2, 1}, 0.75, 3, 4},
		// compliance, step (not pro-rata): 冬训 >= 32 due in December.
		{"winter before due", "五、3", 1, 11, repeat(0, 4), 0, 4, 4}, // 未到期: excluded
		{"winter due on", "五、3", 1, 12, repeat(32, 4), 1, 4, 4},
		{"winter due under", "五、3", 1, 12, []float64{32, 32, 32, 31.9}, 0.75, 3, 4},
		// count: 主题党日 12 a year, pro-rata, rounded down.
		{"theme January", "五、4", 0, 1, repeat(1, 4), 1, 4, 4},
		{"theme January zero", "五、4", 0, 1, repeat(0, 4), 0, 0, 4},
		{"theme June", "五、4", 0, 6, []float64{6, 6, 7, 5}, 0.75, 3, 4},
		{"theme December", "五、4", 0, 12, []float64{12, 12, 12, 11}, 0.75, 3, 4},
		{"theme missing", "五、4", 0, 12, []float64{12, 12, 12, miss}, 0.75, 3, 4},
		// count, step: 组织生活会 >= 1 by December.
		{"life before December", "五、4", 1, 11, repeat(0, 4), 0, 4, 4}, // 未到期: excluded
		{"life December", "五、4", 1, 12, []float64{1, 2, 0, 1}, 0.75, 3, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk, r := ruleOf(t, c.task, c.rule)
			o := newEval(c.m).rule(villageFiling(r.Indicator, c.vals...), tk, r)
			v := o.village
			if wantEx := strings.HasSuffix(c.name, "before due") || strings.HasSuffix(c.name, "before December"); (o.excluded == notDue) != wantEx {
				t.Errorf("excluded %q (%s)", o.excluded, o.part.Explanation)
			}
			if !near(o.part.Credit, c.credit) || v.Meeting != c.meeting || v.Concerned != c.concerned {
				t.Errorf("credit %v meeting %d/%d, want %v %d/%d (%s)", o.part.Credit, v.Meeting, v.Concerned,
					c.credit, c.meeting, c.concerned, o.part.Explanation)
			}
			short := 0
			for _, s := range v.Short {
				short += len(s.Villages)
			}
			if short != v.Concerned-v.Meeting {
				t.Errorf("short lists %d villages, want %d", short, v.Concerned-v.Meeting)
			}
			if want := fmt.Sprintf("村级台账!P4:P%d", 3+len(c.vals)); o.part.Cells != want {
				t.Errorf("cells %q, want %q", o.part.Cells, want)
			}
		})
	}
}

func TestVillageWhere(t *testing.T) {
	tk, r := ruleOf(t, "四、1", 0) // sewage_station == 1 where sewage_volume > 50
	f := villageFiling("sewage_station", 1, 0, 0, 1, 0)
	vols := []float64{60, 50, miss, 51, 10} // concerned: villages 1 and 4 only
	for i, v := range vols {
		n := seeds.Number{Value: v, Set: v != miss}
		f.Villages[i].Values["sewage_volume"] = n
	}
	o := newEval(3).rule(f, tk, r)
	if o.part.Credit != 1 || o.village.Concerned != 2 || o.village.Meeting != 2 {
		t.Errorf("credit %v, %d/%d (%s)", o.part.Credit, o.village.Meeting, o.village.Concerned, o.part.Explanation)
	}
	f.Villages[0].Values["sewage_station"] = seeds.Number{Value: 0, Set: true}
	o = newEval(3).rule(f, tk, r)
	if o.part.Credit != 0.5 || len(o.village.Short) != 1 || o.village.Short[0].Villages[0] != "村1（否）" {
		t.Errorf("credit %v, short %v", o.part.Credit, o.village.Short)
	}
	for i := range f.Villages {
		f.Villages[i].Values["sewage_volume"] = seeds.Number{Value: 5, Set: true}
	}
	o = newEval(3).rule(f, tk, r)
	if o.excluded != notApplicable || o.village.Concerned != 0 || o.village.Share != 1 || !strings.Contains(o.part.Explanation, "无涉及的村") {
		t.Errorf("none concerned: credit %v (%s)", o.part.Credit, o.part.Explanation)
	}
}

func TestVillageExplanation(t *testing.T) {
	tk, r := ruleOf(t, "五、7", 3)
	vals := cat(repeat(6, 26), repeat(4, 10))
	o := newEval(11).rule(villageFiling("income", vals...), tk, r)
	want := "集体经济收入达到5万元以上的村占72.2%（26/36个村），目标80%，得分率90.3%（村级台账!P4:P39）"
	if o.part.Explanation != want {
		t.Errorf("explanation\n got %s\nwant %s", o.part.Explanation, want)
	}
	// The shortfall is grouped by town, in form order, with the values.
	s := o.village.Short
	if len(s) != 4 || s[0].Town != "I镇" || strings.Join(s[0].Villages, ",") != "村27（4万元）" ||
		s[1].Town != "J镇" || len(s[1].Villages) != 3 {
		t.Errorf("short = %+v", s)
	}
	o = newEval(9).rule(villageFiling("income", vals...), tk, r)
	if !strings.Contains(o.part.Explanation, "按序时标准≥4.5万元计") { // 5 × 9/10 (due 10: 11月份前)
		t.Errorf("September: %s", o.part.Explanation)
	}
	tk, r = ruleOf(t, "五、4", 0)
	o = newEval(9).rule(villageFiling("theme_days", 9, 8, miss), tk, r)
	want = "每月开展主题党日的村占33.3%（1/3个村，截至9月应≥9次，1个村未填），目标100%，得分率33.3%（村级台账!P4:P6）"
	if o.part.Explanation != want || o.village.Missing != 1 {
		t.Errorf("explanation\n got %s\nwant %s", o.part.Explanation, want)
	}
}

// multiFiling builds n villages whose values come from set(i) (indicator id → value).
func multiFiling(n int, set func(i int) map[string]float64) *seeds.Filing {
	f := &seeds.Filing{Indicators: map[string]seeds.Number{}}
	for i := range n {
		v := seeds.VillageReport{Town: "镇", Village: fmt.Sprintf("村%d", i+1), Secretary: fmt.Sprintf("书记%d", i+1), Row: 4 + i, Values: map[string]seeds.Number{}}
		for id, x := range set(i) {
			v.Values[id] = seeds.Number{Value: x, Set: true}
		}
		f.Villages = append(f.Villages, v)
	}
	return f
}

// TestWorkedExamples checks the task-level examples of docs/scoring.md.
func TestWorkedExamples(t *testing.T) {
	b2i := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, tc := range []struct {
		task  string
		m     int
		f     *seeds.Filing
		score float64
		light Light
	}{
		{"四、8", 9, &seeds.Filing{Indicators: map[string]seeds.Number{"manure_rate": {Value: 65, Set: true}}}, 1.73, Yellow},
		{"五、2", 1, multiFiling(36, func(i int) map[string]float64 {
			return map[string]float64{"reserve": 2 - b2i(i >= 33), "reserve_hs": 2 - b2i(i >= 30), "reserve40": 1}
		}), 3.76, Green}, // 4 × (0.4 × 33/36 + 0.3 × 30/33 + 0.3): 高中以上 among the 33 with 2 candidates
		{"五、4", 9, multiFiling(40, func(i int) map[string]float64 {
			return map[string]float64{"theme_days": 9 - b2i(i >= 36), "life_meetings": 0, "member_reviews": 0}
		}), 1.8, Green}, // of 2: 组织生活会 and 民主评议 are not due before December
		{"五、7", 11, func() *seeds.Filing {
			return multiFiling(36, func(i int) map[string]float64 {
				// 26 villages ≥5万元, 8 between 3 and 5, 2 below 3; 第一书记 funds: 28 at
				// 80%, 4 at 50%, 4 with none (0/0).
				fund := []float64{10, 10, 0}[int(b2i(i >= 28)+b2i(i >= 32))]
				return map[string]float64{"income": []float64{6, 4, 2}[int(b2i(i >= 26)+b2i(i >= 34))],
					"fund_sec": fund, "fund_sec_collective": fund * []float64{0.8, 0.5}[int(b2i(i >= 28))]}
			})
		}(), 5.45, Green},
	} {
		ts, _ := newEval(tc.m).task(tc.f, checklist.Task(tc.task))
		if ts.Score != tc.score || ts.Light != tc.light {
			t.Errorf("%s: score %v light %s, want %v %s (%s)", tc.task, ts.Score, ts.Light, tc.score, tc.light, ts.Explanation)
		}
	}
}

func TestLightBands(t *testing.T) {
	s := checklist.Scoring // light_green 0.9, light_yellow 0.6
	for _, tc := range []struct {
		credit float64
		want   Light
	}{{0, Red}, {0.3, Red}, {0.5999, Red}, {0.6, Yellow}, {0.8999, Yellow}, {0.9, Green}, {1, Green}} {
		if got := lightOf(s, tc.credit); got != tc.want {
			t.Errorf("lightOf(%v) = %s, want %s", tc.credit, got, tc.want)
		}
	}
	// Even a checklist that would call 0 yellow keeps 0 credit red.
	s.LightYellow = 0
	if got := lightOf(s, 0); got != Red {
		t.Errorf("0 credit: %s", got)
	}
}
