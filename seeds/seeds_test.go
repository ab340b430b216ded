package seeds

import (
	"errors"
	"strings"
	"testing"
)

func TestEmbeddedChecklist(t *testing.T) {
	c, err := LoadChecklist("")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Areas) != 5 {
		t.Errorf("areas = %d, want 5", len(c.Areas))
	}
	if n := len(c.Tasks()); n != 42 {
		t.Errorf("tasks = %d, want 42", n)
	}
	want := map[string]int{"一": 6, "二": 4, "三": 15, "四": 10, "五": 7}
	for _, a := range c.Areas {
		if len(a.Tasks) != want[a.ID] {
			t.Errorf("area %s has %d tasks, want %d", a.ID, len(a.Tasks), want[a.ID])
		}
	}
	// Every number the seed states is an indicator with a rule.
	for _, id := range []string{"income", "fund_collective", "reserve", "reserve40", "new_member", "winter_hours",
		"theme_days", "life_meetings", "member_reviews", "road4", "road6", "sewage_station", "safe_water", "manure_rate"} {
		if c.Indicator(id) == nil {
			t.Errorf("indicator %s missing", id)
		}
	}
	if got := c.Task("五、7").Text; !strings.HasSuffix(got, "80%以上的村要达到5万元以上。") {
		t.Errorf("五、7 text not verbatim: %q", got)
	}
	if got := c.Task("一、6").Text; !strings.HasPrefix(got, "加大乡村本土人才培育。") {
		t.Errorf("一、6 text: %q", got)
	}
	if c.Grade(90) != "优秀" || c.Grade(89.99) != "良好" || c.Grade(0) != "较差" {
		t.Error("grade bands")
	}
}

func TestChecklistProblemsAllAtOnce(t *testing.T) {
	bad := strings.Replace(string(checklistTOML), `id = "一、2"`, `id = "一、1"`, 1)
	bad = strings.Replace(bad, `kind = "status"`, `kind = "vibes"`, 1)
	bad = strings.Replace(bad, "weight = 25.0", "weight = 26.0", 1)
	bad = strings.Replace(bad, `indicator = "safe_water"`, `indicator = "nope"`, 1)
	bad = strings.Replace(bad, "in_progress = 0.8", "in_progress = 0.8\ncolour = 1", 1)
	_, err := ParseChecklist([]byte(bad), "bad.toml")
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want ProblemsError", err)
	}
	for _, want := range []string{"duplicate id", `unknown kind "vibes"`, "not 100", "unknown indicator \"nope\"", "unknown key \"scoring.colour\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing problem %q in:\n%v", want, err)
		}
	}
}

func TestEmbeddedRoster(t *testing.T) {
	r, err := LoadRoster("")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Counties) != 14 {
		t.Fatalf("counties = %d, want 14", len(r.Counties))
	}
	if c := r.County("370883"); c == nil || c.Name != "邹城市" {
		t.Errorf("370883 = %+v", c)
	}
	for _, c := range r.Counties {
		if len(c.Villages) < 20 {
			t.Errorf("%s has only %d villages", c.Name, len(c.Villages))
		}
	}
	if c := r.CountyBySender("ZZB@rencheng.kaohe.test"); c == nil || c.Code != "370811" {
		t.Errorf("sender lookup = %v", c)
	}
}

func TestRosterProblems(t *testing.T) {
	_, err := ParseRoster([]byte(`
[[county]]
code = "1"
name = "a"
emails = ["x@y.test"]
[[county]]
code = "1"
name = "b"
emails = ["not an address"]
[[county]]
code = "2"
name = "c"
emails = ["X@y.test"]
`), "r.toml")
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"duplicate code", "also county", "not an e-mail", "no villages"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
