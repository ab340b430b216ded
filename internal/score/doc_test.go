package score

import (
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/seeds"
)

// TestScoringDoc checks every worked example of docs/scoring.md, in its order.
func TestScoringDoc(t *testing.T) {
	status := func(id string, m int, st seeds.Status, pct float64, evidence string) TaskScore {
		f := &seeds.Filing{Tasks: []seeds.TaskReport{{Task: id, Status: st, Percent: pct, PercentSet: true, Evidence: evidence, Cell: "重点任务!E3"}}}
		ts, _ := newEval(m).task(f, checklist.Task(id))
		return ts
	}
	expect := func(ex string, ts TaskScore, credit, score, possible float64, light Light) {
		t.Helper()
		if !near(ts.Credit, credit) || ts.Score != score || ts.Possible != possible || ts.Light != light {
			t.Errorf("%s: credit %v score %v/%v light %s, want %v %v/%v %s (%s)", ex, ts.Credit, ts.Score, ts.Possible, ts.Light,
				credit, score, possible, light, ts.Explanation)
		}
	}

	// §2.1 Status tasks.
	expect("2.1 November 50%", status("一、1", 11, seeds.StatusInProgress, 50, ""), 0.5455, 2.18, 4, Red)
	expect("2.1 June 50%", status("一、1", 6, seeds.StatusInProgress, 50, ""), 1, 4, 4, Green)
	ts := status("一、1", 12, seeds.StatusDone, 100, "")
	expect("2.1 已完成 without 佐证", ts, 0.8, 3.2, 4, Yellow)
	if !ts.NoEvidence {
		t.Error("2.1: not 缺佐证")
	}

	// §2.2 Claims checked against data: 一、5 in June, 36 villages, 30 with ≥1.64万元 of
	// which 20 with ≥2.73万元.
	f := multiFiling(36, func(i int) map[string]float64 {
		return map[string]float64{"income": []float64{3, 2, 0}[min(2, i/20+i/30)]}
	})
	f.Tasks = []seeds.TaskReport{{Task: "一、5", Status: seeds.StatusDone, Percent: 100, PercentSet: true, Evidence: "工作台账"}}
	ts, _ = newEval(6).task(f, checklist.Task("一、5"))
	expect("2.2 存疑", ts, 0.7639, 3.82, 5, Yellow)
	if ts.Claimed != 1 || !near(ts.DataCredit, 0.7639) || !strings.Contains(ts.Doubt, "数据得分率76.4%") {
		t.Errorf("2.2: %+v", ts)
	}

	// §2.3 Quantity: 四、8 in September, 65%.
	qf := &seeds.Filing{Indicators: map[string]seeds.Number{"manure_rate": {Value: 65, Set: true}}}
	ts, _ = newEval(9).task(qf, checklist.Task("四、8"))
	expect("2.3 quantity", ts, 0.8667, 1.73, 2, Yellow)

	// §2.4 Per 第一书记: 5 villages; 村1 40/50, 村2 30/50 (60%), 村3 0/0, 村4 20/20, 村5 no
	// 第一书记. Concerned 村1, 村2, 村4; 2 of 3 at ≥70%: credit 0.6667, 村2 named.
	pf := multiFiling(5, func(i int) map[string]float64 {
		return map[string]float64{"fund_sec": []float64{50, 50, 0, 20, 30}[i], "fund_sec_collective": []float64{40, 30, 0, 20, 0}[i]}
	})
	pf.Villages[4].Secretary = ""
	tk, r := ruleOf(t, "五、7", 1)
	o := newEval(11).rule(pf, tk, r)
	if !near(o.part.Credit, 0.6667) || o.village.Concerned != 3 || !strings.Contains(o.part.Explanation, "镇村2（书记2，60%）") {
		t.Errorf("2.4 per 第一书记: %v (%s)", o.part.Credit, o.part.Explanation)
	}
	for i := range pf.Villages {
		pf.Villages[i].Values["fund_sec"] = seeds.Number{Value: 0, Set: true}
		pf.Villages[i].Values["fund_sec_collective"] = seeds.Number{Value: 0, Set: true}
	}
	if o = newEval(11).rule(pf, tk, r); o.excluded != notApplicable {
		t.Errorf("2.4 0/0 everywhere: %q", o.excluded)
	}
	// A form of template version 2: the county totals, 52 of 80万元.
	_, r = ruleOf(t, "五、7", 0)
	o = newEval(11).rule(&seeds.Filing{Form: 2, Indicators: map[string]seeds.Number{
		"fund_total": {Value: 80, Set: true}, "fund_collective": {Value: 52, Set: true}}}, nil, r)
	if !near(o.part.Credit, 0.9286) || o.part.Actual != 0.65 {
		t.Errorf("2.4 ratio: %v %v", o.part.Credit, o.part.Actual)
	}

	// §2.5 The printed threshold: 四、8 in July expects 100 × 7/12 = 58.333… → ≥58.33%.
	ts, _ = newEval(7).task(&seeds.Filing{Indicators: map[string]seeds.Number{"manure_rate": {Value: 58.33, Set: true}}}, checklist.Task("四、8"))
	expect("2.5 threshold", ts, 1, 2, 2, Green)
	if !strings.Contains(ts.Explanation, "≥58.33%") {
		t.Errorf("2.5 threshold: %s", ts.Explanation)
	}
	// Village values: 五、7 rule 2 in June is >1.8万元 (3 × 6/10); 1.805 prints 1.81.
	tk, r = ruleOf(t, "五、7", 2)
	o = newEval(6).rule(villageFiling("income", 1.805, 1.8049, 1.8), tk, r)
	if o.village.Meeting != 1 || !strings.Contains(o.part.Explanation, ">1.8万元") {
		t.Errorf("2.5 village threshold: %d meeting, %s", o.village.Meeting, o.part.Explanation)
	}
	tk, r = ruleOf(t, "五、7", 3)
	o = newEval(11).rule(villageFiling("income", cat(repeat(6, 26), repeat(4, 10))...), tk, r)
	if !near(o.part.Credit, 0.9028) {
		t.Errorf("2.5 share: %v", o.part.Credit)
	}

	// §2.6 A whole task: 五、7 in November.
	// 第一书记 funds: 28 villages at 8/10, 4 at 5/10, 4 with none (0/0).
	wf := multiFiling(36, func(i int) map[string]float64 {
		fund := []float64{10, 10, 0}[min(2, i/28+i/32)]
		return map[string]float64{"income": []float64{6, 4, 2}[min(2, i/26+i/34)],
			"fund_sec": fund, "fund_sec_collective": fund * []float64{0.8, 0.5}[min(1, i/28)]}
	})
	ts, _ = newEval(11).task(wf, checklist.Task("五、7"))
	expect("2.6 五、7", ts, 0.909, 5.45, 6, Green)

	// §3 Not yet due: 五、4 in September, 主题党日 in 36 of 40 villages.
	ts, _ = newEval(9).task(multiFiling(40, func(i int) map[string]float64 {
		return map[string]float64{"theme_days": float64(9 - min(1, i/36)), "life_meetings": 0, "member_reviews": 0}
	}), checklist.Task("五、4"))
	expect("3 五、4", ts, 0.9, 1.8, 2, Green)
	if ts.Parts[1].Excluded != notDue || ts.Parts[2].Excluded != notDue {
		t.Errorf("3: parts %+v", ts.Parts)
	}

	// §4 Lights.
	for _, c := range []struct {
		credit float64
		want   Light
	}{{0.9, Green}, {0.8999, Yellow}, {0.6, Yellow}, {0.5999, Red}, {0, Red}} {
		if got := lightOf(checklist.Scoring, c.credit); got != c.want {
			t.Errorf("4: credit %v: %s", c.credit, got)
		}
	}

	// §5 Precision and rescaling: 86.40 earned of 96 possible is 90.00; 2 days late −0.40.
	if raw := fromCents(cents(float64(cents(86.40)) / float64(cents(96)) * 100)); raw != 90 {
		t.Errorf("5: rescaled %v", raw)
	}
	for _, c := range []struct {
		x    float64
		want string
	}{{2.675, "2.68"}, {1.0049999, "1"}, {3.8196, "3.82"}} {
		if got := num(c.x); got != c.want {
			t.Errorf("5: %v rounds to %s, want %s", c.x, got, c.want)
		}
	}

	// §6 Lateness.
	for _, c := range []struct {
		days int
		want float64
	}{{1, 0.2}, {4, 0.8}, {15, 3}, {158, 3}} {
		if got := round2(latePoints(checklist.Scoring, c.days)); got != c.want {
			t.Errorf("6: %d days: %v", c.days, got)
		}
	}
	dl := time.Date(2019, 7, 5, 17, 0, 0, 0, time.UTC)
	if d := daysLate(dl.Add(3*24*time.Hour+time.Minute), dl); d != 4 {
		t.Errorf("6: days %d", d)
	}
}

// TestDocTypeWeights checks the example of docs/scoring.md §6 (one ranking with type
// weights), and that the checklist refuses rank_by_type together with type_weights.
func TestDocTypeWeights(t *testing.T) {
	s := checklist.Scoring
	s.RankByType = false
	s.TypeWeights = map[string]float64{seeds.UnitZone: 0.9}
	cs := []CountyResult{
		{Code: "370871", Name: "济宁高新区", Type: seeds.UnitZone, Submitted: true, Total: 92.5},
		{Code: "370812", Name: "兖州区", Submitted: true, Total: 85},
		{Code: "370826", Name: "微山县", Submitted: true, Total: 83.25},
		{Code: "370830", Name: "汶上县"}, // 未报送: unranked, no 排名得分
	}
	for i := range cs {
		if cs[i].Submitted {
			cs[i].Grade = checklist.Grade(cs[i].Total)
		}
	}
	rank(cs, s, s.Grades)
	want := []struct {
		name        string
		weight      float64
		score       float64
		rank, of    int
		grade, note string
	}{
		{"兖州区", 1, 85, 1, 3, "良好", ""},
		{"微山县", 1, 83.25, 2, 3, "良好", ""},
		{"济宁高新区", 0.9, 83.25, 2, 3, "良好", "名额"},
		{"汶上县", 1, 0, 0, 0, "", ""},
	}
	for i, w := range want {
		c := cs[i]
		if c.Name != w.name || c.TypeWeight != w.weight || c.RankScore != w.score || c.Rank != w.rank || c.Of != w.of ||
			c.Grade != w.grade || !strings.Contains(c.GradeNote, w.note) {
			t.Errorf("%d: %s weight %v 排名得分 %v rank %d/%d %s (%s), want %+v", i, c.Name, c.TypeWeight, c.RankScore, c.Rank, c.Of,
				c.Grade, c.GradeNote, w)
		}
	}
	// Without weights the same totals rank 济宁高新区 first (one ranking, by total).
	s.TypeWeights = nil
	for i := range cs {
		cs[i].Grade = checklist.Grade(cs[i].Total)
	}
	rank(cs, s, s.Grades)
	if cs[0].Name != "济宁高新区" || cs[0].RankScore != 0 {
		t.Errorf("unweighted: first %s (排名得分 %v)", cs[0].Name, cs[0].RankScore)
	}

	both := strings.Replace(string(seeds.EmbeddedChecklistTOML()), "rank_by_type = true", "rank_by_type = true\ntype_weights = { \"功能区\" = 0.9, \"乡镇\" = 3 }", 1)
	_, err := seeds.ParseChecklist([]byte(both), "both.toml")
	for _, want := range []string{"exclude each other", `unknown unit type "乡镇"`, "type_weights.乡镇 = 3: must be above 0 and at most 2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checklist with rank_by_type and type_weights: %v, want %q", err, want)
		}
	}
}
