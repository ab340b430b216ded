package report

import (
	"sync"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

var (
	rendererOnce  sync.Once
	renderers     [2]*Renderer
	rendererError error
)

// testRenderer returns a shared renderer (the font is parsed once per test binary),
// with or without the appendix of task texts.
func testRenderer(t testing.TB, taskTexts bool) *Renderer {
	t.Helper()
	rendererOnce.Do(func() {
		for i := range renderers {
			renderers[i], rendererError = NewRenderer(Options{Checklist: seeds.DefaultChecklist(), Office: "济宁市下派干部工作联席会议办公室", TaskTexts: i == 1})
			if rendererError != nil {
				return
			}
		}
	})
	if rendererError != nil {
		t.Fatal(rendererError)
	}
	if taskTexts {
		return renderers[1]
	}
	return renderers[0]
}

// fixture is a small hand-built assessment of 2019-09: 任城区 ranked first with a late
// deduction and a shortfall of villages, 兖州区 second with no previous period, and
// 微山县 not submitted after a rejected form. Each county reports the first task of
// every area.
func fixture() *score.Result {
	cl := seeds.DefaultChecklist()
	res := &score.Result{Period: "2019-09", ChecklistVersion: cl.Version, Assessed: 2}
	for _, a := range cl.Areas {
		res.Areas = append(res.Areas, score.AreaHeader{ID: a.ID, Name: a.Name, Weight: a.Weight})
	}
	cst := time.FixedZone("CST", 8*3600)
	mk := func(code, name string, credit float64, lights []score.Light) score.CountyResult {
		c := score.CountyResult{Code: code, Name: name, Submitted: true}
		for i, a := range cl.Areas {
			t := a.Tasks[0]
			ts := score.TaskScore{
				Task: t.ID, Area: a.ID, Title: t.Title, Kind: t.Kind, Weight: t.Weight, Target: t.Target,
				Status: "推进中", Reported: "推进中", Expected: "序时75%", Credit: credit,
				Score: credit * t.Weight, Possible: t.Weight, Light: lights[i],
				Explanation: "报送“推进中”，按序时75%计，得" + f1(credit*t.Weight) + "/" + trim0(t.Weight) + "分（任务进展!E" + trim0(float64(5+i)) + "）。",
			}
			if lights[i] != score.Green {
				ts.Behind = 35
			}
			c.Tasks = append(c.Tasks, ts)
			// Other tasks of the area count as fully done.
			c.Areas = append(c.Areas, score.AreaScore{ID: a.ID, Name: a.Name, Weight: a.Weight, Score: a.Weight - t.Weight + ts.Score})
			c.Raw += a.Weight - t.Weight + ts.Score
		}
		c.Earned, c.Possible = c.Raw, 100
		return c
	}
	a := mk("370811", "任城区", 0.9, []score.Light{score.Green, score.Green, score.Yellow, score.Green, score.Red})
	a.Deduction = 0.5
	a.Deduct = []score.Deduction{{Points: 0.5, Reason: "迟报2天，扣0.5分"}}
	a.DaysLate = 2
	a.Received = time.Date(2019, 9, 27, 10, 30, 0, 0, cst)
	a.Version = 2
	a.Rank, a.Of = 1, 2
	a.HasPrev, a.PrevRank, a.PrevTotal, a.RankChange = true, 2, 93.1, 1
	a.Villages = []score.VillageRuleSummary{{
		Task: "四、1", Label: "污水产生规模大于50立方米/日的村建成污水处理站", Concerned: 12, Meeting: 9, Share: 0.75, Required: 1,
		Short: []score.TownShortfall{
			{Town: "长沟镇", Villages: []string{"陈西店村（否）", "潘何岗村（否）"}},
			{Town: "唐口街道", Villages: []string{"邱庄村（否）"}},
		},
	}}
	a.DueNext = []string{"四、1", "五、1"}
	a.Total = a.Raw - a.Deduction
	a.TotalChange = a.Total - a.PrevTotal
	a.Grade = cl.Grade(a.Total)

	b := mk("370812", "兖州区", 0.5, []score.Light{score.Red, score.Yellow, score.Red, score.Green, score.Red})
	b.Received = time.Date(2019, 9, 24, 16, 0, 0, 0, cst)
	b.Version = 1
	b.Rank, b.Of = 2, 2
	b.Total = b.Raw
	b.Grade = cl.Grade(b.Total)

	c := score.CountyResult{Code: "370826", Name: "微山县", Rejected: 1, Problems: []string{"量化指标!D7：应为整数，填写的是“三十一”。"}}

	res.Counties = []score.CountyResult{a, b, c}
	res.Completeness = score.Completeness{Expected: 3, Submitted: 2, OnTime: 1, Late: 1, Rejected: 1, LateList: []string{"任城区"}, RejList: []string{"微山县"}}
	res.RedTasks = []score.TaskRedCount{
		{Task: "五、1", Title: a.Tasks[4].Title, Red: 2, Counties: []string{"任城区", "兖州区"}},
		{Task: "一、1", Title: b.Tasks[0].Title, Red: 1, Counties: []string{"兖州区"}},
	}
	res.Stats = map[string]score.Stat{"total": {Mean: (a.Total + b.Total) / 2, Min: b.Total, Max: a.Total}}
	return res
}

// fixtureHistory returns two earlier periods for the trend chart.
func fixtureHistory() []*score.Result {
	var h []*score.Result
	for i, p := range []string{"2019-08", "2019-07"} {
		r := fixture()
		r.Period = p
		for k := range r.Counties {
			c := &r.Counties[k]
			c.Total -= float64(3 * (i + 1))
			for j := range c.Areas {
				c.Areas[j].Score *= 0.9 - 0.05*float64(i)
			}
		}
		h = append(h, r)
	}
	return h
}
