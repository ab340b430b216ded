package score

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jining/kaohe/seeds"
)

// The sheet names and layout Synthetic assumes for the cells it records: 重点任务 with one
// row per task from row 3 (进展状态 in column E, 完成进度 in F), 量化指标 with one row per county-level
// indicator from row 3 (本期数值 in column D), 村级台账 with one row per village from row 4
// (乡镇, 村, 第一书记 in A–C, then one column per village-level indicator from D).
const (
	synTaskRow    = 3
	synCountyRow  = 3
	synVillageRow = 4
)

// Synthetic makes a plausible filing for one county and period, for demos, tests and
// benchmarks. quality (0–1) shifts the values from poor to good; r makes it repeatable.
// Values follow the checklist's rules: a number is drawn around its rule's threshold at
// 序时 (incomes of a few 万元, most villages over 3万元 by November at middling quality),
// a 是/否 is 是 more often as quality rises, statuses are mostly 推进中 or 已完成. An
// indicator that must not exceed another (le) is kept below it. The period's month is
// taken from period ("YYYY-MM"); an invalid period counts as December.
func Synthetic(c *seeds.Checklist, county *seeds.County, period string, r *rand.Rand, quality float64) *seeds.Filing {
	quality = math.Max(0, math.Min(1, quality))
	m, y := 12, 0
	if t, err := time.Parse("2006-01", period); err == nil {
		m, y = int(t.Month()), t.Year()
	}
	f := &seeds.Filing{County: county.Code, Period: period, Version: c.Version,
		Indicators: map[string]seeds.Number{}}

	// What each indicator is measured against: its rule (the highest threshold among its
	// rules), the ratio it is the numerator of, or the where-condition it feeds.
	type use struct {
		rule  *seeds.Rule
		where *seeds.Where
	}
	uses := map[string]use{}
	for _, t := range c.Tasks() {
		for i := range t.Rules {
			rl := &t.Rules[i]
			if u, ok := uses[rl.Indicator]; !ok || u.rule == nil || rl.Threshold > u.rule.Threshold {
				uses[rl.Indicator] = use{rule: rl}
			}
			if rl.Where != nil {
				if _, ok := uses[rl.Where.Indicator]; !ok {
					uses[rl.Where.Indicator] = use{where: rl.Where}
				}
			}
		}
	}

	for i, t := range c.Tasks() {
		due := t.Due
		if due == 0 {
			due = 12
		}
		exp := fraction(m, due, true)
		// Chance of 已完成 grows with 序时 and quality; 未启动 is rare and mostly poor counties.
		st := seeds.StatusInProgress
		switch x := r.Float64(); {
		case x < exp*(0.15+0.7*quality):
			st = seeds.StatusDone
		case x > 1-0.15*(1-quality):
			st = seeds.StatusNotStarted
		}
		tr := seeds.TaskReport{Task: t.ID, Status: st, Progress: "按计划推进", PercentSet: true,
			Cell: fmt.Sprintf("重点任务!E%d", synTaskRow+i), PercentCell: fmt.Sprintf("重点任务!F%d", synTaskRow+i)}
		if st != seeds.StatusDone {
			// The county's own words, chosen without drawing from r (the values stay as they were).
			k := (i + len(county.Code) + int(county.Code[len(county.Code)-1])) % len(synProblems)
			tr.Problems, tr.NextSteps = synProblems[k][0], synProblems[k][1]
		}
		f.Tasks = append(f.Tasks, tr)
	}

	// value draws one number for an indicator.
	value := func(r *rand.Rand, ind *seeds.Indicator) float64 {
		u := uses[ind.ID]
		var v float64
		switch {
		case ind.Type == seeds.TypeBool:
			if r.Float64() < 0.55+0.44*quality {
				return 1
			}
			return 0
		case u.rule != nil && (u.rule.Kind == seeds.KindRatio || u.rule.Kind == seeds.KindVillageRatio):
			return 0 // filled from the denominator below
		case u.rule != nil:
			rl := u.rule
			fr := fraction(m, rl.Due, true)
			if rl.Due == 0 {
				fr = 1
			}
			// Around the threshold due by now: poor counties fall short, good ones exceed.
			v = rl.Threshold * fr * (0.55 + 0.75*quality) * math.Exp(r.NormFloat64()*0.35)
		case u.where != nil:
			v = u.where.Value * math.Exp(r.NormFloat64()*0.8) * 0.6
		default: // an amount nothing is measured against, e.g. a ratio's denominator
			lo := math.Max(ind.Min, 1)
			hi := math.Min(ind.Max, lo*300)
			v = lo + (hi-lo)*r.Float64()*r.Float64()
		}
		if ind.Type == seeds.TypeInteger {
			v = math.Round(v)
		}
		return math.Max(ind.Min, math.Min(ind.Max, round2(v)))
	}

	for i, ind := range c.Indicators(seeds.LevelCounty) {
		f.Indicators[ind.ID] = seeds.Number{Value: value(r, ind), Set: true, Note: "台账佐证",
			Cell: fmt.Sprintf("量化指标!D%d", synCountyRow+i)}
	}
	// Indicators of earlier forms only (五、7's county fund totals, until version 2): drawn
	// and dropped, so that the values of the others stay what they were before.
	for _, ind := range c.IndicatorsFor(seeds.LevelCounty, 2) {
		if ind.FormUntil != 0 {
			value(r, ind)
		}
	}
	// Ratio numerators: a share of the denominator around the rule's threshold.
	for _, t := range c.Tasks() {
		for _, rl := range t.Rules {
			if rl.Kind != seeds.KindRatio || rl.FormUntil != 0 {
				if rl.Kind == seeds.KindRatio {
					r.NormFloat64() // as above: an earlier form's rule
				}
				continue
			}
			n, d := f.Indicators[rl.Indicator], f.Indicators[rl.Denominator]
			share := math.Min(1, rl.Threshold*(0.6+0.6*quality)*math.Exp(r.NormFloat64()*0.15))
			n.Value = round2(d.Value * share)
			f.Indicators[rl.Indicator] = n
		}
	}
	clampLE(c, seeds.LevelCounty, f.Indicators)

	vinds := c.Indicators(seeds.LevelVillage)
	// Indicators newer than the first form draw from a stream of their own, so that a new
	// column does not reshuffle the values of the others.
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\n%s\n%v", county.Code, period, quality)
	rn := rand.New(rand.NewPCG(h.Sum64(), 0x6b61_6f68_6533))
	for i, v := range county.Villages {
		row := synVillageRow + i
		vr := seeds.VillageReport{Town: v.Town, Village: v.Name, Secretary: v.Secretary, Row: row,
			Values: make(map[string]seeds.Number, len(vinds))}
		for j, ind := range vinds {
			rr := r
			if ind.FormSince > 0 {
				rr = rn
			}
			vr.Values[ind.ID] = seeds.Number{Value: value(rr, ind), Set: true, Cell: synCell("村级台账", 3+j, row)}
		}
		// Per-village ratios (第一书记 funds): a share of the denominator around the
		// threshold; about one village in five has no fund at all (0/0).
		for _, t := range c.Tasks() {
			for _, rl := range t.Rules {
				if rl.Kind != seeds.KindVillageRatio {
					continue
				}
				n, d := vr.Values[rl.Indicator], vr.Values[rl.Denominator]
				if rn.Float64() < 0.2 {
					d.Value = 0
				}
				share := math.Min(1, rl.Threshold*(1.1+0.3*quality)*math.Exp(rn.NormFloat64()*0.1))
				n.Value = round2(d.Value * share)
				vr.Values[rl.Indicator], vr.Values[rl.Denominator] = n, d
			}
		}
		clampLE(c, seeds.LevelVillage, vr.Values)
		// A part of a whole (其中…) is mostly most of it: reserve candidates of 高中以上
		// 文化程度 are most of the candidates, the more so in a better county.
		for _, ind := range vinds {
			if ind.LE == "" || ind.Type != seeds.TypeInteger {
				continue
			}
			n, b := vr.Values[ind.ID], vr.Values[ind.LE]
			if share := math.Round(b.Value * (0.8 + 0.2*quality)); n.Value < share {
				n.Value = share
				vr.Values[ind.ID] = n
			}
		}
		f.Villages = append(f.Villages, vr)
	}

	// 完成进度 and 佐证, drawn last so that the draws above do not depend on them.
	for i, t := range c.Tasks() {
		tr := &f.Tasks[i]
		due := t.Due
		if due == 0 {
			due = 12
		}
		exp := fraction(m, due, true)
		switch tr.Status {
		case seeds.StatusDone:
			tr.Percent = 100
			// 佐证 is usually named; poorer counties forget it more often (缺佐证).
			if r.Float64() < 0.7+0.3*quality {
				tr.Evidence = "工作台账及照片"
			}
		case seeds.StatusInProgress:
			// Around 序时, ahead for good counties and behind for poor ones, 1–99%.
			tr.Percent = math.Max(1, math.Min(99, math.Round(100*exp*(0.6+0.6*quality)*math.Exp(r.NormFloat64()*0.2))))
		}
	}
	// A task the data measure (its rules, or a status task's checks) is reported as the
	// data show: an honest county's claims are not 存疑.
	e := &evaluator{c: c, month: m, year: y, inds: map[string]*seeds.Indicator{}}
	for _, t := range c.Tasks() {
		for i := range t.Indicators {
			e.inds[t.Indicators[i].ID] = &t.Indicators[i]
		}
	}
	for i, t := range c.Tasks() {
		rules := t.Rules
		if len(rules) == 0 {
			rules = t.Checks
		}
		if len(rules) == 0 {
			continue
		}
		dc, share, _, _ := e.ruleSet(f, t, rules)
		if share == 0 {
			continue
		}
		due := t.Due
		if due == 0 {
			due = 12
		}
		tr := &f.Tasks[i]
		switch p := math.Round(100 * dc * e.frac(due, t.DueYear, true)); {
		case p >= 100:
			tr.Status, tr.Percent, tr.Evidence = seeds.StatusDone, 100, "村级台账数据"
		case p <= 0:
			tr.Status, tr.Percent, tr.Evidence = seeds.StatusNotStarted, 0, ""
		default:
			tr.Status, tr.Percent, tr.Evidence = seeds.StatusInProgress, math.Min(99, p), ""
		}
	}
	// A task not done carries the county's words (the form requires them).
	for i := range f.Tasks {
		if tr := &f.Tasks[i]; tr.Status != seeds.StatusDone && tr.Problems == "" {
			k := (i + len(county.Code) + int(county.Code[len(county.Code)-1])) % len(synProblems)
			tr.Problems, tr.NextSteps = synProblems[k][0], synProblems[k][1]
		}
	}
	return f
}

// clampLE keeps every indicator with an le bound at or below the indicator it names.
// synProblems are the 存在问题 and 下步打算 a synthetic county writes for a task not done.
var synProblems = [][2]string{
	{"项目资金尚未拨付到位，部分工程进度滞后", "协调财政部门加快拨付，倒排工期，下月底前完成主体工程"},
	{"部分村干部积极性不高，工作推进较慢", "召开专题推进会，对进度靠后的村逐一约谈"},
	{"受季节影响，施工条件不足", "天气转暖后集中施工，抓紧补齐进度"},
	{"村级台账不够规范，数据统计口径不一", "组织乡镇业务培训，统一统计口径，逐村核对"},
	{"部分群众参与度不高，宣传发动不够", "通过村民会议和入户走访加强宣传，提高群众参与度"},
}

func clampLE(c *seeds.Checklist, level string, vals map[string]seeds.Number) {
	for _, ind := range c.Indicators(level) {
		if ind.LE == "" {
			continue
		}
		v, b := vals[ind.ID], vals[ind.LE]
		if v.Set && b.Set && v.Value > b.Value {
			v.Value = b.Value
			vals[ind.ID] = v
		}
	}
}

// synCells caches cell names so that thousands of synthetic filings share them.
var synCells struct {
	sync.Mutex
	m map[synKey]string
}

type synKey struct {
	sheet    string
	col, row int
}

// synCell names a cell by zero-based column and one-based row: synCell("村级台账", 3, 4)
// is 村级台账!D4.
func synCell(sheet string, col, row int) string {
	k := synKey{sheet, col, row}
	synCells.Lock()
	defer synCells.Unlock()
	if s, ok := synCells.m[k]; ok {
		return s
	}
	name := ""
	for c := col + 1; c > 0; c = (c - 1) / 26 {
		name = string(rune('A'+(c-1)%26)) + name
	}
	s := fmt.Sprintf("%s!%s%d", sheet, name, row)
	if synCells.m == nil {
		synCells.m = map[synKey]string{}
	}
	synCells.m[k] = s
	return s
}

// SyntheticCounty makes a county with n villages in 乡镇 of about 15 villages each, for
// benchmarks and demos at a size the demo roster does not reach.
func SyntheticCounty(code string, n int) *seeds.County {
	c := &seeds.County{Code: code, Name: "测试县" + code, Emails: []string{"zzb@" + code + ".kaohe.test"}}
	for i := range n {
		c.Villages = append(c.Villages, seeds.Village{
			Town:      fmt.Sprintf("第%d镇", i/15+1),
			Name:      fmt.Sprintf("第%d村", i+1),
			Secretary: fmt.Sprintf("书记%d", i+1),
		})
	}
	return c
}
