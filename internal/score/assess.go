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
//
// The numbers reconcile exactly (they are added in hundredths): each task score is
// rounded to 0.01 first, an area is the sum of its rounded tasks, Earned the sum of the
// areas, Raw = Earned × 100 / Possible rounded (Earned itself when everything is due),
// and Total = Raw − Deduction.
func (e *evaluator) county(s Submission) CountyResult {
	cr := CountyResult{Code: s.County, Name: s.Name, Rejected: s.Rejected, Review: s.Review, Copied: s.Copied}
	if s.Type != "" && s.Type != seeds.UnitCounty {
		cr.Type = s.Type
	}
	if s.Filing == nil {
		cr.Problems = s.Problems
		cr.DueNext = e.dueNext(nil)
		return cr
	}
	cr.Submitted = true
	e.roster, e.files = s.Roster, s.EvidenceFiles
	defer func() { e.roster, e.files = nil, nil }()
	cr.Received = s.Received
	cr.Version = s.Version
	cr.Tasks = make([]TaskScore, 0, e.ntasks)
	cr.Areas = make([]AreaScore, 0, len(e.c.Areas))
	var earned, possible int64 // hundredths
	for _, a := range e.c.Areas {
		var sub, subPossible int64
		for i := range a.Tasks {
			ts, vs := e.task(s.Filing, &a.Tasks[i])
			cr.Tasks = append(cr.Tasks, ts)
			cr.Villages = append(cr.Villages, vs...)
			sub += cents(ts.Score)
			subPossible += cents(ts.Possible)
		}
		cr.Areas = append(cr.Areas, AreaScore{ID: a.ID, Name: a.Name, Weight: a.Weight,
			Score: fromCents(sub), Possible: fromCents(subPossible)})
		earned += sub
		possible += subPossible
	}
	if len(cr.Villages) > 0 {
		cr.VillageList = make([]VillageName, len(s.Filing.Villages))
		for i, v := range s.Filing.Villages {
			cr.VillageList[i] = VillageName{Town: v.Town, Village: v.Village, Secretary: v.Secretary}
		}
	}
	cr.Earned, cr.Possible = fromCents(earned), fromCents(possible)
	raw := earned
	if possible > 0 && possible != 10000 {
		raw = cents(float64(earned) / float64(possible) * 100)
	} else if possible == 0 {
		raw = 0
	}
	cr.Raw = fromCents(raw)
	cr.DaysLate = daysLate(s.Received, s.Deadline)
	if p := cents(latePoints(e.c.Scoring, cr.DaysLate)); p > 0 {
		cr.Deduct = append(cr.Deduct, Deduction{Points: fromCents(p),
			Reason: fmt.Sprintf("迟报%d天，扣%s分", cr.DaysLate, num(fromCents(p)))})
		cr.Deduction = fromCents(p)
	}
	cr.Total = fromCents(max(0, raw-cents(cr.Deduction)))
	cr.Grade = e.c.Grade(cr.Total)
	cr.DueNext = e.dueNext(cr.Tasks)
	return cr
}

// cents is x in hundredths, rounded half up; fromCents is the inverse.
func cents(x float64) int64     { return int64(roundHalfUp(x, 100)*100 + 0.5*sign(x)) }
func fromCents(c int64) float64 { return float64(c) / 100 }
func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// claim is the credit a task's reported 进展状态 and 完成进度 would earn against 序时 exp,
// with the progress it counts for and whether 已完成 lacks 佐证. ok is false when
// nothing was reported.
func (e *evaluator) claim(rep *seeds.TaskReport, exp float64, files []string) (credit, prog float64, noEvidence, ok bool) {
	if rep == nil || rep.Status == seeds.StatusNone {
		return 0, 0, false, false
	}
	s := e.c.Scoring
	switch rep.Status {
	case seeds.StatusDone:
		prog = 1
		if rep.PercentSet && strings.TrimSpace(rep.Evidence) == "" && len(files) == 0 {
			prog, noEvidence = math.Min(1, s.DoneWithoutEvidence), true
		}
	case seeds.StatusInProgress:
		if rep.PercentSet {
			prog = math.Max(0, math.Min(1, rep.Percent/100))
		} else {
			prog = math.Min(exp, s.InProgress) // template version 1: no 完成进度
		}
	}
	credit = 1
	if exp > 0 {
		credit = math.Min(1, prog/exp)
	}
	return credit, prog, noEvidence, true
}

// ruleSet scores rules (a task's rules or a status task's checks) and returns the credit
// over the rules due and applicable, the share of weight they carry (0: none counts this
// period), why the others do not count, and each rule's outcome.
func (e *evaluator) ruleSet(f *seeds.Filing, t *seeds.Task, rules []seeds.Rule) (credit, share float64, excluded string, outs []partOut) {
	var got float64
	for i := range rules {
		skip, missing := formRule(rules, &rules[i], f.Form)
		if skip {
			continue
		}
		var o partOut
		if missing {
			o = notCollected(&rules[i], f.Form)
		} else {
			o = e.rule(f, t, &rules[i])
		}
		outs = append(outs, o)
		if o.excluded != "" {
			if excluded == "" || o.excluded == notDue {
				excluded = o.excluded
			}
			continue
		}
		share += rules[i].Weight
		got += rules[i].Weight * o.part.Credit
	}
	if share > 1e-9 {
		credit = math.Min(1, math.Max(0, got/share))
	}
	return credit, share, excluded, outs
}

// task scores one task and returns its result and the summaries of its village rules.
func (e *evaluator) task(f *seeds.Filing, t *seeds.Task) (TaskScore, []VillageRuleSummary) {
	s := e.c.Scoring
	ts := TaskScore{Task: t.ID, Area: t.Area, Title: t.Title, Kind: t.Kind, Weight: t.Weight, Target: t.Target}
	rep := f.Task(t.ID)
	st := seeds.StatusNone
	cell := ""
	if rep != nil {
		st, cell = rep.Status, rep.Cell
		ts.Problems, ts.NextSteps = rep.Problems, rep.NextSteps
	}
	ts.Status = st.String()
	due := t.Due
	if due == 0 {
		due = 12
	}
	exp := e.frac(due, t.DueYear, true)
	ts.EvidenceFiles = e.files[t.ID]
	claimed, prog, noEvidence, reported := e.claim(rep, exp, ts.EvidenceFiles)
	ts.Origin = t.TargetOrigin
	if ts.Origin == "" {
		ts.Origin = seeds.OriginOffice
	}
	if t.OnlyYear != 0 && e.year != 0 && e.year != t.OnlyYear {
		ts.Excluded = notApplicable
		ts.Reported, ts.Expected = ts.Status, "不适用"
		ts.Explanation = fmt.Sprintf("%d年度专项任务，本期不计分（不适用）", t.OnlyYear)
		return ts, nil
	}

	if len(t.Rules) == 0 {
		credit := claimed
		ts.NoEvidence = noEvidence
		ts.Reported = ts.Status
		word := "进展状态“" + ts.Status + "”"
		switch {
		case st == seeds.StatusNone:
			ts.Reported = "未填报"
			word = "进展状态未填报"
		case rep.PercentSet:
			ts.Reported += "（" + num(rep.Percent) + "%）"
			word += "，完成进度" + num(rep.Percent) + "%"
		}
		ts.Expected = "序时" + pct0(exp)
		expl := fmt.Sprintf("%s，序时进度%s", word, pct0(exp))
		if noEvidence {
			expl += fmt.Sprintf("，已完成但未填佐证说明（缺佐证），按%s计", pct0(prog))
		} else if st == seeds.StatusDone && strings.TrimSpace(rep.Evidence) == "" && len(ts.EvidenceFiles) > 0 {
			expl += "，佐证材料：" + strings.Join(ts.EvidenceFiles, "、")
		} else if st == seeds.StatusInProgress && !rep.PercentSet {
			expl += "，计为" + pct0(prog)
		}
		if len(t.Checks) > 0 && reported {
			dc, share, _, outs := e.ruleSet(f, t, t.Checks)
			// A claim is capped by its data; far above them it is 存疑.
			capped := share > 0 && dc < credit-1e-9
			if capped {
				credit = dc
			}
			if share > 0 && claimed > dc+s.DoubtMargin+1e-9 {
				ts.Claimed, ts.DataCredit = round4(claimed), round4(dc)
				var why []string
				for _, o := range outs {
					if o.excluded == "" {
						why = append(why, o.part.Explanation)
					}
				}
				ts.Doubt = fmt.Sprintf("存疑：自报进度得分率%s，数据得分率%s（%s），按数据计分", pct1(claimed), pct1(dc), strings.Join(why, "；"))
				expl += "；" + ts.Doubt
			} else if capped {
				// Within the margin: no 存疑, but never more than the data show.
				expl += "；台账数据得分率" + pct1(dc) + "，不超过数据计分"
			}
		}
		ts.Possible = t.Weight
		ts.Credit, ts.Score = round4(credit), round2(credit*t.Weight)
		ts.Behind = round2(math.Max(0, (exp-prog)*100))
		ts.Light = lightOf(s, credit)
		ts.Explanation = fmt.Sprintf("%s，得分率%s，得%s/%s分", expl, pct1(credit), num(ts.Score), num(t.Weight))
		if e.month >= due && (st == seeds.StatusNotStarted || st == seeds.StatusNone) {
			ts.Explanation += "，已到期未启动"
		}
		ts.Explanation += paren(cell)
		return ts, nil
	}

	credit, share, excluded, outs := e.ruleSet(f, t, t.Rules)
	var vs []VillageRuleSummary
	var expl, rep2, expected []string
	for _, o := range outs {
		o.part.Credit = round4(o.part.Credit)
		ts.Parts = append(ts.Parts, o.part)
		expl = append(expl, o.part.Explanation)
		rep2 = append(rep2, o.reported)
		expected = append(expected, o.expected)
		if o.village != nil {
			vs = append(vs, *o.village)
		}
	}
	ts.Reported = strings.Join(rep2, "；")
	ts.Expected = strings.Join(expected, "；")
	ts.Explanation = strings.Join(expl, "；")
	if share <= 1e-9 {
		ts.Excluded = excluded
		ts.Explanation += "；本期不计分（" + excluded + "）"
		return ts, vs
	}
	ts.Possible = round2(t.Weight * share)
	ts.Credit, ts.Score = round4(credit), round2(credit*ts.Possible)
	ts.Behind = round2((1 - credit) * 100)
	ts.Light = lightOf(s, credit)
	// A task with rules is scored on its data anyway; a 已完成 its data contradict is 存疑.
	if reported && st == seeds.StatusDone && claimed > credit+s.DoubtMargin+1e-9 {
		ts.Claimed, ts.DataCredit = round4(claimed), round4(credit)
		ts.Doubt = fmt.Sprintf("存疑：自报“%s”得分率%s，数据得分率%s，按数据计分", ts.Status, pct1(claimed), pct1(credit))
	}
	if len(t.Rules) > 1 {
		ts.Explanation += fmt.Sprintf("；合计得分率%s", pct1(credit))
	}
	if ts.Possible < t.Weight {
		ts.Explanation += fmt.Sprintf("，本期应得%s分", num(ts.Possible))
	}
	ts.Explanation += fmt.Sprintf("，得%s/%s分", num(ts.Score), num(ts.Possible))
	if ts.Doubt != "" {
		ts.Explanation += "；" + ts.Doubt
	}
	return ts, vs
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

// latePoints is the deduction for a delay: late_per_day per day up to late_cap when the
// checklist sets late_per_day; otherwise the first banded rule whose up_to_days covers it
// (0 covers any delay).
func latePoints(s seeds.Scoring, days int) float64 {
	if days <= 0 {
		return 0
	}
	if s.LatePerDay > 0 {
		p := s.LatePerDay * float64(days)
		if s.LateCap > 0 {
			p = math.Min(p, s.LateCap)
		}
		return p
	}
	for _, l := range s.Late {
		if l.UpToDays == 0 || days <= l.UpToDays {
			return l.Points
		}
	}
	return 0
}

// rank orders the counties and gives ranks with ties sharing one (1, 2, 2, 4). With
// scoring.rank_by_type each unit type (县市区 first, then 功能区) is a ranking of its own;
// with scoring.type_weights there is one ranking by 排名得分 (total × the type's weight).
// Within a ranking: submitted units by total (or 排名得分) desc then code; then units without a form by
// code — unranked (rank 0), or with scoring.missing = "last" given a total of 0, the
// lowest grade and the rank after every submitted unit. scoring.excellent_quota limits
// the top grade to that share of the ranking's units (rounded down, at least one).
func rank(cs []CountyResult, s seeds.Scoring, grades []seeds.Grade) {
	last := s.Missing == "last"
	weighted := len(s.TypeWeights) > 0
	key := func(c *CountyResult) float64 { return c.Total }
	for i := range cs {
		cs[i].TypeWeight, cs[i].RankScore = 0, 0
	}
	if weighted {
		key = func(c *CountyResult) float64 { return c.RankScore }
		for i := range cs {
			c := &cs[i]
			t := c.Type
			if t == "" {
				t = seeds.UnitCounty
			}
			c.TypeWeight = 1
			if w, ok := s.TypeWeights[t]; ok {
				c.TypeWeight = w
			}
			if c.Submitted {
				c.RankScore = round2(c.Total * c.TypeWeight)
			}
		}
	}
	group := func(c *CountyResult) string {
		if s.RankByType {
			return c.Type
		}
		return ""
	}
	slices.SortStableFunc(cs, func(a, b CountyResult) int {
		if ga, gb := group(&a), group(&b); ga != gb {
			return cmp.Compare(ga, gb) // "" (县市区) before 功能区
		}
		if a.Submitted != b.Submitted {
			if a.Submitted {
				return -1
			}
			return 1
		}
		if a.Submitted {
			if c := cmp.Compare(key(&b), key(&a)); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Code, b.Code)
	})
	for lo := 0; lo < len(cs); {
		hi := lo
		for hi < len(cs) && group(&cs[hi]) == group(&cs[lo]) {
			hi++
		}
		g := cs[lo:hi]
		n := 0
		for _, c := range g {
			if c.Submitted || last {
				n++
			}
		}
		for i := range g {
			c := &g[i]
			switch {
			case c.Submitted:
				c.Of = n
				if i > 0 && g[i-1].Submitted && key(&g[i-1]) == key(c) {
					c.Rank = g[i-1].Rank
				} else {
					c.Rank = i + 1
				}
			case last:
				c.Of = n
				c.Total = 0
				if len(grades) > 0 {
					c.Grade = grades[len(grades)-1].Name
				}
				if i > 0 && !g[i-1].Submitted {
					c.Rank = g[i-1].Rank
				} else {
					c.Rank = i + 1
				}
			}
		}
		if q := s.ExcellentQuota; q > 0 && len(grades) > 1 {
			// At least one: the best unit of a small ranking may still be 优秀.
			limit := max(1, int(math.Floor(q*float64(n)+1e-9)))
			for i := range g {
				c := &g[i]
				if c.Submitted && c.Grade == grades[0].Name && c.Rank > limit {
					c.Grade = grades[1].Name
					c.GradeNote = fmt.Sprintf("总分达到%s档，但%s名额（前%s%%，%d个）已满，评为%s", grades[0].Name, grades[0].Name,
						num(q*100), limit, grades[1].Name)
				}
			}
		}
		lo = hi
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
