package report

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
)

// Workbook sheets.
const (
	sheetRanking = "综合排名"
	sheetLights  = "任务亮灯"
	sheetVillage = "村级明细"
	sheetTrend   = "趋势"
	sheetAdjust  = "核查与加减分"
	trendXLSX    = 12 // periods on the 趋势 sheet
)

// Fills: grades, lights, 未报送 and headers. Light enough to read black text on, and
// distinct in grey print (green lightest, red darkest).
var (
	gradeFill = map[string]string{"优秀": "C6EFCE", "良好": "DDEBF7", "一般": "FFEB9C", "较差": "FFC7CE", "未报送": "D9D9D9"}
	lightCell = map[score.Light]string{score.Green: "C6EFCE", score.Yellow: "FFEB9C", score.Red: "FF9C9C"}
	headFill  = "E9EDF2"
)

// SummaryXLSX returns the summary workbook with an empty Context and no assessment time
// (document properties then carry the office only).
func SummaryXLSX(res *score.Result) ([]byte, error) {
	return Context{}.SummaryXLSX(res, nil)
}

// SummaryXLSX returns the summary workbook: 综合排名 (the league table), 任务亮灯 (unit ×
// task lights), 村级明细 (each village with its 第一书记 and where it falls short), 趋势
// (totals of the last 12 periods in history) and 核查与加减分 (headers only until
// assessments carry checks and adjustments). Each sheet has a title row naming the
// office and the period, a header row that repeats on every printed page, and prints
// landscape on A4, one page wide. Scores are stored at full precision and shown with
// two decimals; grades and lights are cell fills. The document's author is the office
// and its creation time the assessment's (x.Assessed). It returns an error only when
// excelize fails.
func (x Context) SummaryXLSX(res *score.Result, history []*score.Result) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // in-memory file: Close only releases temp data
	w := &workbook{f: f, x: x, res: res}
	if err := f.SetSheetName("Sheet1", sheetRanking); err != nil {
		return nil, err
	}
	for _, s := range []string{sheetLights, sheetVillage, sheetTrend, sheetAdjust} {
		if _, err := f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	for _, step := range []func() error{w.ranking, w.lights, w.villages, func() error { return w.trend(history) }, w.adjustments, w.props} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type workbook struct {
	f      *excelize.File
	x      Context
	res    *score.Result
	styles map[string]int
	err    error
}

// style returns the style for a key, creating it once: "head", "title", "num", "text",
// "change", "fill:RRGGBB", "numfill:RRGGBB".
func (w *workbook) style(key string) int {
	if id, ok := w.styles[key]; ok {
		return id
	}
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	two := "0.00"
	s := &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "center"}}
	kind, color, _ := strings.Cut(key, ":")
	switch kind {
	case "title":
		s = &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}}
	case "head":
		s.Font = &excelize.Font{Bold: true}
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headFill}}
		s.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	case "num":
		s.CustomNumFmt = &two
	case "change": // rank change: ↑2, ↓1, 持平
		f := `"↑"0;"↓"0;"持平"`
		s.CustomNumFmt = &f
		s.Alignment.Horizontal = "center"
	case "delta": // total change: +1.25, -0.50, 持平
		f := `+0.00;-0.00;"持平"`
		s.CustomNumFmt = &f
	case "fill":
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
		s.Alignment.Horizontal = "center"
	case "numfill":
		s.CustomNumFmt = &two
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	case "wrap":
		s.Alignment.WrapText = true
	}
	id, err := w.f.NewStyle(s)
	if err != nil && w.err == nil {
		w.err = err
	}
	if w.styles == nil {
		w.styles = map[string]int{}
	}
	w.styles[key] = id
	return id
}

// cell writes v at (col, row), 1-based, with the style key ("" for the plain text style).
func (w *workbook) cell(sheet string, col, row int, v any, key string) {
	if w.err != nil {
		return
	}
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		err = w.f.SetCellValue(sheet, ref, v)
	}
	if err == nil {
		if key == "" {
			key = "text"
		}
		err = w.f.SetCellStyle(sheet, ref, ref, w.style(key))
	}
	if err != nil {
		w.err = err
	}
}

// frame writes the title in row 1 (merged over cols columns) and the header in row 2,
// freezes the rows above the data, filters the header (rows > 0: the last data row),
// repeats rows 1–2 on every printed page, and sets landscape A4, one page wide.
func (w *workbook) frame(sheet, title string, head []string, widths []float64, rows int) error {
	cols := len(head)
	w.cell(sheet, 1, 1, title, "title")
	for i, h := range head {
		w.cell(sheet, i+1, 2, h, "head")
	}
	if w.err != nil {
		return w.err
	}
	f := w.f
	last, _ := excelize.ColumnNumberToName(cols) // cols ≥ 1: no error
	if cols > 1 {
		if err := f.MergeCell(sheet, "A1", last+"1"); err != nil {
			return err
		}
	}
	// A narrow sheet (趋势 early on) wraps its title over more lines.
	width := 0.0
	for _, wd := range widths {
		width += wd
	}
	lines := min(4, 1+int(float64(len([]rune(title)))*2.4/max(width, 1)))
	if err := f.SetRowHeight(sheet, 1, float64(10+lines*18)); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 2, 32); err != nil {
		return err
	}
	for i, wd := range widths {
		c, _ := excelize.ColumnNumberToName(i + 1) // valid column: no error
		if err := f.SetColWidth(sheet, c, c, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if rows > 0 {
		if err := f.AutoFilter(sheet, fmt.Sprintf("A2:%s%d", last, rows+2), nil); err != nil {
			return err
		}
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$2", sheet), Scope: sheet}); err != nil {
		return err
	}
	landscape, a4, one, any := "landscape", 9, 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &any}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin := 0.5
	return f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin})
}

func (w *workbook) title(what string) string {
	t := fmt.Sprintf("%s乡村振兴重点工作考核%s", periodText(w.res.Period), what)
	if w.x.Office != "" {
		t += "　" + w.x.Office
	}
	return t
}

func (w *workbook) ranking() error {
	res := w.res
	head := []string{"位次", "单位", "代码", "总分", "等次", "得分", "扣分"}
	widths := []float64{6, 18, 10, 9, 7, 9, 7}
	weighted := len(res.TypeWeights) > 0
	if weighted { // one ranking by 排名得分 = 总分 × 类型系数
		head = slices.Insert(head, 5, "类型系数", "排名得分")
		widths = slices.Insert(widths, 5, 8, 9)
	}
	for _, a := range res.Areas {
		head = append(head, fmt.Sprintf("%s（%s分）", a.Name, trim0(a.Weight)))
		widths = append(widths, 11)
	}
	head = append(head, "位次变化", "上期位次", "总分变化", "迟报天数", "报送情况")
	widths = append(widths, 8, 8, 9, 8, 10)
	const s = sheetRanking
	for i := range res.Counties {
		c := &res.Counties[i]
		r := i + 3
		col := 1
		put := func(v any, key string) { w.cell(s, col, r, v, key); col++ }
		if !c.Submitted {
			status := "未报送"
			if c.Rejected > 0 {
				status = "被退回"
			}
			put(nil, "")
			put(c.Name, "")
			put(c.Code, "")
			put(nil, "")
			put("未报送", "fill:"+gradeFill["未报送"])
			if weighted {
				put(c.TypeWeight, "")
				put(nil, "")
			}
			for range 2 + len(res.Areas) + 4 {
				put(nil, "")
			}
			put(status, "")
			continue
		}
		put(c.Rank, "")
		put(c.Name, "")
		put(c.Code, "")
		put(c.Total, "numfill:"+gradeFill[c.Grade])
		put(c.Grade, "fill:"+gradeFill[c.Grade])
		if weighted {
			put(c.TypeWeight, "")
			put(c.RankScore, "num")
		}
		put(c.Raw, "num")
		put(c.Deduction, "num")
		for _, a := range res.Areas {
			put(areaScore(c, a.ID), "num")
		}
		if c.HasPrev {
			put(c.RankChange, "change")
			put(c.PrevRank, "")
			put(c.TotalChange, "delta")
		} else {
			put(nil, "")
			put(nil, "")
			put(nil, "")
		}
		put(c.DaysLate, "")
		status := "按时报送"
		if c.DaysLate > 0 {
			status = "迟报"
		}
		put(status, "")
	}
	return w.frameErr(s, w.title("综合排名"), head, widths, len(res.Counties))
}

func (w *workbook) frameErr(sheet, title string, head []string, widths []float64, rows int) error {
	if w.err != nil {
		return w.err
	}
	if err := w.frame(sheet, title, head, widths, rows); err != nil {
		return err
	}
	return w.err
}

// lights: one row per task, one column per assessed unit (in rank order), the light as
// text and fill, and the number of red lights per task; so 42 tasks print on landscape
// pages one page wide with their titles readable.
func (w *workbook) lights() error {
	res := w.res
	var units []*score.CountyResult
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			units = append(units, &res.Counties[i])
		}
	}
	var tasks []score.TaskScore
	if len(units) > 0 {
		tasks = units[0].Tasks
	}
	head := []string{"编号", "任务"}
	widths := []float64{6, 24}
	for _, c := range units {
		head = append(head, c.Name)
		widths = append(widths, 6)
	}
	head = append(head, "红灯单位数")
	widths = append(widths, 7)
	const s = sheetLights
	for i, t := range tasks {
		row := i + 3
		w.cell(s, 1, row, t.Task, "")
		w.cell(s, 2, row, t.Title, "")
		red := 0
		for j, c := range units {
			ts := taskOf(c, t.Task)
			if ts == nil {
				w.cell(s, 3+j, row, nil, "")
				continue
			}
			if ts.Light == score.Red {
				red++
			}
			w.cell(s, 3+j, row, string(ts.Light), "fill:"+lightCell[ts.Light])
		}
		w.cell(s, 3+len(units), row, red, "")
	}
	if err := w.frameErr(s, w.title("任务亮灯"), head, widths, len(tasks)); err != nil {
		return err
	}
	return w.f.SetRowHeight(s, 2, 60)
}

// villages: every village of the roster's assessed units with its 第一书记 and, per
// village-level rule, 达标 or what it reported when it falls short (the result keeps the
// values of the villages that fall short only).
// villageRule names a village rule: its task and label.
type villageRule struct{ task, label string }

func (w *workbook) villages() error {
	res := w.res
	type rule = villageRule
	var rules []rule
	for i := range res.Counties {
		for _, v := range res.Counties[i].Villages {
			r := rule{v.Task, v.Label}
			if !slices.Contains(rules, r) {
				rules = append(rules, r)
			}
		}
	}
	// Each rule's per-village test (the same for every county of the period).
	tests := map[rule]string{}
	for i := range res.Counties {
		for _, v := range res.Counties[i].Villages {
			if r := (rule{v.Task, v.Label}); tests[r] == "" && v.Test != "" {
				tests[r] = v.Test
			}
		}
	}
	head := []string{"单位", "乡镇（街道）", "村", "第一书记"}
	widths := []float64{14, 12, 12, 9}
	for _, r := range rules {
		h := r.task + "\n" + r.label
		if t := tests[r]; t != "" {
			h += "（本期标准" + t + "）"
		}
		head = append(head, h)
		widths = append(widths, 13)
	}
	const s = sheetVillage
	// Every village with its values for a city's worth of villages; beyond
	// villageRowsFull (a bench of the whole country: 489,000 villages, gigabytes in
	// excelize) only the villages falling short, as the title says.
	total := 0
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			total += len(res.Counties[i].VillageList)
		}
	}
	full := total <= villageRowsFull
	row, omitted := 3, 0
	for i := range res.Counties {
		c := &res.Counties[i]
		if !c.Submitted {
			continue
		}
		if full && len(c.VillageList) > 0 {
			row = w.villageValues(c, rules, row)
			continue
		}
		// A result stored without every village's values: the villages falling short
		// with what they reported, the others 达标.
		// short[rule][town/village] = what it reported
		short := map[rule]map[string]string{}
		for _, v := range c.Villages {
			m := map[string]string{}
			for _, t := range v.Short {
				for _, name := range t.Villages {
					n, what := splitShort(name)
					m[t.Town+"/"+n] = what
				}
			}
			short[rule{v.Task, v.Label}] = m
		}
		type village struct{ town, name, secretary string }
		var vs []village
		if w.x.Roster != nil && full {
			if u := w.x.Roster.County(c.Code); u != nil {
				for _, v := range u.Villages {
					vs = append(vs, village{v.Town, v.Name, v.Secretary})
				}
			}
		}
		if vs == nil { // no roster: the villages that fall short
			seen := map[string]bool{}
			for _, v := range c.Villages {
				for _, t := range v.Short {
					for _, name := range t.Villages {
						n, _ := splitShort(name)
						if !seen[t.Town+"/"+n] {
							seen[t.Town+"/"+n] = true
							vs = append(vs, village{t.Town, n, ""})
						}
					}
				}
			}
		}
		for _, v := range vs {
			if !full && row-3 >= villageRowsFull {
				omitted++ // the sheet stays a city's size
				continue
			}
			w.cell(s, 1, row, c.Name, "")
			w.cell(s, 2, row, v.town, "")
			w.cell(s, 3, row, v.name, "")
			w.cell(s, 4, row, v.secretary, "")
			for j, r := range rules {
				m, ok := short[r]
				switch what, isShort := m[v.town+"/"+v.name]; {
				case !ok:
					w.cell(s, 5+j, row, nil, "")
				case isShort:
					w.cell(s, 5+j, row, what, "fill:"+lightCell[score.Red])
				default:
					w.cell(s, 5+j, row, "达标", "")
				}
			}
			row++
		}
	}
	title := "村级明细（各村填报值，未达标的标红，“—”为不涉及）"
	if !full {
		title = fmt.Sprintf("村级明细（共%d个村，超过%d个，仅列未达标的村，未达标的标红）", total, villageRowsFull)
		if omitted > 0 {
			title = fmt.Sprintf("村级明细（共%d个村，超过%d个，仅列未达标的前%d个村，另有%d个未列出，见各单位考核报告）", total, villageRowsFull, row-3, omitted)
		}
	}
	return w.frameErr(s, w.title(title), head, widths, row-3)
}

// villageRowsFull is the most villages 村级明细 lists one by one with their values (a
// city has a few thousand); above it the sheet lists the villages falling short only,
// at most as many rows.
var villageRowsFull = 20000

// villageValues writes a county's villages from row on, each with its 第一书记 and its
// value for every village rule, short ones filled red, and returns the next row.
func (w *workbook) villageValues(c *score.CountyResult, rules []villageRule, row int) int {
	const s = sheetVillage
	byRule := make([]*score.VillageRuleSummary, len(rules))
	for j, r := range rules {
		for k := range c.Villages {
			if v := &c.Villages[k]; v.Task == r.task && v.Label == r.label && len(v.States) == len(c.VillageList) {
				byRule[j] = v
			}
		}
	}
	red := "fill:" + lightCell[score.Red]
	for i, v := range c.VillageList {
		w.cell(s, 1, row, c.Name, "")
		w.cell(s, 2, row, v.Town, "")
		w.cell(s, 3, row, v.Village, "")
		w.cell(s, 4, row, v.Secretary, "")
		for j, vr := range byRule {
			col := 5 + j
			if vr == nil {
				w.cell(s, col, row, nil, "")
				continue
			}
			var val any = float64(vr.Values[i])
			key := "num"
			if vr.Bool {
				val, key = "否", ""
				if vr.Values[i] != 0 {
					val = "是"
				}
			} else {
				// float32 keeps 7 digits: the value as reported, to 0.01.
				val = math.Round(float64(vr.Values[i])*100) / 100
			}
			switch vr.States[i] {
			case score.VillageMeets:
				w.cell(s, col, row, val, key)
			case score.VillageShort:
				if key == "num" {
					key = "numfill:" + lightCell[score.Red]
				} else {
					key = red
				}
				w.cell(s, col, row, val, key)
			case score.VillageEmpty:
				w.cell(s, col, row, "未填", red)
			default:
				w.cell(s, col, row, "—", "")
			}
		}
		row++
	}
	return row
}

// splitShort splits "村名（值）" as the score writes a village that falls short.
func splitShort(s string) (name, what string) {
	for _, open := range []string{"（", "("} {
		if i := strings.LastIndex(s, open); i > 0 {
			return s[:i], strings.TrimRight(s[i+len(open):], "）)")
		}
	}
	return s, ""
}

// trend: each unit's total over the last periods of history up to this one, and the
// average of the assessed units.
func (w *workbook) trend(history []*score.Result) error {
	res := w.res
	byPeriod := map[string]*score.Result{res.Period: res}
	for _, h := range history {
		if h != nil && h.Period < res.Period {
			if _, dup := byPeriod[h.Period]; !dup {
				byPeriod[h.Period] = h
			}
		}
	}
	var periods []string
	for p := range byPeriod {
		periods = append(periods, p)
	}
	slices.Sort(periods)
	if len(periods) > trendXLSX {
		periods = periods[len(periods)-trendXLSX:]
	}
	head := []string{"单位"}
	widths := []float64{16}
	for _, p := range periods {
		head = append(head, periodText(p))
		widths = append(widths, 10)
	}
	const s = sheetTrend
	row := 3
	for i := range res.Counties {
		c := &res.Counties[i]
		w.cell(s, 1, row, c.Name, "")
		for j, p := range periods {
			hc := findCounty(byPeriod[p], c.Code)
			if hc == nil || !hc.Submitted {
				w.cell(s, 2+j, row, nil, "")
				continue
			}
			w.cell(s, 2+j, row, hc.Total, "numfill:"+gradeFill[hc.Grade])
		}
		row++
	}
	w.cell(s, 1, row, "平均", "head")
	for j, p := range periods {
		sum, n := 0.0, 0
		for _, hc := range byPeriod[p].Counties {
			if hc.Submitted {
				sum += hc.Total
				n++
			}
		}
		if n == 0 {
			w.cell(s, 2+j, row, nil, "")
			continue
		}
		w.cell(s, 2+j, row, sum/float64(n), "num")
	}
	return w.frameErr(s, w.title(fmt.Sprintf("总分趋势（近%d期）", len(periods))), head, widths, 0)
}

// adjustments: the office's records in force (抽查核查, 加分, 减分), one row each, with
// what each did to the score, its reason, 文号, who and when.
func (w *workbook) adjustments() error {
	head := []string{"单位", "编号", "类别", "对象", "填报值", "核查值", "分值", "效果", "理由", "文号", "记录人", "记录时间"}
	widths := []float64{16, 6, 10, 26, 10, 10, 8, 30, 30, 20, 10, 16}
	if err := w.frameErr(sheetAdjust, w.title("核查与加减分"), head, widths, 0); err != nil {
		return err
	}
	row := 3
	for i := range w.res.Counties {
		c := &w.res.Counties[i]
		for _, ch := range c.Checks {
			var pts any
			if ch.Points != 0 {
				pts = ch.Points
			}
			at := ""
			if !ch.At.IsZero() {
				at = ch.At.Format("2006-01-02 15:04")
			}
			for j, v := range []any{c.Name, ch.ID, ch.Kind, ch.Target, ch.Reported, ch.Found, pts, ch.Effect, ch.Reason, ch.Doc, ch.By, at} {
				key := "text"
				if j == 6 && pts != nil {
					key = "num"
				}
				w.cell(sheetAdjust, 1+j, row, v, key)
			}
			row++
		}
	}
	if row == 3 {
		w.cell(sheetAdjust, 1, 3, "本期无核查与加减分事项。", "")
	}
	return w.err
}

func (w *workbook) props() error {
	office := w.x.Office
	if office == "" {
		office = "市委组织部"
	}
	p := &excelize.DocProperties{
		Creator: office, LastModifiedBy: office,
		Title:    w.title("汇总"),
		Subject:  periodText(w.res.Period) + "乡村振兴重点工作考核",
		Language: "zh-CN",
	}
	at := w.x.Assessed
	if at.IsZero() { // no assessment time given: the end of the period, not excelize's 2006
		if t, err := time.Parse("2006-01", w.res.Period); err == nil {
			at = t.AddDate(0, 1, 0)
		}
	}
	if !at.IsZero() {
		t := at.UTC().Format(time.RFC3339)
		p.Created, p.Modified = t, t
	}
	return w.f.SetDocProps(p)
}
