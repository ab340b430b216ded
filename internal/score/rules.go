package score

import (
	"fmt"
	"math"
	"strings"

	"github.com/jining/kaohe/seeds"
)

// fraction is the share of a target expected by month m (序时) for a target due in month
// due: pro-rata rules expect m/due of it (at most all of it), step rules nothing before
// the due month and all of it from then on; due 0 is a standing requirement (all of it).
func fraction(m, due int, prorata bool) float64 {
	if due <= 0 {
		return 1
	}
	if prorata {
		return math.Min(1, float64(m)/float64(due))
	}
	if m < due {
		return 0
	}
	return 1
}

// frac is fraction for the evaluator's period, for a target due in month due of year
// dueYear (0: every year). A multi-year target (到2020年) is expected pro-rata over the
// months from January of the checklist's year to its due month; a step one only from then.
func (e *evaluator) frac(due, dueYear int, prorata bool) float64 {
	if dueYear == 0 || e.c.Year == 0 || due <= 0 {
		return fraction(e.month, due, prorata)
	}
	y := e.year
	if y == 0 {
		y = e.c.Year
	}
	elapsed := (y-e.c.Year)*12 + e.month
	total := (dueYear-e.c.Year)*12 + due
	switch {
	case elapsed <= 0:
		return 0
	case prorata:
		return math.Min(1, float64(elapsed)/float64(total))
	case elapsed < total:
		return 0
	}
	return 1
}

// lightOf gives the traffic light for a credit: 绿 at or above scoring.light_green, 黄 at
// or above scoring.light_yellow, 红 below, and always 红 at 0.
func lightOf(s seeds.Scoring, credit float64) Light {
	const eps = 1e-9
	switch {
	case credit <= eps:
		return Red
	case credit >= s.LightGreen-eps:
		return Green
	case credit >= s.LightYellow-eps:
		return Yellow
	}
	return Red
}

// Excluded reasons.
const (
	notDue        = "未到期"
	notApplicable = "不适用"
)

// roundHalfUp rounds x ≥ 0 to 1/scale, half up; the small offset keeps a value printed
// as 2.675 (stored as 2.67499…) rounding up as a clerk would.
func roundHalfUp(x, scale float64) float64 {
	if x < 0 {
		return -roundHalfUp(-x, scale)
	}
	r := math.Floor(x*scale+0.5+1e-7) / scale
	if r == 0 {
		return 0
	}
	return r
}

// numCredit is the credit of a measured value against a required one. For >= and > it is
// the value as a share of the requirement, capped at 1 (a requirement of 0 is met); for
// <= and < it is 1 when met and required/value otherwise; for == it is 1 or 0.
func numCredit(v float64, op string, required float64) float64 {
	switch op {
	case ">=", ">":
		if required <= 0 {
			return 1
		}
		return math.Max(0, math.Min(1, v/required))
	case "<=", "<":
		if seeds.Compare(v, op, required) {
			return 1
		}
		if v <= 0 {
			return 0
		}
		return math.Max(0, math.Min(1, required/v))
	}
	if seeds.Compare(v, op, required) {
		return 1
	}
	return 0
}

// partOut is the evaluation of one rule.
type partOut struct {
	excluded string // 未到期 or 不适用
	part     RulePart
	reported string
	expected string
	village  *VillageRuleSummary
}

// evaluator scores one filing for one month.
type evaluator struct {
	c     *seeds.Checklist
	month int
	year  int // the period's year
	// county is the roster entry of the county being scored (nil when unknown): the
	// office's facts on its villages (中心村, sewage stations).
	roster *seeds.County
	// files are the evidence files of the county being scored, by task id.
	files map[string][]string
	inds  map[string]*seeds.Indicator
	// ntasks is the number of tasks, to size each county's task list.
	ntasks int
}

func (e *evaluator) unit(id string) string {
	if ind := e.inds[id]; ind != nil {
		return ind.Unit
	}
	return ""
}

// scale is 1/precision of an indicator's values: whole numbers for integers, 0.01
// otherwise. Values and pro-rated thresholds are rounded to it before comparing, so the
// threshold printed is the one compared.
func (e *evaluator) scale(id string) float64 {
	if ind := e.inds[id]; ind != nil && ind.Type == seeds.TypeInteger {
		return 1
	}
	return 100
}

func (e *evaluator) name(id string) string {
	if ind := e.inds[id]; ind != nil {
		return ind.Name
	}
	return id
}

func (e *evaluator) rule(f *seeds.Filing, t *seeds.Task, r *seeds.Rule) partOut {
	switch r.Kind {
	case seeds.KindQuantity:
		return e.quantity(f, r)
	case seeds.KindRatio:
		return e.ratio(f, r)
	case seeds.KindVillageRatio:
		return e.villageRatio(f, t, r)
	}
	return e.villages(f, t, r)
}

// formRule says how a rule of rules stands for a filing of template version v (0: the
// current form): skip when it is not of that version's rules at all (superseded by a
// later form, or stood in for by the earlier version's form of the rule, FormUntil ≥ v);
// notCollected when the version's form did not ask for its data (FormSince > v, and no
// rule stands in): the rule is then 不适用 and the task is rescaled over the others.
func formRule(rules []seeds.Rule, r *seeds.Rule, v int) (skip, notCollected bool) {
	if v == 0 {
		return r.FormUntil != 0, false
	}
	if r.FormUntil != 0 && v > r.FormUntil {
		return true, false
	}
	if r.FormSince == 0 || v >= r.FormSince {
		return false, false
	}
	for i := range rules {
		if o := &rules[i]; o != r && o.FormUntil != 0 && o.FormUntil >= v && seeds.InForm(o.FormSince, o.FormUntil, v) {
			return true, false
		}
	}
	return false, true
}

// notCollected is the outcome of a rule the filing's form version did not ask for.
func notCollected(r *seeds.Rule, v int) partOut {
	o := partOut{excluded: notApplicable, reported: "未采集", expected: "不适用",
		part: RulePart{Label: r.Label, Kind: r.Kind, Weight: r.Weight, Required: round4(r.Threshold), Excluded: notApplicable}}
	o.part.Explanation = fmt.Sprintf("%s：第%d版表格未设此项，本期不计分（不适用）", r.Label, v)
	return o
}

// villageRatio scores, per village with a 第一书记, one village-level number divided by
// another (not pro-rated): every such village must meet the threshold, so the credit is
// the share that does. A village whose two numbers are both 0 (0/0: no fund) is not
// concerned; when no village is, the rule is 不适用. A positive numerator over a zero
// denominator (which the form rejects) counts as a ratio of 1; a village left empty is
// concerned and falls short. The explanation names the 第一书记 below the threshold.
func (e *evaluator) villageRatio(f *seeds.Filing, t *seeds.Task, r *seeds.Rule) partOut {
	// Values are each village's share in percent, against the test “≥70%”.
	sum := &VillageRuleSummary{Task: t.ID, Label: r.Label, Required: 1, Unit: "%",
		Test: cond(r.Op, r.Threshold*100, "%"), Values: make([]float32, len(f.Villages))}
	states := make([]byte, len(f.Villages))
	defer func() { sum.States = string(states) }()
	var first, last string
	var below []string
	zero := 0
	for i := range f.Villages {
		v := &f.Villages[i]
		states[i] = VillageNotConcerned
		n, nok := v.Values[r.Indicator]
		d, dok := v.Values[r.Denominator]
		if dok && d.Cell != "" && first == "" {
			first = d.Cell
		}
		if nok && n.Cell != "" {
			last = n.Cell
		}
		sec := v.Secretary
		if sec == "" && e.roster != nil {
			if rv := e.roster.Village(v.Town, v.Village); rv != nil {
				sec = rv.Secretary
			}
		}
		if sec == "" {
			continue // no 第一书记, no 第一书记 fund
		}
		vv := *v
		vv.Secretary = sec
		var what string
		switch {
		case !nok || !n.Set || !dok || !d.Set:
			sum.Missing++
			states[i] = VillageEmpty
			what = "未填"
		case n.Value <= 0 && d.Value <= 0:
			zero++
			continue
		default:
			actual := 1.0
			if d.Value > 0 {
				actual = roundHalfUp(n.Value/d.Value, 10000) // the share as printed is the share compared
			}
			sum.Values[i] = float32(actual * 100)
			if seeds.Compare(actual, r.Op, r.Threshold) {
				sum.Concerned++
				sum.Meeting++
				states[i] = VillageMeets
				continue
			}
			states[i] = VillageShort
			what = pct2(actual)
		}
		sum.Concerned++
		e.shortfall(sum, &vv, what)
		below = append(below, v.Town+v.Village+"（"+sec+"，"+what+"）")
	}
	cells := cellRange(first, last)
	share := 1.0
	if sum.Concerned > 0 {
		share = float64(sum.Meeting) / float64(sum.Concerned)
	}
	sum.Share = round4(share)
	o := partOut{village: sum, part: RulePart{Label: r.Label, Kind: r.Kind, Weight: r.Weight,
		Actual: round4(share), Required: 1, Cells: cells}}
	o.expected = "每名第一书记" + cond(r.Op, r.Threshold*100, "%")
	o.reported = fmt.Sprintf("%d/%d名第一书记", sum.Meeting, sum.Concerned)
	switch {
	case len(f.Villages) == 0:
		o.reported = "未填报"
		o.part.Explanation = r.Label + "：未填报村级台账，得分率0%"
		return o
	case sum.Concerned == 0:
		o.excluded, o.part.Excluded = notApplicable, notApplicable
		o.reported, o.expected = "不适用", "不适用"
		o.part.Explanation = fmt.Sprintf("%s：各村%s均为0（0/0），不适用，本期不计分%s", r.Label, e.name(r.Denominator), paren(cells))
		return o
	}
	o.part.Credit = share
	var extra string
	if zero > 0 {
		extra = fmt.Sprintf("，另有%d个村资金为0（0/0）不计", zero)
	}
	if len(below) > 0 {
		const most = 3
		list := strings.Join(below[:min(most, len(below))], "、")
		if len(below) > most {
			list += fmt.Sprintf("等%d个村", len(below))
		}
		extra += "；未达到的：" + list
	}
	o.part.Explanation = fmt.Sprintf("%s占%s（%d/%d名第一书记%s），目标100%%，得分率%s%s",
		r.Label, pct1(share), sum.Meeting, sum.Concerned, extra, pct1(share), paren(cells))
	return o
}

// quantity scores a county-level number against its (pro-rata) target.
func (e *evaluator) quantity(f *seeds.Filing, r *seeds.Rule) partOut {
	fr := e.frac(r.Due, r.DueYear, r.Prorata)
	sc := e.scale(r.Indicator)
	required := roundHalfUp(r.Threshold*fr, sc)
	unit := e.unit(r.Indicator)
	o := partOut{part: RulePart{Label: r.Label, Kind: r.Kind, Weight: r.Weight, Required: round4(required)}}
	if fr == 0 {
		o.excluded, o.part.Excluded = notDue, notDue
		o.expected = "本期不计分（未到期）"
		o.part.Explanation = fmt.Sprintf("%s：%d月底前%s，本期不计分（未到期）", r.Label, r.Due, cond(r.Op, r.Threshold, unit))
		return o
	}
	target := "目标" + cond(r.Op, required, unit)
	if fr < 1 {
		target = fmt.Sprintf("序时目标%s（%d月底前%s）", cond(r.Op, required, unit), r.Due, cond(r.Op, r.Threshold, unit))
	}
	o.expected = cond(r.Op, required, unit)
	v, ok := f.Indicators[r.Indicator]
	o.part.Cells = v.Cell
	if !ok || !v.Set {
		o.reported = "未填报"
		o.part.Explanation = fmt.Sprintf("%s未填报，%s，得分率0%%%s", r.Label, target, paren(v.Cell))
		return o
	}
	val := roundHalfUp(v.Value, sc)
	o.part.Actual = round4(val)
	o.part.Credit = numCredit(val, r.Op, required)
	o.reported = num(v.Value) + unit
	o.part.Explanation = fmt.Sprintf("%s%s，%s，得分率%s%s", r.Label, o.reported, target, pct1(o.part.Credit), paren(v.Cell))
	return o
}

// ratio scores one county-level number divided by another against a threshold (not
// pro-rated). A missing value, or no money at all (both 0), earns no credit; a positive
// numerator over a zero denominator (which the form rejects) counts as a ratio of 1.
func (e *evaluator) ratio(f *seeds.Filing, r *seeds.Rule) partOut {
	o := partOut{part: RulePart{Label: r.Label, Kind: r.Kind, Weight: r.Weight, Required: round4(r.Threshold)}}
	o.expected = cond(r.Op, r.Threshold*100, "%")
	n, nok := f.Indicators[r.Indicator]
	d, dok := f.Indicators[r.Denominator]
	o.part.Cells = cellList(n.Cell, d.Cell)
	target := "目标" + cond(r.Op, r.Threshold*100, "%")
	unit := e.unit(r.Indicator)
	switch {
	case !nok || !n.Set || !dok || !d.Set:
		var miss []string
		if !nok || !n.Set {
			miss = append(miss, e.name(r.Indicator))
		}
		if !dok || !d.Set {
			miss = append(miss, e.name(r.Denominator))
		}
		o.reported = "未填报"
		o.part.Explanation = fmt.Sprintf("%s：%s未填报，%s，得分率0%%%s", r.Label, strings.Join(miss, "、"), target, paren(o.part.Cells))
		return o
	case d.Value <= 0 && n.Value <= 0:
		o.excluded, o.part.Excluded = notApplicable, notApplicable
		o.reported = "不适用"
		o.part.Explanation = fmt.Sprintf("%s：%s为0（0/0），不适用，本期不计分%s", r.Label, e.name(r.Denominator), paren(o.part.Cells))
		return o
	}
	actual := 1.0
	if d.Value > 0 {
		// The share as printed (0.01%) is the share compared.
		actual = roundHalfUp(n.Value/d.Value, 10000)
	}
	o.part.Actual = round4(actual)
	o.part.Credit = numCredit(actual, r.Op, r.Threshold)
	o.reported = pct2(actual)
	o.part.Explanation = fmt.Sprintf("%s%s（%s/%s%s），%s，得分率%s%s", r.Label, pct2(actual), num(n.Value), num(d.Value), unit,
		target, pct1(o.part.Credit), paren(o.part.Cells))
	return o
}

// villages scores a village-level rule (village_share, compliance, count).
//
// Concerned villages are those meeting rule.Where (all, without one; a village whose
// where-indicator is empty is not concerned). For a bool indicator the per-village test
// is not pro-rated but the required share is (share × 序时). For a number the per-village
// threshold is pro-rated (threshold × 序时) and the full share is required; nothing is
// required while 序时 is 0. For a count the per-village threshold is threshold × 序时
// rounded down, and nothing is required while that is 0. A village with the value left
// empty is concerned and falls short.
func (e *evaluator) villages(f *seeds.Filing, t *seeds.Task, r *seeds.Rule) partOut {
	ind := e.inds[r.Indicator]
	isBool := ind != nil && ind.Type == seeds.TypeBool
	unit := e.unit(r.Indicator)
	fr := e.frac(r.Due, r.DueYear, r.Prorata)
	sc := e.scale(r.Indicator)
	thr, reqShare := r.Threshold, r.Share
	switch {
	case r.Kind == seeds.KindCount:
		thr = math.Floor(r.Threshold*fr + 1e-9)
		if thr <= 0 && r.Threshold > 0 {
			reqShare = 0
		}
	case isBool:
		reqShare = r.Share * fr
	default:
		thr = roundHalfUp(r.Threshold*fr, sc)
		if fr == 0 {
			reqShare = 0
		}
	}

	sum := &VillageRuleSummary{Task: t.ID, Label: r.Label, Required: round4(reqShare), Unit: unit, Bool: isBool,
		Values: make([]float32, len(f.Villages))}
	if isBool {
		sum.Test = "是"
		if !seeds.Compare(1, r.Op, thr) {
			sum.Test = "否"
		}
	} else {
		sum.Test = cond(r.Op, thr, unit)
	}
	states := make([]byte, len(f.Villages))
	var first, last string
	short := func(v *seeds.VillageReport, what string) { e.shortfall(sum, v, what) }
	for i := range f.Villages {
		v := &f.Villages[i]
		n, ok := v.Values[r.Indicator]
		if ok && n.Cell != "" {
			if first == "" {
				first = n.Cell
			}
			last = n.Cell
		}
		if ok && n.Set {
			sum.Values[i] = float32(n.Value)
		}
		states[i] = VillageNotConcerned
		if r.Where != nil {
			in, self := e.concerned(v, r.Where)
			if !in {
				continue
			}
			if self {
				sum.SelfReported++
			}
		}
		sum.Concerned++
		switch {
		case !ok || !n.Set:
			sum.Missing++
			states[i] = VillageEmpty
			short(v, "未填")
		case seeds.Compare(roundHalfUp(n.Value, sc), r.Op, thr):
			sum.Meeting++
			states[i] = VillageMeets
		case isBool:
			states[i] = VillageShort
			short(v, boolWord(n.Value))
		default:
			states[i] = VillageShort
			short(v, num(n.Value)+unit)
		}
	}
	sum.States = string(states)
	cells := cellRange(first, last)
	share := 1.0
	if sum.Concerned > 0 {
		share = float64(sum.Meeting) / float64(sum.Concerned)
	}
	sum.Share = round4(share)

	o := partOut{village: sum, part: RulePart{Label: r.Label, Kind: r.Kind, Weight: r.Weight,
		Actual: round4(share), Required: round4(reqShare), Cells: cells}}
	var test string // the per-village test, in words
	if !isBool {
		test = cond(r.Op, thr, unit)
	}
	o.expected = pct0(reqShare) + "的村" + test
	o.reported = fmt.Sprintf("%d/%d个村", sum.Meeting, sum.Concerned)

	switch {
	case reqShare <= 0:
		o.excluded, o.part.Excluded = notDue, notDue
		o.expected = "本期不计分（未到期）"
		o.part.Explanation = fmt.Sprintf("%s：%d月底前%s，本期不计分（未到期）%s", r.Label, r.Due,
			cond(r.Op, r.Threshold, unit), paren(cells))
		return o
	case len(f.Villages) == 0:
		o.reported = "未填报"
		o.part.Explanation = r.Label + "：未填报村级台账，得分率0%"
		return o
	case sum.Concerned == 0:
		o.excluded, o.part.Excluded = notApplicable, notApplicable
		o.expected = "不适用"
		o.part.Explanation = fmt.Sprintf("%s：无涉及的村（%s），不适用，本期不计分%s", r.Label, e.whereText(r.Where), paren(cells))
		return o
	}
	o.part.Credit = math.Min(1, share/reqShare)

	var extra string
	switch {
	case r.Kind == seeds.KindCount && thr != r.Threshold:
		extra = fmt.Sprintf("，截至%d月应%s", e.month, cond(r.Op, thr, unit))
	case !isBool && thr != r.Threshold:
		extra = "，按序时标准" + cond(r.Op, thr, unit) + "计"
	}
	if sum.Missing > 0 {
		extra += fmt.Sprintf("，%d个村未填", sum.Missing)
	}
	if sum.SelfReported > 0 {
		extra += fmt.Sprintf("，其中%d个村按自报%s认定（考核办未核定）", sum.SelfReported, e.name(r.Where.Indicator))
	}
	target := "目标" + pct0(reqShare)
	if reqShare != r.Share {
		target = fmt.Sprintf("序时目标%s（%d月底前%s）", pct0(reqShare), r.Due, pct0(r.Share))
	}
	o.part.Explanation = fmt.Sprintf("%s占%s（%d/%d个村%s），%s，得分率%s%s", r.Label, pct1(share),
		sum.Meeting, sum.Concerned, extra, target, pct1(o.part.Credit), paren(cells))
	return o
}

// shortfall lists a village that falls short of a rule, under its 乡镇, with its 第一书记.
func (e *evaluator) shortfall(sum *VillageRuleSummary, v *seeds.VillageReport, what string) {
	// Villages come grouped by town: look from the last town back.
	i := len(sum.Short) - 1
	for i >= 0 && sum.Short[i].Town != v.Town {
		i--
	}
	if i < 0 {
		i = len(sum.Short)
		sum.Short = append(sum.Short, TownShortfall{Town: v.Town})
	}
	sum.Short[i].Villages = append(sum.Short[i].Villages, v.Village+"（"+what+"）")
	sum.Short[i].Secretaries = append(sum.Short[i].Secretaries, v.Secretary)
}

// concerned reports whether a village is concerned by a where-condition, and whether
// that rests on the county's own report where the office's roster should decide.
func (e *evaluator) concerned(v *seeds.VillageReport, w *seeds.Where) (in, selfReported bool) {
	var rv *seeds.Village
	if e.roster != nil {
		rv = e.roster.Village(v.Town, v.Village)
	}
	switch w.Roster {
	case seeds.WhereCentral:
		return rv != nil && rv.Central, false
	case seeds.WhereSewageStation:
		if rv != nil && rv.SewageStation != nil {
			return *rv.SewageStation, false
		}
	}
	n, ok := v.Values[w.Indicator]
	if !ok || !n.Set || !seeds.Compare(n.Value, w.Op, w.Value) {
		return false, false
	}
	return true, w.Roster != ""
}

// whereText describes a where-condition: 污水产生规模>50立方米/日, 区域中心村、中心社区.
func (e *evaluator) whereText(w *seeds.Where) string {
	if w.Roster == seeds.WhereCentral {
		return "区域中心村、中心社区"
	}
	return e.name(w.Indicator) + cond(w.Op, w.Value, e.unit(w.Indicator))
}

func boolWord(v float64) string {
	if v >= 0.5 {
		return "是"
	}
	return "否"
}

// paren puts cells in (full-width) parentheses, or gives "" when there are none.
func paren(cells string) string {
	if cells == "" {
		return ""
	}
	return "（" + cells + "）"
}
