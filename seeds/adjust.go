package seeds

import "fmt"

// AdjustRules are the checklist's parameters of the office's own checks and adjustments
// (抽查核查, 加分, 减分). They sit in [scoring] (Scoring embeds them).
type AdjustRules struct {
	// FalseClaimPoints are deducted for each task claim a check found false (核查不实),
	// on top of the task's credit, which is lost.
	FalseClaimPoints float64 `toml:"false_claim_points"`
	// FalseClaimGradeSteps is how many grades a county with a claim found false goes
	// down (优秀 → 良好 for 1); 0: none.
	FalseClaimGradeSteps int `toml:"false_claim_grade_steps"`
	// BonusCap is the most 加分 a county gets in one period; 0: no 加分.
	BonusCap float64 `toml:"bonus_cap"`
	// PenaltyCap is the most 减分 (items, not 不实 or lateness) a county loses in one
	// period; 0: no 减分.
	PenaltyCap float64 `toml:"penalty_cap"`
}

// check returns the problems of the rules.
func (a AdjustRules) check(grades int) []string {
	var p []string
	if a.FalseClaimPoints < 0 || a.BonusCap < 0 || a.PenaltyCap < 0 {
		p = append(p, "scoring: false_claim_points, bonus_cap and penalty_cap must not be negative")
	}
	if a.FalseClaimGradeSteps < 0 || grades > 0 && a.FalseClaimGradeSteps >= grades {
		p = append(p, fmt.Sprintf("scoring.false_claim_grade_steps = %d: must be between 0 and the number of grades less one (%d)", a.FalseClaimGradeSteps, grades-1))
	}
	return p
}

// LowerGrade returns the grade steps bands below grade, the lowest band at most; a grade
// that is not a band is returned as is.
func (c *Checklist) LowerGrade(grade string, steps int) string {
	gs := c.Scoring.Grades
	for i, g := range gs {
		if g.Name == grade {
			return gs[min(i+max(steps, 0), len(gs)-1)].Name
		}
	}
	return grade
}
