package jobs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/templates"
)

func TestTaskPrefix(t *testing.T) {
	for name, want := range map[string]string{
		"四、3-水质检测报告.pdf": "四、3", "四.3水质.pdf": "四、3", "一，12 台账.xlsx": "一、12", "二3.jpg": "二、3",
		"水质四、3.pdf": "", "四、-x.pdf": "", "四、1234.pdf": "", "四、3.pdf": "四、3",
	} {
		if got := taskPrefix(name); got != want {
			t.Errorf("taskPrefix(%q) = %q, want %q", name, got, want)
		}
	}
}

// taskRow finds the row of a task on the 重点任务 sheet.
func taskRow(t testing.TB, f *excelize.File, id string) int {
	t.Helper()
	col := column(t, f, templates.SheetTasks, templates.HdrTaskID)
	for r := 2; r < 200; r++ {
		if v, _ := f.GetCellValue(templates.SheetTasks, fmt.Sprintf("%s%d", col, r)); v == id {
			return r
		}
	}
	t.Fatalf("no task row %s", id)
	return 0
}

// A county mails its form with evidence files beside it: the good ones are kept with their
// SHA-256 and linked to tasks by their names or the 佐证说明, the hostile ones refused, the
// receipt lists both, and an 已完成 task with no 佐证说明 but a file sent for it is not 缺佐证.
func TestEvidenceFilesBesideTheForm(t *testing.T) {
	h := newHarness(t)
	const code = "370811"
	form := editForm(t, h.filled(code, 0.9, 7), func(f *excelize.File) {
		s := templates.SheetTasks
		r1, r2 := taskRow(t, f, "一、1"), taskRow(t, f, "一、2")
		f.SetCellValue(s, fmt.Sprintf("%s%d", column(t, f, s, templates.HdrStatus), r1), "已完成")
		f.SetCellValue(s, fmt.Sprintf("%s%d", column(t, f, s, templates.HdrPercent), r1), 100)
		f.SetCellValue(s, fmt.Sprintf("%s%d", column(t, f, s, templates.HdrEvidence), r1), "")
		f.SetCellValue(s, fmt.Sprintf("%s%d", column(t, f, s, templates.HdrEvidence), r2), "见村规民约修订记录")
	})
	sheet := excelize.NewFile()
	sheet.SetCellValue("Sheet1", "A1", "统计台账")
	var ledger bytes.Buffer
	if err := sheet.Write(&ledger); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n会议纪要\n%%EOF\n")
	h.send(code, "任城区11月进展表及佐证材料",
		xlsx("任城区.xlsx", form),
		mail.OutAttachment{Name: "一、1-会议纪要.pdf", ContentType: "application/pdf", Data: pdf},
		mail.OutAttachment{Name: "村规民约修订记录.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n图")},
		xlsx("统计台账.xlsx", ledger.Bytes()),
		mail.OutAttachment{Name: "setup.exe", ContentType: "application/octet-stream", Data: []byte("MZ\x90\x00程序")},
		mail.OutAttachment{Name: "纪要.docm", ContentType: "application/octet-stream", Data: []byte("PK\x03\x04")},
	)
	c := h.collect()
	if c["accepted"] != 1 || c["rejected"] != 0 || c["evidence"] != 3 || c["evidence_refused"] != 2 {
		t.Fatalf("collect counts %v", c)
	}
	h.deliver()
	got := h.to(h.county(code).Emails[0])
	if len(got) != 1 || !strings.Contains(got[0].Subject, "回执") {
		t.Fatalf("county got %d mails", len(got))
	}
	body := got[0].Text
	for _, want := range []string{
		"佐证材料：",
		"《一、1-会议纪要.pdf》（PDF，1KB）已保存，作为任务一、1的佐证材料。",
		"《村规民约修订记录.png》（PNG，1KB）已保存，作为任务一、2的佐证材料。",
		"《统计台账.xlsx》（XLSX，",
		"未对应到任务",
		"《setup.exe》未保存：这是可执行程序",
		"《纪要.docm》未保存：这是含宏的 Office 文件",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt lacks %q:\n%s", want, body)
		}
	}

	ev, err := h.d.Store.EvidenceOf(h.ctx, code, h.period)
	if err != nil || len(ev) != 3 {
		t.Fatalf("evidence stored: %d, %v", len(ev), err)
	}
	subs := h.submissions()
	if len(subs) != 1 || ev[0].Submission != subs[0].ID || ev[0].Filename != "一、1-会议纪要.pdf" || ev[0].Message == 0 {
		t.Errorf("evidence %+v not linked to submission %+v", ev[0], subs)
	}
	if data, err := h.d.Store.EvidenceData(h.ctx, ev[0].ID); err != nil || !bytes.Equal(data, pdf) {
		t.Errorf("evidence content: %q, %v", data, err)
	}
	// The refused files are in the stored raw mail and recorded among its attachments,
	// with their SHA-256, like every attachment.
	if ev[0].Message == 0 {
		t.Fatal("no message")
	}
	atts, err := h.d.Store.Attachments(h.ctx, ev[0].Message)
	if err != nil || len(atts) != 6 {
		t.Fatalf("attachments recorded: %d, %v", len(atts), err)
	}
	if raw, err := h.d.Store.RawMessage(h.ctx, ev[0].Message); err != nil || !bytes.Contains(raw, []byte("setup.exe")) {
		t.Errorf("raw message without the refused file: %v", err)
	}
	// Collecting again changes nothing (the message is processed).
	if c := h.collect(); c["evidence"] != 0 {
		t.Errorf("second pass kept evidence again: %v", c)
	}

	a, _, err := h.d.Assess(h.ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cr := countyIn(a.Result, code)
	var t1, t2 score.TaskScore
	for _, ts := range cr.Tasks {
		switch ts.Task {
		case "一、1":
			t1 = ts
		case "一、2":
			t2 = ts
		}
	}
	if t1.NoEvidence || len(t1.EvidenceFiles) != 1 || t1.Status != "已完成" {
		t.Errorf("一、1 (已完成, no 佐证说明, a file sent): %+v", t1)
	}
	if len(t2.EvidenceFiles) != 1 || t2.EvidenceFiles[0] != "村规民约修订记录.png" {
		t.Errorf("一、2: files %v", t2.EvidenceFiles)
	}
}

// Evidence files beside a form that is rejected are kept all the same (with the rejected
// submission) and listed in the 退回, so the corrected form need not carry them again; they
// count for the period once a form is accepted.
func TestEvidenceBesideARejectedForm(t *testing.T) {
	h := newHarness(t)
	const code = "370812"
	good := h.filled(code, 0.9, 3)
	bad := editForm(t, good, func(f *excelize.File) {
		s := templates.SheetTasks
		f.SetCellValue(s, fmt.Sprintf("%s%d", column(t, f, s, templates.HdrStatus), taskRow(t, f, "二、1")), "")
	})
	h.send(code, "进展表", xlsx("表.xlsx", bad),
		mail.OutAttachment{Name: "四、3-水质检测报告.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 报告")})
	if c := h.collect(); c["rejected"] != 1 || c["evidence"] != 1 {
		t.Fatalf("counts %v", c)
	}
	h.send(code, "进展表（改）", xlsx("表.xlsx", good))
	if c := h.collect(); c["accepted"] != 1 || c["evidence"] != 0 {
		t.Fatalf("counts %v", c)
	}
	h.deliver()
	got := h.to(h.county(code).Emails[0])
	if len(got) != 2 || !strings.Contains(got[0].Subject, "退回") ||
		!strings.Contains(strings.ReplaceAll(got[0].Text, "\r\n", "\n"), "随表发送的佐证材料：\n  《四、3-水质检测报告.pdf》（PDF，1KB）已保存，作为任务四、3的佐证材料。\n已保存的佐证材料无需") {
		t.Fatalf("mails %d; first:\n%s", len(got), got[0].Text)
	}
	if strings.Contains(got[1].Text, "佐证材料：") {
		t.Errorf("the receipt of the corrected form lists evidence it did not carry:\n%s", got[1].Text)
	}
	a, _, err := h.d.Assess(h.ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range countyIn(a.Result, code).Tasks {
		if ts.Task == "四、3" && (len(ts.EvidenceFiles) != 1 || ts.EvidenceFiles[0] != "四、3-水质检测报告.pdf") {
			t.Errorf("四、3 files %v", ts.EvidenceFiles)
		}
	}
}
