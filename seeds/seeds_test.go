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

// TestUnitNames: every demo unit has a type and the organisation department that leads
// it; the derived names follow the usual forms.
func TestUnitNames(t *testing.T) {
	r := DefaultRoster()
	zones := 0
	for _, c := range r.Counties {
		if c.Type == "" || c.Org == "" {
			t.Errorf("%s: type %q org %q: the demo roster fills both", c.Name, c.Type, c.Org)
		}
		derived := c
		derived.Org = ""
		if derived.OrgName() != c.Org {
			t.Errorf("%s: org %q, derived %q", c.Name, c.Org, derived.OrgName())
		}
		if c.Type == UnitZone {
			zones++
		}
	}
	if zones != 3 {
		t.Errorf("%d 功能区 in the demo roster, want 3 (高新区, 太白湖新区, 经济技术开发区)", zones)
	}
	for _, tc := range []struct {
		c    County
		want string
	}{
		{County{Name: "任城区"}, "中共任城区委组织部"},
		{County{Name: "曲阜市", Type: UnitCounty}, "中共曲阜市委组织部"},
		{County{Name: "济宁高新区", Type: UnitZone}, "济宁高新区党工委组织部"},
		{County{Name: "X", Org: "中共X委组织部（X下派办）"}, "中共X委组织部（X下派办）"},
	} {
		if got := tc.c.OrgName(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
	if got := UnitsLabel(r.Types()...); got != "县（市、区）和功能区" {
		t.Errorf("demo roster: %q", got)
	}
	if got := UnitsLabel(UnitCounty, ""); got != "县（市、区）" {
		t.Errorf("县市区 only: %q", got)
	}
	if got := UnitsLabel(UnitZone); got != "功能区" {
		t.Errorf("功能区 only: %q", got)
	}
	if _, err := ParseRoster([]byte("[[county]]\ncode=\"1\"\nname=\"x\"\ntype=\"市\"\nemails=[\"a@b.c\"]\n[[county.village]]\ntown=\"t\"\nname=\"v\"\n"), "t"); err == nil || !strings.Contains(err.Error(), "type") {
		t.Errorf("a bad type: %v", err)
	}
}

func TestLateText(t *testing.T) {
	if got, want := DefaultChecklist().Scoring.LateText(), "迟报每天扣0.2分，最多扣3分"; got != want {
		t.Errorf("embedded checklist: %q, want %q", got, want)
	}
	for _, tc := range []struct {
		rules []LateRule
		want  string
	}{
		{nil, ""},
		{[]LateRule{{0, 2}}, "迟报扣2分"},
		{[]LateRule{{1, 0.5}, {5, 1}, {0, 2}}, "迟报1天扣0.5分，迟报2至5天扣1分，超过5天扣2分"},
		{[]LateRule{{0, 0}}, "迟报不扣分"},
	} {
		if got := (Scoring{Late: tc.rules}).LateText(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.rules, got, tc.want)
		}
	}
}
