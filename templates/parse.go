package templates

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// ParseOptions are the inputs of Parse.
type ParseOptions struct {
	Checklist *seeds.Checklist
	Roster    *seeds.Roster
	Secret    []byte
	MaxBytes  int64  // size cap checked before opening; 0: DefaultMaxBytes
	County    string // if set, the form must be this county's
	Period    string // if set, the form must be for this period
	// FormVersions gives the template versions a period's forms were dispatched with (the
	// store's record). A form of an earlier version than TemplateVersion (not before
	// OldestTemplateVersion) is read by its own version's rules when its period was
	// dispatched with that version; otherwise it is out of date (Meta.Stale). nil: none.
	FormVersions func(period string) []string
}

// Stats counts what a form held, for the receipt.
type Stats struct {
	Tasks      int // task rows with a 进展状态
	Indicators int // county-level indicators filled
	Villages   int // village rows
	Filled     int // input cells filled, all sheets

	Template string // the form's template version (signed metadata)
	// NoEvidenceTasks are the tasks reported 已完成 without 佐证说明, one by one ("一、1
	// 发展优势特色产业"): accepted, counted as done_without_evidence (缺佐证), listed in
	// the receipt (NoEvidence) so the county can add the 佐证.
	NoEvidenceTasks []string
	// DoneWithoutEvidence is the progress they count for (scoring.done_without_evidence).
	DoneWithoutEvidence float64
}

// NoEvidence joins NoEvidenceTasks with 、 for the receipt.
func (s Stats) NoEvidence() string { return strings.Join(s.NoEvidenceTasks, "、") }

// NoEvidenceCount is how many tasks NoEvidenceTasks lists.
func (s Stats) NoEvidenceCount() int { return len(s.NoEvidenceTasks) }

// Limits of what Parse reads.
const (
	unzipSizeLimit    = 64 << 20
	unzipXMLSizeLimit = 16 << 20
	maxRows           = 5000 // rows read per sheet
	maxCols           = 256  // columns read per row
	maxText           = 2000 // characters of a text cell
	maxWords          = 200  // characters of 存在问题 and 下步打算 (since template version 3)
	maxProblems       = 300  // problems listed; the rest are counted
)

// Parse reads a filled form. It returns the filing, the form's verified metadata and
// its counts. The error is Problems when the county can fix the form (every problem
// at once, in sheet and row order; the filing is nil, and meta is set when the signed
// metadata itself was sound), or another error when the
// options are incomplete. Parse never panics: a panic inside excelize becomes a
// Problems saying the file cannot be read.
func Parse(data []byte, filename string, o ParseOptions) (filing *seeds.Filing, meta *Meta, st Stats, err error) {
	if o.Checklist == nil || o.Roster == nil {
		return nil, nil, Stats{}, errors.New("templates.Parse: checklist and roster are required")
	}
	if len(o.Secret) == 0 {
		return nil, nil, Stats{}, errors.New("templates.Parse: secret is required")
	}
	defer func() {
		if r := recover(); r != nil {
			filing, meta, st = nil, nil, Stats{}
			err = fileProblem("文件“%s”无法读取（文件内容异常）。%s", filename, msgResend)
		}
	}()
	max := o.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	ps, zr := sniffZip(data, filename, max)
	if ps != nil {
		return nil, nil, Stats{}, ps
	}
	if fb, err := openFast(data, zr); err == nil {
		defer fb.close()
		filing, meta, st, err = parseFast(fb, o)
		if !fb.failed {
			return filing, meta, st, err
		}
	}
	return parseExcelize(data, filename, o)
}

// parseFast is Parse on the fast reader. A panic there is the fast reader's bug, not
// the county's: it gives up and the caller asks excelize.
func parseFast(fb *fastBook, o ParseOptions) (filing *seeds.Filing, meta *Meta, st Stats, err error) {
	defer func() {
		if r := recover(); r != nil {
			fb.failed = true
		}
	}()
	return parseBook(fb, o)
}

// parseExcelize is Parse reading the workbook with excelize.
func parseExcelize(data []byte, filename string, o ParseOptions) (*seeds.Filing, *Meta, Stats, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, nil, Stats{}, fileProblem("文件“%s”已损坏或不完整，系统无法打开。%s", filename, msgResend)
		}
		return nil, nil, Stats{}, fileProblem("文件“%s”无法打开（%s）。%s", filename, "格式异常或内容过大", msgResend)
	}
	defer f.Close()
	return parseBook(xlsxBook{f}, o)
}

// parseBook reads and checks the form in a workbook.
func parseBook(b book, o ParseOptions) (*seeds.Filing, *Meta, Stats, error) {
	return parseBookAs(b, o, false)
}

// errNotStale is CarryOver's answer for a form that is not (only) out of date.
var errNotStale = errors.New("templates.CarryOver: not an out-of-date form of sound metadata")

// CarryOver reads what can be carried over from an out-of-date form (Parse gave Meta.Stale):
// the tasks, indicators and village values it holds, by its own version's layout,
// whatever their problems (a value that does not read is left out). The filing prefills
// the current form (Options.Prefill, Options.CarriedFrom). It returns an error when the
// form is not an out-of-date form with sound metadata.
func CarryOver(data []byte, filename string, o ParseOptions) (filing *seeds.Filing, err error) {
	if o.Checklist == nil || o.Roster == nil || len(o.Secret) == 0 {
		return nil, errors.New("templates.CarryOver: checklist, roster and secret are required")
	}
	defer func() {
		if r := recover(); r != nil {
			filing, err = nil, fmt.Errorf("templates.CarryOver: %s: unreadable", filename)
		}
	}()
	max := o.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if ps, _ := sniffZip(data, filename, max); ps != nil {
		return nil, ps
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		return nil, fmt.Errorf("templates.CarryOver: %w", err)
	}
	defer f.Close()
	filing, _, _, err = parseBookAs(xlsxBook{f}, o, true)
	return filing, err
}

// parseBookAs is parseBook; lenient reads whatever it can of a form whose metadata is
// sound, by its own version's layout, and returns it whatever the problems (CarryOver).
func parseBookAs(b book, o ParseOptions, lenient bool) (*seeds.Filing, *Meta, Stats, error) {
	p := &parser{b: b, o: o, lenient: lenient}
	m, ps := p.meta()
	switch {
	case m != nil && m.Stale && !lenient:
		return nil, m, Stats{}, ps // out of date: the metadata is sound, the layout old
	case lenient && (m == nil || !m.Stale):
		return nil, nil, Stats{}, errNotStale
	case len(ps) > 0 && !lenient:
		return nil, nil, Stats{}, ps
	}
	p.form = formNumber(m.TemplateVersion)
	p.county = o.Roster.County(m.County)
	p.filing = &seeds.Filing{County: m.County, Period: m.Period, Version: m.ChecklistVersion, Indicators: map[string]seeds.Number{}}
	if p.form != formNumber(TemplateVersion) {
		p.filing.Form = p.form // an earlier version's form, scored by its rules
	}
	p.stats.Template = m.TemplateVersion
	p.stats.DoneWithoutEvidence = o.Checklist.Scoring.DoneWithoutEvidence
	p.sheets()
	if lenient {
		return p.filing, m, p.stats, nil
	}
	if len(p.probs) > 0 {
		if len(p.probs) > maxProblems {
			n := len(p.probs) - maxProblems
			p.probs = append(p.probs[:maxProblems:maxProblems], Problem{Message: fmt.Sprintf("另有 %d 处问题未列出，请按以上提示改正后重新检查整张表。", n)})
		}
		// The metadata is verified: say whose form for which period was rejected.
		return nil, m, Stats{}, p.probs
	}
	return p.filing, m, p.stats, nil
}

type parser struct {
	b       book
	o       ParseOptions
	form    int  // the form's template version
	lenient bool // CarryOver: read what can be read
	county  *seeds.County
	filing  *seeds.Filing
	stats   Stats
	probs   Problems
}

func (p *parser) add(sheet, cell, format string, a ...any) {
	p.probs = append(p.probs, Problem{Sheet: sheet, Cell: cell, Message: fmt.Sprintf(format, a...)})
}

// meta reads and verifies the hidden metadata sheet.
func (p *parser) meta() (*Meta, Problems) {
	const redo = "请使用下发的原表填报。"
	found := false
	for _, s := range p.b.sheetList() {
		found = found || strings.EqualFold(s, SheetMeta)
	}
	if !found {
		return nil, fileProblem("表格中找不到校验信息（隐藏工作表 %s），它不是系统下发的表格，或被另存、复制时丢失了。%s", SheetMeta, redo)
	}
	kv := map[string]string{}
	err := p.b.scan(SheetMeta, 20, func(row int, cells []string) bool {
		if len(cells) >= 2 {
			kv[strings.TrimSpace(cells[0])] = strings.TrimSpace(cells[1])
		}
		return true
	})
	if err != nil {
		return nil, fileProblem("表格的校验信息无法读取。%s", redo)
	}
	m := &Meta{TemplateVersion: kv[metaTemplate], ChecklistVersion: kv[metaChecklist], County: kv[metaCounty], Period: kv[metaPeriod]}
	if m.TemplateVersion == "" || m.County == "" || m.Period == "" || kv[metaSignature] == "" {
		return nil, fileProblem("表格的校验信息不完整，表格可能被改动过。%s", redo)
	}
	if !m.Verify(p.o.Secret, kv[metaSignature]) {
		return nil, fileProblem("表格的校验信息不符：表格被改动过，或不是系统下发的表格。%s", redo)
	}
	var ps Problems
	stale := false
	if m.TemplateVersion != TemplateVersion {
		v := formNumber(m.TemplateVersion)
		stale = !(v >= formNumber(OldestTemplateVersion) && v < formNumber(TemplateVersion) && p.o.FormVersions != nil &&
			slices.Contains(p.o.FormVersions(m.Period), m.TemplateVersion))
	}
	if m.ChecklistVersion != p.o.Checklist.Version {
		ps = append(ps, Problem{Message: fmt.Sprintf("表格对应的任务清单版本为 %s，现行版本为 %s。请使用最新下发的表格填报。", m.ChecklistVersion, p.o.Checklist.Version)})
	}
	c := p.o.Roster.County(m.County)
	if c == nil {
		ps = append(ps, Problem{Message: fmt.Sprintf("表格所属单位（代码 %s）不在报送名单中。请使用下发给本单位的表格填报。", m.County)})
	}
	if p.o.County != "" && m.County != p.o.County {
		name := m.County
		if c != nil {
			name = c.Name
		}
		want := p.o.County
		if wc := p.o.Roster.County(p.o.County); wc != nil {
			want = wc.Name
		}
		ps = append(ps, Problem{Message: fmt.Sprintf("这是%s的表格，应报送%s的表格。请使用下发给本单位的表格填报。", name, want)})
	}
	if p.o.Period != "" && m.Period != p.o.Period {
		ps = append(ps, Problem{Message: fmt.Sprintf("这是%s的表格，本次应报送%s的表格。请使用本期下发的表格填报。", PeriodLabel(m.Period), PeriodLabel(p.o.Period))})
	}
	if stale {
		msg := fmt.Sprintf("这是已过期的第 %s 版表格，%s须使用现行的第 %s 版表格%s填报，请改用第 %s 版表格重新填报。",
			m.TemplateVersion, PeriodLabel(m.Period), TemplateVersion, newColumnsText(p.o.Checklist, m.TemplateVersion), TemplateVersion)
		if len(ps) == 0 {
			// Only out of date: one sentence, not the old form's every difference; the
			// reply attaches the current form prefilled from it (CarryOver).
			m.Stale = true
			return m, Problems{{Message: msg}}
		}
		ps = append(Problems{{Message: msg}}, ps...)
	}
	return m, ps
}

func (p *parser) sheets() {
	list := p.b.sheetList()
	have := map[string]bool{}
	for _, s := range list {
		have[s] = true
	}
	for _, s := range []string{SheetTasks, SheetIndicators, SheetVillages} {
		if !have[s] {
			p.add("", "", "缺少工作表“%s”（不要删除或改名工作表）。请使用下发的原表填报。", s)
		}
	}
	if have[SheetTasks] {
		p.sheetErr(SheetTasks, p.tasks())
	}
	if have[SheetIndicators] {
		p.sheetErr(SheetIndicators, p.indicators())
	}
	if have[SheetVillages] && p.county != nil {
		p.sheetErr(SheetVillages, p.villages())
	}
}

func (p *parser) sheetErr(sheet string, err error) {
	if err != nil {
		p.add(sheet, "", "工作表无法读取（内容异常）。%s", msgResend)
	}
}

// table is a sheet's header: the row it is on and the column (0-based) of each header.
type table struct {
	sheet string
	row   int
	cols  map[string]int
}

// get returns the value of a header's column in cells ("" when absent).
func (t *table) get(cells []string, header string) string {
	if i, ok := t.cols[header]; ok && i < len(cells) {
		return cells[i]
	}
	return ""
}

func (t *table) cell(header string, row int) string {
	if i, ok := t.cols[header]; ok {
		return cell(i+1, row)
	}
	return ""
}

// readTable finds the header row (the first of the first 10 rows holding key) and
// calls fn for each row below it. Required headers that are missing are problems.
func (p *parser) readTable(sheet, key string, required []string, fn func(t *table, row int, cells []string)) error {
	t := &table{sheet: sheet}
	start := len(p.probs)
	overflow := false
	err := p.b.scan(sheet, maxRows+1, func(row int, cells []string) bool {
		if t.row == 0 {
			if row > 10 {
				return false
			}
			cols := map[string]int{}
			for i, c := range cells {
				if k := headerKey(c); k != "" {
					if _, dup := cols[k]; !dup {
						cols[k] = i
					}
				}
			}
			if _, ok := cols[key]; ok {
				t.row, t.cols = row, cols
				for _, h := range required {
					if _, ok := cols[headerKey(h)]; !ok {
						p.add(sheet, cell(1, row), "缺少“%s”列（不要删除或改名表头）。请使用下发的原表填报。", h)
					}
				}
			}
			return true
		}
		if row > maxRows {
			if !blank(cells) {
				// First among the sheet's problems: the rows above it are likely noise.
				overflow = true
				p.probs = slices.Insert(p.probs, start, Problem{Sheet: sheet, Cell: cell(1, row), Message: fmt.Sprintf("表格行数超过上限（%d 行），请删除多余的行。", maxRows)})
			}
			return false
		}
		fn(t, row, cells)
		return true
	})
	if err == nil && t.row == 0 {
		p.add(sheet, "", "找不到表头（“%s”等列名）。请使用下发的原表填报，不要删除或改动表头行。", key)
	}
	if err == nil && t.row > 0 && !overflow {
		// Only now, with the sheet known to be of a sane size, may excelize load it whole.
		p.formulas(sheet, start)
		p.merged(sheet, t.row)
	}
	return err
}

// maxFormulaChecks bounds the empty cells checked for a formula per sheet.
const maxFormulaChecks = 50

// formulas rewrites the "未填写" problems of the sheet (from index start) whose cell
// holds a formula with no cached value: the county typed a formula, and the file has
// no result (saved by a program that does not compute, or calculation set to manual).
func (p *parser) formulas(sheet string, start int) {
	checked := 0
	for i := start; i < len(p.probs) && checked < maxFormulaChecks; i++ {
		pr := &p.probs[i]
		if pr.Sheet != sheet || pr.Cell == "" || !strings.Contains(pr.Message, "未填写") {
			continue
		}
		checked++
		f, err := p.b.formula(sheet, pr.Cell)
		if err != nil || f == "" {
			continue
		}
		if utf8.RuneCountInString(f) > 40 {
			f = string([]rune(f)[:40]) + "…"
		}
		pr.Message = fmt.Sprintf("这个单元格是公式（=%s），但文件中没有保存它的计算结果。请直接填写数值，或用 Excel/WPS 打开、重新计算并保存后再发送。", strings.TrimPrefix(f, "="))
	}
}

// merged reports merged ranges below the header row: a merge over input cells keeps
// the value of the first cell only, and the others read as empty.
func (p *parser) merged(sheet string, header int) {
	mcs, err := p.b.mergeCells(sheet)
	if err != nil {
		return
	}
	for _, mc := range mcs {
		_, row, err := excelize.CellNameToCoordinates(mc.GetStartAxis())
		if err != nil || row <= header {
			continue
		}
		p.add(sheet, mc.GetStartAxis(), "单元格 %s:%s 被合并了。合并后只有第一个格子有值，请取消合并（开始→合并后居中→取消合并单元格），每个格子分别填写。", mc.GetStartAxis(), mc.GetEndAxis())
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if normalize(c) != "" {
			return false
		}
	}
	return true
}

func (p *parser) text(sheet, cellRef, v string) string {
	v = strings.TrimSpace(v)
	if n := utf8.RuneCountInString(v); n > maxText {
		p.add(sheet, cellRef, "内容过长（%d 字），请精简到 %d 字以内。", n, maxText)
	}
	return v
}

// keyPercent is the header key of the 完成进度（%） column.
var keyPercent = headerKey(HdrPercent)

// percentInd describes the 完成进度 column to parseNumber: percent points, 0–100.
var percentInd = &seeds.Indicator{ID: "percent", Name: "完成进度", Unit: "%", Type: seeds.TypePercent, Max: 100}

// percent reads a task's 完成进度（%） and checks it against its 进展状态: 未启动 is 0,
// 已完成 is 100 (either may be left empty), 推进中 is 1 to 99.
func (p *parser) percent(tr *seeds.TaskReport, task *seeds.Task, ref, raw string) {
	s := SheetTasks
	tr.PercentCell = s + "!" + ref
	v, err := parseNumber(raw, percentInd)
	if err == nil && v > 0 && v <= 1 && p.percentCell(s, ref) {
		v *= 100 // "50%" typed into a percent-formatted cell is stored as 0.5
	}
	empty := err != nil && err.Error() == "未填写"
	switch {
	case empty && tr.Status == seeds.StatusNotStarted:
		v = 0
	case empty && tr.Status == seeds.StatusDone:
		v = 100
	case empty:
		p.add(s, ref, "任务“%s %s”进展状态为“推进中”，请填写完成进度（1 到 99 之间的数字）。", task.ID, task.Title)
		return
	case err != nil:
		p.add(s, ref, "任务“%s %s”的完成进度：%s。", task.ID, task.Title, err)
		return
	case v < 0 || v > 100:
		p.add(s, ref, "任务“%s %s”的完成进度 %s%% 超出范围，请填写 0 到 100 之间的数字。", task.ID, task.Title, formatNumber(v))
		return
	case tr.Status == seeds.StatusNotStarted && v != 0:
		p.add(s, ref, "任务“%s %s”进展状态为“未启动”，完成进度应为 0，现为 %s%%，请核对进展状态或完成进度。", task.ID, task.Title, formatNumber(v))
		return
	case tr.Status == seeds.StatusDone && v != 100:
		p.add(s, ref, "任务“%s %s”进展状态为“已完成”，完成进度应为 100，现为 %s%%，请核对进展状态或完成进度。", task.ID, task.Title, formatNumber(v))
		return
	case tr.Status == seeds.StatusInProgress && (v <= 0 || v >= 100):
		p.add(s, ref, "任务“%s %s”进展状态为“推进中”，完成进度应在 1 到 99 之间（0 请选“未启动”，100 请选“已完成”）。", task.ID, task.Title)
		return
	}
	tr.Percent, tr.PercentSet = v, true
}

// words checks the county's own words on a task (since template version 3): a task not
// 已完成 needs 存在问题 and 下步打算; each is at most maxWords characters.
func (p *parser) words(t *table, row int, task *seeds.Task, tr *seeds.TaskReport) {
	s := SheetTasks
	for _, w := range []struct{ hdr, v string }{{HdrProblems, tr.Problems}, {HdrNextSteps, tr.NextSteps}} {
		ref := t.cell(w.hdr, row)
		if ref == "" {
			continue // the column is missing: reported once with the header
		}
		n := utf8.RuneCountInString(w.v)
		switch {
		case n == 0 && tr.Status != seeds.StatusDone:
			p.add(s, ref, "任务“%s %s”未完成（%s），请填写%s。", task.ID, task.Title, tr.Status, w.hdr)
		case n > maxWords && n <= maxText:
			p.add(s, ref, "任务“%s %s”的%s过长（%d 字），请精简到 %d 字以内。", task.ID, task.Title, w.hdr, n, maxWords)
		}
	}
}

func (p *parser) tasks() error {
	s := SheetTasks
	seen := map[string]int{}
	got := map[string]seeds.TaskReport{}
	err := p.readTable(s, HdrTaskID, taskHeaders, func(t *table, row int, cells []string) {
		id := normalize(t.get(cells, HdrTaskID))
		inputs := []string{t.get(cells, HdrStatus), t.get(cells, HdrProgress), t.get(cells, HdrProblems), t.get(cells, HdrNextSteps),
			t.get(cells, keyPercent), t.get(cells, HdrEvidence)}
		if id == "" {
			if !blank(inputs) {
				p.add(s, t.cell(HdrTaskID, row), "这一行没有任务编号。请不要插入行，各任务的情况填在该任务所在行。")
			}
			return
		}
		task := p.o.Checklist.Task(id)
		if task == nil {
			p.add(s, t.cell(HdrTaskID, row), "任务编号“%s”不在任务清单中。请不要修改编号列，使用下发的原表填报。", id)
			return
		}
		if r, dup := seen[id]; dup {
			p.add(s, t.cell(HdrTaskID, row), "任务“%s”与第 %d 行重复，请删除重复的行。", id, r)
			return
		}
		seen[id] = row
		tr := seeds.TaskReport{Task: id, Cell: s + "!" + t.cell(HdrStatus, row)}
		st, err := parseStatus(inputs[0])
		if err != nil {
			if err.Error() == "未填写" {
				p.add(s, t.cell(HdrStatus, row), "任务“%s %s”未选择进展状态，请从下拉列表选择未启动、推进中或已完成。", id, task.Title)
			} else {
				p.add(s, t.cell(HdrStatus, row), "%s", err)
			}
		} else {
			p.stats.Tasks++
			p.stats.Filled++
		}
		tr.Status = st
		if err == nil {
			p.percent(&tr, task, t.cell(keyPercent, row), inputs[4])
		}
		tr.Evidence = p.text(s, t.cell(HdrEvidence, row), inputs[5])
		tr.Progress = p.text(s, t.cell(HdrProgress, row), inputs[1])
		tr.Problems = p.text(s, t.cell(HdrProblems, row), inputs[2])
		tr.NextSteps = p.text(s, t.cell(HdrNextSteps, row), inputs[3])
		if err == nil && p.form >= 3 {
			p.words(t, row, task, &tr)
		}
		if tr.Status == seeds.StatusDone && tr.Evidence == "" {
			p.stats.NoEvidenceTasks = append(p.stats.NoEvidenceTasks, id+" "+task.Title)
		}
		for _, v := range inputs[1:] {
			if strings.TrimSpace(v) != "" {
				p.stats.Filled++
			}
		}
		got[id] = tr
	})
	if err != nil {
		return err
	}
	for _, task := range p.o.Checklist.Tasks() {
		tr, ok := got[task.ID]
		if !ok {
			p.add(s, "", "缺少任务“%s %s”这一行。请不要删除行，使用下发的原表填报。", task.ID, task.Title)
			continue
		}
		p.filing.Tasks = append(p.filing.Tasks, tr)
	}
	return nil
}

// value reads one indicator cell. It adds a problem and returns ok = false when the
// value is missing, malformed or out of range.
func (p *parser) value(ind *seeds.Indicator, sheet, ref, raw, what string) (seeds.Number, bool) {
	n := seeds.Number{Cell: sheet + "!" + ref}
	var v float64
	var err error
	if ind.Type == seeds.TypeBool {
		v, err = parseBool(raw)
	} else {
		v, err = parseNumber(raw, ind)
		if err == nil && ind.Type == seeds.TypePercent && v > 0 && v <= 1 && p.percentCell(sheet, ref) {
			v *= 100 // Excel stored "85%" as 0.85 in a percent-formatted cell
		}
	}
	if err != nil {
		if err.Error() == "未填写" {
			hint := "请填写数字（没有的填 0）"
			if ind.Type == seeds.TypeBool {
				hint = "请从下拉列表选择“是”或“否”"
			}
			p.add(sheet, ref, "%s“%s”未填写，%s。", what, ind.Name, hint)
		} else {
			p.add(sheet, ref, "%s“%s”：%s。", what, ind.Name, err)
		}
		return n, false
	}
	if ind.Type != seeds.TypeBool && (v < ind.Min-1e-9 || v > ind.Max+1e-9) {
		p.add(sheet, ref, "%s“%s”的数值 %s%s 超出合理范围（%s 到 %s），请核对后改正。", what, ind.Name, formatNumber(v), ind.Unit, formatNumber(ind.Min), formatNumber(ind.Max))
		return n, false
	}
	n.Value, n.Set = v, true
	return n, true
}

// percentCell reports whether a cell has a percent number format.
func (p *parser) percentCell(sheet, ref string) bool {
	return p.b.percent(sheet, ref)
}

func (p *parser) indicators() error {
	s := SheetIndicators
	inds := p.o.Checklist.IndicatorsFor(seeds.LevelCounty, p.form)
	seen := map[string]int{}
	err := p.readTable(s, HdrIndName, []string{HdrIndName, HdrIndValue, HdrIndNote}, func(t *table, row int, cells []string) {
		var ind *seeds.Indicator
		code, name := normalize(t.get(cells, HdrIndID)), normalize(t.get(cells, HdrIndName))
		if code != "" {
			if ind = p.o.Checklist.Indicator(code); ind == nil || !slices.Contains(inds, ind) {
				p.add(s, t.cell(HdrIndID, row), "指标代码“%s”不在任务清单中。请不要修改指标代码列。", code)
				return
			}
		} else if name != "" {
			for _, i := range inds {
				if i.Name == name {
					ind = i
				}
			}
			if ind == nil {
				p.add(s, t.cell(HdrIndName, row), "指标“%s”不在任务清单中。请不要修改指标列。", name)
				return
			}
		} else {
			if !blank([]string{t.get(cells, HdrIndValue), t.get(cells, HdrIndNote)}) {
				p.add(s, t.cell(HdrIndName, row), "这一行没有指标名称。请不要插入行，各指标的数值填在该指标所在行。")
			}
			return
		}
		if r, dup := seen[ind.ID]; dup {
			p.add(s, t.cell(HdrIndName, row), "指标“%s”与第 %d 行重复，请删除重复的行。", ind.Name, r)
			return
		}
		seen[ind.ID] = row
		n, ok := p.value(ind, s, t.cell(HdrIndValue, row), t.get(cells, HdrIndValue), "指标")
		n.Note = p.text(s, t.cell(HdrIndNote, row), t.get(cells, HdrIndNote))
		if n.Note != "" {
			p.stats.Filled++
		}
		if ok {
			p.stats.Indicators++
			p.stats.Filled++
		}
		p.filing.Indicators[ind.ID] = n
	})
	if err != nil {
		return err
	}
	for _, ind := range inds {
		n, ok := p.filing.Indicators[ind.ID]
		if !ok {
			p.add(s, "", "缺少指标“%s”这一行。请不要删除行，使用下发的原表填报。", ind.Name)
			continue
		}
		if ind.LE == "" || !n.Set {
			continue
		}
		o := p.o.Checklist.Indicator(ind.LE)
		if on, ok := p.filing.Indicators[ind.LE]; ok && on.Set && n.Value > on.Value+1e-9 {
			p.add(s, strings.TrimPrefix(n.Cell, s+"!"), "“%s”（%s%s）不能大于“%s”（%s%s），请核对。", ind.Name, formatNumber(n.Value), ind.Unit, o.Name, formatNumber(on.Value), o.Unit)
		}
	}
	return nil
}

func (p *parser) villages() error {
	s := SheetVillages
	inds := p.o.Checklist.IndicatorsFor(seeds.LevelVillage, p.form)
	roster := map[string]bool{}
	for _, v := range p.county.Villages {
		roster[seeds.VillageKey(v.Town, v.Name)] = true
	}
	required := []string{HdrTown, HdrVillage}
	keys := make([]string, len(inds))
	for i, ind := range inds {
		required = append(required, villageHeader(ind))
		keys[i] = headerKey(villageHeader(ind))
	}
	seen := map[string]int{}
	err := p.readTable(s, HdrTown, required, func(t *table, row int, cells []string) {
		town, name := normalize(t.get(cells, HdrTown)), normalize(t.get(cells, HdrVillage))
		raw := make([]string, len(inds))
		for i := range inds {
			raw[i] = t.get(cells, keys[i])
		}
		if town == "" && name == "" {
			if !blank(raw) {
				p.add(s, t.cell(HdrTown, row), "这一行没有乡镇和村名。请不要插入行，各村数据填在该村所在行。")
			}
			return
		}
		key := seeds.VillageKey(town, name)
		if !roster[key] {
			p.add(s, t.cell(HdrVillage, row), "“%s%s”不在本单位的村名单中。请不要修改乡镇、村两列；村名有变更的，请与下发单位联系。", town, name)
			return
		}
		if r, dup := seen[key]; dup {
			p.add(s, t.cell(HdrVillage, row), "“%s%s”与第 %d 行重复，请删除重复的行。", town, name, r)
			return
		}
		seen[key] = row
		vr := seeds.VillageReport{Town: town, Village: name, Secretary: normalize(t.get(cells, HdrSecretary)), Row: row, Values: make(map[string]seeds.Number, len(inds))}
		p.stats.Villages++
		if blank(raw) && len(inds) > 0 {
			p.add(s, t.cell(keys[0], row), "“%s%s”这一行没有填写，请填写本行各项。", town, name)
			p.filing.Villages = append(p.filing.Villages, vr)
			return
		}
		for i, ind := range inds {
			ref := t.cell(keys[i], row)
			if ref == "" {
				continue // column missing: reported once with the header
			}
			n, ok := p.value(ind, s, ref, raw[i], name)
			if ok {
				p.stats.Filled++
			}
			vr.Values[ind.ID] = n
		}
		for _, ind := range inds {
			n := vr.Values[ind.ID]
			if ind.LE == "" || !n.Set {
				continue
			}
			if on := vr.Values[ind.LE]; on.Set && n.Value > on.Value+1e-9 {
				o := p.o.Checklist.Indicator(ind.LE)
				p.add(s, strings.TrimPrefix(n.Cell, s+"!"), "%s“%s”（%s%s）不能大于“%s”（%s%s），请核对。", name, ind.Name, formatNumber(n.Value), ind.Unit, o.Name, formatNumber(on.Value), o.Unit)
			}
		}
		p.filing.Villages = append(p.filing.Villages, vr)
	})
	if err != nil {
		return err
	}
	for _, v := range p.county.Villages {
		if _, ok := seen[seeds.VillageKey(v.Town, v.Name)]; !ok {
			p.add(s, "", "缺少“%s%s”这一行。请不要删除行，使用下发的原表填报。", v.Town, v.Name)
		}
	}
	return nil
}
