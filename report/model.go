package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// Model is what a report shows, page content in reading order, independent of the
// typesetting: the PDF renderer draws it, and golden tests compare it.
type Model struct {
	Kind     string `json:"kind"` // "county" or "summary"
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Period   string `json:"period"` // YYYY-MM
	Office   string `json:"office,omitempty"`
	// Issued is when the assessment was made (the latest accepted form), zero when
	// unknown: the PDF's creation date and, in office time, the 成文日期 (Date).
	Issued time.Time `json:"issued,omitzero"`
	Date   string    `json:"date,omitempty"`
	Blocks []Block   `json:"blocks"`
}

// eachString calls fn with every piece of text of the model.
func (m *Model) eachString(fn func(string)) {
	fn(m.Title)
	fn(m.Subtitle)
	fn(m.Office)
	fn(periodText(m.Period))
	fn(m.Date)
	for i := range m.Blocks {
		fn(m.Blocks[i].Text)
		fn(m.Blocks[i].Label)
		m.Blocks[i].eachString(fn)
	}
}

// eachString calls fn with every piece of text of b but its Text and Label.
func (b *Block) eachString(fn func(string)) {
	{
		for _, f := range b.Facts {
			fn(f.Label)
			fn(f.Value)
		}
		for _, x := range b.Bars {
			fn(x.Label)
		}
		if t := b.Table; t != nil {
			for _, c := range t.Columns {
				fn(c.Title)
			}
			for _, r := range t.Rows {
				for _, c := range r.Cells {
					fn(c)
				}
			}
		}
		if tr := b.Trend; tr != nil {
			for _, x := range tr.X {
				fn(x)
				fn(shortPeriod(x))
			}
			for _, p := range tr.Panels {
				fn(p.Name)
				fn(trim0(p.Max))
				for _, v := range p.Values {
					if v != nil {
						fn(f2(*v))
					}
				}
			}
			fn("满分未报送")
		}
		if len(b.Bars) > 0 {
			fn("本单位得分全市平均最高")
		}
	}
}

// Block kinds.
const (
	BlockHeading = "heading"
	BlockText    = "text"
	BlockFacts   = "facts"
	BlockBars    = "bars"
	BlockTable   = "table"
	BlockTrend   = "trend"
	// Blocks of the 通报 layout.
	BlockSubheading = "subheading" // 二级标题, in 楷体
	BlockQuote      = "quote"      // the counties' own words, in 楷体
	BlockSign       = "sign"       // 落款 and 成文日期; Text: the office ("" for the renderer's)
	BlockAttach     = "attach"     // starts an attachment on a new page: Label 附件N, Text its title
)

// Block is one element of a report, drawn top to bottom.
type Block struct {
	Kind  string `json:"kind"`
	Text  string `json:"text,omitempty"`
	Facts []Fact `json:"facts,omitempty"`
	Bars  []Bar  `json:"bars,omitempty"`
	Table *Table `json:"table,omitempty"`
	Trend *Trend `json:"trend,omitempty"`
	Label string `json:"label,omitempty"`
	// NoIndent: a text line of the 通报 that does not start a paragraph.
	NoIndent bool `json:"no_indent,omitempty"`
}

// Fact is one label/value pair of a facts block (the cover block).
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Bar is one area of the area bar chart.
type Bar struct {
	Label  string  `json:"label"`
	Score  float64 `json:"score"`
	Weight float64 `json:"weight"`
	Avg    float64 `json:"avg,omitempty"`  // the city average
	Best   float64 `json:"best,omitempty"` // the best unit's score
}

// Table is a table whose header repeats on every page it spans.
type Table struct {
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	Size    float64  `json:"size,omitempty"` // font size, pt; 0: the document's table size
	Keep    bool     `json:"keep,omitempty"` // start on a new page rather than split, when it fits one
}

// Column describes one table column.
type Column struct {
	Title string  `json:"title"`
	Width float64 `json:"width"`           // share of the text width; a table's shares sum to 1
	Align string  `json:"align"`           // L, C or R
	Light bool    `json:"light,omitempty"` // cells are 绿/黄/红: a coloured dot goes before the text
	Heat  bool    `json:"heat,omitempty"`  // cells are filled by Row.Heat
	Fill  bool    `json:"fill,omitempty"`  // cells are 绿/黄/红 or empty: the cell is filled in the light's colour
}

// Row is one table row.
type Row struct {
	Cells []string  `json:"cells"`
	Tone  string    `json:"tone,omitempty"` // a grade name or 未报送: the row's background
	Heat  []float64 `json:"heat,omitempty"` // per cell 0–1 for Heat columns; -1: none
}

// Trend is a set of small bar charts over the same periods, one per series.
type Trend struct {
	X      []string `json:"x"` // periods, oldest first, as 2019年9月
	Panels []Panel  `json:"panels"`
}

// Panel is one series of a Trend on its own scale, 0 to Max; nil values are gaps.
type Panel struct {
	Name   string     `json:"name"`
	Max    float64    `json:"max"`
	Values []*float64 `json:"values"`
}

// Report titles.
const (
	countyTitle  = "乡村振兴重点工作任务推进情况考核报告"
	summaryTitle = "乡村振兴重点工作任务推进情况考核汇总"
	trendPeriods = 6
)

// periodText renders 2019-09 as 2019年9月; anything else unchanged.
func periodText(p string) string {
	y, m, ok := strings.Cut(p, "-")
	if !ok {
		return p
	}
	mi, err := strconv.Atoi(m)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%s年%d月", y, mi)
}

func f1(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	return s
}

// f2 formats a score with the official precision, two decimals (half up; the engine
// has rounded it already), so printed parts add up to printed totals.
func f2(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

func signed(v float64) string {
	if v > 0 {
		return "+" + f2(v)
	}
	return f2(v)
}

func rankChange(c *score.CountyResult) string {
	switch {
	case !c.Submitted || !c.HasPrev:
		return "—"
	case c.RankChange > 0:
		return fmt.Sprintf("↑%d", c.RankChange)
	case c.RankChange < 0:
		return fmt.Sprintf("↓%d", -c.RankChange)
	}
	return "持平"
}

// findCounty returns the county with the given code, or nil.
func findCounty(res *score.Result, code string) *score.CountyResult {
	for i := range res.Counties {
		if res.Counties[i].Code == code {
			return &res.Counties[i]
		}
	}
	return nil
}

// Context is what the report models say beyond the result: the units' types, for how
// they are named together (县（市、区）和功能区), and, for the 未报送 notice, the late
// deductions, where forms go and whom to ask.
type Context struct {
	Roster    *seeds.Roster    // unit types; nil: every unit a 县市区
	Checklist *seeds.Checklist // the late deductions; nil: the embedded checklist
	ReturnTo  string           // the address forms go to (office.from); empty: not named
	Contact   string           // whom to ask (office.contact); empty: the office
	Office    string           // the issuing office, when Contact is empty
	Assessed  time.Time        // when the assessment was made, in office time (workbook dates); Renderer.At sets it
	Digests   []Digest         // the county reports' SHA-256, listed in the summary's 附件 (WriteAll sets them)
	// Corrected holds the county codes whose report is a 更正 of one issued before ("":
	// the summary); their title says so.
	Corrected map[string]bool
}

// correctionMark is added to the title of a report that corrects one issued before.
const correctionMark = "（更正）"

// Digest is the SHA-256 of one county report as issued, so that anyone holding the
// summary can tell whether a report is the one kaohe issued (kaohe verify-report).
type Digest struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256"` // lowercase hex
}

// unitsLabel names the units of res together: 县（市、区）, 功能区, or 县（市、区）和功能区.
func (x Context) unitsLabel(res *score.Result, ranked bool) string {
	if x.Roster == nil {
		return seeds.UnitsLabel(seeds.UnitCounty)
	}
	// Called for every report: the roster's zones looked up in a set (Roster.County is a
	// scan: O(n²) a report, minutes at national size), done once both types are seen.
	zones := map[string]bool{}
	for i := range x.Roster.Counties {
		if u := &x.Roster.Counties[i]; u.UnitType() == seeds.UnitZone {
			zones[u.Code] = true
		}
	}
	var county, zone bool
	for i := range res.Counties {
		c := &res.Counties[i]
		if ranked && (!c.Submitted || c.Rank == 0) {
			continue
		}
		if zones[c.Code] {
			zone = true
		} else {
			county = true
		}
		if county && zone {
			break
		}
	}
	var types []string
	if county {
		types = append(types, seeds.UnitCounty)
	}
	if zone {
		types = append(types, seeds.UnitZone)
	}
	return seeds.UnitsLabel(types...)
}

func (x Context) contact() string {
	switch {
	case x.Contact != "":
		return x.Contact
	case x.Office != "":
		return x.Office
	}
	return "市委组织部"
}

func (x Context) lateText() string {
	cl := x.Checklist
	if cl == nil {
		cl = seeds.DefaultChecklist()
	}
	return cl.Scoring.LateText()
}

// periodEnd is the last day of period's month in Chinese: 2026年11月30日.
func periodEnd(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return periodText(period) + "底"
	}
	e := t.AddDate(0, 1, -1)
	return fmt.Sprintf("%d年%d月%d日", e.Year(), int(e.Month()), e.Day())
}

// CountyModel returns the content of one county's report with an empty Context.
func CountyModel(res *score.Result, code string, history []*score.Result) *Model {
	return Context{}.CountyModel(res, code, history)
}

// CountyModel returns the content of one county's report, or nil when res has no
// county with that code. history holds earlier results, in any order; the last
// periods up to res.Period feed the trend chart.
func (x Context) CountyModel(res *score.Result, code string, history []*score.Result) *Model {
	c := findCounty(res, code)
	if c == nil {
		return nil
	}
	m := &Model{Kind: "county", Title: countyTitle, Subtitle: c.Name, Period: res.Period, Issued: issued(res)}
	if x.Corrected[code] {
		m.Title += correctionMark
	}
	add := func(b Block) { m.Blocks = append(m.Blocks, b) }
	heading := func(s string) { add(Block{Kind: BlockHeading, Text: s}) }

	if !c.Submitted {
		add(Block{Kind: BlockFacts, Facts: []Fact{
			{"单位", c.Name},
			{"考核期", periodText(res.Period)},
			{"报送情况", "未报送"},
			{"考核结果", "本期未报送，不参加评分和排名"},
		}})
		heading("一、情况说明")
		msg := fmt.Sprintf("截至本期考核，未收到%s%s的乡村振兴重点工作任务推进情况表，本期不计分、不排名，在全市汇总中列为“未报送”。", c.Name, periodText(res.Period))
		if c.Rejected > 0 {
			msg += fmt.Sprintf("本期曾收到报表%d份，均因填报问题被退回，未予受理。", c.Rejected)
		}
		add(Block{Kind: BlockText, Text: msg})
		if c.Review != "" { // review.required: forms received but none approved
			add(Block{Kind: BlockText, Text: "审核情况：" + c.Review})
		}
		if len(c.Problems) > 0 {
			heading("二、最近一次退回的问题")
			for i, p := range c.Problems {
				add(Block{Kind: BlockText, Text: fmt.Sprintf("%d. %s", i+1, p)})
			}
		}
		heading(fmt.Sprintf("%s、请尽快补报", cnNum(len(c.Problems) > 0, 3, 2)))
		to := "通知邮件的发件地址"
		if x.ReturnTo != "" {
			to += "（" + x.ReturnTo + "）"
		}
		late := "计为迟报"
		if lt := x.lateText(); lt != "" {
			late += "（" + lt + "）"
		}
		for _, s := range []string{
			fmt.Sprintf("1. 请于%s前，使用随通知下发的本单位进展表（Excel），按表内说明逐项填写进展状态、量化指标和村级台账，不要改动表格结构和锁定的单元格。", periodEnd(res.Period)),
			fmt.Sprintf("2. 填写完毕后，将表格作为附件回复至%s；系统收到后会自动回复回执，如有问题会退回并标明出错的工作表和单元格。", to),
			fmt.Sprintf("3. 补报的进展表仍会受理，%s，但不改变本期考核结果；补报的数据作为下期填报表的预填内容。", late),
			fmt.Sprintf("4. 如有困难，请联系%s。", x.contact()),
		} {
			add(Block{Kind: BlockText, Text: s})
		}
		add(Block{Kind: BlockSign})
		return m
	}

	change := "首次考核，无上期数据"
	if c.HasPrev {
		delta := "总分" + signed(c.TotalChange)
		if f2(math.Abs(c.TotalChange)) == "0.00" {
			delta = "总分持平"
		}
		change = fmt.Sprintf("位次%s（上期第%d名），%s（上期%s分）", rankChangeWords(c.RankChange), c.PrevRank, delta, f2(c.PrevTotal))
	}
	total := f2(c.Total) + "分"
	var how []string
	if c.Possible > 0 && c.Possible != 100 {
		how = append(how, fmt.Sprintf("本期应得%s分、实得%s分，折算百分制%s分", f2(c.Possible), f2(c.Earned), f2(c.Raw)))
	} else if c.Deduction > 0 {
		how = append(how, "得分"+f2(c.Raw))
	}
	if c.Deduction > 0 {
		how = append(how, "扣分"+f2(c.Deduction))
	}
	if c.Bonus > 0 {
		how = append(how, "加分"+f2(c.Bonus))
	}
	if len(how) > 0 {
		total += "（" + strings.Join(how, "，") + "）"
	}
	add(Block{Kind: BlockFacts, Facts: []Fact{
		{"单位", c.Name},
		{"考核期", periodText(res.Period)},
		{"总分", total},
		{"等次", gradeText(c)},
		{"位次", x.rankText(res, c)},
		{"较上期", change},
	}})

	reviewBlocks(c, add) // the office's review and 照抄上月 (issue 14)

	heading("一、分领域得分")
	var bars []Bar
	for _, a := range c.Areas {
		avg, best := areaAvgBest(res, a.ID)
		bars = append(bars, Bar{Label: fmt.Sprintf("%s（%s分）", a.Name, trim0(a.Weight)), Score: a.Score, Weight: a.Weight, Avg: avg, Best: best})
	}
	add(Block{Kind: BlockBars, Bars: bars})

	heading("二、重点任务完成情况")
	add(Block{Kind: BlockText, Text: "黄灯、红灯任务列出主要原因；各项任务的评分依据和数据所在单元格见文末附表。"})
	add(Block{Kind: BlockTable, Table: taskTable(c)})
	var noEvidence, doubts []string
	for _, ts := range c.Tasks {
		if ts.NoEvidence {
			noEvidence = append(noEvidence, ts.Task+ts.Title)
		}
		if ts.Doubt != "" {
			doubts = append(doubts, ts.Task+ts.Title)
		}
	}
	if len(doubts) > 0 {
		add(Block{Kind: BlockText, Text: "存疑：" + strings.Join(doubts, "、") + "，自报进度与台账数据不符，按数据计分（详见文末附表）。"})
	}
	if len(noEvidence) > 0 {
		add(Block{Kind: BlockText, Text: "缺佐证：" + strings.Join(noEvidence, "、") + "，报“已完成”但未填佐证说明，按完成进度" + evidencePct(res) + "计，请补充佐证材料。"})
	}
	if files := evidenceCounts(c.Tasks); files != "" {
		add(Block{Kind: BlockText, Text: "佐证材料：本期随表报送" + files + "，已存档备查。"})
	}

	heading("三、村级指标达标情况")
	if len(c.Villages) == 0 {
		add(Block{Kind: BlockText, Text: "本期无村级指标。"})
	}
	for _, v := range c.Villages {
		line := fmt.Sprintf("【%s】%s：涉及%d个村，达标%d个，占%s%%；序时要求%s%%。", v.Task, v.Label, v.Concerned, v.Meeting, f1(v.Share*100), f1(v.Required*100))
		if len(v.Short) == 0 {
			line += "全部达标。"
		} else {
			line += "未达标的村如下："
		}
		add(Block{Kind: BlockText, Text: line})
		if len(v.Short) > 0 {
			vt := &Table{Columns: []Column{
				{Title: "乡镇（街道）", Width: 0.2, Align: "L"},
				{Title: "未达标的村（数值）", Width: 0.8, Align: "L"},
			}}
			for _, s := range v.Short {
				vt.Rows = append(vt.Rows, Row{Cells: []string{s.Town, strings.Join(s.Villages, "、")}})
			}
			add(Block{Kind: BlockTable, Table: vt})
		}
	}

	heading("四、报送与扣分")
	facts := []Fact{{"报送时间", c.Received.Format("2006年1月2日 15:04")}}
	if c.Received.IsZero() {
		facts[0].Value = "—"
	}
	late := "按时报送"
	if c.DaysLate > 0 {
		late = fmt.Sprintf("迟报%d天", c.DaysLate)
	}
	facts = append(facts, Fact{"迟报", late})
	if c.Version > 1 {
		facts = append(facts, Fact{"报送版本", fmt.Sprintf("第%d版（以最后受理的一版为准）", c.Version)})
	}
	if c.Rejected > 0 {
		facts = append(facts, Fact{"被退回", fmt.Sprintf("%d次", c.Rejected)})
	}
	if len(c.Deduct) == 0 {
		facts = append(facts, Fact{"扣分", "无"})
	}
	for _, d := range c.Deduct {
		facts = append(facts, Fact{"扣分", fmt.Sprintf("%s分：%s", f2(d.Points), d.Reason)})
	}
	add(Block{Kind: BlockFacts, Facts: facts})
	m.Blocks = append(m.Blocks, checksBlocks(c)...) // 核查与加减分 (checks.go)

	heading("五、下月工作重点")
	if focus := focusBlocks(c); len(focus) > 0 {
		m.Blocks = append(m.Blocks, focus...)
	} else {
		add(Block{Kind: BlockText, Text: "各项任务均已得满分，请保持工作进度。"})
	}

	if tr := trend(res, code, history); tr != nil {
		heading("六、得分趋势")
		add(Block{Kind: BlockText, Text: "近期总分及各领域得分，每个小图以该项满分为上限，深色为本期。"})
		add(Block{Kind: BlockTrend, Trend: tr})
	}
	add(Block{Kind: BlockSign})
	m.Blocks = append(m.Blocks, basisBlocks(c)...)
	return m
}

// gradeText is the grade with the reason it is not the band's, when it is not.
func gradeText(c *score.CountyResult) string {
	if c.GradeNote != "" {
		return c.Grade + "（" + c.GradeNote + "）"
	}
	return c.Grade
}

func cnNum(cond bool, a, b int) string {
	n := b
	if cond {
		n = a
	}
	return string([]rune("一二三四五六七八九十")[n-1])
}

func rankChangeWords(d int) string {
	switch {
	case d > 0:
		return fmt.Sprintf("上升%d位", d)
	case d < 0:
		return fmt.Sprintf("下降%d位", -d)
	}
	return "持平"
}

func trim0(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func taskOf(c *score.CountyResult, id string) *score.TaskScore {
	for i := range c.Tasks {
		if c.Tasks[i].Task == id {
			return &c.Tasks[i]
		}
	}
	return nil
}

// trend returns the county's total and area scores over the last trendPeriods
// periods up to res.Period, or nil when fewer than two periods have a score.
func trend(res *score.Result, code string, history []*score.Result) *Trend {
	byPeriod := map[string]*score.Result{res.Period: res}
	for _, h := range history {
		if h != nil && h.Period < res.Period {
			if _, dup := byPeriod[h.Period]; !dup {
				byPeriod[h.Period] = h
			}
		}
	}
	periods := make([]string, 0, len(byPeriod))
	for p := range byPeriod {
		periods = append(periods, p)
	}
	slices.Sort(periods)
	if len(periods) > trendPeriods {
		periods = periods[len(periods)-trendPeriods:]
	}
	tr := &Trend{}
	panels := []Panel{{Name: "总分", Max: 100}}
	for _, a := range res.Areas {
		panels = append(panels, Panel{Name: a.Name, Max: a.Weight})
	}
	points := 0
	for _, p := range periods {
		tr.X = append(tr.X, periodText(p))
		c := findCounty(byPeriod[p], code)
		if c == nil || !c.Submitted {
			for i := range panels {
				panels[i].Values = append(panels[i].Values, nil)
			}
			continue
		}
		points++
		v := math.Round(c.Total*100) / 100
		panels[0].Values = append(panels[0].Values, &v)
		for i, a := range res.Areas {
			var val *float64
			for _, ca := range c.Areas {
				if ca.ID == a.ID {
					x := math.Round(ca.Score*100) / 100
					val = &x
				}
			}
			panels[i+1].Values = append(panels[i+1].Values, val)
		}
	}
	if points < 2 {
		return nil
	}
	tr.Panels = panels
	return tr
}

// SummaryModel returns the content of the summary report with an empty Context.
func SummaryModel(res *score.Result, history []*score.Result) *Model {
	return Context{}.SummaryModel(res, history)
}

// SummaryModel returns the content of the summary report for leaders.
func (x Context) SummaryModel(res *score.Result, history []*score.Result) *Model {
	m := &Model{Kind: "summary", Title: summaryTitleOf(res.Period), Subtitle: "全市汇总", Period: res.Period, Issued: issued(res)}
	if x.Corrected[""] {
		m.Title += correctionMark
	}
	// A column of unit names: 县（市、区） when every unit is one, else 单位.
	unitCol := x.unitsLabel(res, false)
	if unitCol != seeds.UnitsLabel(seeds.UnitCounty) {
		unitCol = "单位"
	}
	add := func(b Block) { m.Blocks = append(m.Blocks, b) }
	m.Blocks = append(m.Blocks, briefBlocks(res, history)...)
	// The closing request ends the body: it goes over with the 附件说明 and the 落款 when
	// they do not fit under the brief, so the brief stays on page 1.
	add(Block{Kind: BlockText, Text: closingText})
	checks := summaryChecksBlocks(res)
	attachments := summaryAttachments(res, len(x.Digests) > 0)
	add(Block{Kind: BlockText, Text: attachmentList(attachments)})
	add(Block{Kind: BlockSign})
	n := 0
	heading := func(s string) {
		n++
		add(Block{Kind: BlockAttach, Label: fmt.Sprintf("附件%d", n), Text: attachments[n-1]})
	}
	heading("一、综合排名")
	cols := []Column{
		{Title: "位次", Align: "C"},
		{Title: unitCol, Align: "L"},
		{Title: "总分", Align: "C"},
		{Title: "等次", Align: "C"},
	}
	for _, a := range res.Areas {
		cols = append(cols, Column{Title: fmt.Sprintf("%s（%s）", a.Name, trim0(a.Weight)), Align: "C"})
	}
	cols = append(cols, Column{Title: "位次变化", Align: "C"})
	weighted := len(res.TypeWeights) > 0
	if weighted { // one ranking by 排名得分 = 总分 × 类型系数: both printed
		cols = slices.Insert(cols, 4, Column{Title: "系数", Align: "C"}, Column{Title: "排名得分", Align: "C"})
		widths(cols, []float64{0.06, 0.15, 0.08, 0.065, 0.065, 0.085}, 0.085)
		add(Block{Kind: BlockText, NoIndent: true, Text: "按排名得分排名：排名得分＝总分×类型系数，" + typeWeightsText(res) + "，四舍五入到0.01分；等次按总分评定。"})
	} else {
		widths(cols, []float64{0.07, 0.15, 0.09, 0.08}, 0.10)
	}
	lt := &Table{Columns: cols}
	for i := range res.Counties {
		c := &res.Counties[i]
		row := Row{}
		name := c.Name
		if c.Type != "" {
			name += "（" + c.Type + "）"
		}
		if c.Submitted {
			row.Cells = []string{strconv.Itoa(c.Rank), name, f2(c.Total), c.Grade}
			row.Tone = c.Grade
			if weighted {
				row.Cells = append(row.Cells, trim0(c.TypeWeight), f2(c.RankScore))
			}
		} else {
			r := "—"
			if c.Rank > 0 {
				r = strconv.Itoa(c.Rank) // scoring.missing = "last": ranked last with 0
			}
			row.Cells = []string{r, name, "未报送", "—"}
			row.Tone = "未报送"
			if weighted {
				row.Cells = append(row.Cells, trim0(c.TypeWeight), "—")
			}
		}
		for _, a := range res.Areas {
			s := "—"
			if c.Submitted {
				s = f2(areaScore(c, a.ID))
			}
			row.Cells = append(row.Cells, s)
		}
		row.Cells = append(row.Cells, rankChange(c))
		lt.Rows = append(lt.Rows, row)
	}
	add(Block{Kind: BlockTable, Table: lt})

	heading("二、分领域得分热力图")
	add(Block{Kind: BlockText, NoIndent: true, Text: "单元格为领域得分，底色按得分率（得分÷分值）由红到绿渐变。"})
	hc := []Column{{Title: unitCol, Align: "L"}}
	for _, a := range res.Areas {
		hc = append(hc, Column{Title: a.Name, Align: "C", Heat: true})
	}
	widths(hc, []float64{0.2}, 0)
	ht := &Table{Columns: hc}
	for i := range res.Counties {
		c := &res.Counties[i]
		if !c.Submitted {
			continue
		}
		row := Row{Cells: []string{c.Name}, Heat: []float64{-1}}
		for _, a := range res.Areas {
			s := areaScore(c, a.ID)
			row.Cells = append(row.Cells, f2(s))
			r := -1.0
			if a.Weight > 0 {
				r = math.Max(0, math.Min(1, s/a.Weight))
			}
			row.Heat = append(row.Heat, math.Round(r*1000)/1000)
		}
		ht.Rows = append(ht.Rows, row)
	}
	add(Block{Kind: BlockTable, Table: ht})

	heading("三、任务亮灯情况")
	m.Blocks = append(m.Blocks, lightMatrix(res)...)

	heading("四、红灯较多的任务")
	if len(res.RedTasks) == 0 {
		add(Block{Kind: BlockText, NoIndent: true, Text: "本期无红灯任务。"})
	} else {
		rt := &Table{Columns: []Column{
			{Title: "编号", Width: 0.1, Align: "C"},
			{Title: "任务", Width: 0.27, Align: "L"},
			{Title: "红灯单位数", Width: 0.1, Align: "C"},
			{Title: unitCol, Width: 0.55, Align: "L"},
		}}
		for _, r := range res.RedTasks {
			rt.Rows = append(rt.Rows, Row{Cells: []string{r.Task, r.Title, strconv.Itoa(r.Red), strings.Join(r.Counties, "、")}})
		}
		add(Block{Kind: BlockTable, Table: rt})
	}
	heading("五、存疑申报")
	if len(res.Doubts) == 0 {
		add(Block{Kind: BlockText, Text: "本期无自报进度与台账数据明显不符的任务。"})
	} else {
		add(Block{Kind: BlockText, Text: "以下任务自报进度明显高于台账数据所能支持的程度，已按数据计分，建议组织抽查核实。"})
		dt := &Table{Columns: []Column{
			{Title: unitCol, Width: 0.14, Align: "L"},
			{Title: "编号", Width: 0.08, Align: "C"},
			{Title: "任务", Width: 0.2, Align: "L"},
			{Title: "自报/数据", Width: 0.13, Align: "C"},
			{Title: "说明", Width: 0.45, Align: "L"},
		}}
		for _, d := range res.Doubts {
			dt.Rows = append(dt.Rows, Row{Cells: []string{d.Name, d.Task, d.Title,
				f1(d.Claimed*100) + "%/" + f1(d.Data*100) + "%", d.Text}})
		}
		add(Block{Kind: BlockTable, Table: dt})
	}
	if len(checks) > 0 {
		heading(checksTitle)
		m.Blocks = append(m.Blocks, checks...)
	}
	heading(escalationAttach)
	m.Blocks = append(m.Blocks, escalationBlocks(res, history, unitCol)...)
	if len(x.Digests) > 0 {
		heading(digestTitle)
		add(Block{Kind: BlockText, Text: "下列为本期各单位考核报告（PDF文件）的SHA-256校验码。收到的报告与所列校验码一致，即为本办印发的原件；也可用“kaohe verify-report 文件名”核验。"})
		dt := &Table{Columns: []Column{
			{Title: unitCol, Width: 0.22, Align: "L"},
			{Title: "SHA-256", Width: 0.78, Align: "L"},
		}}
		for _, d := range x.Digests {
			dt.Rows = append(dt.Rows, Row{Cells: []string{d.Name, d.SHA256}})
		}
		add(Block{Kind: BlockTable, Table: dt})
	}
	return m
}

// widths sets the column widths: the first ones from fixed, the last from last when
// positive, the rest sharing what remains equally.
func widths(cols []Column, fixed []float64, last float64) {
	rest := 1.0
	n := len(cols)
	for i, w := range fixed {
		cols[i].Width = w
		rest -= w
	}
	free := n - len(fixed)
	if last > 0 {
		cols[n-1].Width = last
		rest -= last
		free--
	}
	for i := len(fixed); i < n; i++ {
		if last > 0 && i == n-1 {
			continue
		}
		cols[i].Width = rest / float64(free)
	}
}

func areaScore(c *score.CountyResult, id string) float64 {
	for _, a := range c.Areas {
		if a.ID == id {
			return a.Score
		}
	}
	return 0
}

// digestTitle heads the 附件 listing the SHA-256 of every county report.
const digestTitle = "各单位考核报告校验码"

// evidencePct is the progress 已完成 without 佐证 counts for, e.g. "80%".
func evidencePct(res *score.Result) string {
	return trim0(math.Round(res.DoneWithoutEvidence*1000)/10) + "%"
}

// typeWeightsText lists the type weights of a weighted ranking, every type of the roster's
// two: "县（市、区）系数为1，功能区系数为0.9".
func typeWeightsText(res *score.Result) string {
	var parts []string
	for _, t := range []string{seeds.UnitCounty, seeds.UnitZone} {
		w, ok := res.TypeWeights[t]
		if !ok {
			w = 1
		}
		parts = append(parts, seeds.UnitsLabel(t)+"系数为"+trim0(w))
	}
	return strings.Join(parts, "，")
}

// rankText is a ranked unit's 位次: “第2名，共13个县（市、区）和功能区参加排名”, with the
// 排名得分 it was ranked by when the ranking weighs types.
func (x Context) rankText(res *score.Result, c *score.CountyResult) string {
	label := x.unitsLabel(res, true)
	if res.RankByType { // its own type's ranking
		label = seeds.UnitsLabel(cmp.Or(c.Type, seeds.UnitCounty))
	}
	s := fmt.Sprintf("第%d名，共%d个%s参加排名", c.Rank, c.Of, label)
	if len(res.TypeWeights) > 0 {
		s += fmt.Sprintf("（按排名得分%s＝总分%s×类型系数%s）", f2(c.RankScore), f2(c.Total), trim0(c.TypeWeight))
	}
	return s
}

// closingText is the 通报's closing request, after the brief.
const closingText = "请各单位对照通报反映的问题，认真分析原因，逐项抓好整改，确保各项任务按期完成。"

// summaryAttachments lists the 附件 of the 通报: the fixed ones, the office's checks when
// there are any, and the reports' SHA-256 when digests lists them.
func summaryAttachments(res *score.Result, digests bool) []string {
	a := []string{"综合排名", "分领域得分", "任务亮灯情况", "红灯任务清单", "存疑申报"}
	if len(summaryChecksBlocks(res)) > 0 {
		a = append(a, checksTitle)
	}
	a = append(a, escalationAttach)
	if digests {
		a = append(a, digestTitle)
	}
	return a
}

// attachmentList is the 附件说明: “附件：1．综合排名”, each further item on its own line
// under the first item's number.
func attachmentList(items []string) string {
	list := "附件："
	for i, a := range items {
		if i > 0 {
			list += "\n　　　　　"
		}
		list += fmt.Sprintf("%d．%s", i+1, a)
	}
	return list
}

// evidenceCounts counts the evidence files sent per task: 四、3（1份）、一、1（2份）; "" when none.
func evidenceCounts(tasks []score.TaskScore) string {
	var parts []string
	for _, ts := range tasks {
		if n := len(ts.EvidenceFiles); n > 0 {
			parts = append(parts, fmt.Sprintf("%s%s（%d份）", ts.Task, ts.Title, n))
		}
	}
	return strings.Join(parts, "、")
}

// reviewBlocks adds, under the facts of a county's report, the office's review of its
// forms (review.required) and the tasks not complete it sent back exactly as last month
// (照抄上月), each a line when there is something to say.
func reviewBlocks(c *score.CountyResult, add func(Block)) {
	if c.Review != "" {
		add(Block{Kind: BlockText, Text: "审核情况：" + c.Review})
	}
	if len(c.Copied) > 0 {
		add(Block{Kind: BlockText, Text: fmt.Sprintf("照抄上月：%s，共%d项未完成的任务，进展状态、完成进度和进展情况与上月报送的完全相同，请如实更新进展。", strings.Join(c.Copied, "；"), len(c.Copied))})
	}
}
