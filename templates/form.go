// Package templates is the county progress form: Build writes it from the checklist
// and roster, Parse reads a filled one back (strict where it matters, forgiving where
// people are) into a seeds.Filing, Annotate marks the problems in the county's own
// workbook, and FillForm writes a Filing into a form by program. The form contract
// (sheets, headers, accepted values, signed metadata) is documented in docs/form.md.
package templates

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jining/kaohe/seeds"
)

// TemplateVersion is the version of the form layout. Version 2 added the 完成进度（%）
// and 佐证说明 columns of the 重点任务 sheet; version 3 moved the 第一书记 project funds
// from the county's totals (量化指标) to one pair of columns per village (村级台账), added
// the reserve candidates' 高中以上 column, and requires 存在问题 and 下步打算 for a task not
// 已完成. A form of an earlier version (down to OldestTemplateVersion) is read by its own
// version's rules when its period was dispatched with that version
// (ParseOptions.FormVersions); otherwise it is out of date (Meta.Stale) and rejected with
// a one-sentence reason.
const TemplateVersion = "3"

// OldestTemplateVersion is the oldest form layout Parse still reads by its own rules.
const OldestTemplateVersion = "2"

// formNumber is a template version as a number (0 when it is not one).
func formNumber(v string) int {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' || n > 1000 {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// Sheet names of the form. They are part of the form contract (docs/form.md).
const (
	SheetGuide      = "填报说明"
	SheetTasks      = "重点任务"
	SheetIndicators = "量化指标"
	SheetVillages   = "村级台账"
	SheetMeta       = "kaohe_meta" // veryHidden: the signed metadata
	SheetProblems   = "问题清单"       // added by Annotate; ignored by Parse
)

// Header names, fixed. The parser finds columns by these names, so columns may be
// moved; the input columns may not be renamed.
const (
	HdrTaskID    = "编号"
	HdrArea      = "领域"
	HdrTask      = "重点任务"
	HdrTarget    = "目标要求"
	HdrStatus    = "进展状态"
	HdrPercent   = "完成进度（%）"
	HdrProgress  = "进展情况"
	HdrEvidence  = "佐证说明"
	HdrProblems  = "存在问题"
	HdrNextSteps = "下步打算"

	HdrIndTask  = "任务编号"
	HdrIndName  = "指标"
	HdrIndUnit  = "单位"
	HdrIndGoal  = "目标"
	HdrIndValue = "本期数值"
	HdrIndNote  = "佐证说明"
	HdrIndID    = "指标代码"

	HdrTown      = "乡镇"
	HdrVillage   = "村"
	HdrSecretary = "第一书记"
)

var (
	taskHeaders = []string{HdrTaskID, HdrArea, HdrTask, HdrTarget, HdrStatus, HdrPercent, HdrProgress, HdrEvidence, HdrProblems, HdrNextSteps}
	indHeaders  = []string{HdrIndTask, HdrIndName, HdrIndUnit, HdrIndGoal, HdrIndValue, HdrIndNote, HdrIndID}
	villHeaders = []string{HdrTown, HdrVillage, HdrSecretary}
)

// Meta is the signed metadata a form carries in its hidden sheet.
type Meta struct {
	TemplateVersion  string
	ChecklistVersion string
	County           string
	Period           string

	// Stale (not signed; set by Parse) is true for a form of an earlier template version
	// whose period was not dispatched with that version: it is out of date, and the
	// reply attaches the current form prefilled from it (CarryOver).
	Stale bool
}

// Metadata keys in column A of the hidden sheet; the values are in column B.
const (
	metaTemplate  = "template_version"
	metaChecklist = "checklist_version"
	metaCounty    = "county"
	metaPeriod    = "period"
	metaSignature = "signature"

	metaVillageColumn = "village_column:" // + indicator id → the column's header
)

// Sign returns the HMAC-SHA256 signature (lower-case hex) of the metadata.
func (m Meta) Sign(secret []byte) string {
	h := hmac.New(sha256.New, secret)
	// Fields joined by newlines, which none of them may contain.
	fmt.Fprintf(h, "kaohe-form\n%s\n%s\n%s\n%s", m.TemplateVersion, m.ChecklistVersion, m.County, m.Period)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify reports whether sig is the metadata's signature.
func (m Meta) Verify(secret []byte, sig string) bool {
	want, err := hex.DecodeString(strings.TrimSpace(strings.ToLower(sig)))
	if err != nil {
		return false
	}
	got, _ := hex.DecodeString(m.Sign(secret)) // our own hex: cannot fail
	return hmac.Equal(want, got)
}

// Problem is one thing the county must fix in its form.
type Problem struct {
	Sheet   string // "" for whole-file problems
	Cell    string // e.g. "E12"; "" when the problem is not in one cell
	Message string // plain Chinese, saying what to do
}

// String gives "工作表!单元格：说明", "工作表：说明", or the message alone.
func (p Problem) String() string {
	switch {
	case p.Sheet != "" && p.Cell != "":
		return p.Sheet + "!" + p.Cell + "：" + p.Message
	case p.Sheet != "":
		return p.Sheet + "：" + p.Message
	}
	return p.Message
}

// Problems are the user-fixable problems of a form, in sheet and row order.
type Problems []Problem

// Error gives one line per problem.
func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// areaName returns the name of a task's area.
func areaName(cl *seeds.Checklist, t *seeds.Task) string {
	if a := cl.AreaOf(t.ID); a != nil {
		return a.Name
	}
	return t.Area
}

// villageHeader is the header of a village-level indicator's column: its name and,
// in full-width brackets, its unit (or 是/否).
func villageHeader(ind *seeds.Indicator) string {
	switch {
	case ind.Type == seeds.TypeBool:
		return ind.Name + "（是/否）"
	case ind.Unit != "":
		return ind.Name + "（" + ind.Unit + "）"
	}
	return ind.Name
}

// headerKey reduces a header cell to what is compared: no spaces or line breaks, and
// the part before a bracket (so "村集体经济收入(万元)" matches "村集体经济收入（万元）").
func headerKey(s string) string {
	s = normalize(s)
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = s[:i]
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '*' {
			return -1
		}
		return r
	}, s)
}

// opText is the Chinese text of a comparison operator.
func opText(op string) string {
	switch op {
	case ">=":
		return "≥"
	case ">":
		return ">"
	case "<=":
		return "≤"
	case "<":
		return "<"
	case "==":
		return "="
	}
	return op
}

// goalText describes what is expected of a county-level indicator, from the rules
// that use it and its le constraint.
func goalText(cl *seeds.Checklist, ind *seeds.Indicator) string {
	var parts []string
	t := cl.Task(ind.Task)
	for _, ts := range cl.Tasks() {
		for _, r := range ts.Rules {
			switch {
			case r.Indicator == ind.ID && r.Kind == seeds.KindRatio:
				d := cl.Indicator(r.Denominator)
				name := r.Denominator
				if d != nil {
					name = d.Name
				}
				parts = append(parts, fmt.Sprintf("占“%s”%s%s%%", name, opText(r.Op), formatNumber(r.Threshold*100)))
			case r.Indicator == ind.ID:
				s := opText(r.Op) + formatNumber(r.Threshold) + ind.Unit
				if r.Due > 0 {
					s += fmt.Sprintf("（%d月底前）", r.Due)
				}
				parts = append(parts, s)
			}
		}
	}
	if ind.LE != "" {
		if o := cl.Indicator(ind.LE); o != nil {
			parts = append(parts, "不大于“"+o.Name+"”")
		}
	}
	if len(parts) == 0 && ind.Help != "" {
		return ind.Help
	}
	if len(parts) == 0 && t != nil {
		return t.Target
	}
	return strings.Join(parts, "；")
}
