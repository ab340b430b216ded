package jobs

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// form2 is code's form of template version 2 for the harness period, filled the way a
// county fills that version (its county fund totals, no per-village funds or 高中以上).
func (h *harness) form2(code string, seed uint64) []byte {
	h.t.Helper()
	c := h.county(code)
	deadline, err := h.d.Config.Deadline(h.period)
	if err != nil {
		h.t.Fatal(err)
	}
	blank, err := templates.Build(templates.Options{Checklist: h.d.Checklist, Roster: h.d.Roster, County: c, Period: h.period,
		Deadline: deadline, ReturnTo: h.d.Config.Office.From, Secret: h.d.Config.Forms.Secret, TemplateVersion: "2"})
	if err != nil {
		h.t.Fatal(err)
	}
	f := score.Synthetic(h.d.Checklist, c, h.period, rand.New(rand.NewPCG(seed, 2)), 0.8)
	f.Indicators["fund_total"] = seeds.Number{Value: 200, Set: true}
	f.Indicators["fund_collective"] = seeds.Number{Value: 150, Set: true}
	for i := range f.Villages {
		for _, id := range []string{"fund_sec", "fund_sec_collective", "reserve_hs"} {
			delete(f.Villages[i].Values, id)
		}
	}
	b, err := templates.FillForm(blank, f)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// A form of template version 2 for a period whose forms were all of version 3: the reply
// says in one sentence that it is out of date and attaches the current form, prefilled
// with what the old one held; nothing is stored as accepted.
func TestOldFormOutOfDateGetsCurrentFormPrefilled(t *testing.T) {
	h := newHarness(t)
	if c, err := h.d.Dispatch(h.ctx, h.period, false); err != nil || c["queued"] == 0 {
		t.Fatalf("dispatch: %v %v", c, err)
	}
	h.deliver()
	addr := h.county(rencheng).Emails[0]
	sent := len(h.to(addr))
	old := h.form2(rencheng, 1)
	h.send(rencheng, "任城区进展表", xlsx("任城区旧表.xlsx", old))
	if c := h.collect(); c["rejected"] != 1 || c["out_of_date"] != 1 || c["accepted"] != 0 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(addr)[sent:]
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【退回】") {
		t.Fatalf("want one rejection, got %d", len(got))
	}
	m := got[0]
	const sentence = "这是已过期的第 2 版表格，2026年11月须使用现行的第 3 版表格"
	if !strings.Contains(m.Text, "发现以下1个问题") || !strings.Contains(m.Text, "1. "+sentence) || strings.Count(m.Text, "请改用第 3 版表格重新填报。") != 1 {
		t.Errorf("not the one sentence:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "附件是现行的第3版表格，已预填你单位旧表中可沿用的数据") {
		t.Errorf("the attachment is not explained:\n%s", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != FormFilename(h.county(rencheng), h.period) {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	cur := m.Attachments[0].Data
	po := templates.ParseOptions{Checklist: h.d.Checklist, Roster: h.d.Roster, Secret: h.d.Config.Forms.Secret, County: rencheng}
	carried, err := templates.CarryOver(old, "old.xlsx", templates.ParseOptions{Checklist: h.d.Checklist, Roster: h.d.Roster, Secret: h.d.Config.Forms.Secret})
	if err != nil {
		t.Fatal(err)
	}
	// The attached form is the current version, signed, prefilled with the old values;
	// only the new columns are empty.
	_, meta, _, err := templates.Parse(cur, "cur.xlsx", po)
	if meta == nil || meta.TemplateVersion != templates.TemplateVersion || meta.Stale || err == nil || !strings.Contains(err.Error(), "第一书记项目资金") {
		t.Fatalf("attached form: %+v, %v", meta, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(cur))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	status := column(t, f, templates.SheetTasks, templates.HdrStatus)
	v, _ := f.GetCellValue(templates.SheetTasks, status+"2")
	if v == "" || v != carried.Tasks[0].Status.String() {
		t.Errorf("task status carried: %q, want %q", v, carried.Tasks[0].Status)
	}
	inc := column(t, f, templates.SheetVillages, "村集体经济收入（万元）")
	if v, _ := f.GetCellValue(templates.SheetVillages, inc+"2"); v == "" {
		t.Error("village income not carried")
	}
	all, _ := f.GetRows(templates.SheetGuide)
	if !strings.Contains(strings.Join(flatten(all), "\n"), "本表已预填你单位报送的第 2 版旧表中可沿用的数据") {
		t.Errorf("填报说明 does not say what was carried over: %v", all)
	}
	if subs := h.submissions(); len(subs) != 1 || subs[0].Status == "accepted" {
		t.Errorf("submissions: %+v", subs)
	}
}

// A form of template version 2 for a period whose forms were sent as version 2 (recorded
// at dispatch) is accepted and read by version 2's rules; the receipt says which version.
func TestOldFormOfItsPeriodAccepted(t *testing.T) {
	h := newHarness(t)
	if err := h.d.Store.RecordFormVersion(h.ctx, h.period, "2", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.send(rencheng, "任城区进展表", xlsx("任城区.xlsx", h.form2(rencheng, 2)))
	if c := h.collect(); c["accepted"] != 1 {
		t.Fatalf("collect = %v", c)
	}
	h.deliver()
	got := h.to(h.county(rencheng).Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "【回执】") || !strings.Contains(got[0].Text, "表格版本：第2版（本期曾按此版下发") {
		t.Fatalf("receipt: %+v", got)
	}
	sub, err := h.d.Store.LatestAccepted(h.ctx, rencheng, h.period)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Filing.Form != 2 || !sub.Filing.Indicators["fund_total"].Set {
		t.Errorf("stored filing: form %d, fund_total %+v", sub.Filing.Form, sub.Filing.Indicators["fund_total"])
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
