package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// The sheets of a 核查表, the workbook of an 抽查核查 (on-site check of a sample of villages
// and of task claims).
const (
	VerifySheetInfo   = "核查说明"
	VerifySheetValues = "村级数据核查"
	VerifySheetTasks  = "任务核查"
)

// Column headers of the 核查表; the parser finds columns by them.
const (
	VHdrCode       = "单位代码"
	VHdrCounty     = "县（市、区）"
	VHdrTown       = "乡镇（街道）"
	VHdrVillage    = "村"
	VHdrIndID      = "指标代码"
	VHdrIndName    = "指标"
	VHdrUnit       = "单位"
	VHdrReported   = "填报值"
	VHdrFound      = "核查值"
	VHdrNote       = "核查说明"
	VHdrTaskID     = "任务编号"
	VHdrTask       = "任务"
	VHdrStatus     = "填报状态"
	VHdrProgress   = "进展情况"
	VHdrConclusion = "核查结论"
)

// Cells of the 核查说明 sheet.
const (
	verifyPeriodCell = "B3"
	verifyDocCell    = "B5"
	verifyByCell     = "B6"
)

// VerifyCounty is a county whose accepted form a 核查表 samples.
type VerifyCounty struct {
	Code, Name string
	Filing     *seeds.Filing
}

// VerifySampleOptions say what a 核查表 samples.
type VerifySampleOptions struct {
	Checklist *seeds.Checklist
	Period    string // YYYY-MM
	Villages  int    // villages per county
	Tasks     int    // task claims (推进中 or 已完成) per county
	Office    string
}

// VerifySampleStats counts what a 核查表 lists.
type VerifySampleStats struct {
	Counties, Villages, Values, Claims int
}

// VerifySample picks, for one county's filing, the villages (indexes into f.Villages, in
// form order) and the task claims (task ids, in checklist order) of an 抽查核查. The
// choice is random but seeded by period and county, so the same filing gives the same
// sample every time.
func VerifySample(cl *seeds.Checklist, period, county string, f *seeds.Filing, villages, tasks int) ([]int, []string) {
	h := sha256.Sum256([]byte("kaohe 抽查核查\x00" + period + "\x00" + county))
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])))
	vi := r.Perm(len(f.Villages))
	vi = vi[:min(max(villages, 0), len(vi))]
	slices.Sort(vi)
	var claims []string
	for _, t := range cl.Tasks() {
		if t.Kind != seeds.KindStatus {
			continue
		}
		if tr := f.Task(t.ID); tr != nil && (tr.Status == seeds.StatusDone || tr.Status == seeds.StatusInProgress) {
			claims = append(claims, t.ID)
		}
	}
	pick := r.Perm(len(claims))
	pick = pick[:min(max(tasks, 0), len(pick))]
	slices.Sort(pick)
	var ts []string
	for _, i := range pick {
		ts = append(ts, claims[i])
	}
	return vi, ts
}

// BuildVerifySample writes the 核查表 of a period for counties (in the order given): on
// 村级数据核查 each sampled village's reported values, with an empty 核查值 column for
// the value found on site; on 任务核查 each sampled task claim with a 核查结论 column
// (属实/不实); on 核查说明 the period, how the sample was drawn, and cells for the
// document number (文号) and the checker.
//
// Errors: options missing; excelize errors.
func BuildVerifySample(o VerifySampleOptions, counties []VerifyCounty) ([]byte, VerifySampleStats, error) {
	var st VerifySampleStats
	if o.Checklist == nil {
		return nil, st, errors.New("templates.BuildVerifySample: no checklist")
	}
	if _, _, err := ParsePeriod(o.Period); err != nil {
		return nil, st, err
	}
	f := excelize.NewFile()
	defer f.Close()
	var ferr error
	do := func(err error) {
		if ferr == nil {
			ferr = err
		}
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	do(err)
	input, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}})
	do(err)
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	do(err)

	// 核查说明
	do(f.SetSheetName("Sheet1", VerifySheetInfo))
	info := [][2]string{
		{"考核期", o.Period},
		{"抽样", fmt.Sprintf("每个县（市、区）从本期受理的报表中随机抽取%d个村、%d项进展状态（推进中或已完成），按考核期和单位代码确定随机种子，重新生成结果相同。", o.Villages, o.Tasks)},
		{"核查文号", ""},
		{"核查人", ""},
		{"填写说明", "在“" + VerifySheetValues + "”表的“核查值”列填写现场核实的数值（是/否指标填“是”或“否”），未核查的留空；在“" + VerifySheetTasks + "”表的“核查结论”列选择“属实”或“不实”，不实的须在“核查说明”列写明依据。填好后用 kaohe verify import 导入。"},
	}
	do(f.SetCellValue(VerifySheetInfo, "A1", PeriodLabel(o.Period)+"乡村振兴重点工作抽查核查表"))
	do(f.SetCellStyle(VerifySheetInfo, "A1", "A1", title))
	do(f.SetCellStr(VerifySheetInfo, "A2", o.Office))
	for i, kv := range info {
		r := i + 3
		do(f.SetCellStr(VerifySheetInfo, fmt.Sprintf("A%d", r), kv[0]))
		do(f.SetCellStr(VerifySheetInfo, fmt.Sprintf("B%d", r), kv[1]))
		do(f.SetCellStyle(VerifySheetInfo, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d", r), head))
	}
	do(f.SetCellStyle(VerifySheetInfo, verifyDocCell, verifyByCell, input))
	do(f.SetColWidth(VerifySheetInfo, "A", "A", 12))
	do(f.SetColWidth(VerifySheetInfo, "B", "B", 90))

	// 村级数据核查
	if _, err := f.NewSheet(VerifySheetValues); err != nil {
		return nil, st, err
	}
	vh := []string{VHdrCode, VHdrCounty, VHdrTown, VHdrVillage, VHdrIndID, VHdrIndName, VHdrUnit, VHdrReported, VHdrFound, VHdrNote}
	vw := []float64{10, 14, 14, 14, 14, 20, 10, 10, 10, 30}
	// 任务核查
	if _, err := f.NewSheet(VerifySheetTasks); err != nil {
		return nil, st, err
	}
	th := []string{VHdrCode, VHdrCounty, VHdrTaskID, VHdrTask, VHdrStatus, VHdrProgress, VHdrConclusion, VHdrNote}
	tw := []float64{10, 14, 8, 22, 10, 40, 10, 30}
	for _, s := range []struct {
		name string
		hdr  []string
		w    []float64
	}{{VerifySheetValues, vh, vw}, {VerifySheetTasks, th, tw}} {
		for i, h := range s.hdr {
			c := cell(i+1, 1)
			do(f.SetCellStr(s.name, c, h))
			do(f.SetColWidth(s.name, colName(i+1), colName(i+1), s.w[i]))
		}
		do(f.SetCellStyle(s.name, "A1", cell(len(s.hdr), 1), head))
		do(f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	}
	inds := o.Checklist.Indicators(seeds.LevelVillage)
	vr, tr := 2, 2
	for _, c := range counties {
		if c.Filing == nil {
			continue
		}
		st.Counties++
		vis, tasks := VerifySample(o.Checklist, o.Period, c.Code, c.Filing, o.Villages, o.Tasks)
		for _, vi := range vis {
			v := c.Filing.Villages[vi]
			st.Villages++
			for _, ind := range inds {
				rep := ""
				if n, ok := v.Values[ind.ID]; ok && n.Set {
					rep = reportedText(ind, n.Value)
				}
				row := []string{c.Code, c.Name, v.Town, v.Village, ind.ID, ind.Name, ind.Unit, rep}
				for i, s := range row {
					do(f.SetCellStr(VerifySheetValues, cell(i+1, vr), s))
				}
				st.Values++
				vr++
			}
		}
		for _, id := range tasks {
			t := o.Checklist.Task(id)
			rep := c.Filing.Task(id)
			row := []string{c.Code, c.Name, t.ID, t.Title, rep.Status.String(), rep.Progress}
			for i, s := range row {
				do(f.SetCellStr(VerifySheetTasks, cell(i+1, tr), s))
			}
			st.Claims++
			tr++
		}
	}
	if vr > 2 {
		do(f.SetCellStyle(VerifySheetValues, cell(9, 2), cell(10, vr-1), input))
	}
	if tr > 2 {
		do(f.SetCellStyle(VerifySheetTasks, cell(7, 2), cell(8, tr-1), input))
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("G2:G%d", tr-1)
		do(dv.SetDropList([]string{"属实", "不实"}))
		dv.SetError(excelize.DataValidationErrorStyleStop, VHdrConclusion, "请从下拉列表选择：属实或不实。")
		do(f.AddDataValidation(VerifySheetTasks, dv))
	}
	if ferr != nil {
		return nil, st, ferr
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, st, err
	}
	return buf.Bytes(), st, nil
}

// reportedText shows a reported value as the county would type it.
func reportedText(ind *seeds.Indicator, v float64) string {
	if ind.Type == seeds.TypeBool {
		return boolLabel(v)
	}
	return formatNumber(v)
}

// VerifyFinding is one filled row of a 核查表: a value found on site (Indicator set) or
// a conclusion on a task claim (Task set).
type VerifyFinding struct {
	Sheet, Cell string // the 核查值 or 核查结论 cell
	County      string
	Indicator   string
	Town        string
	Village     string
	Task        string
	Reported    string  // as the sheet shows it
	Value       float64 // the value found
	False       bool    // the claim was found 不实
	Note        string  // 核查说明
}

// VerifyReport is what a filled 核查表 says.
type VerifyReport struct {
	Period   string
	Doc      string // 核查文号, may be empty
	By       string // 核查人, may be empty
	Findings []VerifyFinding
}

// ParseVerify reads a filled 核查表. Rows left empty (no 核查值, no 核查结论) are not
// findings. The error is Problems, each naming sheet and cell in Chinese, when the office
// must correct the workbook; nothing is returned then.
func ParseVerify(data []byte, cl *seeds.Checklist, roster *seeds.Roster) (rep *VerifyReport, err error) {
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, Problems{{Message: "核查表无法读取（文件内容异常），请用 kaohe verify sample 重新生成后填写。"}}
		}
	}()
	if len(data) > DefaultMaxBytes {
		return nil, Problems{{Message: fmt.Sprintf("核查表有 %d MB，超过 %d MB 的上限，这不是 kaohe verify sample 生成的核查表。", len(data)>>20, DefaultMaxBytes>>20)}}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		return nil, Problems{{Message: "文件不是有效的 Excel 工作簿（.xlsx），请用 kaohe verify sample 生成的核查表填写。"}}
	}
	defer f.Close()
	var ps Problems
	add := func(sheet, c, format string, a ...any) {
		ps = append(ps, Problem{Sheet: sheet, Cell: c, Message: fmt.Sprintf(format, a...)})
	}
	for _, s := range []string{VerifySheetInfo, VerifySheetValues, VerifySheetTasks} {
		if idx, _ := f.GetSheetIndex(s); idx < 0 {
			add("", "", "缺少工作表“%s”，这不是 kaohe verify sample 生成的核查表。", s)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	get := func(sheet, c string) string {
		v, err := f.GetCellValue(sheet, c)
		if err != nil {
			return ""
		}
		return trimText(v)
	}
	rep = &VerifyReport{Period: normalize(get(VerifySheetInfo, verifyPeriodCell)), Doc: get(VerifySheetInfo, verifyDocCell), By: get(VerifySheetInfo, verifyByCell)}
	if _, _, err := ParsePeriod(rep.Period); err != nil {
		add(VerifySheetInfo, verifyPeriodCell, "考核期“%s”不是“年-月”（如 2026-06），请不要修改此格。", rep.Period)
	}
	county := func(sheet, c, code string) bool {
		if roster.County(code) == nil {
			add(sheet, c, "单位代码“%s”不在报送名单中，请不要修改单位代码列。", code)
			return false
		}
		return true
	}
	// rows reads a sheet row by row (never more than maxRows: a workbook cannot make it
	// read a million empty rows), finds the columns by their headers and calls fn for
	// every row after the header.
	rows := func(sheet string, need []string, fn func(col map[string]int, r int, cells []string)) {
		it, err := f.Rows(sheet)
		if err != nil {
			add(sheet, "A1", "表头缺失，请不要修改核查表的表头。")
			return
		}
		defer it.Close()
		var col map[string]int
		for r := 1; it.Next(); r++ {
			cells, err := it.Columns()
			if err != nil {
				add(sheet, cell(1, r), "第%d行无法读取。", r)
				return
			}
			if len(cells) > maxCols {
				cells = cells[:maxCols]
			}
			if r == 1 {
				col = map[string]int{}
				for i, h := range cells {
					col[normalize(h)] = i
				}
				for _, h := range need {
					i, ok := col[normalize(h)] // normalize makes （） half-width
					col[h] = i
					if !ok {
						add(sheet, "A1", "缺少“%s”列，请不要修改核查表的表头。", h)
						return
					}
				}
				continue
			}
			if r > maxRows {
				add(sheet, cell(1, r), "行数超过上限（%d 行）。", maxRows)
				return
			}
			fn(col, r, cells)
		}
		if col == nil {
			add(sheet, "A1", "表头缺失，请不要修改核查表的表头。")
		}
	}
	at := func(cells []string, col map[string]int, h string) string {
		if i, ok := col[h]; ok && i < len(cells) {
			return normalize(cells[i])
		}
		return ""
	}
	// text reads a cell of text (names, 核查说明) as written: only the spaces around it go,
	// its full-width punctuation stays.
	text := func(cells []string, col map[string]int, h string) string {
		if i, ok := col[h]; ok && i < len(cells) {
			return trimText(cells[i])
		}
		return ""
	}
	rows(VerifySheetValues, []string{VHdrCode, VHdrTown, VHdrVillage, VHdrIndID, VHdrReported, VHdrFound, VHdrNote}, func(col map[string]int, r int, cells []string) {
		raw := at(cells, col, VHdrFound)
		if raw == "" {
			return
		}
		fc := cell(col[VHdrFound]+1, r)
		code, id := at(cells, col, VHdrCode), at(cells, col, VHdrIndID)
		if !county(VerifySheetValues, cell(col[VHdrCode]+1, r), code) {
			return
		}
		ind := cl.Indicator(id)
		if ind == nil || ind.Level != seeds.LevelVillage {
			add(VerifySheetValues, cell(col[VHdrIndID]+1, r), "指标代码“%s”不是任务清单中的村级指标，请不要修改指标代码列。", id)
			return
		}
		village := text(cells, col, VHdrVillage)
		if village == "" {
			add(VerifySheetValues, cell(col[VHdrVillage]+1, r), "村名为空，请不要修改村名列。")
			return
		}
		var v float64
		var err error
		if ind.Type == seeds.TypeBool {
			v, err = parseBool(raw)
		} else {
			v, err = parseNumber(raw, ind)
		}
		if err != nil {
			add(VerifySheetValues, fc, "“%s”的核查值：%s。", ind.Name, err)
			return
		}
		if ind.Type != seeds.TypeBool && (v < ind.Min-1e-9 || v > ind.Max+1e-9) {
			add(VerifySheetValues, fc, "“%s”的核查值 %s%s 超出合理范围（%s 到 %s），请核对后改正。", ind.Name, formatNumber(v), ind.Unit, formatNumber(ind.Min), formatNumber(ind.Max))
			return
		}
		rep.Findings = append(rep.Findings, VerifyFinding{Sheet: VerifySheetValues, Cell: fc, County: code, Indicator: id,
			Town: text(cells, col, VHdrTown), Village: village, Reported: text(cells, col, VHdrReported), Value: v, Note: text(cells, col, VHdrNote)})
	})
	rows(VerifySheetTasks, []string{VHdrCode, VHdrTaskID, VHdrStatus, VHdrConclusion, VHdrNote}, func(col map[string]int, r int, cells []string) {
		raw := at(cells, col, VHdrConclusion)
		if raw == "" {
			return
		}
		cc := cell(col[VHdrConclusion]+1, r)
		code, id := at(cells, col, VHdrCode), at(cells, col, VHdrTaskID)
		if !county(VerifySheetTasks, cell(col[VHdrCode]+1, r), code) {
			return
		}
		t := cl.Task(id)
		if t == nil || t.Kind != seeds.KindStatus {
			add(VerifySheetTasks, cell(col[VHdrTaskID]+1, r), "任务编号“%s”不是任务清单中按进展状态考核的任务，请不要修改任务编号列。", id)
			return
		}
		var isFalse bool
		switch raw {
		case "属实":
		case "不实":
			isFalse = true
		default:
			add(VerifySheetTasks, cc, "核查结论“%s”无法识别，请从下拉列表选择“属实”或“不实”。", raw)
			return
		}
		note := text(cells, col, VHdrNote)
		if isFalse && note == "" {
			add(VerifySheetTasks, cell(col[VHdrNote]+1, r), "任务%s核查结论为“不实”，请在核查说明中写明依据。", id)
			return
		}
		rep.Findings = append(rep.Findings, VerifyFinding{Sheet: VerifySheetTasks, Cell: cc, County: code, Task: id,
			Reported: text(cells, col, VHdrStatus), False: isFalse, Note: note})
	})
	if len(ps) > 0 {
		return nil, ps
	}
	if len(rep.Findings) == 0 {
		return nil, Problems{{Sheet: VerifySheetValues, Message: "核查表中没有填写任何核查值或核查结论，没有可导入的内容。"}}
	}
	slices.SortStableFunc(rep.Findings, func(a, b VerifyFinding) int { return strings.Compare(a.County, b.County) })
	return rep, nil
}

// trimText trims the spaces a person may type around a text, full-width ones too.
func trimText(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' })
}
