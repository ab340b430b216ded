package score

import (
	"sort"
	"time"
)

// Escalation is one 督办单: a task red in a county for Months consecutive periods, up to
// and including the period assessed, at a level of the office's ladder (提醒, 督办, 通报).
type Escalation struct {
	County string     `json:"county"` // code
	Name   string     `json:"name"`
	Task   string     `json:"task"`
	Title  string     `json:"title"`
	Level  string     `json:"level"`
	Next   string     `json:"next,omitempty"` // the level a further red period brings; "" at the last
	Months int        `json:"months"`
	Red    []RedMonth `json:"red"` // the red periods, oldest first
	Due    time.Time  `json:"due"` // by when the county must answer (the next period's deadline)
}

// RedMonth is a task's result in one period it was red.
type RedMonth struct {
	Period   string  `json:"period"`
	Reported string  `json:"reported"`
	Expected string  `json:"expected"`
	Score    float64 `json:"score"`
	Possible float64 `json:"possible"`
}

// Rate is how a unit (or the city, County "") sent its forms over the periods assessed.
type Rate struct {
	County    string `json:"county"`
	Name      string `json:"name"`
	Periods   int    `json:"periods"`   // periods assessed in which the unit was on the roster
	Submitted int    `json:"submitted"` // of them, with an accepted form
	OnTime    int    `json:"on_time"`   // of them, accepted by the deadline
	// Streak counts the consecutive periods, back from the latest, with a form on time
	// (for the city: with every unit's form on time).
	Streak int `json:"streak"`
}

// SubmitRate is 报送率: Submitted / Periods (0 when there are none).
func (r Rate) SubmitRate() float64 { return ratio(r.Submitted, r.Periods) }

// OnTimeRate is 按时报送率: OnTime / Periods.
func (r Rate) OnTimeRate() float64 { return ratio(r.OnTime, r.Periods) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Rates returns each unit's Rate over res and the results in history (any order), the
// latest n periods up to res.Period, units in the order of res.Counties, and the city's.
// A form is on time when it was accepted with no day late (DaysLate 0).
func Rates(res *Result, history []*Result, n int) (units []Rate, city Rate) {
	rs := []*Result{res}
	for _, h := range history {
		if h != nil && h.Period < res.Period {
			rs = append(rs, h)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Period > rs[j].Period })
	if n > 0 && len(rs) > n {
		rs = rs[:n]
	}
	idx := map[string]int{}
	for i := range res.Counties {
		c := &res.Counties[i]
		idx[c.Code] = len(units)
		units = append(units, Rate{County: c.Code, Name: c.Name})
	}
	broken := make([]bool, len(units))
	cityBroken := false
	for _, r := range rs {
		allOnTime := true
		for i := range r.Counties {
			c := &r.Counties[i]
			k, ok := idx[c.Code]
			if !ok {
				continue // no longer on the roster
			}
			u := &units[k]
			u.Periods++
			onTime := c.Submitted && c.DaysLate == 0
			if c.Submitted {
				u.Submitted++
			}
			if onTime {
				u.OnTime++
			}
			if onTime && !broken[k] {
				u.Streak++
			} else {
				broken[k] = true
			}
			allOnTime = allOnTime && onTime
		}
		if allOnTime && !cityBroken {
			city.Streak++
		} else {
			cityBroken = true
		}
	}
	for _, u := range units {
		city.Periods += u.Periods
		city.Submitted += u.Submitted
		city.OnTime += u.OnTime
	}
	return units, city
}
