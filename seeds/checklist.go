// Package seeds holds the checklist kaohe scores against and the demo roster, both as
// data (TOML), embedded in the binary and loadable from files. Loading checks the data
// and reports every problem at once.
package seeds

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed checklist.toml
var checklistTOML []byte

// Task kinds and rule kinds.
const (
	KindStatus       = "status"        // scored by the reported 进展状态 against 序时
	KindQuantity     = "quantity"      // a county-level number against a (pro-rata) target
	KindVillageShare = "village_share" // share of villages meeting a threshold against a required share
	KindCompliance   = "compliance"    // every village (of those concerned) must meet a threshold
	KindRatio        = "ratio"         // one county-level number divided by another against a threshold
	KindCount        = "count"         // per-village counts per year, expected pro-rata and rounded down
	// KindVillageRatio: per village with a 第一书记, one village-level number divided by
	// another against a threshold; every such village must meet it (a village with 0/0 is
	// not concerned, and a county with none is 不适用).
	KindVillageRatio = "village_ratio"
)

// Indicator levels and types.
const (
	LevelCounty  = "county"
	LevelVillage = "village"

	TypeNumber  = "number"
	TypeInteger = "integer"
	TypePercent = "percent"
	TypeBool    = "bool" // 是 = 1, 否 = 0
)

// Checklist is the whole task list with its scoring parameters.
type Checklist struct {
	Version string `toml:"version"`
	// Year is the year the checklist was issued for; ConfirmedYears are the other years
	// the office has confirmed it for. Periods of other years are outside its force
	// (InForce; `kaohe doctor` says which years it covers).
	Year           int     `toml:"year"`
	ConfirmedYears []int   `toml:"confirmed_years"`
	Name           string  `toml:"name"`
	Issuer         string  `toml:"issuer"`
	Source         string  `toml:"source"`
	Scoring        Scoring `toml:"scoring"`
	Areas          []Area  `toml:"area"`
}

// Scoring holds the parameters of the scoring rules that are not per task.
type Scoring struct {
	// InProgress is what a 推进中 task counts for on a form without 完成进度（%）
	// (template version 1): on 序时, but for at most this share of the task.
	InProgress float64 `toml:"in_progress"`
	// DoneWithoutEvidence is the progress 已完成 counts for when the row names no 佐证
	// (the task is then listed as 缺佐证).
	DoneWithoutEvidence float64 `toml:"done_without_evidence"`
	// DoubtMargin: a claim whose credit exceeds what the linked data support by more than
	// this is 存疑 (and a status task is capped at the data's credit).
	DoubtMargin float64 `toml:"doubt_margin"`
	// Lights from a task's credit: 绿 at or above LightGreen, 黄 at or above LightYellow,
	// 红 below (and always at 0 credit).
	LightGreen  float64 `toml:"light_green"`
	LightYellow float64 `toml:"light_yellow"`
	Grades      []Grade `toml:"grades"` // highest first
	// Lateness: LatePerDay points per day late, at most LateCap points. When LatePerDay is
	// 0 the banded Late rules apply instead.
	// RankByType ranks each unit type of the roster (县市区, 功能区) separately.
	RankByType bool `toml:"rank_by_type"`
	// TypeWeights, the alternative to RankByType, puts every unit in one ranking by its
	// 排名得分: its total times its type's weight (a type not listed weighs 1), rounded
	// half up to 0.01. Grades stay on the total. E.g. { "功能区" = 0.9 }.
	TypeWeights map[string]float64 `toml:"type_weights"`
	// Missing is how a unit without an accepted form is ranked: "unranked" (listed after
	// the ranked units as 未报送, the default) or "last" (total 0, ranked after all others).
	Missing string `toml:"missing"`
	// ExcellentQuota, when positive, is the largest share of a ranking's units that may
	// be 优秀 (the top grade); units ranked below the quota get the next grade.
	ExcellentQuota float64    `toml:"excellent_quota"`
	LatePerDay     float64    `toml:"late_per_day"`
	LateCap        float64    `toml:"late_cap"`
	Late           []LateRule `toml:"late"` // shortest delay first

	AdjustRules // the office's checks and adjustments (seeds/adjust.go)
}

// Grade is a grade band: a total at or above Min earns Name.
type Grade struct {
	Name string  `toml:"name"`
	Min  float64 `toml:"min"`
}

// LateRule deducts Points from a form received up to UpToDays days late (0: any delay).
type LateRule struct {
	UpToDays int     `toml:"up_to_days"`
	Points   float64 `toml:"points"`
}

// Area is one of the five 振兴 areas.
type Area struct {
	ID     string  `toml:"id"`
	Name   string  `toml:"name"`
	Weight float64 `toml:"weight"`
	Tasks  []Task  `toml:"task"`
}

// Task is one numbered task of the checklist (一、1 … 五、7).
type Task struct {
	ID     string  `toml:"id"`
	Title  string  `toml:"title"`
	Kind   string  `toml:"kind"`
	Weight float64 `toml:"weight"`
	Due    int     `toml:"due"` // month (1–12) the task falls due each year; 0: standing requirement
	// DueYear is the year a multi-year target falls due (到2020年): 序时 then runs from
	// January of the checklist's year to month Due of DueYear. 0: every year.
	DueYear int `toml:"due_year"`
	// OnlyYear, when set, is the one year the task belongs to (a one-off such as the 70周年
	// activities): in another year it is 不适用.
	OnlyYear int `toml:"only_year"`
	// TargetOrigin says whose words the target is: 清单原文 (the seed's) or 考核办细化 (the
	// office's elaboration, the default).
	TargetOrigin string      `toml:"target_origin"`
	Target       string      `toml:"target"`
	Text         string      `toml:"text"`
	Indicators   []Indicator `toml:"indicator"`
	Rules        []Rule      `toml:"rule"`
	// Checks are the data that evidence a status task's claim (e.g. 一、5 and the villages'
	// collective income): scored like rules, they cap the task's credit when the claim
	// exceeds them by more than scoring.doubt_margin (the task is then 存疑).
	Checks []Rule `toml:"check"`

	Area string `toml:"-"` // the area's id, filled by Load
}

// Indicator is one number (or 是/否) a county reports: a row of 量化指标 when Level is
// county, a column of 村级台账 when Level is village.
type Indicator struct {
	ID    string  `toml:"id"`
	Name  string  `toml:"name"`
	Level string  `toml:"level"`
	Unit  string  `toml:"unit"`
	Type  string  `toml:"type"`
	Min   float64 `toml:"min"`
	Max   float64 `toml:"max"`
	LE    string  `toml:"le"` // id of an indicator of the same level this one may not exceed
	Help  string  `toml:"help"`
	// FormSince and FormUntil are the first and last template versions of the county
	// form that carry the indicator (0: since the first, until the current). A form of
	// another version has no cell for it.
	FormSince int `toml:"form_since"`
	FormUntil int `toml:"form_until"`

	Task string `toml:"-"` // the task's id, filled by Load
}

// Rule scores a task (or part of it, by Weight) from its indicators.
type Rule struct {
	Kind        string  `toml:"kind"`
	Indicator   string  `toml:"indicator"`
	Denominator string  `toml:"denominator"` // ratio only
	Op          string  `toml:"op"`          // >=, >, <=, <, ==
	Threshold   float64 `toml:"threshold"`
	Share       float64 `toml:"share"`    // village_share/compliance/count: required share of villages (compliance: 1)
	Weight      float64 `toml:"weight"`   // share of the task's weight; a task's rules sum to 1
	Due         int     `toml:"due"`      // month the full target is due; 0: always
	DueYear     int     `toml:"due_year"` // year of a multi-year target (see Task.DueYear); 0: every year
	Prorata     bool    `toml:"prorata"`
	Origin      string  `toml:"origin"` // 清单原文 or 考核办细化 (default)
	Label       string  `toml:"label"`
	Where       *Where  `toml:"where"` // only villages meeting this condition are concerned
	// FormSince and FormUntil: the template versions of the form whose filings the rule
	// scores (0: since the first, until the current). A filing of an earlier version than
	// FormSince did not collect the rule's data: the rule is 不适用 for it, unless a rule of
	// the task with FormUntil stands in for it (the earlier version's form of the rule).
	FormSince int `toml:"form_since"`
	FormUntil int `toml:"form_until"`
}

// InForm reports whether something carried by template versions since..until (0: open)
// is on a form of template version v; v = 0 is the current version.
func InForm(since, until, v int) bool {
	if v == 0 {
		return until == 0
	}
	return (since == 0 || v >= since) && (until == 0 || v <= until)
}

// Where restricts a village rule to the villages meeting a condition.
type Where struct {
	Indicator string  `toml:"indicator"`
	Op        string  `toml:"op"`
	Value     float64 `toml:"value"`
	// Roster names a village fact of the office's roster that decides instead:
	// "central" (区域中心村/中心社区) or "sewage_station" (a station is required; where the
	// roster does not say, the indicator condition decides and the village is counted as
	// self-reported).
	Roster string `toml:"roster"`
}

// Roster facts a where-condition may name.
const (
	WhereCentral       = "central"
	WhereSewageStation = "sewage_station"
)

// Origins of a target or rule.
const (
	OriginSeed   = "清单原文"
	OriginOffice = "考核办细化"
)

// InForce reports whether periods of year y are assessed against this checklist: the
// year it was issued for, or one the office confirmed it for. A checklist that
// declares no year is in force every year.
func (c *Checklist) InForce(y int) bool {
	return c.Year == 0 || y == c.Year || slices.Contains(c.ConfirmedYears, y)
}

// Tasks returns every task in checklist order.
func (c *Checklist) Tasks() []*Task {
	n := 0
	for i := range c.Areas {
		n += len(c.Areas[i].Tasks)
	}
	ts := make([]*Task, 0, n)
	for t := range c.eachTask {
		ts = append(ts, t)
	}
	return ts
}

// eachTask yields every task in checklist order, without making a list (Indicator and
// Task are called for every value of every form).
func (c *Checklist) eachTask(yield func(*Task) bool) {
	for i := range c.Areas {
		for j := range c.Areas[i].Tasks {
			if !yield(&c.Areas[i].Tasks[j]) {
				return
			}
		}
	}
}

// Indicators returns the indicators of one level (LevelCounty or LevelVillage) on the
// current form, in checklist order.
func (c *Checklist) Indicators(level string) []*Indicator {
	return c.IndicatorsFor(level, 0)
}

// IndicatorsFor returns the indicators of one level on a form of template version form
// (0: the current one), in checklist order.
func (c *Checklist) IndicatorsFor(level string, form int) []*Indicator {
	var out []*Indicator
	for t := range c.eachTask {
		for i := range t.Indicators {
			if ind := &t.Indicators[i]; ind.Level == level && InForm(ind.FormSince, ind.FormUntil, form) {
				out = append(out, &t.Indicators[i])
			}
		}
	}
	return out
}

// Indicator returns the indicator with the given id, or nil.
func (c *Checklist) Indicator(id string) *Indicator {
	for t := range c.eachTask {
		for i := range t.Indicators {
			if t.Indicators[i].ID == id {
				return &t.Indicators[i]
			}
		}
	}
	return nil
}

// Task returns the task with the given id, or nil.
func (c *Checklist) Task(id string) *Task {
	for t := range c.eachTask {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// AreaOf returns the area a task belongs to, or nil.
func (c *Checklist) AreaOf(taskID string) *Area {
	for i := range c.Areas {
		for _, t := range c.Areas[i].Tasks {
			if t.ID == taskID {
				return &c.Areas[i]
			}
		}
	}
	return nil
}

// Grade returns the grade band a total falls in.
func (c *Checklist) Grade(total float64) string {
	for _, g := range c.Scoring.Grades {
		if total >= g.Min-1e-9 {
			return g.Name
		}
	}
	if n := len(c.Scoring.Grades); n > 0 {
		return c.Scoring.Grades[n-1].Name
	}
	return ""
}

// ProblemsError lists every problem found in a checklist or roster.
type ProblemsError struct {
	What     string
	Problems []string
}

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.What, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// DefaultChecklist returns the embedded checklist. It panics if the embedded file is
// invalid, which the tests rule out.
func DefaultChecklist() *Checklist {
	c, err := ParseChecklist(checklistTOML, "embedded checklist.toml")
	if err != nil {
		panic(err)
	}
	return c
}

// LoadChecklist reads and checks a checklist file; an empty path gives the embedded one.
// It returns a *ProblemsError listing every problem when the file is not a valid checklist.
func LoadChecklist(path string) (*Checklist, error) {
	if path == "" {
		return ParseChecklist(checklistTOML, "embedded checklist.toml")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseChecklist(b, path)
}

// EmbeddedChecklistTOML returns the bytes of the embedded checklist.
func EmbeddedChecklistTOML() []byte { return checklistTOML }

// ParseChecklist decodes and checks a checklist. name is used in messages.
func ParseChecklist(b []byte, name string) (*Checklist, error) {
	var c Checklist
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return nil, &ProblemsError{What: name, Problems: []string{err.Error()}}
	}
	var probs []string
	for _, k := range md.Undecoded() {
		probs = append(probs, fmt.Sprintf("unknown key %q", k.String()))
	}
	for i := range c.Areas {
		a := &c.Areas[i]
		for j := range a.Tasks {
			a.Tasks[j].Area = a.ID
			for k := range a.Tasks[j].Indicators {
				a.Tasks[j].Indicators[k].Task = a.Tasks[j].ID
			}
		}
	}
	probs = append(probs, c.check()...)
	if len(probs) > 0 {
		return nil, &ProblemsError{What: name, Problems: probs}
	}
	return &c, nil
}

var validOps = map[string]bool{">=": true, ">": true, "<=": true, "<": true, "==": true}

// check returns every problem of the checklist itself.
func (c *Checklist) check() []string {
	var p []string
	add := func(f string, a ...any) { p = append(p, fmt.Sprintf(f, a...)) }
	if c.Version == "" {
		add("version is missing")
	}
	if c.Name == "" {
		add("name is missing")
	}
	s := c.Scoring
	if s.InProgress < 0 || s.InProgress > 1 {
		add("scoring.in_progress = %v: must be between 0 and 1", s.InProgress)
	}
	if s.LightYellow <= 0 || s.LightGreen <= s.LightYellow || s.LightGreen > 1 {
		add("scoring: need 0 < light_yellow (%v) < light_green (%v) <= 1", s.LightYellow, s.LightGreen)
	}
	if s.DoneWithoutEvidence < 0 || s.DoneWithoutEvidence > 1 {
		add("scoring.done_without_evidence = %v: must be between 0 and 1", s.DoneWithoutEvidence)
	}
	if s.DoubtMargin < 0 || s.DoubtMargin >= 1 {
		add("scoring.doubt_margin = %v: must be in [0, 1)", s.DoubtMargin)
	}
	if s.Missing != "" && s.Missing != "unranked" && s.Missing != "last" {
		add("scoring.missing = %q: must be unranked or last", s.Missing)
	}
	if s.RankByType && len(s.TypeWeights) > 0 {
		add("scoring: rank_by_type and type_weights exclude each other: choose separate rankings per type or one ranking with type weights")
	}
	for _, t := range slices.Sorted(maps.Keys(s.TypeWeights)) {
		if t != UnitCounty && t != UnitZone {
			add("scoring.type_weights: unknown unit type %q (%s or %s)", t, UnitCounty, UnitZone)
		}
		if w := s.TypeWeights[t]; w <= 0 || w > 2 {
			add("scoring.type_weights.%s = %v: must be above 0 and at most 2", t, w)
		}
	}
	if s.ExcellentQuota < 0 || s.ExcellentQuota > 1 {
		add("scoring.excellent_quota = %v: must be between 0 and 1", s.ExcellentQuota)
	}
	if s.LatePerDay < 0 || s.LateCap < 0 {
		add("scoring: late_per_day and late_cap must not be negative")
	}
	if len(s.Grades) == 0 {
		add("scoring.grades is empty")
	}
	for i := 1; i < len(s.Grades); i++ {
		if s.Grades[i].Min >= s.Grades[i-1].Min {
			add("scoring.grades: %s (min %v) must come after a higher band", s.Grades[i].Name, s.Grades[i].Min)
		}
	}
	p = append(p, s.AdjustRules.check(len(s.Grades))...)
	for i, l := range s.Late {
		if l.Points < 0 {
			add("scoring.late[%d]: points must not be negative", i)
		}
		if l.UpToDays == 0 && i != len(s.Late)-1 {
			add("scoring.late[%d]: up_to_days = 0 (any delay) must be the last rule", i)
		}
	}
	if len(c.Areas) == 0 {
		add("no [[area]]")
	}
	areaIDs := map[string]bool{}
	taskIDs := map[string]bool{}
	inds := map[string]*Indicator{}
	var total float64
	for _, a := range c.Areas {
		if a.ID == "" || a.Name == "" {
			add("area %q: id and name are required", a.ID+a.Name)
		}
		if areaIDs[a.ID] {
			add("area %s: duplicate id", a.ID)
		}
		areaIDs[a.ID] = true
		total += a.Weight
		var sum float64
		if len(a.Tasks) == 0 {
			add("area %s: has no tasks", a.ID)
		}
		for _, t := range a.Tasks {
			sum += t.Weight
			if t.ID == "" {
				add("area %s: a task has no id", a.ID)
			}
			if taskIDs[t.ID] {
				add("task %s: duplicate id", t.ID)
			}
			taskIDs[t.ID] = true
			if !strings.HasPrefix(t.ID, a.ID+"、") {
				add("task %s: id must start with its area's id %q", t.ID, a.ID+"、")
			}
			if t.Title == "" || t.Text == "" || t.Target == "" {
				add("task %s: title, text and target are required", t.ID)
			}
			if t.Weight <= 0 {
				add("task %s: weight must be positive", t.ID)
			}
			if t.TargetOrigin != "" && t.TargetOrigin != OriginSeed && t.TargetOrigin != OriginOffice {
				add("task %s: target_origin %q must be %s or %s", t.ID, t.TargetOrigin, OriginSeed, OriginOffice)
			}
			if (t.DueYear != 0 || t.OnlyYear != 0) && c.Year == 0 {
				add("task %s: due_year and only_year need the checklist's year", t.ID)
			}
			if t.DueYear != 0 && t.DueYear < c.Year {
				add("task %s: due_year %d is before the checklist's year %d", t.ID, t.DueYear, c.Year)
			}
			if t.Due < 0 || t.Due > 12 {
				add("task %s: due = %d: must be a month 1–12 (or 0 for none)", t.ID, t.Due)
			}
			for i := range t.Indicators {
				ind := &t.Indicators[i]
				if ind.ID == "" || ind.Name == "" {
					add("task %s: indicator %q needs an id and a name", t.ID, ind.ID+ind.Name)
				}
				if inds[ind.ID] != nil {
					add("indicator %s: duplicate id", ind.ID)
				}
				inds[ind.ID] = ind
				switch ind.Level {
				case LevelCounty, LevelVillage:
				default:
					add("indicator %s: unknown level %q (county or village)", ind.ID, ind.Level)
				}
				switch ind.Type {
				case TypeNumber, TypeInteger, TypePercent:
					if ind.Max <= ind.Min {
						add("indicator %s: need min < max", ind.ID)
					}
				case TypeBool:
				default:
					add("indicator %s: unknown type %q (number, integer, percent or bool)", ind.ID, ind.Type)
				}
			}
			switch t.Kind {
			case KindStatus:
				if len(t.Rules) > 0 {
					add("task %s: a status task has no rules", t.ID)
				}
				for i, r := range t.Checks {
					switch r.Kind {
					case KindQuantity, KindRatio, KindVillageShare, KindCompliance, KindCount, KindVillageRatio:
					default:
						add("task %s check %d: unknown kind %q", t.ID, i+1, r.Kind)
					}
					if r.Weight <= 0 {
						add("task %s check %d: weight must be positive", t.ID, i+1)
					}
				}
			case KindQuantity, KindVillageShare, KindCompliance, KindRatio, KindCount, KindVillageRatio:
				if len(t.Rules) == 0 {
					add("task %s: kind %s needs at least one [[area.task.rule]] (target missing)", t.ID, t.Kind)
				}
			default:
				add("task %s: unknown kind %q", t.ID, t.Kind)
			}
			var rw float64
			for i, r := range t.Rules {
				if r.FormUntil == 0 {
					rw += r.Weight // the current form's rules sum to 1
				}
				if r.FormSince != 0 && r.FormUntil != 0 && r.FormSince > r.FormUntil {
					add("task %s rule %d: form_since %d is after form_until %d", t.ID, i+1, r.FormSince, r.FormUntil)
				}
				if r.Label == "" {
					add("task %s rule %d: label is required", t.ID, i+1)
				}
				if !validOps[r.Op] {
					add("task %s rule %d: unknown op %q", t.ID, i+1, r.Op)
				}
				if r.Due < 0 || r.Due > 12 {
					add("task %s rule %d: due must be a month 1–12 (or 0)", t.ID, i+1)
				}
				if r.DueYear != 0 && (c.Year == 0 || r.DueYear < c.Year || r.Due == 0) {
					add("task %s rule %d: due_year needs the checklist's year, a due month, and not to be before the year", t.ID, i+1)
				}
				if r.Origin != "" && r.Origin != OriginSeed && r.Origin != OriginOffice {
					add("task %s rule %d: origin %q must be %s or %s", t.ID, i+1, r.Origin, OriginSeed, OriginOffice)
				}
				switch r.Kind {
				case KindQuantity, KindRatio, KindVillageRatio:
				case KindVillageShare, KindCompliance, KindCount:
					if r.Share <= 0 || r.Share > 1 {
						add("task %s rule %d: share must be in (0, 1]", t.ID, i+1)
					}
					if r.Kind == KindCompliance && r.Share != 1 {
						add("task %s rule %d: a compliance rule needs share = 1", t.ID, i+1)
					}
				default:
					add("task %s rule %d: unknown kind %q", t.ID, i+1, r.Kind)
				}
			}
			if len(t.Rules) > 0 && math.Abs(rw-1) > 1e-6 {
				add("task %s: rule weights sum to %v, not 1", t.ID, rw)
			}
		}
		if math.Abs(sum-a.Weight) > 1e-6 {
			add("area %s: task weights sum to %v, not the area's weight %v", a.ID, sum, a.Weight)
		}
	}
	if math.Abs(total-100) > 1e-6 {
		add("area weights sum to %v, not 100", total)
	}
	// Rule references, checked once every indicator is known.
	for _, a := range c.Areas {
		for _, t := range a.Tasks {
			for i, r := range append(slices.Clone(t.Rules), t.Checks...) {
				ind := inds[r.Indicator]
				if ind == nil {
					add("task %s rule %d: unknown indicator %q (target missing)", t.ID, i+1, r.Indicator)
					continue
				}
				village := r.Kind == KindVillageShare || r.Kind == KindCompliance || r.Kind == KindCount || r.Kind == KindVillageRatio
				if village && ind.Level != LevelVillage {
					add("task %s rule %d: %s needs a village-level indicator, %s is %s", t.ID, i+1, r.Kind, ind.ID, ind.Level)
				}
				if !village && ind.Level != LevelCounty {
					add("task %s rule %d: %s needs a county-level indicator, %s is %s", t.ID, i+1, r.Kind, ind.ID, ind.Level)
				}
				if r.Kind == KindRatio {
					if d := inds[r.Denominator]; d == nil || d.Level != LevelCounty {
						add("task %s rule %d: ratio needs a county-level denominator, %q is not one", t.ID, i+1, r.Denominator)
					}
				}
				if r.Kind == KindVillageRatio {
					if d := inds[r.Denominator]; d == nil || d.Level != LevelVillage {
						add("task %s rule %d: village_ratio needs a village-level denominator, %q is not one", t.ID, i+1, r.Denominator)
					}
				}
				if ind.FormUntil != 0 && (r.FormUntil == 0 || r.FormUntil > ind.FormUntil) {
					add("task %s rule %d: indicator %s is on forms until version %d, the rule needs form_until at most that", t.ID, i+1, ind.ID, ind.FormUntil)
				}
				if ind.FormSince > max(r.FormSince, 1) {
					add("task %s rule %d: indicator %s is on forms since version %d, the rule needs form_since at least that", t.ID, i+1, ind.ID, ind.FormSince)
				}
				if r.Where != nil {
					switch r.Where.Roster {
					case "", WhereSewageStation:
						if w := inds[r.Where.Indicator]; w == nil || w.Level != LevelVillage {
							add("task %s rule %d: where names %q, not a village-level indicator", t.ID, i+1, r.Where.Indicator)
						}
						if !validOps[r.Where.Op] {
							add("task %s rule %d: where has unknown op %q", t.ID, i+1, r.Where.Op)
						}
					case WhereCentral:
					default:
						add("task %s rule %d: where roster = %q: must be central or sewage_station", t.ID, i+1, r.Where.Roster)
					}
				}
			}
			for _, ind := range t.Indicators {
				if ind.LE != "" {
					if o := inds[ind.LE]; o == nil || o.Level != ind.Level {
						add("indicator %s: le = %q must name an indicator of the same level", ind.ID, ind.LE)
					}
				}
			}
		}
	}
	return p
}

// Compare reports whether v op threshold holds.
func Compare(v float64, op string, threshold float64) bool {
	const eps = 1e-9
	switch op {
	case ">=":
		return v >= threshold-eps
	case ">":
		return v > threshold+eps
	case "<=":
		return v <= threshold+eps
	case "<":
		return v < threshold-eps
	case "==":
		return math.Abs(v-threshold) <= eps
	}
	return false
}

// ErrUnknownCounty is returned when a county code is not on the roster.
var ErrUnknownCounty = errors.New("unknown county")
