package seeds

import (
	"strings"
	"testing"
)

// TestAdjustRules reads the embedded [scoring] keys of the office's checks (flattened into
// Scoring), refuses bad values, and lowers grades by steps within the bands.
func TestAdjustRules(t *testing.T) {
	c := DefaultChecklist()
	a := c.Scoring.AdjustRules
	if a.FalseClaimPoints != 2 || a.FalseClaimGradeSteps != 1 || a.BonusCap != 3 || a.PenaltyCap != 5 {
		t.Errorf("embedded adjust rules: %+v", a)
	}
	for _, tc := range []struct {
		grade string
		steps int
		want  string
	}{
		{"优秀", 1, "良好"}, {"优秀", 2, "一般"}, {"一般", 1, "较差"}, {"较差", 1, "较差"}, {"良好", 0, "良好"}, {"未报送", 1, "未报送"},
	} {
		if got := c.LowerGrade(tc.grade, tc.steps); got != tc.want {
			t.Errorf("LowerGrade(%s, %d) = %s, want %s", tc.grade, tc.steps, got, tc.want)
		}
	}
	bad := strings.Replace(string(checklistTOML), "bonus_cap = 3.0", "bonus_cap = -1.0", 1)
	bad = strings.Replace(bad, "false_claim_grade_steps = 1", "false_claim_grade_steps = 4", 1)
	_, err := ParseChecklist([]byte(bad), "bad.toml")
	for _, want := range []string{"bonus_cap and penalty_cap must not be negative", "false_claim_grade_steps = 4"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing problem %q in %v", want, err)
		}
	}
	// A checklist without the keys is valid: no 不实 deduction, no 加分 or 减分 allowed.
	old := strings.NewReplacer("false_claim_points = 2.0\n", "", "false_claim_grade_steps = 1\n", "", "bonus_cap = 3.0\n", "", "penalty_cap = 5.0\n", "").Replace(string(checklistTOML))
	oc, err := ParseChecklist([]byte(old), "old.toml")
	if err != nil || oc.Scoring.AdjustRules != (AdjustRules{}) {
		t.Errorf("checklist without the keys: %+v, %v", oc, err)
	}
}
