package templates

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// Options are the inputs of Build.
type Options struct {
	Checklist *seeds.Checklist
	Roster    *seeds.Roster // its Office is printed on the form
	County    *seeds.County
	Period    string    // YYYY-MM
	Deadline  time.Time // shown in 填报说明
	ReturnTo  string    // address to mail the filled form to, shown in 填报说明
	Secret    []byte    // HMAC key of the signature
	Prefill   *seeds.Filing
	// CarriedFrom is the template version of an out-of-date form Prefill was read from
	// (CarryOver): 填报说明 then says what was carried over and what is new.
	CarriedFrom string
	// TemplateVersion is the layout to write: "" for the current one; an earlier one Parse
	// still reads (OldestTemplateVersion…) only to make forms of such a period (tests).
	TemplateVersion string
}

// form is the layout version Build writes.
func (o *Options) form() string {
	if o.TemplateVersion == "" {
		return TemplateVersion
	}
	return o.TemplateVersion
}

// Colours of the form.
const (
	colHeader = "DDEBF7"
	colLabel  = "F2F2F2"
	colInput  = "FFF9E1"
	colBad    = "FF8080"
)

// ParsePeriod checks a period "YYYY-MM" and returns its year and month.
func ParsePeriod(p string) (year, month int, err error) {
	t, err := time.Parse("2006-01", p)
	if err != nil || t.Format("2006-01") != p {
		return 0, 0, fmt.Errorf("period %q: want YYYY-MM", p)
	}
	return t.Year(), int(t.Month()), nil
}

// PeriodLabel gives the Chinese label of a period: "2019-08" → "2019年8月".
func PeriodLabel(p string) string {
	y, m, err := ParsePeriod(p)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%d年%d月", y, m)
}

// protectPassword is the sheet protection password, derived from the secret so that an
// operator can recompute it; protection is a courtesy, the parser checks labels itself.
func protectPassword(secret []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("kaohe-sheet-protection"))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Build writes the county's form as .xlsx bytes. It returns an error when the options
// are incomplete (no checklist, county, secret, or a malformed period) or excelize
// fails.
func Build(o Options) ([]byte, error) {
	if o.Checklist == nil || o.County == nil {
		return nil, errors.New("templates.Build: checklist and county are required")
	}
	if len(o.Secret) == 0 {
		return nil, errors.New("templates.Build: secret is required")
	}
	if _, _, err := ParsePeriod(o.Period); err != nil {
		return nil, fmt.Errorf("templates.Build: %w", err)
	}
	if v := formNumber(o.form()); v < formNumber(OldestTemplateVersion) || v > formNumber(TemplateVersion) {
		return nil, fmt.Errorf("templates.Build: template version %q: want %s to %s", o.TemplateVersion, OldestTemplateVersion, TemplateVersion)
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &builder{f: f, o: o}
	if err := b.build(); err != nil {
		return nil, fmt.Errorf("templates.Build: %w", err)
	}
	out, err := writeProtected(f, o.Secret, len(protectedSheets))
	if err != nil {
		return nil, fmt.Errorf("templates.Build: writing: %w", err)
	}
	return out, nil
}

// protectedSheets are the sheets Build protects: all of them.
var protectedSheets = []string{SheetGuide, SheetTasks, SheetIndicators, SheetVillages, SheetMeta}

type builder struct {
	f   *excelize.File
	o   Options
	err error

	sHeader, sLabel, sLabelCenter, sInput, sInputCenter, sCode, sTitle, sText, sKey int
}

func (b *builder) style(s *excelize.Style) int {
	if b.err != nil {
		return 0
	}
	id, err := b.f.NewStyle(s)
	b.err = err
	return id
}

// do records the first error of a sequence of excelize calls.
func (b *builder) do(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

func border() []excelize.Border {
	var bs []excelize.Border
	for _, t := range []string{"left", "right", "top", "bottom"} {
		bs = append(bs, excelize.Border{Type: t, Color: "A6A6A6", Style: 1})
	}
	return bs
}

func (b *builder) styles() {
	font := &excelize.Font{Family: "宋体", Size: 11}
	bold := &excelize.Font{Family: "宋体", Size: 11, Bold: true}
	locked, unlocked := &excelize.Protection{Locked: true}, &excelize.Protection{Locked: false}
	wrapTop := &excelize.Alignment{WrapText: true, Vertical: "center"}
	center := &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}
	b.sHeader = b.style(&excelize.Style{Font: bold, Border: border(), Alignment: center, Protection: locked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colHeader}}})
	b.sLabel = b.style(&excelize.Style{Font: font, Border: border(), Alignment: wrapTop, Protection: locked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colLabel}}})
	b.sLabelCenter = b.style(&excelize.Style{Font: font, Border: border(), Alignment: center, Protection: locked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colLabel}}})
	b.sInput = b.style(&excelize.Style{Font: font, Border: border(), Alignment: wrapTop, Protection: unlocked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colInput}}})
	b.sInputCenter = b.style(&excelize.Style{Font: font, Border: border(), Alignment: center, Protection: unlocked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colInput}}})
	b.sCode = b.style(&excelize.Style{Font: &excelize.Font{Family: "Arial", Size: 9, Color: "808080"}, Border: border(),
		Alignment: &excelize.Alignment{Vertical: "center"}, Protection: locked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colLabel}}})
	b.sTitle = b.style(&excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 16, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Protection: locked})
	b.sKey = b.style(&excelize.Style{Font: bold, Border: border(), Alignment: center, Protection: locked,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colLabel}}})
	b.sText = b.style(&excelize.Style{Font: font, Border: border(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}, Protection: locked})
}

func (b *builder) build() error {
	f := b.f
	b.styles()
	b.do(f.SetSheetName("Sheet1", SheetGuide))
	for _, s := range []string{SheetTasks, SheetIndicators, SheetVillages, SheetMeta} {
		_, err := f.NewSheet(s)
		b.do(err)
	}
	if b.err != nil {
		return b.err
	}
	b.guide()
	b.tasks()
	b.indicators()
	b.villages()
	b.meta()
	// The password hash is added as the workbook is written (see protect.go).
	b.do(protectSheets(f, protectedSheets))
	for _, s := range []string{SheetGuide, SheetTasks, SheetIndicators, SheetVillages} {
		b.printSetup(s)
	}
	b.do(f.SetSheetVisible(SheetMeta, false, true))
	f.SetActiveSheet(0)
	office := ""
	if b.o.Roster != nil {
		office = b.o.Roster.Office
	}
	b.do(f.SetDocProps(&excelize.DocProperties{
		Title:       fmt.Sprintf("%s %s乡村振兴重点工作任务进展填报表", b.o.County.Name, PeriodLabel(b.o.Period)),
		Subject:     b.o.Checklist.Name,
		Creator:     office,
		Keywords:    fmt.Sprintf("kaohe county=%s period=%s", b.o.County.Code, b.o.Period),
		Description: "kaohe form template " + b.o.form(),
		Language:    "zh-CN",
	}))
	return b.err
}

// printSetup prints a sheet on A4 landscape, all columns on one page wide, the header
// row repeated on every page.
func (b *builder) printSetup(sheet string) {
	a4, land, one, any := 9, "landscape", 1, 0
	if sheet == SheetGuide {
		land = "portrait"
	}
	fit := true
	b.do(b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &land, FitToWidth: &one, FitToHeight: &any}))
	b.do(b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}))
	m := 0.4
	b.do(b.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m}))
	if sheet != SheetGuide {
		b.do(b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$1", Scope: sheet}))
	}
}

func cell(col, row int) string {
	if col < 1 || col > len(colNames) || row < 1 {
		c, _ := excelize.CoordinatesToCellName(col, row) // col, row ≥ 1 here
		return c
	}
	var b [16]byte
	return string(strconv.AppendInt(append(b[:0], colNames[col-1]...), int64(row), 10))
}

// colNames are the names of the first columns, for cell.
var colNames = func() []string {
	n := make([]string, 702) // A … ZZ
	for i := range n {
		n[i], _ = excelize.ColumnNumberToName(i + 1)
	}
	return n
}()

func colName(col int) string {
	c, _ := excelize.ColumnNumberToName(col)
	return c
}

// lines estimates how many lines s takes in a wrapped column of the given width.
func lines(s string, width float64) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n += int(math.Max(1, math.Ceil(displayWidth(l)/(width-1))))
	}
	return n
}

func (b *builder) setWidths(sheet string, widths []float64) {
	for i, w := range widths {
		b.do(b.f.SetColWidth(sheet, colName(i+1), colName(i+1), w))
	}
}

func (b *builder) headerRow(sheet string, headers []string, height float64) {
	for i, h := range headers {
		b.do(b.f.SetCellStr(sheet, cell(i+1, 1), h))
	}
	b.do(b.f.SetCellStyle(sheet, "A1", cell(len(headers), 1), b.sHeader))
	b.do(b.f.SetRowHeight(sheet, 1, height))
}

func (b *builder) guide() {
	f, o, s := b.f, b.o, SheetGuide
	office := "市委组织部"
	if o.Roster != nil && o.Roster.Office != "" {
		office = o.Roster.Office
	}
	deadline := "按通知要求"
	if !o.Deadline.IsZero() {
		deadline = o.Deadline.Format("2006年1月2日")
		if h, m, _ := o.Deadline.Clock(); h != 0 || m != 0 {
			deadline += o.Deadline.Format(" 15:04")
		}
	}
	returnTo := o.ReturnTo
	if returnTo == "" {
		returnTo = "下发本表的邮箱"
	}
	title := fmt.Sprintf("%s乡村振兴重点工作任务进展填报表", o.County.Name)
	b.do(f.SetCellStr(s, "A1", title))
	b.do(f.MergeCell(s, "A1", "B1"))
	b.do(f.SetCellStyle(s, "A1", "B1", b.sTitle))
	b.do(f.SetRowHeight(s, 1, 36))
	kv := [][2]string{
		{"填报单位", fmt.Sprintf("%s（代码 %s）", o.County.Name, o.County.Code)},
		{"填报期次", PeriodLabel(o.Period)},
		{"截止时间", deadline},
		{"报送邮箱", returnTo},
		{"下发单位", office},
		{"任务清单", fmt.Sprintf("%s（%s版）", o.Checklist.Name, o.Checklist.Version)},
	}
	steps := []string{
		fmt.Sprintf("1. 本表共三张填报表：“%s”“%s”“%s”。浅黄色单元格为填报区；灰色单元格为固定内容，已锁定，请勿修改，也不要插入、删除行列或改动表名、列名。", SheetTasks, SheetIndicators, SheetVillages),
		fmt.Sprintf("2. %s：每项任务都要从下拉列表选择“进展状态”（未启动/推进中/已完成），填写“完成进度（%%）”（未启动填 0，已完成填 100，推进中填 1 到 99，按序时进度对照计分）和进展情况。未完成（未启动或推进中）的任务必须填写“存在问题”和“下步打算”，各不超过 %d 字，未填的表格将被退回。“已完成”的任务须在“佐证说明”中注明佐证材料（文件名称或文号），未注明的按完成进度 %s%% 计。鼠标停在任务名称上可查看任务原文。", SheetTasks, maxWords, formatNumber(b.doneWithoutEvidence()*100)),
		fmt.Sprintf("3. %s：每项指标都要填写“本期数值”，只填数字，单位见“单位”列；百分比填百分数，如 85 表示 85%%。“佐证说明”请注明数据来源。", SheetIndicators),
		fmt.Sprintf("4. %s：每个村的每一项都要填写。“是/否”项从下拉列表选择；数字项只填数字，单位见列名。次数、收入、学时等填本年1月至本期末的累计数。“第一书记项目资金”及“其中用于发展村级集体经济”填驻该村第一书记本年度的项目资金，没有第一书记或没有资金的村填 0；“其中高中以上学历”填后备力量中具有高中以上文化程度的人数。", SheetVillages),
		fmt.Sprintf("5. 填好后直接保存（保持 .xlsx 格式，不要另存为 .xls、.et、.ods 或 PDF，不要设置打开密码），在%s前以邮件附件发送至 %s。一封邮件只附本表一个文件。", deadline, returnTo),
		"6. 系统收到后会自动回复回执。如表中有问题，回复邮件会逐条列出，并附上标出问题单元格（红色，附批注）的原表，改正后重新发送即可。",
		"7. 本表含校验信息，只能用于本单位本期填报。请勿使用其他县（市、区）或其他期次的表格。",
	}
	switch {
	case o.Prefill != nil && o.CarriedFrom != "":
		steps = append(steps, fmt.Sprintf("8. 本表已预填你单位报送的第 %s 版旧表中可沿用的数据，请逐项核对，并补填新增栏目%s。", o.CarriedFrom, newColumnsText(o.Checklist, o.CarriedFrom)))
	case o.Prefill != nil:
		steps = append(steps, "8. 本表已预填上期已采用的数据，请逐项核对，只需更新有变化的内容。")
	}
	row := 2
	for _, p := range kv {
		b.do(f.SetCellStr(s, cell(1, row), p[0]))
		b.do(f.SetCellStr(s, cell(2, row), p[1]))
		b.do(f.SetCellStyle(s, cell(1, row), cell(1, row), b.sKey))
		b.do(f.SetCellStyle(s, cell(2, row), cell(2, row), b.sText))
		b.do(f.SetRowHeight(s, row, 22))
		row++
	}
	b.do(f.SetCellStr(s, cell(1, row), "填报要求"))
	b.do(f.SetCellStyle(s, cell(1, row), cell(1, row+len(steps)-1), b.sKey))
	if len(steps) > 1 {
		b.do(f.MergeCell(s, cell(1, row), cell(1, row+len(steps)-1)))
	}
	for _, st := range steps {
		b.do(f.SetCellStr(s, cell(2, row), st))
		b.do(f.SetCellStyle(s, cell(2, row), cell(2, row), b.sText))
		b.do(f.SetRowHeight(s, row, float64(lines(st, 70))*15+6))
		row++
	}
	b.setWidths(s, []float64{12, 72})
}

// doneWithoutEvidence is the share 已完成 without 佐证 counts for.
func (b *builder) doneWithoutEvidence() float64 {
	if b.o.Checklist.Scoring.DoneWithoutEvidence > 0 {
		return b.o.Checklist.Scoring.DoneWithoutEvidence
	}
	return 0.8
}

// newColumnsText names, in brackets, the input columns the current form has and a form of
// template version from has not: （“完成进度（%）”“其中高中以上学历（人）”…）.
func newColumnsText(cl *seeds.Checklist, from string) string {
	var names []string
	if formNumber(from) < 2 {
		names = append(names, HdrPercent, HdrEvidence)
	}
	v := formNumber(from)
	for _, level := range []string{seeds.LevelCounty, seeds.LevelVillage} {
		for _, ind := range cl.Indicators(level) {
			if !seeds.InForm(ind.FormSince, ind.FormUntil, v) {
				if level == seeds.LevelVillage {
					names = append(names, villageHeader(ind))
				} else {
					names = append(names, ind.Name)
				}
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "（“" + strings.Join(names, "”“") + "”）"
}

// commentBox sizes a comment box (pixels) for a text.
func commentBox(text string) (w, h uint) {
	w = 420
	perLine := 30.0 // CJK characters per line at 420 px
	n := math.Ceil(displayWidth(text) / 2 / perLine)
	return w, uint(n*17 + 24)
}

func (b *builder) tasks() {
	f, o, s := b.f, b.o, SheetTasks
	widths := []float64{8, 11, 24, 34, 11, 10, 40, 24, 26, 26}
	b.setWidths(s, widths)
	b.headerRow(s, taskHeaders, 24)
	var prev *seeds.TaskReport
	tasks := o.Checklist.Tasks()
	for i, t := range tasks {
		r := i + 2
		target := t.Target
		if t.TargetOrigin != seeds.OriginSeed {
			target += "（考核办细化）" // not the seed's words: the office's elaboration
		}
		vals := []any{t.ID, areaName(o.Checklist, t), t.Title, target}
		if o.Prefill != nil {
			prev = o.Prefill.Task(t.ID)
		}
		if prev != nil {
			var pct any
			if prev.PercentSet {
				pct = prev.Percent
			}
			vals = append(vals, prev.Status.String(), pct, prev.Progress, prev.Evidence, prev.Problems, prev.NextSteps)
		}
		b.do(f.SetSheetRow(s, cell(1, r), &vals))
		b.do(f.SetCellStyle(s, cell(1, r), cell(2, r), b.sLabelCenter))
		b.do(f.SetCellStyle(s, cell(3, r), cell(4, r), b.sLabel))
		b.do(f.SetCellStyle(s, cell(5, r), cell(6, r), b.sInputCenter))
		b.do(f.SetCellStyle(s, cell(7, r), cell(10, r), b.sInput))
		n := max(lines(t.Title, widths[2]), lines(target, widths[3]), 2)
		if prev != nil {
			n = max(n, lines(prev.Progress, widths[6]), lines(prev.Evidence, widths[7]), lines(prev.Problems, widths[8]), lines(prev.NextSteps, widths[9]))
		}
		b.do(f.SetRowHeight(s, r, float64(n)*15+6))
		w, h := commentBox(t.Text)
		b.do(f.AddComment(s, excelize.Comment{Cell: cell(3, r), Author: "任务原文", Text: t.ID + " " + t.Text, Width: w, Height: h}))
	}
	if len(tasks) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("E2:E%d", len(tasks)+1)
		b.do(dv.SetDropList(seeds.StatusNames))
		dv.SetError(excelize.DataValidationErrorStyleStop, "进展状态", "请从下拉列表选择：未启动、推进中或已完成。")
		dv.SetInput("进展状态", "请从下拉列表选择：未启动、推进中或已完成。")
		b.do(f.AddDataValidation(s, dv))
		pv := excelize.NewDataValidation(true)
		pv.Sqref = fmt.Sprintf("F2:F%d", len(tasks)+1)
		b.do(pv.SetRange(0, 100, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween))
		pv.SetError(excelize.DataValidationErrorStyleStop, "完成进度", "请填写 0 到 100 之间的数字：未启动填 0，已完成填 100，推进中填 1 到 99。")
		pv.SetInput("完成进度", "完成任务的百分比，填 0 到 100 之间的数字：未启动填 0，已完成填 100，推进中填 1 到 99。")
		b.do(f.AddDataValidation(s, pv))
	}
	b.do(f.SetPanes(s, &excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}))
}

// validation returns the data validation of an indicator's input cells.
func (b *builder) validation(ind *seeds.Indicator, sqref string) *excelize.DataValidation {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	title := ind.Name
	if len([]rune(title)) > 30 {
		title = string([]rune(title)[:30])
	}
	switch ind.Type {
	case seeds.TypeBool:
		b.do(dv.SetDropList([]string{"是", "否"}))
		dv.SetError(excelize.DataValidationErrorStyleStop, title, "请从下拉列表选择“是”或“否”。")
		dv.SetInput(title, truncate(ind.Help+"（从下拉列表选择“是”或“否”）", 250))
	default:
		t, what := excelize.DataValidationTypeDecimal, "数字"
		if ind.Type == seeds.TypeInteger {
			t, what = excelize.DataValidationTypeWhole, "整数"
		}
		b.do(dv.SetRange(ind.Min, ind.Max, t, excelize.DataValidationOperatorBetween))
		rng := fmt.Sprintf("请填写 %s 到 %s 之间的%s", formatNumber(ind.Min), formatNumber(ind.Max), what)
		if ind.Unit != "" {
			rng += "，单位：" + ind.Unit
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, title, rng+"。")
		dv.SetInput(title, truncate(ind.Help+"。"+rng+"。", 250))
	}
	return dv
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// prefillValue is what goes in an input cell for a prefilled indicator value.
func prefillValue(ind *seeds.Indicator, n seeds.Number) any {
	if !n.Set {
		return nil
	}
	if ind.Type == seeds.TypeBool {
		return boolLabel(n.Value)
	}
	return n.Value
}

func (b *builder) indicators() {
	f, o, s := b.f, b.o, SheetIndicators
	widths := []float64{9, 30, 8, 30, 12, 40, 16}
	b.setWidths(s, widths)
	b.headerRow(s, indHeaders, 24)
	inds := o.Checklist.IndicatorsFor(seeds.LevelCounty, formNumber(o.form()))
	for i, ind := range inds {
		r := i + 2
		unit := ind.Unit
		if ind.Type == seeds.TypeBool {
			unit = "是/否"
		}
		goal := goalText(o.Checklist, ind)
		vals := []any{ind.Task, ind.Name, unit, goal, nil, nil, ind.ID}
		if o.Prefill != nil {
			if n, ok := o.Prefill.Indicators[ind.ID]; ok {
				vals[4], vals[5] = prefillValue(ind, n), n.Note
			}
		}
		b.do(f.SetSheetRow(s, cell(1, r), &vals))
		b.do(f.SetCellStyle(s, cell(1, r), cell(1, r), b.sLabelCenter))
		b.do(f.SetCellStyle(s, cell(2, r), cell(2, r), b.sLabel))
		b.do(f.SetCellStyle(s, cell(3, r), cell(3, r), b.sLabelCenter))
		b.do(f.SetCellStyle(s, cell(4, r), cell(4, r), b.sLabel))
		b.do(f.SetCellStyle(s, cell(5, r), cell(5, r), b.sInputCenter))
		b.do(f.SetCellStyle(s, cell(6, r), cell(6, r), b.sInput))
		b.do(f.SetCellStyle(s, cell(7, r), cell(7, r), b.sCode))
		n := max(lines(ind.Name, widths[1]), lines(goal, widths[3]), 2)
		b.do(f.SetRowHeight(s, r, float64(n)*15+6))
		if ind.Help != "" {
			w, h := commentBox(ind.Help)
			b.do(f.AddComment(s, excelize.Comment{Cell: cell(2, r), Author: "填报说明", Text: ind.Help, Width: w, Height: h}))
		}
		b.do(f.AddDataValidation(s, b.validation(ind, cell(5, r))))
	}
	b.do(f.SetPanes(s, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}))
}

func (b *builder) villages() {
	f, o, s := b.f, b.o, SheetVillages
	inds := o.Checklist.IndicatorsFor(seeds.LevelVillage, formNumber(o.form()))
	headers := append([]string(nil), villHeaders...)
	widths := []float64{14, 14, 10}
	hdrLines := 1
	for _, ind := range inds {
		h := villageHeader(ind)
		headers = append(headers, h)
		w := math.Min(16, math.Max(10, displayWidth(h)/2+2))
		widths = append(widths, w)
		hdrLines = max(hdrLines, lines(h, w))
	}
	for _, v := range o.County.Villages {
		widths[0] = math.Max(widths[0], math.Min(24, displayWidth(v.Town)+2))
		widths[1] = math.Max(widths[1], math.Min(24, displayWidth(v.Name)+2))
		widths[2] = math.Max(widths[2], math.Min(16, displayWidth(v.Secretary)+2))
	}
	b.setWidths(s, widths)
	b.headerRow(s, headers, float64(hdrLines)*15+8)
	for i, ind := range inds {
		if ind.Help != "" {
			w, h := commentBox(ind.Help)
			b.do(f.AddComment(s, excelize.Comment{Cell: cell(4+i, 1), Author: "填报说明", Text: ind.Help, Width: w, Height: h}))
		}
	}
	prev := map[string]*seeds.VillageReport{}
	if o.Prefill != nil {
		for i := range o.Prefill.Villages {
			v := &o.Prefill.Villages[i]
			prev[seeds.VillageKey(v.Town, v.Village)] = v
		}
	}
	n := len(o.County.Villages)
	for i, v := range o.County.Villages {
		r := i + 2
		vals := make([]any, 3+len(inds))
		vals[0], vals[1], vals[2] = v.Town, v.Name, v.Secretary
		if p := prev[seeds.VillageKey(v.Town, v.Name)]; p != nil {
			for j, ind := range inds {
				vals[3+j] = prefillValue(ind, p.Values[ind.ID])
			}
		}
		b.do(f.SetSheetRow(s, cell(1, r), &vals))
	}
	if n > 0 {
		b.do(f.SetCellStyle(s, "A2", cell(3, n+1), b.sLabelCenter))
		if len(inds) > 0 {
			b.do(f.SetCellStyle(s, "D2", cell(3+len(inds), n+1), b.sInputCenter))
		}
		for j, ind := range inds {
			c := colName(4 + j)
			b.do(f.AddDataValidation(s, b.validation(ind, fmt.Sprintf("%s2:%s%d", c, c, n+1))))
		}
	}
	b.do(f.SetPanes(s, &excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}))
}

func (b *builder) meta() {
	f, o, s := b.f, b.o, SheetMeta
	m := Meta{TemplateVersion: o.form(), ChecklistVersion: o.Checklist.Version, County: o.County.Code, Period: o.Period}
	rows := [][2]string{
		{metaTemplate, m.TemplateVersion},
		{metaChecklist, m.ChecklistVersion},
		{metaCounty, m.County},
		{metaPeriod, m.Period},
		{metaSignature, m.Sign(o.Secret)},
	}
	for _, ind := range o.Checklist.IndicatorsFor(seeds.LevelVillage, formNumber(o.form())) {
		// Not signed: a map for programs that fill the form (docs/form.md).
		rows = append(rows, [2]string{metaVillageColumn + ind.ID, villageHeader(ind)})
	}
	for i, kv := range rows {
		// Strings, so no program turns "2019-08" into a date or "370811" into a number.
		b.do(f.SetCellStr(s, cell(1, i+1), kv[0]))
		b.do(f.SetCellStr(s, cell(2, i+1), kv[1]))
	}
	b.do(f.SetColWidth(s, "A", "A", 20))
	b.do(f.SetColWidth(s, "B", "B", 70))
}
