package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/seeds"
)

// TestContextNotice: the 未报送 notice says what to do, by when, to whom, and what a late
// form still counts for, with the deductions of the checklist in use (not fixed text); the
// cover names how many units of which kinds are ranked.
func TestContextNotice(t *testing.T) {
	cl := seeds.DefaultChecklist()
	roster := seeds.DefaultRoster()
	res := SampleResult(cl, roster, "2026-11", 3)
	own := *cl
	own.Scoring.LatePerDay, own.Scoring.LateCap = 0, 0 // the banded rules below apply
	own.Scoring.Late = []seeds.LateRule{{UpToDays: 2, Points: 0.25}, {UpToDays: 0, Points: 2}}
	x := Context{Roster: roster, Checklist: &own, ReturnTo: "kaohe@jining.kaohe.test", Contact: "市联席会议办公室张明，电话0537-2345678"}
	var missing, ranked string
	for _, c := range res.Counties {
		if !c.Submitted && missing == "" {
			missing = c.Code
		}
		if c.Submitted && ranked == "" {
			ranked = c.Code
		}
	}
	if missing == "" {
		res.Counties[len(res.Counties)-1].Submitted = false
		missing = res.Counties[len(res.Counties)-1].Code
	}
	text := func(m *Model) string {
		var b strings.Builder
		m.eachString(func(s string) { b.WriteString(s); b.WriteByte('\n') })
		return b.String()
	}
	un := text(x.CountyModel(res, missing, nil))
	for _, want := range []string{"2026年11月30日前", "kaohe@jining.kaohe.test", "迟报1至2天扣0.25分，超过2天扣2分", "不改变本期考核结果", "0537-2345678"} {
		if !strings.Contains(un, want) {
			t.Errorf("notice lacks %q:\n%s", want, un)
		}
	}
	if strings.Contains(un, "迟报1至3天扣0.5分") {
		t.Error("notice states the embedded checklist's deductions, not the one in use")
	}
	cov := text(x.CountyModel(res, ranked, nil))
	if !strings.Contains(cov, "县（市、区）和功能区参加排名") || strings.Contains(cov, "县市区") || strings.Contains(cov, "等级") {
		t.Errorf("cover of a ranked unit:\n%s", cov)
	}
	sum := x.SummaryModel(res, nil)
	js, _ := json.Marshal(sum) // a Model always marshals
	if strings.Contains(string(js), "等级") || !strings.Contains(string(js), "等次") {
		t.Error("summary: 等次, not 等级")
	}
	for _, m := range []string{un, cov, text(sum)} {
		for _, p := range lang.Check(m) {
			t.Error(p)
		}
	}
}
