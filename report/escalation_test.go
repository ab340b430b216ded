package report

import (
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/internal/score"
)

// A 督办单 is one page naming the unit, the task, its red months with their values, the
// level and what is required by when; the summary lists it in its 附件 with the rates,
// and says so in one line of the brief; a corrected report says 更正 in its title.
func TestEscalationAndCorrection(t *testing.T) {
	res := fixture()
	c := &res.Counties[0]
	ts := c.Tasks[0]
	due := time.Date(2026, 12, 25, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))
	e := score.Escalation{County: c.Code, Name: c.Name, Task: ts.Task, Title: ts.Title, Level: "督办", Next: "通报", Months: 3, Due: due,
		Red: []score.RedMonth{{Period: "2019-07", Reported: "未启动", Expected: "推进中", Score: 0, Possible: 2},
			{Period: "2019-08", Reported: "未启动", Expected: "推进中", Score: 0, Possible: 2},
			{Period: res.Period, Reported: ts.Reported, Expected: ts.Expected, Score: ts.Score, Possible: ts.Possible}}}
	res.Escalations = []score.Escalation{e}
	r := testRenderer(t, false)
	pdf, err := r.Escalation(res, e)
	if err != nil {
		t.Fatal(err)
	}
	pages := pagesText(t, pdf)
	if len(pages) != 1 {
		t.Errorf("督办单: %d pages, want 1", len(pages))
	}
	text := spaces.ReplaceAllString(strings.Join(pages, ""), "")
	for _, want := range []string{"督办单（督办）", c.Name, ts.Task, "连续3个月亮红灯", "2019年7月", "2026年12月25日18时前", "将升级为通报", "未启动"} {
		if !strings.Contains(text, want) {
			t.Errorf("督办单 lacks %q:\n%s", want, text)
		}
	}
	m := Context{}.EscalationModel(res, e)
	m.eachString(func(s string) {
		for _, p := range lang.Check(s) {
			t.Errorf("督办单: %s", p)
		}
	})

	s := SummaryModel(res, fixtureHistory())
	var all strings.Builder
	s.eachString(func(x string) { all.WriteString(x + "\n") })
	for _, want := range []string{"发出督办单1份（督办1份）", "，见附件", "按时报送率", "连续按时", "全市"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	brief := SummaryBrief(res, fixtureHistory(), "济宁市委组织部")
	if !strings.Contains(brief, "发出督办单1份") || !strings.Contains(brief, "按时报送率") {
		t.Errorf("brief text lacks the 督办 line:\n%s", brief)
	}

	corr := Context{Corrected: map[string]bool{c.Code: true, "": true}}
	if m := corr.CountyModel(res, c.Code, nil); !strings.HasSuffix(m.Title, "（更正）") {
		t.Errorf("corrected county title %q", m.Title)
	}
	if m := corr.CountyModel(res, res.Counties[1].Code, nil); strings.Contains(m.Title, "更正") {
		t.Errorf("uncorrected county title %q", m.Title)
	}
	if m := corr.SummaryModel(res, nil); !strings.HasSuffix(m.Title, "（更正）") {
		t.Errorf("corrected summary title %q", m.Title)
	}
	cpdf, err := r.WithCorrections(map[string]bool{c.Code: true}).County(res, c.Code, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first := spaces.ReplaceAllString(pagesText(t, cpdf)[0], ""); !strings.Contains(first, "（更正）") {
		t.Errorf("corrected PDF's first page lacks （更正）:\n%.400s", first)
	}
}
