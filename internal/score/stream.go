package score

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jining/kaohe/seeds"
)

// Assessor scores a period one county at a time, so a caller reading the filings from a
// store needs memory for one filing (and every county's CountyResult), not for all of
// them: Add each county's Submission, in any order, then call Result. For the same input
// it gives the same Result as Assess, byte for byte once marshalled.
//
// An Assessor is not safe for concurrent use.
type Assessor struct {
	e       *evaluator
	period  string
	pt      time.Time
	history []*Result
	res     *Result
	seen    map[string]bool
	meta    []countyMeta // what completeness needs of each submission
	done    bool
}

// countyMeta is what Result needs of a Submission once its filing is scored.
type countyMeta struct {
	code, name         string
	filed              bool
	received, deadline time.Time
	rejected           int
}

// NewAssessor starts the assessment of period ("YYYY-MM"). history holds earlier
// results, most recent first, as for Assess.
//
// Errors: wrapping ErrInput when the checklist is nil or the period is not YYYY-MM.
func NewAssessor(c *seeds.Checklist, period string, history []*Result) (*Assessor, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no checklist", ErrInput)
	}
	pt, err := time.Parse("2006-01", period)
	if err != nil {
		return nil, fmt.Errorf("%w: period %q is not YYYY-MM", ErrInput, period)
	}
	e := &evaluator{c: c, month: int(pt.Month()), year: pt.Year(), inds: map[string]*seeds.Indicator{}, ntasks: len(c.Tasks())}
	for _, t := range c.Tasks() {
		for i := range t.Indicators {
			e.inds[t.Indicators[i].ID] = &t.Indicators[i]
		}
	}
	res := &Result{Period: period, ChecklistVersion: c.Version, DoneWithoutEvidence: c.Scoring.DoneWithoutEvidence, Counties: []CountyResult{}}
	res.RankByType = c.Scoring.RankByType
	if len(c.Scoring.TypeWeights) > 0 {
		res.TypeWeights = maps.Clone(c.Scoring.TypeWeights)
	}
	for _, a := range c.Areas {
		res.Areas = append(res.Areas, AreaHeader{ID: a.ID, Name: a.Name, Weight: a.Weight})
	}
	return &Assessor{e: e, period: period, pt: pt, history: history, res: res, seen: map[string]bool{}}, nil
}

// Add scores one county. It keeps the county's CountyResult, not the filing.
//
// Errors: wrapping ErrInput when the county code is empty or was added before, or the
// filing belongs to another county or period; an error after Result was called.
func (a *Assessor) Add(s Submission) error {
	if a.done {
		return fmt.Errorf("score: Add after Result")
	}
	if s.County == "" {
		return fmt.Errorf("%w: a submission has no county code", ErrInput)
	}
	if a.seen[s.County] {
		return fmt.Errorf("%w: county %s appears twice", ErrInput, s.County)
	}
	if f := s.Filing; f != nil {
		if f.County != "" && f.County != s.County {
			return fmt.Errorf("%w: county %s: filing is county %s's", ErrInput, s.County, f.County)
		}
		if f.Period != "" && f.Period != a.period {
			return fmt.Errorf("%w: county %s: filing is for period %s, not %s", ErrInput, s.County, f.Period, a.period)
		}
	}
	a.seen[s.County] = true
	a.res.Counties = append(a.res.Counties, a.e.countyAdjusted(s))
	a.meta = append(a.meta, countyMeta{code: s.County, name: s.Name, filed: s.Filing != nil,
		received: s.Received, deadline: s.Deadline, rejected: s.Rejected})
	return nil
}

// Result ranks the counties added, compares with the previous month, and computes
// completeness, red tasks and statistics. It may be called once.
//
// Errors: an error when called a second time.
func (a *Assessor) Result() (*Result, error) {
	if a.done {
		return nil, fmt.Errorf("score: Result called twice")
	}
	a.done = true
	res := a.res
	// Assess's order: by code before ranking (the ranking's sort is stable).
	slices.SortFunc(res.Counties, func(x, y CountyResult) int { return cmp.Compare(x.Code, y.Code) })
	slices.SortFunc(a.meta, func(x, y countyMeta) int { return cmp.Compare(x.code, y.code) })
	rank(res.Counties, a.e.c.Scoring, a.e.c.Scoring.Grades)
	compare(res, previous(a.pt, a.history))
	res.Completeness = completenessOf(a.meta)
	res.RedTasks = redTasks(a.e.c, res.Counties)
	res.Doubts = doubts(res.Counties)
	res.Assessed, res.Stats = stats(a.e.c, res.Counties)
	a.res, a.meta, a.seen = nil, nil, nil
	return res, nil
}

// completenessOf counts who sent what; ms is in code order.
func completenessOf(ms []countyMeta) Completeness {
	var k Completeness
	k.Expected = len(ms)
	for _, m := range ms {
		switch {
		case m.filed:
			k.Submitted++
			if daysLate(m.received, m.deadline) > 0 {
				k.Late++
				k.LateList = append(k.LateList, m.name)
			} else {
				k.OnTime++
			}
		case m.rejected > 0:
			k.Rejected++
			k.RejList = append(k.RejList, m.name)
		default:
			k.Missing++
			k.MissList = append(k.MissList, m.name)
		}
	}
	return k
}

// doubts lists every 存疑 claim, by county code, then in checklist order.
func doubts(cs []CountyResult) []Doubt {
	byCode := slices.Clone(cs)
	slices.SortFunc(byCode, func(a, b CountyResult) int { return cmp.Compare(a.Code, b.Code) })
	var out []Doubt
	for _, cr := range byCode {
		for _, ts := range cr.Tasks {
			if ts.Doubt != "" {
				out = append(out, Doubt{County: cr.Code, Name: cr.Name, Task: ts.Task, Title: ts.Title,
					Claimed: ts.Claimed, Data: ts.DataCredit, Text: ts.Doubt})
			}
		}
	}
	return out
}
