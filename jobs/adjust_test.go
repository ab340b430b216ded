package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

func countyIn(res *score.Result, code string) *score.CountyResult {
	for i := range res.Counties {
		if res.Counties[i].Code == code {
			return &res.Counties[i]
		}
	}
	return nil
}

func taskIn(c *score.CountyResult, id string) *score.TaskScore {
	for i := range c.Tasks {
		if c.Tasks[i].Task == id {
			return &c.Tasks[i]
		}
	}
	return nil
}

// TestVerifyRoundTrip: forms are imported and assessed; the 核查表 of the period is
// written to a file, filled by a checker (a village's income found to be 0, a claim found
// false), read back from the file and recorded; assessing again replaces the value (五、7
// falls), loses the claim's task and deducts 不实 points; the same workbook is refused a
// second time; revoking the 不实 record gives the task back.
func TestVerifyRoundTrip(t *testing.T) {
	h := newHarness(t)
	ctx, d := h.ctx, h.d
	const code = "370811"
	for i, c := range []string{code, "370812"} {
		if sub, _, probs, err := d.Import(ctx, c+".xlsx", h.filled(c, 1, uint64(i+1)), d.now()); err != nil || sub == nil || sub.Status != store.Accepted {
			t.Fatalf("import %s: %v %v", c, probs, err)
		}
	}
	before, _, err := d.Assess(ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := countyIn(before.Result, code)

	data, st, err := d.VerifySample(ctx, h.period, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counties != 2 || st.Villages != 4 || st.Claims != 6 {
		t.Errorf("sample stats %+v", st)
	}
	again, _, _ := d.VerifySample(ctx, h.period, 2, 3)
	if len(again) == 0 {
		t.Fatal("second sample empty")
	}
	file := filepath.Join(t.TempDir(), "核查表.xlsx")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The checker fills the file.
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(templates.VerifySheetValues)
	var village string
	for i, r := range rows[1:] {
		if r[0] == code && r[4] == "income" && village == "" {
			village = r[3]
			f.SetCellStr(templates.VerifySheetValues, "I"+itoa(i+2), "0")
			f.SetCellStr(templates.VerifySheetValues, "J"+itoa(i+2), "账面收入为上级补助，不计入集体经营收入")
		}
	}
	trows, _ := f.GetRows(templates.VerifySheetTasks)
	var claim string
	for i, r := range trows[1:] {
		if r[0] == code && claim == "" && taskIn(b, r[2]).Score > 0 {
			claim = r[2]
			f.SetCellStr(templates.VerifySheetTasks, "G"+itoa(i+2), "不实")
			f.SetCellStr(templates.VerifySheetTasks, "H"+itoa(i+2), "现场无相关台账和佐证材料")
		}
	}
	f.SetCellStr(templates.VerifySheetInfo, "B5", "济组核〔2026〕11号")
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if village == "" || claim == "" {
		t.Fatalf("nothing to fill: village %q claim %q", village, claim)
	}
	filled, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := d.ImportVerification(ctx, filled, "核查组")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].By != "核查组" || recs[0].Doc != "济组核〔2026〕11号" || !strings.HasPrefix(recs[0].Source, "verify:") {
		t.Fatalf("records %+v", recs)
	}
	if _, err := d.ImportVerification(ctx, filled, "核查组"); !errors.Is(err, ErrAdjustment) {
		t.Errorf("second import of the same 核查表: %v, want ErrAdjustment", err)
	}

	after, _, err := d.Assess(ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := countyIn(after.Result, code)
	if got := taskIn(a, "五、7").Score; got >= taskIn(b, "五、7").Score {
		t.Errorf("五、7 with %s's income found 0: %v, was %v", village, got, taskIn(b, "五、7").Score)
	}
	if got := taskIn(a, claim); got.Score != 0 || !strings.Contains(got.Reported, "不实") {
		t.Errorf("%s found false: %+v", claim, got)
	}
	p := d.Checklist.Scoring.FalseClaimPoints
	if a.Deduction != b.Deduction+p || a.Total >= b.Total || len(a.Checks) != 2 {
		t.Errorf("after the check: total %v (was %v), deduction %v (was %v), %d checks", a.Total, b.Total, a.Deduction, b.Deduction, len(a.Checks))
	}
	t.Logf("%s: total %v → %v (deduction %v → %v); 五、7 %v → %v (%s income found 0); %s %v → %v (不实)", code, b.Total, a.Total,
		b.Deduction, a.Deduction, taskIn(b, "五、7").Score, taskIn(a, "五、7").Score, village, claim, taskIn(b, claim).Score, taskIn(a, claim).Score)
	if other := countyIn(after.Result, "370812"); other.Total != countyIn(before.Result, "370812").Total {
		t.Errorf("the other county changed: %v → %v", countyIn(before.Result, "370812").Total, other.Total)
	}

	// Revoking the 不实 record gives the task back; the value found stays.
	var claimID int64
	for _, r := range recs {
		if r.Kind == store.AdjClaimFalse {
			claimID = r.ID
		}
	}
	if _, err := d.RevokeAdjustment(ctx, claimID, "王科长", "复核后属实"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RevokeAdjustment(ctx, claimID, "王科长", "again"); !errors.Is(err, ErrAdjustment) {
		t.Errorf("second revocation: %v", err)
	}
	re, _, err := d.Assess(ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := countyIn(re.Result, code)
	if taskIn(r, claim).Score != taskIn(b, claim).Score || r.Deduction != b.Deduction || taskIn(r, "五、7").Score != taskIn(a, "五、7").Score {
		t.Errorf("after revoking: %s %v (was %v), deduction %v", claim, taskIn(r, claim).Score, taskIn(b, claim).Score, r.Deduction)
	}
}

// TestAddAdjustmentCaps: 加分 beyond bonus_cap is refused with the figures; a revoked
// item no longer counts against the cap; unknown counties and missing 文号 are refused.
func TestAddAdjustmentCaps(t *testing.T) {
	h := newHarness(t)
	ctx, d := h.ctx, h.d
	add := func(kind string, points float64) error {
		_, err := d.AddAdjustment(ctx, store.Adjustment{County: "370811", Period: h.period, Kind: kind, Points: points,
			Reason: "理由", Doc: "济组字〔2026〕1号", By: "王科长"})
		return err
	}
	if err := add(store.AdjBonus, 2); err != nil {
		t.Fatal(err)
	}
	err := add(store.AdjBonus, 1.5)
	if !errors.Is(err, ErrAdjustment) || !strings.Contains(err.Error(), "would make 3.5, over the checklist's cap of 3 (scoring.bonus_cap)") {
		t.Errorf("over the cap: %v", err)
	}
	if err := add(store.AdjPenalty, 5); err != nil {
		t.Errorf("减分 at its cap: %v", err)
	}
	if err := add(store.AdjPenalty, 0.1); !errors.Is(err, ErrAdjustment) {
		t.Errorf("减分 over its cap: %v", err)
	}
	list, _ := d.Store.Adjustments(ctx, h.period, "370811", false)
	if _, err := d.RevokeAdjustment(ctx, list[0].ID, "王科长", "文件撤回"); err != nil {
		t.Fatal(err)
	}
	if err := add(store.AdjBonus, 1.5); err != nil {
		t.Errorf("after revoking the first 加分: %v", err)
	}
	if _, err := d.AddAdjustment(ctx, store.Adjustment{County: "999999", Period: h.period, Kind: store.AdjBonus, Points: 1, Reason: "x", Doc: "d"}); !errors.Is(err, ErrAdjustment) {
		t.Errorf("unknown county: %v", err)
	}
	if _, err := d.AddAdjustment(ctx, store.Adjustment{County: "370811", Period: h.period, Kind: store.AdjBonus, Points: 1, Reason: "x"}); !errors.Is(err, ErrAdjustment) || !strings.Contains(err.Error(), "--doc") {
		t.Errorf("no 文号: %v", err)
	}
	res, _, err := d.Assess(ctx, h.period, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := countyIn(res.Result, "370811"); c.Submitted || len(c.Checks) != 2 || c.Checks[0].Effect != "未计入（本期未报送）" {
		t.Errorf("未报送 county with records: %+v", c.Checks)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
