package score

import "testing"

// Rates over four periods: a unit always on time, one late once (streak since), one
// missing once; the city's streak is the periods with every unit on time.
func TestRates(t *testing.T) {
	mk := func(period string, a, b, c CountyResult) *Result {
		a.Code, a.Name, b.Code, b.Name, c.Code, c.Name = "1", "甲", "2", "乙", "3", "丙"
		return &Result{Period: period, Counties: []CountyResult{a, b, c}}
	}
	on := CountyResult{Submitted: true}
	late := CountyResult{Submitted: true, DaysLate: 2}
	miss := CountyResult{}
	res := mk("2026-11", on, on, on)
	hist := []*Result{mk("2026-09", on, on, miss), mk("2026-10", on, late, on), mk("2026-08", on, on, on), mk("2026-07", miss, miss, miss)}
	units, city := Rates(res, hist, 4) // 08 to 11
	want := []Rate{
		{County: "1", Name: "甲", Periods: 4, Submitted: 4, OnTime: 4, Streak: 4},
		{County: "2", Name: "乙", Periods: 4, Submitted: 4, OnTime: 3, Streak: 1},
		{County: "3", Name: "丙", Periods: 4, Submitted: 3, OnTime: 3, Streak: 2},
	}
	for i := range want {
		if units[i] != want[i] {
			t.Errorf("unit %d = %+v, want %+v", i, units[i], want[i])
		}
	}
	if city.Periods != 12 || city.Submitted != 11 || city.OnTime != 10 || city.Streak != 1 {
		t.Errorf("city = %+v", city)
	}
	if r := units[1].OnTimeRate(); r != 0.75 {
		t.Errorf("on-time rate %v", r)
	}
}
