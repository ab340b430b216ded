package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// asForm2 turns a filing of the current form into what a county fills on a form of
// template version 2: no per-village 第一书记 funds and no 高中以上 column, the county's
// fund totals in 量化指标 instead.
func asForm2(fl *seeds.Filing) *seeds.Filing {
	out := *fl
	out.Tasks = append([]seeds.TaskReport(nil), fl.Tasks...)
	out.Indicators = map[string]seeds.Number{}
	for k, v := range fl.Indicators {
		out.Indicators[k] = v
	}
	out.Indicators["fund_total"] = seeds.Number{Value: 400, Set: true, Note: "全县合计"}
	out.Indicators["fund_collective"] = seeds.Number{Value: 300, Set: true}
	out.Villages = nil
	for _, v := range fl.Villages {
		vv := v
		vv.Values = map[string]seeds.Number{}
		for k, n := range v.Values {
			if k != "fund_sec" && k != "fund_sec_collective" && k != "reserve_hs" {
				vv.Values[k] = n
			}
		}
		out.Villages = append(out.Villages, vv)
	}
	return &out
}

func dispatchedWith(vs ...string) func(string) []string {
	return func(period string) []string {
		if period == testPeriod {
			return vs
		}
		return nil
	}
}

// A form of template version 2 for a period dispatched with version 2 is read by the
// rules of version 2: its layout (county fund totals, no 高中以上), no required words, and
// scored with version 2's rule for 五、7 and 五、2's 高中以上 rule 不适用.
func TestForm2InPeriodOf2(t *testing.T) {
	o := testOptions(t)
	o2 := o
	o2.TemplateVersion = "2"
	fl := asForm2(RandomFiling(o.Checklist, o.County, o.Period, 7))
	// Version 2 did not require the county's words.
	for i := range fl.Tasks {
		if fl.Tasks[i].Status != seeds.StatusDone {
			fl.Tasks[i].Problems, fl.Tasks[i].NextSteps = "", ""
		}
	}
	data := fill(t, build(t, o2), fl)
	po := parseOptions(o)
	po.FormVersions = dispatchedWith("2", "3")
	got, meta, st, err := Parse(data, "form.xlsx", po)
	if err != nil {
		t.Fatalf("a version 2 form of a version 2 period: %v", err)
	}
	if meta.TemplateVersion != "2" || meta.Stale || got.Form != 2 || st.Template != "2" {
		t.Errorf("meta %+v, filing form %d, stats %q", meta, got.Form, st.Template)
	}
	if n := got.Indicators["fund_total"]; !n.Set || n.Value != 400 {
		t.Errorf("fund_total = %+v", n)
	}
	if _, ok := got.Villages[0].Values["reserve_hs"]; ok {
		t.Error("a version 2 form has no 高中以上 column")
	}
	got.County, got.Period = o.County.Code, o.Period
	res, err := score.Assess(o.Checklist, o.Period, []score.Submission{{County: o.County.Code, Name: o.County.Name, Filing: got, Roster: o.County}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var t57, t52 score.TaskScore
	for _, ts := range res.Counties[0].Tasks {
		switch ts.Task {
		case "五、7":
			t57 = ts
		case "五、2":
			t52 = ts
		}
	}
	if t57.Parts[0].Kind != seeds.KindRatio || t57.Parts[0].Credit != 1 || !strings.Contains(t57.Parts[0].Explanation, "75%（300/400万元）") {
		t.Errorf("五、7 of a version 2 form: %+v", t57.Parts[0])
	}
	for _, p := range t57.Parts {
		if p.Kind == seeds.KindVillageRatio {
			t.Errorf("五、7 of a version 2 form has the per-第一书记 rule: %+v", p)
		}
	}
	if p := t52.Parts[1]; p.Excluded != "不适用" || !strings.Contains(p.Explanation, "第2版表格未设此项") || t52.Possible != 2.8 {
		t.Errorf("五、2 of a version 2 form: possible %v, %+v", t52.Possible, p)
	}
	// Without the record of that dispatch the same form is out of date.
	po.FormVersions = dispatchedWith("3")
	if _, meta, _, err := Parse(data, "form.xlsx", po); err == nil || meta == nil || !meta.Stale {
		t.Errorf("version 2 form in a version 3 period: meta %+v, err %v", meta, err)
	}
}

// A form of version 2 for a period not dispatched with it gets one sentence, and what it
// holds is carried over into the current form, which then only needs the new columns.
func TestStaleFormCarriedOver(t *testing.T) {
	o := testOptions(t)
	o2 := o
	o2.TemplateVersion = "2"
	cur := RandomFiling(o.Checklist, o.County, o.Period, 8)
	old := asForm2(cur)
	old.Tasks[3].Status, old.Tasks[3].Percent = seeds.StatusInProgress, 150 // a problem of its own: not listed
	data := fill(t, build(t, o2), old)
	po := parseOptions(o)
	po.FormVersions = dispatchedWith("3")
	fl, meta, _, err := Parse(data, "old.xlsx", po)
	var ps Problems
	if !errors.As(err, &ps) || fl != nil || meta == nil || !meta.Stale || len(ps) != 1 {
		t.Fatalf("stale form: filing %v meta %+v err %v", fl, meta, err)
	}
	if msg := ps[0].Message; strings.Count(msg, "。") != 1 || !strings.HasSuffix(msg, "请改用第 3 版表格重新填报。") {
		t.Errorf("not one sentence: %s", msg)
	}
	carry, err := CarryOver(data, "old.xlsx", po)
	if err != nil {
		t.Fatal(err)
	}
	if carry.Form != 2 || len(carry.Tasks) != len(cur.Tasks) || carry.Tasks[0].Status != cur.Tasks[0].Status || carry.Tasks[0].Progress != cur.Tasks[0].Progress {
		t.Errorf("carried tasks: form %d, %+v", carry.Form, carry.Tasks[0])
	}
	if v := carry.Villages[1].Values["income"]; !v.Set || v.Value != cur.Villages[1].Values["income"].Value {
		t.Errorf("carried income %+v", v)
	}
	// The current form, prefilled from it, says what is new.
	o.Prefill, o.CarriedFrom = carry, "2"
	form := build(t, o)
	_, _, _, err = Parse(form, "new.xlsx", po)
	if err == nil || !strings.Contains(err.Error(), "第一书记项目资金") {
		t.Errorf("the new columns are to be filled: %v", err)
	}
	done := fill(t, form, cur)
	got, meta, _, err := Parse(done, "new.xlsx", po)
	if err != nil || meta.TemplateVersion != TemplateVersion || got.Form != 0 {
		t.Fatalf("the prefilled current form, completed: %v (%+v)", err, meta)
	}
	// CarryOver takes only out-of-date forms.
	if _, err := CarryOver(done, "new.xlsx", po); err == nil {
		t.Error("CarryOver of a current form")
	}
}

// The receipt names the template version and lists 已完成 tasks without 佐证说明.
func TestReceiptVersionAndNoEvidence(t *testing.T) {
	o := testOptions(t)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 9)
	fl.Tasks[0].Status, fl.Tasks[0].Percent, fl.Tasks[0].Evidence = seeds.StatusDone, 100, ""
	fl.Tasks[1].Status, fl.Tasks[1].Percent, fl.Tasks[1].Evidence = seeds.StatusDone, 100, "验收报告"
	_, _, st, err := Parse(fill(t, build(t, o), fl), "form.xlsx", parseOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	if st.Template != TemplateVersion || !strings.HasPrefix(st.NoEvidence(), "一、1 发展优势特色产业") || strings.Contains(st.NoEvidence(), "一、2") {
		t.Errorf("stats %+v", st)
	}
	_, body, err := RenderMail(MailReceipt, MailData{Office: "市委组织部", CountyName: o.County.Name, Period: o.Period, Stats: st, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"表格版本：第3版", "【提示】以下", "项任务报“已完成”但未填写佐证说明，按缺佐证计（完成进度80%）：一、1 发展优势特色产业"} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt lacks %q:\n%s", want, body)
		}
	}
	st.Template = "2"
	if _, body, _ = RenderMail(MailReceipt, MailData{Office: "市委组织部", CountyName: o.County.Name, Period: o.Period, Stats: st}); !strings.Contains(body, "表格版本：第2版（本期曾按此版下发") {
		t.Errorf("old form receipt:\n%s", body)
	}
}
