package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// TestModelShowsDoubtEvidenceNotDue: a county claiming everything 已完成 (one row without
// 佐证) over zero village data, in June, gets 存疑, 缺佐证 and 本期不计分（未到期） in its
// report, and the summary lists the 存疑 claim; scores print with two decimals.
func TestModelShowsDoubtEvidenceNotDue(t *testing.T) {
	cl := seeds.DefaultChecklist()
	f := &seeds.Filing{County: "1", Period: "2019-06", Indicators: map[string]seeds.Number{}}
	for i, tk := range cl.Tasks() {
		tr := seeds.TaskReport{Task: tk.ID, Status: seeds.StatusDone, Percent: 100, PercentSet: true, Evidence: "台账", Cell: fmt.Sprintf("重点任务!E%d", i+2)}
		if tk.ID == "一、1" {
			tr.Evidence = ""
		}
		f.Tasks = append(f.Tasks, tr)
	}
	for _, ind := range cl.Indicators(seeds.LevelCounty) {
		f.Indicators[ind.ID] = seeds.Number{Value: 1, Set: true}
	}
	for i := range 3 {
		v := seeds.VillageReport{Town: "镇", Village: fmt.Sprint("村", i), Values: map[string]seeds.Number{}}
		for _, ind := range cl.Indicators(seeds.LevelVillage) {
			v.Values[ind.ID] = seeds.Number{Value: 0, Set: true}
		}
		f.Villages = append(f.Villages, v)
	}
	res, err := score.Assess(cl, "2019-06", []score.Submission{{County: "1", Name: "甲县", Filing: f}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	CountyModel(res, "1", nil).eachString(func(s string) { all = append(all, s) })
	text := strings.Join(all, "\n")
	for _, want := range []string{"存疑：一、5发展壮大农村集体经济", "缺佐证：一、1发展优势特色产业", "本期不计分（未到期）", "本期应得", "0.00/5"} {
		if !strings.Contains(text, want) {
			t.Errorf("county report lacks %q", want)
		}
	}
	all = nil
	SummaryModel(res, nil).eachString(func(s string) { all = append(all, s) })
	if text := strings.Join(all, "\n"); !strings.Contains(text, "存疑申报") || !strings.Contains(text, "100.0%/0.0%") {
		t.Errorf("summary lacks the 存疑 list:\n%s", text)
	}
}
