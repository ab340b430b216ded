package score

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/seeds"
)

var deadline = time.Date(2019, 10, 5, 17, 0, 0, 0, time.FixedZone("CST", 8*3600))

// perfectFiling reports every task 已完成 and every indicator at its best.
func perfectFiling(code, period string, villages int) *seeds.Filing {
	f := &seeds.Filing{County: code, Period: period, Indicators: map[string]seeds.Number{}}
	for _, t := range checklist.Tasks() {
		f.Tasks = append(f.Tasks, seeds.TaskReport{Task: t.ID, Status: seeds.StatusDone})
	}
	for _, ind := range checklist.Indicators(seeds.LevelCounty) {
		f.Indicators[ind.ID] = seeds.Number{Value: ind.Max, Set: true}
	}
	for i := range villages {
		v := seeds.VillageReport{Town: "镇", Village: "村" + string(rune('A'+i)), Secretary: "书记" + string(rune('A'+i)), Values: map[string]seeds.Number{}}
		for _, ind := range checklist.Indicators(seeds.LevelVillage) {
			val := ind.Max
			if ind.Type == seeds.TypeBool {
				val = 1
			}
			v.Values[ind.ID] = seeds.Number{Value: val, Set: true}
		}
		f.Villages = append(f.Villages, v)
	}
	return f
}

func TestPerfectAndEmpty(t *testing.T) {
	good := perfectFiling("1", "2019-12", 5)
	empty := &seeds.Filing{County: "2", Period: "2019-12"}
	res, err := Assess(checklist, "2019-12", []Submission{
		{County: "1", Name: "甲", Filing: good},
		{County: "2", Name: "乙", Filing: empty},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.Counties[0], res.Counties[1]
	if a.Raw != 100 || a.Total != 100 || a.Grade != "优秀" || a.Rank != 1 {
		t.Errorf("perfect: raw %v total %v grade %s rank %d", a.Raw, a.Total, a.Grade, a.Rank)
	}
	for _, ar := range a.Areas { // all of what is possible (四、10's 中心村 rule needs a roster)
		if ar.Score != ar.Possible || ar.Possible > ar.Weight {
			t.Errorf("area %s: %v of %v", ar.ID, ar.Score, ar.Weight)
		}
	}
	if b.Raw != 0 || b.Grade != "较差" || b.Rank != 2 {
		t.Errorf("empty: raw %v grade %s rank %d", b.Raw, b.Grade, b.Rank)
	}
	for _, ts := range b.Tasks {
		if ts.Light != Red || ts.Explanation == "" {
			t.Errorf("empty filing, task %s: light %s, %q", ts.Task, ts.Light, ts.Explanation)
		}
	}
	if len(res.RedTasks) != 42 || res.RedTasks[0].Task != "一、1" || res.RedTasks[0].Counties[0] != "乙" {
		t.Errorf("red tasks: %d, first %+v", len(res.RedTasks), res.RedTasks[0])
	}
}

func TestDaysLateAndDeductions(t *testing.T) {
	for _, tc := range []struct {
		after  time.Duration
		days   int
		points float64
	}{
		{-time.Hour, 0, 0},
		{0, 0, 0},             // exactly at the deadline
		{time.Second, 1, 0.2}, // 0.2 a day (late_per_day) …
		{24 * time.Hour, 1, 0.2},
		{24*time.Hour + time.Second, 2, 0.4},
		{3 * 24 * time.Hour, 3, 0.6},
		{3*24*time.Hour + time.Minute, 4, 0.8},
		{15 * 24 * time.Hour, 15, 3}, // … up to 3 (late_cap)
		{158 * 24 * time.Hour, 158, 3},
	} {
		f := perfectFiling("1", "2019-10", 3)
		res, err := Assess(checklist, "2019-10", []Submission{
			{County: "1", Name: "甲", Filing: f, Received: deadline.Add(tc.after), Deadline: deadline},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Counties[0]
		if c.DaysLate != tc.days || c.Deduction != tc.points || c.Total != 100-tc.points || c.Raw != 100 {
			t.Errorf("%v late: days %d deduction %v total %v, want %d %v", tc.after, c.DaysLate, c.Deduction, c.Total, tc.days, tc.points)
		}
		if tc.points > 0 && (len(c.Deduct) != 1 || !strings.HasPrefix(c.Deduct[0].Reason, "迟报")) {
			t.Errorf("deductions %+v", c.Deduct)
		}
		late := 0
		if tc.days > 0 {
			late = 1
		}
		if res.Completeness.Late != late || res.Completeness.OnTime != 1-late {
			t.Errorf("completeness %+v", res.Completeness)
		}
	}
	// A deduction never takes the total below 0.
	res, err := Assess(checklist, "2019-10", []Submission{{County: "1", Name: "甲",
		Filing: &seeds.Filing{}, Received: deadline.Add(100 * time.Hour), Deadline: deadline}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counties[0]; c.Total != 0 || c.Deduction != 1 { // 5 days: 1 point
		t.Errorf("total %v deduction %v", c.Total, c.Deduction)
	}
}

func TestRanksTiesHistoryCompleteness(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	roster := seeds.DefaultRoster()
	good := Synthetic(checklist, &roster.Counties[0], "2019-10", r, 0.9)
	poor := Synthetic(checklist, &roster.Counties[0], "2019-10", r, 0.2)
	with := func(f *seeds.Filing, code string) *seeds.Filing {
		g := *f
		g.County = code
		return &g
	}
	subs := []Submission{
		{County: "D", Name: "丁", Filing: with(poor, "D"), Received: deadline, Deadline: deadline},
		{County: "C", Name: "丙", Filing: with(good, "C"), Received: deadline.Add(48 * time.Hour), Deadline: deadline},
		{County: "B", Name: "乙", Filing: with(good, "B"), Received: deadline, Deadline: deadline},
		{County: "A", Name: "甲", Filing: with(good, "A"), Received: deadline, Deadline: deadline},
		{County: "E", Name: "戊", Rejected: 2, Problems: []string{"村级台账!P5：不是数字"}},
		{County: "F", Name: "己"},
	}
	prev := &Result{Period: "2019-09", Counties: []CountyResult{
		{Code: "A", Submitted: true, Rank: 3, Total: 80},
		{Code: "B", Submitted: true, Rank: 1, Total: 95},
		{Code: "C", Submitted: false},
	}}
	older := &Result{Period: "2019-08", Counties: []CountyResult{{Code: "D", Submitted: true, Rank: 1, Total: 99}}}
	res, err := Assess(checklist, "2019-10", subs, []*Result{prev, older})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	var ranks []int
	for _, c := range res.Counties {
		codes = append(codes, c.Code)
		ranks = append(ranks, c.Rank)
	}
	// A and B tie for first; C has the same raw score but loses 0.4 for being 2 days late; D is poor;
	// E and F are not ranked.
	if !slices.Equal(codes, []string{"A", "B", "C", "D", "E", "F"}) || !slices.Equal(ranks, []int{1, 1, 3, 4, 0, 0}) {
		t.Fatalf("order %v ranks %v", codes, ranks)
	}
	a, b, c, d := res.Counties[0], res.Counties[1], res.Counties[2], res.Counties[3]
	if a.Total != b.Total || c.Raw != a.Raw || c.Total != round2(a.Total-0.4) || d.Total >= c.Total || a.Of != 4 || res.Counties[4].Of != 0 {
		t.Errorf("totals %v %v %v %v", a.Total, b.Total, c.Total, d.Total)
	}
	if !a.HasPrev || a.PrevRank != 3 || a.RankChange != 2 || a.TotalChange != round2(a.Total-80) {
		t.Errorf("A change: %+v", a)
	}
	if !b.HasPrev || b.RankChange != 0 || b.TotalChange != round2(b.Total-95) {
		t.Errorf("B change: rank %d total %v", b.RankChange, b.TotalChange)
	}
	if c.HasPrev || d.HasPrev { // C was not ranked; D only two months ago
		t.Errorf("C or D has a previous result: %+v %+v", c.HasPrev, d.HasPrev)
	}
	e := res.Counties[4]
	if e.Submitted || e.Total != 0 || e.Grade != "" || e.Rejected != 2 || len(e.Problems) != 1 || len(e.Tasks) != 0 {
		t.Errorf("rejected county: %+v", e)
	}
	k := res.Completeness
	if k.Expected != 6 || k.Submitted != 4 || k.OnTime != 3 || k.Late != 1 || k.Missing != 1 || k.Rejected != 1 ||
		!slices.Equal(k.LateList, []string{"丙"}) || !slices.Equal(k.MissList, []string{"己"}) || !slices.Equal(k.RejList, []string{"戊"}) {
		t.Errorf("completeness %+v", k)
	}
	if res.Assessed != 4 || res.Stats["total"].Max != a.Total || res.Stats["total"].Min != d.Total || len(res.Stats) != 6 {
		t.Errorf("assessed %d stats %+v", res.Assessed, res.Stats)
	}
	if len(res.Areas) != 5 || res.Areas[0].Name != "产业振兴" {
		t.Errorf("areas %+v", res.Areas)
	}
	for i := 1; i < len(res.RedTasks); i++ {
		if res.RedTasks[i].Red > res.RedTasks[i-1].Red {
			t.Errorf("red tasks not sorted: %+v", res.RedTasks)
		}
	}
	// In October 五、7 falls due (11月份前); nothing falls due in November, so a county
	// without a form has nothing due next, and 五、7 is listed only when not green.
	if len(res.Counties[5].DueNext) != 0 || slices.Contains(a.DueNext, "五、7") != (taskOf(a, "五、7").Light != Green) {
		t.Errorf("due next: %v / %v", a.DueNext, res.Counties[5].DueNext)
	}
}

func TestAssessErrors(t *testing.T) {
	f := perfectFiling("1", "2019-10", 1)
	for _, tc := range []struct {
		name   string
		period string
		subs   []Submission
	}{
		{"bad period", "2019-13", nil},
		{"no period", "", nil},
		{"duplicate", "2019-10", []Submission{{County: "1"}, {County: "1"}}},
		{"no code", "2019-10", []Submission{{}}},
		{"other period", "2019-11", []Submission{{County: "1", Filing: f}}},
		{"other county", "2019-10", []Submission{{County: "2", Filing: f}}},
	} {
		if _, err := Assess(checklist, tc.period, tc.subs, nil); !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", tc.name, err)
		}
	}
	if _, err := Assess(nil, "2019-10", nil, nil); !errors.Is(err, ErrInput) {
		t.Errorf("nil checklist: %v", err)
	}
}
