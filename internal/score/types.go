// Package score is the scoring engine: pure functions from a checklist, a period and the
// counties' accepted filings to per-task, per-area and per-county results, grades and
// ranks, with the reason for every point lost. It does no I/O and is deterministic.
package score

import (
	"time"

	"github.com/jining/kaohe/seeds"
)

// Light is a task's traffic light.
type Light string

// The traffic lights.
const (
	Green  Light = "绿"
	Yellow Light = "黄"
	Red    Light = "红"
)

// Submission is what the engine knows of one county in one period. Every county on the
// roster has one; Filing is nil when no form was accepted.
type Submission struct {
	County   string        // code
	Name     string        // 任城区
	Type     string        // unit type from the roster: 县市区 (default) or 功能区
	Filing   *seeds.Filing // the accepted (latest) form; nil: 未报送
	Received time.Time     // when the accepted form arrived
	Deadline time.Time     // the period's deadline
	Version  int           // how many forms were accepted for this period (1 = first)
	Rejected int           // how many forms were rejected for this period
	Problems []string      // the problems of the last rejected form, when no form was accepted
	// Roster is the county's roster entry: the office's facts on its villages (中心村,
	// villages that need a sewage station) decide who a rule applies to. nil: none known.
	Roster *seeds.County

	Adjustments []Adjustment // the office's records in force (adjust.go)

	// EvidenceFiles are the evidence files (佐证材料) the county sent for the period, by
	// task id: a task reported 已完成 with one is not 缺佐证, even with no 佐证说明.
	EvidenceFiles map[string][]string
	// Review is the office's review of the county's forms in words, printed in the report
	// (jobs/review.go): which version was approved, when and by whom, or 未审核.
	Review string
	// Copied names the tasks not complete sent back exactly as last month (照抄上月).
	Copied []string
}

// Result is the assessment of one period.
type Result struct {
	Period           string `json:"period"` // YYYY-MM
	ChecklistVersion string `json:"checklist_version"`
	// DoneWithoutEvidence is the progress 已完成 without 佐证 counts for (scoring.done_without_evidence).
	DoneWithoutEvidence float64        `json:"done_without_evidence,omitempty"`
	Counties            []CountyResult `json:"counties"` // ranked counties by rank then code, then 未报送 by code
	Completeness        Completeness   `json:"completeness"`
	RedTasks            []TaskRedCount `json:"red_tasks"`        // tasks red in most counties, most first
	Doubts              []Doubt        `json:"doubts,omitempty"` // every 存疑 claim, by county code then checklist order
	// Escalations are the period's 督办单 (tasks red month after month), set by the
	// caller (jobs), which knows the earlier periods and the ladder (rates.go).
	Escalations []Escalation `json:"escalations,omitempty"`
	Areas       []AreaHeader `json:"areas"`    // the checklist's areas, for column headers
	Assessed    int          `json:"assessed"` // counties with an accepted form
	// TypeWeights are scoring.type_weights: when set, every unit is in one ranking by its
	// RankScore (total × its type's weight).
	TypeWeights map[string]float64 `json:"type_weights,omitempty"`
	// RankByType is scoring.rank_by_type: each unit type is a ranking of its own.
	RankByType bool            `json:"rank_by_type,omitempty"`
	Stats      map[string]Stat `json:"stats,omitempty"`
}

// Doubt is one claim the data contradict (存疑), for the summary.
type Doubt struct {
	County  string  `json:"county"` // code
	Name    string  `json:"name"`
	Task    string  `json:"task"`
	Title   string  `json:"title"`
	Claimed float64 `json:"claimed"` // the credit the claim would earn
	Data    float64 `json:"data"`    // the credit the data support
	Text    string  `json:"text"`
}

// AreaHeader names an area and its weight.
type AreaHeader struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// Stat is a summary over the assessed counties (key "total" or an area id).
type Stat struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// TaskRedCount counts the counties in which a task is red.
type TaskRedCount struct {
	Task     string   `json:"task"`
	Title    string   `json:"title"`
	Red      int      `json:"red"`
	Counties []string `json:"counties"` // names
}

// CountyResult is one county's assessment.
type CountyResult struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Type      string `json:"type,omitempty"` // 功能区, or "" for 县市区
	Submitted bool   `json:"submitted"`      // false: 未报送 (ranked last with 0, or unranked, by scoring.missing)

	// Earned is the sum of the (rounded) area scores, out of Possible: the weights of
	// everything due and applicable this period (100 when everything is).
	Earned   float64 `json:"earned"`
	Possible float64 `json:"possible"`
	// Raw is Earned rescaled to 100 (Earned × 100 / Possible, to 0.01); Raw = Earned when
	// Possible is 100.
	Raw       float64 `json:"raw"`
	Deduction float64 `json:"deduction"` // points deducted (late)
	Total     float64 `json:"total"`     // Raw − Deduction, not below 0
	Grade     string  `json:"grade"`
	// GradeNote says why the grade is not the band's: 优秀 beyond the quota, or lowered
	// for a claim found false (核查不实).
	GradeNote string `json:"grade_note,omitempty"`
	Rank      int    `json:"rank"` // 1-based within the unit's ranking; ties share a rank; 0 when not ranked
	Of        int    `json:"of"`   // number of units in that ranking
	// With scoring.type_weights: the weight of the unit's type (1 when not listed) and the
	// 排名得分 it is ranked by, Total × TypeWeight rounded half up to 0.01.
	TypeWeight float64 `json:"type_weight,omitempty"`
	RankScore  float64 `json:"rank_score,omitempty"`

	HasPrev     bool    `json:"has_prev"`
	PrevRank    int     `json:"prev_rank,omitempty"`
	PrevTotal   float64 `json:"prev_total,omitempty"`
	RankChange  int     `json:"rank_change"`  // positive: moved up
	TotalChange float64 `json:"total_change"` // this total − previous total

	Received time.Time            `json:"received,omitzero"`
	DaysLate int                  `json:"days_late"`
	Version  int                  `json:"version,omitempty"`
	Deduct   []Deduction          `json:"deductions,omitempty"`
	Areas    []AreaScore          `json:"areas"`
	Tasks    []TaskScore          `json:"tasks"`
	Villages []VillageRuleSummary `json:"villages,omitempty"` // each village-level rule: share meeting it and who falls short
	// VillageList is the villages of the form in form order, which each village rule's
	// Values and States follow (set when the county has village rules).
	VillageList []VillageName `json:"village_list,omitempty"`
	DueNext     []string      `json:"due_next,omitempty"` // task ids red or yellow, or falling due next month
	Rejected    int           `json:"rejected,omitempty"`
	Problems    []string      `json:"problems,omitempty"`

	// The office's checks and adjustments (adjust.go): 加分 within the cap (Total is
	// Raw − Deduction + Bonus), every record with what it did, and why the grade was lowered.
	Bonus  float64 `json:"bonus,omitempty"`
	Checks []Check `json:"checks,omitempty"`

	// The office's review (Submission.Review) and the tasks sent back as last month
	// (Submission.Copied), passed through for the report.
	Review string   `json:"review,omitempty"`
	Copied []string `json:"copied,omitempty"`
}

// Deduction is one deduction with its reason.
type Deduction struct {
	Points float64 `json:"points"`
	Reason string  `json:"reason"` // 迟报3天，扣0.6分
}

// AreaScore is one area's subtotal.
type AreaScore struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Weight   float64 `json:"weight"`
	Score    float64 `json:"score"`    // sum of the area's rounded task scores
	Possible float64 `json:"possible"` // sum of the area's tasks' Possible
}

// TaskScore is one task's result.
type TaskScore struct {
	Task     string  `json:"task"`
	Area     string  `json:"area"`
	Title    string  `json:"title"`
	Kind     string  `json:"kind"`
	Weight   float64 `json:"weight"`
	Target   string  `json:"target"`
	Origin   string  `json:"origin"`   // whose words the target is: 清单原文 or 考核办细化
	Status   string  `json:"status"`   // 进展状态 as reported
	Reported string  `json:"reported"` // what was reported, in words: 推进中 / 72.5% / 31/38个村
	Expected string  `json:"expected"` // what 序时 expects by now: 序时75% / 5万元以上的村≥80%
	Credit   float64 `json:"credit"`   // 0–1, of what is due and applicable
	Score    float64 `json:"score"`    // Credit × Possible, rounded to 0.01
	Possible float64 `json:"possible"` // points the task can earn this period: Weight less its rules not yet due or not applicable
	Behind   float64 `json:"behind"`   // points (0–100) behind 序时
	Light    Light   `json:"light"`    // from Credit; "" when Excluded
	// Excluded is 未到期 or 不适用 when nothing of the task counts this period (Possible 0):
	// the report says 本期不计分（未到期）.
	Excluded string `json:"excluded,omitempty"`
	// NoEvidence: reported 已完成 without 佐证 (缺佐证), counted as
	// scoring.done_without_evidence.
	NoEvidence bool `json:"no_evidence,omitempty"`
	// EvidenceFiles are the names of the evidence files sent for the task this period.
	EvidenceFiles []string `json:"evidence_files,omitempty"`
	// Doubt (存疑) says, with both numbers, that the data contradict the claim; Claimed
	// and DataCredit are the two credits. A status task is then scored on the data.
	Doubt      string  `json:"doubt,omitempty"`
	Claimed    float64 `json:"claimed,omitempty"`
	DataCredit float64 `json:"data_credit,omitempty"`
	// Explanation says in Chinese how the score came about, naming target, reported
	// value and cells, e.g. "集体经济收入≥5万元的村占72%，目标80%，得9.0/10分（村级台账!F2:F38）".
	Explanation string     `json:"explanation"`
	Parts       []RulePart `json:"parts,omitempty"`
	// The county's own words on the form (存在问题, 下步打算), as written.
	Problems  string `json:"problems,omitempty"`
	NextSteps string `json:"next_steps,omitempty"`
}

// RulePart is the result of one rule of a task.
type RulePart struct {
	Label       string  `json:"label"`
	Kind        string  `json:"kind"`
	Weight      float64 `json:"weight"` // share of the task
	Credit      float64 `json:"credit"` // 0–1
	Actual      float64 `json:"actual"` // the measured value (share, ratio or number)
	Required    float64 `json:"required"`
	Cells       string  `json:"cells"`
	Explanation string  `json:"explanation"`
	Excluded    string  `json:"excluded,omitempty"` // 未到期 or 不适用: the rule counts for nothing this period
}

// VillageRuleSummary is, for one village-level rule, the share of villages meeting it and
// the villages falling short, grouped by 乡镇.
type VillageRuleSummary struct {
	Task      string          `json:"task"`
	Label     string          `json:"label"`
	Concerned int             `json:"concerned"` // villages the rule applies to
	Meeting   int             `json:"meeting"`
	Share     float64         `json:"share"`    // Meeting / Concerned (1 when none is concerned)
	Required  float64         `json:"required"` // share required by now
	Short     []TownShortfall `json:"short,omitempty"`

	// Missing counts the concerned villages that left the value empty (counted as short).
	Missing int `json:"missing,omitempty"`
	// SelfReported counts the concerned villages the county's own report put in scope
	// where the office's roster has not decided (e.g. sewage volume above 50 m³/d).
	SelfReported int `json:"self_reported,omitempty"`

	// Every village's value against the test, for 村级明细: Test is the per-village test
	// this period as printed and compared (≥3.18万元; 是 for a yes/no indicator), Unit the
	// values' unit, Bool whether they are 是 (1) / 否 (0). Values and States follow the
	// county's VillageList: the value reported (0 when empty) and, one byte a village,
	// 'y' meets the test, 'n' falls short, 'm' left empty (falls short), '-' not concerned.
	Test   string    `json:"test,omitempty"`
	Unit   string    `json:"unit,omitempty"`
	Bool   bool      `json:"bool,omitempty"`
	Values []float32 `json:"values,omitempty"`
	States string    `json:"states,omitempty"`
}

// Village states in VillageRuleSummary.States.
const (
	VillageMeets        = 'y'
	VillageShort        = 'n'
	VillageEmpty        = 'm'
	VillageNotConcerned = '-'
)

// VillageName is a village of a county's form: its 乡镇, name and 第一书记 ("" when the
// form names none).
type VillageName struct {
	Town      string `json:"town"`
	Village   string `json:"village"`
	Secretary string `json:"secretary,omitempty"`
}

// TownShortfall lists the villages of one 乡镇 that fall short of a rule.
type TownShortfall struct {
	Town     string   `json:"town"`
	Villages []string `json:"villages"` // 村名(数值)
	// Secretaries holds each village's 第一书记 ("" when the form names none), in the
	// order of Villages.
	Secretaries []string `json:"secretaries,omitempty"`
}

// Completeness is who sent what for a period.
type Completeness struct {
	Expected  int      `json:"expected"`
	Submitted int      `json:"submitted"` // with an accepted form
	OnTime    int      `json:"on_time"`
	Late      int      `json:"late"`
	Missing   int      `json:"missing"`  // nothing accepted and nothing rejected
	Rejected  int      `json:"rejected"` // rejected and not resubmitted
	LateList  []string `json:"late_list,omitempty"`
	MissList  []string `json:"missing_list,omitempty"`
	RejList   []string `json:"rejected_list,omitempty"`
}
