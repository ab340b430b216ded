package report

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// SampleResult returns a plausible, deterministic assessment of period (YYYY-MM) for
// the counties of roster against checklist, drawn from seed: for demos, benchmarks
// and tests of the reports, not a substitute for the scoring engine. About one county
// in eight has not submitted; one of those had a form rejected.
func SampleResult(cl *seeds.Checklist, roster *seeds.Roster, period string, seed uint64) *score.Result {
	rng := rand.New(rand.NewPCG(seed, 0x6b616f6865))
	pt, err := time.Parse("2006-01", period)
	if err != nil {
		pt = time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)
	}
	month := int(pt.Month())
	deadline := time.Date(pt.Year(), pt.Month(), 25, 17, 0, 0, 0, time.FixedZone("CST", 8*3600))
	res := &score.Result{Period: period, ChecklistVersion: cl.Version}
	for _, a := range cl.Areas {
		res.Areas = append(res.Areas, score.AreaHeader{ID: a.ID, Name: a.Name, Weight: a.Weight})
	}
	red := map[string][]string{}
	for ci, co := range roster.Counties {
		c := score.CountyResult{Code: co.Code, Name: co.Name}
		if ci%8 == 5 {
			res.Completeness.Expected++
			if ci%16 == 5 {
				c.Rejected = 1
				c.Problems = []string{
					"量化指标!D7：“村集体经济收入5万元以上的村”应为0到" + strconv.Itoa(len(co.Villages)) + "之间的整数，填写的是“三十一”。",
					"村级台账!C12：村名“" + villageName(co, 3) + "”与下发名单不一致，请勿改动锁定的村名。",
				}
				res.Completeness.Rejected++
				res.Completeness.RejList = append(res.Completeness.RejList, co.Name)
			} else {
				res.Completeness.Missing++
				res.Completeness.MissList = append(res.Completeness.MissList, co.Name)
			}
			res.Counties = append(res.Counties, c)
			continue
		}
		c.Submitted = true
		c.Version = 1 + rng.IntN(2)
		late := 0
		if rng.IntN(5) == 0 {
			late = 1 + rng.IntN(6)
		}
		c.DaysLate = late
		c.Received = deadline.Add(time.Duration(late)*24*time.Hour - time.Duration(rng.IntN(3000))*time.Minute)
		skill := 0.55 + 0.4*rng.Float64()
		for _, a := range cl.Areas {
			as := score.AreaScore{ID: a.ID, Name: a.Name, Weight: a.Weight}
			for _, t := range a.Tasks {
				ts := sampleTask(rng, co, &t, a.ID, month, skill)
				as.Score += ts.Score
				if ts.Light == score.Red {
					red[t.ID] = append(red[t.ID], co.Name)
				}
				if ts.Light != score.Green || t.Due == month+1 {
					c.DueNext = append(c.DueNext, t.ID)
				}
				c.Tasks = append(c.Tasks, ts)
				for _, r := range t.Rules {
					if r.Kind == seeds.KindVillageShare || r.Kind == seeds.KindCompliance || r.Kind == seeds.KindCount {
						c.Villages = append(c.Villages, sampleVillages(rng, co, t.ID, r, skill))
					}
				}
			}
			as.Score = math.Round(as.Score*10) / 10
			c.Raw += as.Score
			c.Areas = append(c.Areas, as)
		}
		c.Raw = math.Round(c.Raw*10) / 10
		c.Earned, c.Possible = c.Raw, 100
		if sc := cl.Scoring; late > 0 && sc.LatePerDay > 0 {
			p := math.Min(sc.LateCap, sc.LatePerDay*float64(late))
			c.Deduction = math.Round(p*100) / 100
			c.Deduct = []score.Deduction{{Points: c.Deduction, Reason: fmt.Sprintf("迟报%d天，扣%s分", late, f2(c.Deduction))}}
		}
		for _, l := range cl.Scoring.Late {
			if cl.Scoring.LatePerDay == 0 && late > 0 && (l.UpToDays == 0 || late <= l.UpToDays) {
				c.Deduction = l.Points
				c.Deduct = []score.Deduction{{Points: l.Points, Reason: fmt.Sprintf("迟报%d天，扣%s分", late, f1(l.Points))}}
				break
			}
		}
		c.Total = math.Max(0, c.Raw-c.Deduction)
		c.Grade = cl.Grade(c.Total)
		res.Completeness.Expected++
		res.Completeness.Submitted++
		if late > 0 {
			res.Completeness.Late++
			res.Completeness.LateList = append(res.Completeness.LateList, co.Name)
		} else {
			res.Completeness.OnTime++
		}
		res.Counties = append(res.Counties, c)
	}
	// Rank submitted counties by total, ties sharing a rank; then 未报送 by code.
	slices.SortStableFunc(res.Counties, func(a, b score.CountyResult) int {
		if a.Submitted != b.Submitted {
			if a.Submitted {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Total, a.Total); a.Submitted && c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	st := score.Stat{Min: math.Inf(1), Max: math.Inf(-1)}
	for i := range res.Counties {
		c := &res.Counties[i]
		if !c.Submitted {
			continue
		}
		res.Assessed++
		c.Rank = i + 1
		if i > 0 && res.Counties[i-1].Total == c.Total {
			c.Rank = res.Counties[i-1].Rank
		}
		st.Mean += c.Total
		st.Min = math.Min(st.Min, c.Total)
		st.Max = math.Max(st.Max, c.Total)
	}
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			res.Counties[i].Of = res.Assessed
		}
	}
	if res.Assessed > 0 {
		st.Mean = math.Round(st.Mean/float64(res.Assessed)*10) / 10
		res.Stats = map[string]score.Stat{"total": st}
	}
	for _, t := range cl.Tasks() {
		if n := len(red[t.ID]); n > 0 {
			res.RedTasks = append(res.RedTasks, score.TaskRedCount{Task: t.ID, Title: t.Title, Red: n, Counties: red[t.ID]})
		}
	}
	slices.SortStableFunc(res.RedTasks, func(a, b score.TaskRedCount) int { return cmp.Compare(b.Red, a.Red) })
	if len(res.RedTasks) > 10 {
		res.RedTasks = res.RedTasks[:10]
	}
	return res
}

// SampleHistory returns SampleResults for the n periods before period, oldest first,
// with the previous-period fields of period's result filled from the last of them.
func SampleHistory(cl *seeds.Checklist, roster *seeds.Roster, period string, n int, seed uint64) (cur *score.Result, history []*score.Result) {
	pt, err := time.Parse("2006-01", period)
	if err != nil {
		pt = time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)
	}
	for i := n; i >= 1; i-- {
		p := pt.AddDate(0, -i, 0).Format("2006-01")
		history = append(history, SampleResult(cl, roster, p, seed+uint64(i)))
	}
	cur = SampleResult(cl, roster, period, seed)
	all := append(slices.Clone(history), cur)
	for k := 1; k < len(all); k++ {
		prev := all[k-1]
		for i := range all[k].Counties {
			c := &all[k].Counties[i]
			p := findCounty(prev, c.Code)
			if c.Submitted && p != nil && p.Submitted {
				c.HasPrev, c.PrevRank, c.PrevTotal = true, p.Rank, p.Total
				c.RankChange = p.Rank - c.Rank
				c.TotalChange = math.Round((c.Total-p.Total)*10) / 10
			}
		}
	}
	return cur, history
}

func villageName(co seeds.County, i int) string {
	if len(co.Villages) == 0 {
		return "某村"
	}
	return co.Villages[i%len(co.Villages)].Name
}

var sampleStatus = []string{"未启动", "推进中", "已完成"}

func sampleTask(rng *rand.Rand, co seeds.County, t *seeds.Task, area string, month int, skill float64) score.TaskScore {
	ts := score.TaskScore{Task: t.ID, Area: area, Title: t.Title, Kind: t.Kind, Weight: t.Weight, Target: t.Target}
	expected := 100.0
	if t.Due > 0 && month < t.Due {
		expected = math.Round(float64(month) / float64(t.Due) * 100)
	}
	progress := math.Min(100, expected*(skill+0.35*rng.Float64()))
	ts.Expected = fmt.Sprintf("序时%s%%", f1(expected))
	switch t.Kind {
	case seeds.KindStatus:
		st := 1
		switch {
		case progress >= 99:
			st = 2
		case progress < 15:
			st = 0
		}
		ts.Status = sampleStatus[st]
		ts.Reported = ts.Status
		ts.Credit = []float64{0, 0.5, 1}[st]
		if st == 1 {
			ts.Credit = math.Min(1, progress/100)
		}
	default:
		ts.Status = "推进中"
		ts.Credit = math.Min(1, progress/math.Max(expected, 1))
		ts.Reported = fmt.Sprintf("%s%%", f1(progress))
	}
	ts.Credit = math.Round(ts.Credit*1000) / 1000
	ts.Score = math.Round(ts.Credit*t.Weight*100) / 100
	ts.Possible = t.Weight
	ts.Behind = math.Max(0, math.Round((expected-progress)*10)/10)
	switch {
	case ts.Behind > 30 || (expected >= 100 && ts.Status == "未启动"):
		ts.Light = score.Red
	case ts.Behind >= 10:
		ts.Light = score.Yellow
	default:
		ts.Light = score.Green
	}
	ts.Explanation = fmt.Sprintf("报送进展为“%s”，完成%s%%，序时要求%s%%，得%s/%s分（任务进展!E%d）。",
		ts.Status, f1(progress), f1(expected), f1(ts.Score), trim0(t.Weight), 5+len(t.ID))
	if ts.Light != score.Green {
		ts.Explanation += fmt.Sprintf("落后序时%s个百分点，请%s对照“%s”的目标抓紧推进。", f1(ts.Behind), co.Name, t.Target)
	}
	return ts
}

func sampleVillages(rng *rand.Rand, co seeds.County, task string, r seeds.Rule, skill float64) score.VillageRuleSummary {
	v := score.VillageRuleSummary{Task: task, Label: r.Label, Concerned: len(co.Villages), Required: r.Share}
	byTown := map[string][]string{}
	var towns []string
	for i, vil := range co.Villages {
		if rng.Float64() < skill+0.1 {
			v.Meeting++
			continue
		}
		if _, ok := byTown[vil.Town]; !ok {
			towns = append(towns, vil.Town)
		}
		byTown[vil.Town] = append(byTown[vil.Town], fmt.Sprintf("%s（%d）", vil.Name, (i*7)%30))
	}
	v.Share = 1
	if v.Concerned > 0 {
		v.Share = math.Round(float64(v.Meeting)/float64(v.Concerned)*1000) / 1000
	}
	for _, t := range towns {
		v.Short = append(v.Short, score.TownShortfall{Town: t, Villages: byTown[t]})
	}
	return v
}
