package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
)

// TestChecksInReports: a county's 核查与加减分 records are printed in its report and in
// the summary, each with what it did, its reason, 文号, who and when; the total shows the
// 加分 and the grade why it was lowered. Reports of counties without records are as before
// (the golden files).
func TestChecksInReports(t *testing.T) {
	res := fixture()
	c := &res.Counties[0]
	at := time.Date(2019, 10, 8, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))
	c.Checks = []score.Check{
		{ID: 3, Kind: score.AdjValue, Target: "安居街道南张村 村集体经济收入", Reported: "6.2", Found: "2.1万元", Effect: "以核查值计分（原填报6.2万元）",
			Reason: "账面收入含上级补助", Doc: "济组核〔2019〕6号", By: "核查组", At: at},
		{ID: 4, Kind: score.AdjClaimFalse, Target: "一、1 发展优势特色产业", Reported: "已完成", Found: "不实", Points: -2,
			Effect: "该项按未启动计，另扣2分，等次降1等", Reason: "现场无产业基地", Doc: "济组核〔2019〕6号", By: "核查组", At: at},
		{ID: 5, Kind: score.AdjBonus, Points: 1.5, Effect: "加1.5分", Reason: "经验做法被省委组织部推广", Doc: "鲁组字〔2019〕8号", By: "王科长", At: at},
	}
	c.Bonus, c.Grade, c.GradeNote = 1.5, "良好", "因核查不实，等次由优秀降为良好"
	m := CountyModel(res, c.Code, nil)
	var text strings.Builder
	m.eachString(func(s string) { text.WriteString(s + "\n") })
	for _, want := range []string{"核查与加减分：本期有3条核查与加减分记录：加分1.5分，核查和减分扣2分（其中核查不实1项），因核查不实，等次由优秀降为良好。",
		"加分1.50）", "良好（因核查不实", "6.2／2.1万元", "现场无产业基地（济组核〔2019〕6号）", "核查组，2019年10月8日"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("county model lacks %q", want)
		}
	}
	// The workbook's 核查与加减分 sheet: one row per record.
	xb, err := SummaryXLSX(res)
	if err != nil {
		t.Fatal(err)
	}
	xf, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := xf.GetRows(sheetAdjust)
	var sheet strings.Builder
	for _, r := range rows {
		sheet.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, want := range []string{c.Name + "|3|核查数值|安居街道南张村 村集体经济收入|6.2|2.1万元", "|不实|-2.00|", "|加分||||1.50|", "鲁组字〔2019〕8号|王科长|2019-10-08 10:30"} {
		if !strings.Contains(sheet.String(), want) {
			t.Errorf("核查与加减分 sheet lacks %q:\n%s", want, sheet.String())
		}
	}
	s := SummaryModel(res, nil)
	text.Reset()
	s.eachString(func(x string) { text.WriteString(x + "\n") })
	for _, want := range []string{"核查与加减分", c.Name + "本期有3条", "经验做法被省委组织部推广（鲁组字〔2019〕8号）"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary model lacks %q", want)
		}
	}
	// Printed (pdftotext; table cells wrap, so short pieces are looked for).
	r := testRenderer(t, false)
	pdf, err := r.County(res, c.Code, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := column(extractWords(t, pdf), 0, pageW, "")
	for _, want := range []string{"核查与加减分", "济组核", "现场无产业基地", "核查组", "王科长", "加1.5分"} {
		if !strings.Contains(all, want) {
			t.Errorf("county PDF lacks %q", want)
		}
	}
	sum, err := r.Summary(res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if all := column(extractWords(t, sum), 0, pageW, ""); !strings.Contains(all, "核查与加减分") || !strings.Contains(all, "鲁组字") {
		t.Errorf("summary PDF lacks the checks")
	}
}
