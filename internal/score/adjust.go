package score

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/seeds"
)

// Adjustment kinds: the office's 加分 and 减分 items and the results of an 抽查核查. They
// are the words the store keeps.
const (
	AdjBonus      = "加分"
	AdjPenalty    = "减分"
	AdjValue      = "核查数值" // a value found on site replaces the reported one before scoring
	AdjClaimTrue  = "核查属实" // a task claim found true: recorded, changes nothing
	AdjClaimFalse = "核查不实" // a task claim found false: the task earns nothing, and a deduction
)

// Adjustment is one record of the office in force for a county and period.
type Adjustment struct {
	ID        int64
	Kind      string  // AdjBonus … AdjClaimFalse
	Task      string  // AdjClaimTrue, AdjClaimFalse: the task's id
	Indicator string  // AdjValue: the indicator's id
	Town      string  // AdjValue of a village-level indicator: the village's 乡镇
	Village   string  // AdjValue of a village-level indicator: the village
	Reported  string  // what the county reported, as the checker saw it
	Value     float64 // AdjValue: the value found on site
	Points    float64 // AdjBonus, AdjPenalty: positive points
	Reason    string
	Doc       string // 文号
	By        string
	At        time.Time
}

// Check is one office record as applied to a county's result, for the reports.
type Check struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Target   string    `json:"target,omitempty"`   // 一、1 发展优势特色产业; 安居街道南张村 村集体经济收入
	Reported string    `json:"reported,omitempty"` // as reported
	Found    string    `json:"found,omitempty"`    // as found: 2.1万元, 不实
	Points   float64   `json:"points,omitempty"`   // effect on the total: positive 加分, negative 扣分
	Effect   string    `json:"effect"`             // what it did, in words
	Reason   string    `json:"reason,omitempty"`
	Doc      string    `json:"doc,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// countyAdjusted scores one county with the office's records in force: values found on
// site replace the reported ones and claims found false count as 未启动 before scoring;
// 不实, 减分 and 加分 points (within the checklist's caps) and the grade step-down after.
func (e *evaluator) countyAdjusted(s Submission) CountyResult {
	if len(s.Adjustments) == 0 {
		return e.county(s)
	}
	adj := slices.Clone(s.Adjustments)
	slices.SortStableFunc(adj, func(a, b Adjustment) int { return cmp.Compare(a.ID, b.ID) })
	checks := make([]Check, len(adj))
	for i, a := range adj {
		checks[i] = Check{ID: a.ID, Kind: a.Kind, Reported: a.Reported, Reason: a.Reason, Doc: a.Doc, By: a.By, At: a.At}
	}
	if s.Filing == nil {
		cr := e.county(s)
		for i := range checks {
			checks[i].Target = e.targetName(adj[i])
			checks[i].Effect = "未计入（本期未报送）"
		}
		cr.Checks = checks
		return cr
	}

	// Before scoring: the latest record of each value or claim decides it.
	f := *s.Filing
	latest := map[string]int{}
	for i, a := range adj {
		switch a.Kind {
		case AdjValue:
			latest["v\x00"+a.Indicator+"\x00"+a.Town+"\x00"+a.Village] = i
		case AdjClaimTrue, AdjClaimFalse:
			latest["t\x00"+a.Task] = i
		}
	}
	superseded := func(i int, key string) bool {
		if j := latest[key]; j != i {
			checks[i].Effect = fmt.Sprintf("已由第%d号记录取代", adj[j].ID)
			return true
		}
		return false
	}
	var falseTasks []int // indexes into adj
	clonedInds, clonedVillages, clonedTasks := false, false, false
	for i, a := range adj {
		c := &checks[i]
		c.Target = e.targetName(a)
		switch a.Kind {
		case AdjValue:
			if superseded(i, "v\x00"+a.Indicator+"\x00"+a.Town+"\x00"+a.Village) {
				continue
			}
			ind := e.inds[a.Indicator]
			if ind == nil {
				c.Effect = "未计入（任务清单中无此指标）"
				continue
			}
			c.Found = valueText(ind, a.Value)
			var old seeds.Number
			switch {
			case ind.Level == seeds.LevelCounty && a.Village == "":
				if !clonedInds {
					f.Indicators, clonedInds = maps.Clone(f.Indicators), true
					if f.Indicators == nil {
						f.Indicators = map[string]seeds.Number{}
					}
				}
				old = f.Indicators[a.Indicator]
				f.Indicators[a.Indicator] = seeds.Number{Value: a.Value, Set: true, Note: old.Note, Cell: old.Cell}
			case ind.Level == seeds.LevelVillage && a.Village != "":
				vi := findVillage(f.Villages, a.Town, a.Village)
				if vi < 0 {
					c.Effect = "未计入（本期村级台账中无此村）"
					continue
				}
				if !clonedVillages {
					f.Villages, clonedVillages = slices.Clone(f.Villages), true
				}
				v := &f.Villages[vi]
				v.Values = maps.Clone(v.Values)
				if v.Values == nil {
					v.Values = map[string]seeds.Number{}
				}
				old = v.Values[a.Indicator]
				v.Values[a.Indicator] = seeds.Number{Value: a.Value, Set: true, Note: old.Note, Cell: old.Cell}
			default:
				c.Effect = "未计入（指标与村不匹配）"
				continue
			}
			switch {
			case old.Set && math.Abs(old.Value-a.Value) <= 1e-9:
				c.Effect = "与填报一致"
			case old.Set:
				c.Effect = fmt.Sprintf("以核查值计分（原填报%s）", valueText(ind, old.Value))
			default:
				c.Effect = "以核查值计分（原未填报）"
			}
			if old.Cell != "" {
				c.Effect += "，" + old.Cell
			}
		case AdjClaimTrue, AdjClaimFalse:
			if superseded(i, "t\x00"+a.Task) {
				continue
			}
			t := e.c.Task(a.Task)
			if t == nil || t.Kind != seeds.KindStatus {
				c.Effect = "未计入（非按进展状态计分的任务）"
				continue
			}
			if a.Kind == AdjClaimTrue {
				c.Found, c.Effect = "属实", "属实，不影响得分"
				continue
			}
			c.Found = "不实"
			if !clonedTasks {
				f.Tasks, clonedTasks = slices.Clone(f.Tasks), true
			}
			for k := range f.Tasks {
				if f.Tasks[k].Task == a.Task {
					falsify(&f.Tasks[k])
				}
			}
			falseTasks = append(falseTasks, i)
		}
	}
	orig := s.Filing
	s.Filing = &f
	cr := e.county(s)

	// After scoring: the tasks found false, then the points.
	sc := e.c.Scoring
	changed := false
	for _, i := range falseTasks {
		a := adj[i]
		for k := range cr.Tasks {
			ts := &cr.Tasks[k]
			if ts.Task != a.Task {
				continue
			}
			if rep := orig.Task(a.Task); rep != nil {
				ts.Status = rep.Status.String()
			}
			ts.Reported = ts.Status + "（经核查不实）"
			ts.Light = Red
			ts.Explanation = fmt.Sprintf("经抽查核查，报告的“%s”不实（第%d号记录），按未启动计，得%s/%s分", ts.Status, a.ID, num(ts.Score), num(ts.Possible))
		}
		p := sc.FalseClaimPoints
		eff := "该项按未启动计"
		if p > 0 {
			cr.Deduct = append(cr.Deduct, Deduction{Points: p, Reason: fmt.Sprintf("%s经抽查核查不实，扣%s分", a.Task, num(p))})
			checks[i].Points = -p
			eff += fmt.Sprintf("，另扣%s分", num(p))
			changed = true
		}
		checks[i].Effect = eff
	}
	var bonus, penalty float64
	for i, a := range adj {
		if a.Kind != AdjBonus && a.Kind != AdjPenalty {
			continue
		}
		limit, used, word := sc.BonusCap, &bonus, "加分"
		if a.Kind == AdjPenalty {
			limit, used, word = sc.PenaltyCap, &penalty, "减分"
		}
		p := math.Max(0, math.Min(a.Points, limit-*used))
		*used += p
		c := &checks[i]
		switch {
		case p <= 0 && limit <= 0:
			c.Effect = fmt.Sprintf("未计入（任务清单未设%s上限）", word)
			continue
		case p <= 0:
			c.Effect = fmt.Sprintf("未计入（本期%s已达上限%s分）", word, num(limit))
			continue
		case p < a.Points-1e-9:
			c.Effect = fmt.Sprintf("超出%s上限%s分，计%s分", word, num(limit), num(p))
		case a.Kind == AdjBonus:
			c.Effect = fmt.Sprintf("加%s分", num(p))
		default:
			c.Effect = fmt.Sprintf("扣%s分", num(p))
		}
		changed = true
		if a.Kind == AdjBonus {
			c.Points = p
			continue
		}
		c.Points = -p
		cr.Deduct = append(cr.Deduct, Deduction{Points: p, Reason: fmt.Sprintf("减分：%s（%s），扣%s分", a.Reason, a.Doc, num(p))})
	}
	if changed || len(falseTasks) > 0 {
		var d float64
		for _, x := range cr.Deduct {
			d += x.Points
		}
		cr.Deduction, cr.Bonus = round2(d), round2(bonus)
		cr.Total = round2(math.Max(0, cr.Raw-cr.Deduction+cr.Bonus))
		cr.Grade = e.c.Grade(cr.Total)
		if n := sc.FalseClaimGradeSteps; n > 0 && len(falseTasks) > 0 {
			if g := e.c.LowerGrade(cr.Grade, n); g != cr.Grade {
				cr.GradeNote = fmt.Sprintf("因核查不实，等次由%s降为%s", cr.Grade, g)
				cr.Grade = g
				for _, i := range falseTasks {
					checks[i].Effect += fmt.Sprintf("，等次降%d等", n)
				}
			}
		}
	}
	if len(falseTasks) > 0 {
		cr.DueNext = e.dueNext(cr.Tasks) // the tasks found false are 红 now
	}
	cr.Checks = checks
	return cr
}

// falsify makes a task report found false count as nothing done.
func falsify(t *seeds.TaskReport) {
	t.Status = seeds.StatusNotStarted
	if t.PercentSet {
		t.Percent = 0 // 完成进度 agrees with 未启动
	}
}

// findVillage returns the index of the village named village (in town, when town is not
// empty), or -1.
func findVillage(vs []seeds.VillageReport, town, village string) int {
	for i := range vs {
		if vs[i].Village == village && (town == "" || vs[i].Town == town) {
			return i
		}
	}
	return -1
}

// targetName names what a record is about, for the reports.
func (e *evaluator) targetName(a Adjustment) string {
	switch a.Kind {
	case AdjClaimTrue, AdjClaimFalse:
		if t := e.c.Task(a.Task); t != nil {
			return t.ID + " " + t.Title
		}
		return a.Task
	case AdjValue:
		name := a.Indicator
		if ind := e.inds[a.Indicator]; ind != nil {
			name = ind.Name
		}
		if a.Village != "" {
			return a.Town + a.Village + " " + name
		}
		return "县级 " + name
	}
	return ""
}

// valueText formats a value of an indicator with its unit: 2.1万元, 是.
func valueText(ind *seeds.Indicator, v float64) string {
	if ind.Type == seeds.TypeBool {
		if v >= 0.5 {
			return "是"
		}
		return "否"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + strings.TrimSpace(ind.Unit)
}
