package score

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func taskPtr(cr *CountyResult, id string) *TaskScore {
	for i := range cr.Tasks {
		if cr.Tasks[i].Task == id {
			return &cr.Tasks[i]
		}
	}
	return nil
}

// TestAdjustments scores a perfect county with every kind of record against the same
// county without them: a village value found on site lowers 五、7, a claim found false
// loses 一、1 and 2 points more and lowers the grade one step, 加分 stops at the cap of
// 3, 减分 is deducted; a superseded or unmatched record changes nothing and says so; the
// caller's filing is left as it was.
func TestAdjustments(t *testing.T) {
	at := time.Date(2020, 1, 3, 9, 0, 0, 0, time.UTC)
	plain := perfectFiling("1", "2019-12", 5)
	adjusted := perfectFiling("2", "2019-12", 5)
	before, _ := json.Marshal(adjusted)
	recs := []Adjustment{
		{ID: 7, Kind: AdjValue, Indicator: "income", Town: "镇", Village: "村A", Reported: "10000", Value: 9, By: "核查组", At: at},
		{ID: 9, Kind: AdjValue, Indicator: "income", Town: "镇", Village: "村A", Reported: "10000", Value: 1.2, Reason: "账面收入含补助", By: "核查组", At: at},
		{ID: 10, Kind: AdjValue, Indicator: "income", Town: "镇", Village: "无此村", Value: 1, By: "核查组", At: at},
		{ID: 11, Kind: AdjClaimFalse, Task: "一、1", Reported: "已完成", Reason: "现场无产业基地", By: "核查组", At: at},
		{ID: 12, Kind: AdjClaimTrue, Task: "一、2", Reported: "已完成", By: "核查组", At: at},
		{ID: 13, Kind: AdjClaimFalse, Task: "五、7", By: "核查组", At: at}, // not a status task
		{ID: 20, Kind: AdjBonus, Points: 2, Reason: "获省级表彰", Doc: "济组字〔2020〕1号", By: "王科长", At: at},
		{ID: 21, Kind: AdjBonus, Points: 2, Reason: "经验被推广", Doc: "济组字〔2020〕2号", By: "王科长", At: at},
		{ID: 22, Kind: AdjBonus, Points: 1, Reason: "又一项", Doc: "济组字〔2020〕3号", By: "王科长", At: at},
		{ID: 23, Kind: AdjPenalty, Points: 1, Reason: "通报批评", Doc: "济组通〔2020〕4号", By: "王科长", At: at},
	}
	res, err := Assess(checklist, "2019-12", []Submission{
		{County: "1", Name: "甲", Filing: plain},
		{County: "2", Name: "乙", Filing: adjusted, Adjustments: recs},
		{County: "3", Name: "丙", Adjustments: recs[6:7]},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(adjusted); string(after) != string(before) {
		t.Error("Assess changed the caller's filing")
	}
	var a, b, c *CountyResult
	for i := range res.Counties {
		switch res.Counties[i].Code {
		case "1":
			a = &res.Counties[i]
		case "2":
			b = &res.Counties[i]
		case "3":
			c = &res.Counties[i]
		}
	}
	if a.Total != 100 || a.Grade != "优秀" || len(a.Checks) != 0 {
		t.Fatalf("plain county: %v %s %v", a.Total, a.Grade, a.Checks)
	}
	// 一、1 is lost; 五、7 loses part of its compliance rule (4 of 5 villages ≥ 3万元).
	t11, t57 := taskPtr(b, "一、1"), taskPtr(b, "五、7")
	if t11.Score != 0 || t11.Light != Red || !strings.Contains(t11.Reported, "不实") || !strings.Contains(t11.Explanation, "第11号记录") {
		t.Errorf("一、1 found false: %+v", *t11)
	}
	if !slices.Contains(b.DueNext, "一、1") || slices.Contains(a.DueNext, "一、1") {
		t.Errorf("一、1 found false is not in 下月关注: %v", b.DueNext)
	}
	if t57.Score >= taskPtr(a, "五、7").Score {
		t.Errorf("五、7 with 村A at 1.2万元 scores %v, not below %v", t57.Score, taskPtr(a, "五、7").Score)
	}
	// 一、5 (已完成) is capped by its linked village income data, 4 of 5 villages now.
	t15 := taskPtr(b, "一、5")
	if t15.Score >= taskPtr(a, "一、5").Score || !strings.Contains(t15.Explanation, "不超过数据计分") {
		t.Errorf("一、5 with 村A at 1.2万元 is not capped by its data: %+v", *t15)
	}
	// Earned points lost, rescaled to 100 over what the period makes possible.
	lost := round2((a.Earned - 4 - (taskPtr(a, "五、7").Score - t57.Score) - (taskPtr(a, "一、5").Score - t15.Score)) * 100 / a.Possible)
	if b.Raw != lost {
		t.Errorf("raw %v, want %v", b.Raw, lost)
	}
	if b.Deduction != 3 || b.Bonus != 3 {
		t.Errorf("deduction %v (want 2 不实 + 1 减分), bonus %v (want the cap, 3)", b.Deduction, b.Bonus)
	}
	if b.Total != round2(lost-3+3) {
		t.Errorf("total %v, want %v", b.Total, round2(lost-3+3))
	}
	want := checklist.Grade(b.Total)
	if low := checklist.LowerGrade(want, 1); b.Grade != low || !strings.Contains(b.GradeNote, "降为"+low) {
		t.Errorf("grade %s (%s), want %s lowered to %s", b.Grade, b.GradeNote, want, low)
	}
	effects := map[int64]string{}
	for _, ch := range b.Checks {
		effects[ch.ID] = ch.Effect
	}
	for id, want := range map[int64]string{
		7: "已由第9号记录取代", 9: "以核查值计分（原填报10000万元）", 10: "未计入（本期村级台账中无此村）",
		11: "该项按未启动计，另扣2分，等次降1等", 12: "属实，不影响得分", 13: "未计入（非按进展状态计分的任务）",
		20: "加2分", 21: "超出加分上限3分，计1分", 22: "未计入（本期加分已达上限3分）", 23: "扣1分",
	} {
		if !strings.HasPrefix(effects[id], want) {
			t.Errorf("record %d: effect %q, want %q", id, effects[id], want)
		}
	}
	if len(c.Checks) != 1 || c.Checks[0].Effect != "未计入（本期未报送）" || c.Bonus != 0 || c.Submitted {
		t.Errorf("未报送 county with a record: %+v", c)
	}
	// Re-assessing gives the same result, byte for byte.
	res2, _ := Assess(checklist, "2019-12", []Submission{
		{County: "3", Name: "丙", Adjustments: recs[6:7]},
		{County: "2", Name: "乙", Filing: adjusted, Adjustments: recs},
		{County: "1", Name: "甲", Filing: plain},
	}, nil)
	j1, _ := json.Marshal(res)
	j2, _ := json.Marshal(res2)
	if string(j1) != string(j2) {
		t.Error("not deterministic")
	}
}

// TestAdjustmentCapsZero: a checklist without caps counts no 加分 or 减分, and says why.
func TestAdjustmentCapsZero(t *testing.T) {
	c := *checklist
	c.Scoring.AdjustRules.BonusCap, c.Scoring.AdjustRules.PenaltyCap = 0, 0
	res, err := Assess(&c, "2019-12", []Submission{{County: "1", Name: "甲", Filing: perfectFiling("1", "2019-12", 3),
		Adjustments: []Adjustment{{ID: 1, Kind: AdjBonus, Points: 1}, {ID: 2, Kind: AdjPenalty, Points: 1}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := res.Counties[0]
	if cr.Total != 100 || cr.Bonus != 0 || cr.Checks[0].Effect != "未计入（任务清单未设加分上限）" || cr.Checks[1].Effect != "未计入（任务清单未设减分上限）" {
		t.Errorf("no caps: total %v bonus %v checks %+v", cr.Total, cr.Bonus, cr.Checks)
	}
}

// TestDocAdjustmentExample is the worked example of docs/scoring.md, “8. Office checks
// and adjustments”, number for number.
func TestDocAdjustmentExample(t *testing.T) {
	recs := []Adjustment{
		{ID: 1, Kind: AdjValue, Indicator: "income", Town: "镇", Village: "村A", Reported: "10000", Value: 2.1, Reason: "账面收入含上级补助", By: "核查组"},
		{ID: 2, Kind: AdjClaimFalse, Task: "一、1", Reported: "已完成", Reason: "现场无产业基地", By: "核查组"},
		{ID: 3, Kind: AdjBonus, Points: 2, Reason: "经验做法被推广", Doc: "鲁组字〔2019〕8号", By: "王科长"},
		{ID: 4, Kind: AdjBonus, Points: 2, Reason: "获省级表彰", Doc: "鲁组字〔2019〕9号", By: "王科长"},
		{ID: 5, Kind: AdjPenalty, Points: 1, Reason: "通报批评", Doc: "济组通〔2019〕3号", By: "王科长"},
	}
	res, err := Assess(checklist, "2019-12", []Submission{{County: "1", Name: "甲", Filing: perfectFiling("1", "2019-12", 5), Adjustments: recs}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counties[0]
	if got := taskPtr(&c, "五、7"); got.Credit != 0.93 || got.Score != 5.58 {
		t.Errorf("五、7: credit %v score %v, want 0.93 and 5.58", got.Credit, got.Score)
	}
	if got := taskPtr(&c, "一、1"); got.Score != 0 {
		t.Errorf("一、1: %v, want 0", got.Score)
	}
	if got := taskPtr(&c, "一、5"); got.Score != 4.5 {
		t.Errorf("一、5: %v, want 4.5 (capped by its data, 4 of 5 villages)", got.Score)
	}
	if c.Possible != 99.1 || c.Earned != 94.18 {
		t.Errorf("possible %v earned %v, want 99.1 and 94.18", c.Possible, c.Earned)
	}
	if c.Raw != 95.04 || c.Deduction != 3 || c.Bonus != 3 || c.Total != 95.04 || c.Grade != "良好" || c.GradeNote != "因核查不实，等次由优秀降为良好" {
		t.Errorf("raw %v deduction %v bonus %v total %v grade %s (%s); want 95.04, 3, 3, 95.04, 良好", c.Raw, c.Deduction, c.Bonus, c.Total, c.Grade, c.GradeNote)
	}
	if e := c.Checks[3].Effect; e != "超出加分上限3分，计1分" {
		t.Errorf("second 加分: %q", e)
	}
}
