package demo

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/templates"
)

// verifyCounty is the county whose 抽查核查 finds something: a village's income lower
// than reported and a claim that does not hold.
const verifyCounty = "370811" // 任城区

// demoVerify is the office's 抽查核查 of the month: it writes the 核查表 (2 villages and 2
// claims per county) to dir, fills it as the checkers would — in verifyCounty the first
// sampled village's 村集体经济收入 is found to be half of what was reported and the first
// sampled claim 不实 — saves the filled copy beside it, and records it. It returns the
// number of records.
func demoVerify(ctx context.Context, d *jobs.Deps, period, dir string) (int, error) {
	data, _, err := d.VerifySample(ctx, period, 2, 2)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	blank := filepath.Join(dir, "核查表_"+period+".xlsx")
	if err := os.WriteFile(blank, data, 0o644); err != nil {
		return 0, err
	}
	f, err := excelize.OpenFile(blank)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := f.GetRows(templates.VerifySheetValues)
	if err != nil {
		return 0, err
	}
	value := false
	for i, r := range rows {
		if i == 0 || len(r) < 8 || r[0] != verifyCounty || r[4] != "income" {
			continue
		}
		rep, err := strconv.ParseFloat(r[7], 64)
		if err != nil || rep <= 0 {
			continue
		}
		found := math.Round(rep*50) / 100 // half, to 0.01万元
		if err := f.SetCellValue(templates.VerifySheetValues, fmt.Sprintf("I%d", i+1), found); err != nil {
			return 0, err
		}
		if err := f.SetCellStr(templates.VerifySheetValues, fmt.Sprintf("J%d", i+1), "账面收入含上级转移支付，按集体经营性收入核减"); err != nil {
			return 0, err
		}
		value = true
		break
	}
	trows, err := f.GetRows(templates.VerifySheetTasks)
	if err != nil {
		return 0, err
	}
	claim := false
	for i, r := range trows {
		if i == 0 || len(r) < 3 || r[0] != verifyCounty {
			continue
		}
		for _, c := range []struct{ cell, text string }{
			{fmt.Sprintf("G%d", i+1), "不实"},
			{fmt.Sprintf("H%d", i+1), "现场未见相关台账和佐证材料"},
		} {
			if err := f.SetCellStr(templates.VerifySheetTasks, c.cell, c.text); err != nil {
				return 0, err
			}
		}
		claim = true
		break
	}
	if !value && !claim {
		return 0, fmt.Errorf("demo 核查表: nothing of %s sampled", verifyCounty)
	}
	for _, c := range []struct{ cell, text string }{{"B5", "济组核〔" + period[:4] + "〕1号"}, {"B6", "市考核办核查组"}} {
		if err := f.SetCellStr(templates.VerifySheetInfo, c.cell, c.text); err != nil {
			return 0, err
		}
	}
	filled := filepath.Join(dir, "核查表_"+period+"_已填.xlsx")
	if err := f.SaveAs(filled); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(filled)
	if err != nil {
		return 0, err
	}
	recs, err := d.ImportVerification(ctx, b, "")
	return len(recs), err
}
