package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// assessCounty runs kaohe assess and returns the county's result.
func assessCounty(t *testing.T, db, period, code string) score.CountyResult {
	t.Helper()
	code0, out, errs := kaohe(t, "--config", confirmedConfig(t), "--store", db, "assess", "--period", period, "--format", "json")
	if code0 != 0 {
		t.Fatalf("assess: %d %s", code0, errs)
	}
	var res score.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Counties {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no county %s", code)
	return score.CountyResult{}
}

// TestAdjustAndVerifyCLI: a form is imported; the 核查表 is written, filled (a claim
// found 不实) and imported; assess scores lower; a 加分 is recorded, a second one over
// the cap refused; revoking the 不实 record restores the task; adjust list shows it all,
// the revoked record marked; a spoilt 核查表 is refused naming its cell.
func TestAdjustAndVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	const code, period = "370811", "2026-06"
	form := filepath.Join(dir, "form.xlsx")
	if c, out, errs := kaohe(t, "--store", db, "template", "--county", code, "--period", period, "-o", form); c != 0 {
		t.Fatalf("template: %d %s %s", c, out, errs)
	}
	blank, _ := os.ReadFile(form)
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	filled, err := templates.FillForm(blank, score.Synthetic(cl, r.County(code), period, rand.New(rand.NewPCG(3, 4)), 1))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(form, filled, 0o644)
	// Received in time: a form of June received now (the file's time) would be after
	// the period's lock (period.lock_after_days), stored but not scored.
	if c, out, errs := kaohe(t, "--store", db, "import", "--received", "2026-06-20 10:00", form); c != 0 {
		t.Fatalf("import: %d %s %s", c, out, errs)
	}
	before := assessCounty(t, db, period, code)

	sheet := filepath.Join(dir, "核查表.xlsx")
	c, out, errs := kaohe(t, "--store", db, "verify", "sample", "--period", period, "--villages", "2", "--tasks", "2", "-o", sheet)
	if c != 0 || !strings.Contains(out, "1 counties, 2 villages") {
		t.Fatalf("verify sample: %d %s %s", c, out, errs)
	}
	f, err := excelize.OpenFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	claim, _ := f.GetCellValue(templates.VerifySheetTasks, "C2")
	f.SetCellStr(templates.VerifySheetTasks, "G2", "不实")
	f.SetCellStr(templates.VerifySheetTasks, "H2", "现场无佐证材料")
	f.SetCellStr(templates.VerifySheetTasks, "G3", "属实")
	f.SetCellStr(templates.VerifySheetInfo, "B5", "济组核〔2026〕6号")
	f.Save()
	f.Close()
	c, out, errs = kaohe(t, "--store", db, "verify", "import", sheet, "--by", "核查组")
	if c != 0 || !strings.Contains(out, "recorded 2 results (0 values found on site, 2 task claims, 1 of them 不实)") {
		t.Fatalf("verify import: %d %s %s", c, out, errs)
	}
	if c, _, errs := kaohe(t, "--store", db, "verify", "import", sheet); c != exitUser || !strings.Contains(errs, "imported already") {
		t.Errorf("second import: %d %s", c, errs)
	}
	after := assessCounty(t, db, period, code)
	p := cl.Scoring.FalseClaimPoints
	if after.Total >= before.Total || after.Deduction != before.Deduction+p {
		t.Errorf("after 不实 of %s: total %v → %v, deduction %v → %v", claim, before.Total, after.Total, before.Deduction, after.Deduction)
	}

	// 加分 within the cap, then over it.
	c, out, errs = kaohe(t, "--store", db, "adjust", "add", "--county", "任城区", "--period", period, "--kind", "加分",
		"--points", "2.5", "--reason", "经验做法被省委组织部推广", "--doc", "鲁组字〔2026〕8号", "--by", "王科长")
	if c != 0 || !strings.Contains(out, "recorded 3: 任城区 2026-06 加分 2.5分") {
		t.Fatalf("adjust add: %d %s %s", c, out, errs)
	}
	c, _, errs = kaohe(t, "--store", db, "adjust", "add", "--county", code, "--period", period, "--kind", "加分",
		"--points", "1", "--reason", "x", "--doc", "y", "--by", "王科长")
	if c != exitUser || !strings.Contains(errs, "over the checklist's cap of 3") {
		t.Errorf("over the cap: %d %s", c, errs)
	}
	if c, _, _ := kaohe(t, "--store", db, "adjust", "add", "--county", code, "--period", period, "--kind", "奖励",
		"--points", "1", "--reason", "x", "--doc", "y"); c != exitUsage {
		t.Errorf("unknown kind: exit %d", c)
	}
	withBonus := assessCounty(t, db, period, code)
	if withBonus.Bonus != 2.5 || math.Abs(withBonus.Total-(after.Total+2.5)) > 0.005 {
		t.Errorf("with 2.5 加分: total %v (was %v), bonus %v", withBonus.Total, after.Total, withBonus.Bonus)
	}

	// Revoke the 不实 record (id 1: the sheet's first row).
	if c, out, errs := kaohe(t, "--store", db, "adjust", "revoke", "1", "--reason", "复核后属实", "--by", "李处长"); c != 0 || !strings.Contains(out, "revoked 1") {
		t.Fatalf("revoke: %d %s %s", c, out, errs)
	}
	if c, _, errs := kaohe(t, "--store", db, "adjust", "revoke", "1", "--reason", "again", "--by", "李处长"); c != exitUser || !strings.Contains(errs, "was revoked") {
		t.Errorf("second revoke: %d %s", c, errs)
	}
	restored := assessCounty(t, db, period, code)
	if restored.Deduction != before.Deduction || restored.Bonus != 2.5 || math.Abs(restored.Total-(before.Total+2.5)) > 0.005 {
		t.Errorf("after revoking: total %v deduction %v", restored.Total, restored.Deduction)
	}
	c, out, _ = kaohe(t, "--store", db, "adjust", "list", "--period", period)
	if c != 0 {
		t.Errorf("adjust list: exit %d", c)
	}
	for _, want := range []string{"核查不实  " + claim, "理由：现场无佐证材料", "文号：济组核〔2026〕6号", "核查组", "[已撤销：李处长", "复核后属实]", "核查属实", "加分  2.5分  理由：经验做法被省委组织部推广  文号：鲁组字〔2026〕8号  王科长"} {
		if !strings.Contains(out, want) {
			t.Errorf("adjust list lacks %q:\n%s", want, out)
		}
	}
	if _, out, _ := kaohe(t, "--store", db, "adjust", "list", "--period", period, "--no-revoked"); strings.Contains(out, "已撤销") || !regexp.MustCompile(`(?m)^\s+2 `).MatchString(out) {
		t.Errorf("list --no-revoked:\n%s", out)
	}

	// A spoilt 核查表: refused, each problem naming its cell; nothing recorded.
	f, _ = excelize.OpenFile(sheet)
	f.SetCellStr(templates.VerifySheetTasks, "G3", "差不多")
	f.SetCellStr(templates.VerifySheetValues, "I2", "很多")
	f.Save()
	f.Close()
	c, _, errs = kaohe(t, "--store", db, "verify", "import", sheet)
	if c != exitUser || !strings.Contains(errs, "任务核查!G3：核查结论“差不多”无法识别") || !strings.Contains(errs, "村级数据核查!I2：") {
		t.Errorf("spoilt 核查表: %d\n%s", c, errs)
	}
}
