package score

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jining/kaohe/seeds"
)

// ErrInput is wrapped by every error Assess returns: the input itself is inconsistent.
var ErrInput = errors.New("score: invalid input")

// Assess scores one period. period is "YYYY-MM"; subs holds one Submission per county on
// the roster (in any order); history holds earlier results, most recent first, and is
// used only for the change of rank and total against the previous month.
//
// Assess is pure and deterministic: the same input, in any order of subs, gives the same
// Result, byte for byte once marshalled. It returns an error wrapping ErrInput when the
// checklist is nil, the period is not YYYY-MM, a county code is empty or repeated, or a
// filing belongs to another county or period.
func Assess(c *seeds.Checklist, period string, subs []Submission, history []*Result) (*Result, error) {
	a, err := NewAssessor(c, period, history)
	if err != nil {
		return nil, err
	}
	sorted := slices.Clone(subs)
	slices.SortFunc(sorted, func(a, b Submission) int { return cmp.Compare(a.County, b.County) })
	for _, s := range sorted {
		if err := a.Add(s); err != nil {
			return nil, err
		}
	}
	return a.Result()
}

// county scores one county's submission; ranks and changes are filled in later.
func (e *evaluator) county(s Submission) CountyResult {
	cr := CountyResult{Code: s.County, Name: s.Name, Rejected: s.Rejected}
	if s.Filing == nil {
		cr.Problems = s.Problems
		cr.DueNext = e.dueNext(nil)
		return cr
	}
	cr.Submitted = true
	cr.Received = s.Received
	cr.Version = s.Version
	cr.Tasks = make([]TaskScore, 0, e.ntasks)
	cr.Areas = make([]AreaScore, 0, len(e.c.Areas))
	var raw float64
	for _, a := range e.c.Areas {
		var sub float64
		for i := range a.Tasks {
			ts, vs, score := e.task(s.Filing, &a.Tasks[i])
			cr.Tasks = append(cr.Tasks, ts)
			cr.Villages = append(cr.Villages, vs...)
			sub += score
		}
		cr.Areas = append(cr.Areas, AreaScore{ID: a.ID, Name: a.Name, Weight: a.Weight, Score: round2(sub)})
		raw += sub
	}
	cr.Raw = round2(raw)
	cr.DaysLate = daysLate(s.Received, s.Deadline)
	if p := latePoints(e.c.Scoring.Late, cr.DaysLate); p > 0 {
		cr.Deduct = append(cr.Deduct, Deduction{Points: p, Reason: fmt.Sprintf("迟报%d天，扣%s分", cr.DaysLate, num(p))})
		cr.Deduction = round2(p)
	}
	cr.Total = round2(math.Max(0, raw-cr.Deduction))
	cr.Grade = e.c.Grade(cr.Total)
	cr.DueNext = e.dueNext(cr.Tasks)
	return cr
}

// task scores one task and returns its result, the summaries of its village rules and
// its unrounded score.
func (e *evaluator) task(f *seeds.Filing, t *seeds.Task) (TaskScore, []VillageRuleSummary, float64) {
	s := e.c.Scoring
	ts := TaskScore{Task: t.ID, Area: t.Area, Title: t.Title, Kind: t.Kind, Weight: t.Weight, Target: t.Target}
	rep := f.Task(t.ID)
	st := seeds.StatusNone
	cell := ""
	if rep != nil {
		st, cell = rep.Status, rep.Cell
	}
	ts.Status = st.String()

	if len(t.Rules) == 0 {
		due := t.Due
		if due == 0 {
			due = 12
		}
		exp := fraction(e.month, due, true)
		prog := statusProgress(s, st, exp)
		credit := 1.0
		if exp > 0 {
			credit = math.Min(1, prog/exp)
		}
		behind := math.Max(0, (exp-prog)*100)
		score := credit * t.Weight
		ts.Credit, ts.Score, ts.Behind = round4(credit), round2(score), round2(behind)
		ts.Light = lightFor(s, behind)
		notStarted := st == seeds.StatusNotStarted || st == seeds.StatusNone
		if e.month >= due && notStarted {
			ts.Light = Red
		}
		ts.Reported = ts.Status
		word := "进展状态“" + ts.Status + "”"
		if st == seeds.StatusNone {
			ts.Reported = "未填报"
			word = "进展状态未填报"
		}
		ts.Expected = "序时" + pct0(exp)
		ts.Explanation = fmt.Sprintf("%s，序时进度%s，计为%s，得%s/%s分", word, pct0(exp), pct0(prog), num(score), num(t.Weight))
		if e.month >= due && notStarted {
			ts.Explanation += "，已到期未启动"
		}
		ts.Explanation += paren(cell)
		return ts, nil, score
	}

	var credit float64
	var vs []VillageRuleSummary
	var expl, reported, expected []string
	for i := range t.Rules {
		o := e.rule(f, t, &t.Rules[i])
		credit += t.Rules[i].Weight * o.part.Credit
		o.part.Credit = round4(o.part.Credit)
		ts.Parts = append(ts.Parts, o.part)
		expl = append(expl, o.part.Explanation)
		reported = append(reported, o.reported)
		expected = append(expected, o.expected)
		if o.village != nil {
			vs = append(vs, *o.village)
		}
	}
	credit = math.Min(1, math.Max(0, credit))
	score := credit * t.Weight
	behind := (1 - credit) * 100
	ts.Credit, ts.Score, ts.Behind = round4(credit), round2(score), round2(behind)
	ts.Light = lightFor(s, behind)
	ts.Reported = strings.Join(reported, "；")
	ts.Expected = strings.Join(expected, "；")
	ts.Explanation = strings.Join(expl, "；")
	if len(t.Rules) > 1 {
		ts.Explanation += fmt.Sprintf("；合计得分率%s", pct1(credit))
	}
	ts.Explanation += fmt.Sprintf("，得%s/%s分", num(score), num(t.Weight))
	return ts, vs, score
}

// dueNext lists, in checklist order, the tasks that are red or yellow or fall due
// (the task or one of its rules) next month.
func (e *evaluator) dueNext(tasks []TaskScore) []string {
	next := e.month%12 + 1
	var out []string
	for i, t := range e.c.Tasks() {
		hit := t.Due == next
		for _, r := range t.Rules {
			hit = hit || r.Due == next
		}
		if i < len(tasks) && (tasks[i].Light == Red || tasks[i].Light == Yellow) {
			hit = true
		}
		if hit {
			out = append(out, t.ID)
		}
	}
	return out
}

// daysLate counts calendar days after the deadline, a partial day counting as a whole
// one. A form received at or before the deadline (or with either time unknown) is 0.
func daysLate(received, deadline time.Time) int {
	if received.IsZero() || deadline.IsZero() || !received.After(deadline) {
		return 0
	}
	d := received.Sub(deadline)
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// latePoints is the deduction for a delay: the first rule whose up_to_days covers it
// (0 covers any delay).
func latePoints(rules []seeds.LateRule, days int) float64 {
	if days <= 0 {
		return 0
	}
	for _, l := range rules {
		if l.UpToDays == 0 || days <= l.UpToDays {
			return l.Points
		}
	}
	return 0
}

// rank orders the counties (submitted by total desc then code, then 未报送 by code) and
// gives ranks with ties sharing one (1, 2, 2, 4).
func rank(cs []CountyResult) {
	slices.SortStableFunc(cs, func(a, b CountyResult) int {
		if a.Submitted != b.Submitted {
			if a.Submitted {
				return -1
			}
			return 1
		}
		if a.Submitted {
			if c := cmp.Compare(b.Total, a.Total); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Code, b.Code)
	})
	n := 0
	for _, c := range cs {
		if c.Submitted {
			n++
		}
	}
	for i := range cs {
		if !cs[i].Submitted {
			continue
		}
		cs[i].Of = n
		if i > 0 && cs[i-1].Total == cs[i].Total {
			cs[i].Rank = cs[i-1].Rank
		} else {
			cs[i].Rank = i + 1
		}
	}
}

// previous returns the result of the month before pt from history, or nil.
func previous(pt time.Time, history []*Result) *Result {
	want := pt.AddDate(0, -1, 0).Format("2006-01")
	for _, h := range history {
		if h != nil && h.Period == want {
			return h
		}
	}
	return nil
}

// compare fills the change of rank and total against the previous month.
func compare(res *Result, prev *Result) {
	if prev == nil {
		return
	}
	byCode := make(map[string]*CountyResult, len(prev.Counties))
	for i := range prev.Counties {
		byCode[prev.Counties[i].Code] = &prev.Counties[i]
	}
	for i := range res.Counties {
		c := &res.Counties[i]
		p := byCode[c.Code]
		if !c.Submitted || p == nil || !p.Submitted || p.Rank == 0 {
			continue
		}
		c.HasPrev = true
		c.PrevRank, c.PrevTotal = p.Rank, p.Total
		c.RankChange = p.Rank - c.Rank
		c.TotalChange = round2(c.Total - p.Total)
	}
}

// redTasks counts, per task, the counties in which it is red; most first, then in
// checklist order. County names are listed by code.
func redTasks(c *seeds.Checklist, cs []CountyResult) []TaskRedCount {
	byCode := slices.Clone(cs)
	slices.SortFunc(byCode, func(a, b CountyResult) int { return cmp.Compare(a.Code, b.Code) })
	var out []TaskRedCount
	for i, t := range c.Tasks() {
		rc := TaskRedCount{Task: t.ID, Title: t.Title}
		for _, cr := range byCode {
			if cr.Submitted && i < len(cr.Tasks) && cr.Tasks[i].Light == Red {
				rc.Red++
				rc.Counties = append(rc.Counties, cr.Name)
			}
		}
		if rc.Red > 0 {
			out = append(out, rc)
		}
	}
	slices.SortStableFunc(out, func(a, b TaskRedCount) int { return cmp.Compare(b.Red, a.Red) })
	return out
}

// stats summarises totals and area scores over the assessed counties.
func stats(c *seeds.Checklist, cs []CountyResult) (int, map[string]Stat) {
	var n int
	for _, cr := range cs {
		if cr.Submitted {
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	st := map[string]Stat{}
	add := func(key string, get func(*CountyResult) float64) {
		s := Stat{Min: math.Inf(1), Max: math.Inf(-1)}
		var sum float64
		for i := range cs {
			if !cs[i].Submitted {
				continue
			}
			v := get(&cs[i])
			sum += v
			s.Min = math.Min(s.Min, v)
			s.Max = math.Max(s.Max, v)
		}
		s.Mean = round2(sum / float64(n))
		st[key] = s
	}
	add("total", func(cr *CountyResult) float64 { return cr.Total })
	for i, a := range c.Areas {
		add(a.ID, func(cr *CountyResult) float64 { return cr.Areas[i].Score })
	}
	return n, st
}
