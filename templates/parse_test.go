package templates

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// addZipEntry returns the zip data with one more entry.
func addZipEntry(t testing.TB, data []byte, name, content string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setCell(t testing.TB, f *excelize.File, sheet, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		t.Fatal(err)
	}
}

// TestParseRejects checks every rejection: the form is refused with a problem whose
// "sheet!cell: message" contains the wanted text.
func TestParseRejects(t *testing.T) {
	o := testOptions(t)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 3)
	good := fill(t, build(t, o), fl)
	if _, _, _, err := Parse(good, "form.xlsx", parseOptions(o)); err != nil {
		t.Fatalf("the good form is rejected: %v", err)
	}
	v0 := o.County.Villages[0]
	other := o.Roster.Counties[1]
	oldChecklist := *o.Checklist
	oldChecklist.Version = "2018.1"
	modify := func(fn func(f *excelize.File)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return edit(t, good, fn) }
	}
	const vs = SheetVillages
	// Village columns of the test checklist, found by header.
	col := func(id string) string {
		ind := o.Checklist.Indicator(id)
		for i, v := range o.Checklist.Indicators(seeds.LevelVillage) {
			if v == ind {
				return colName(4 + i)
			}
		}
		t.Fatalf("no village column %s", id)
		return ""
	}
	indRow := func(id string) int {
		for i, ind := range o.Checklist.Indicators(seeds.LevelCounty) {
			if ind.ID == id {
				return i + 2
			}
		}
		t.Fatalf("no indicator row %s", id)
		return 0
	}
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		opts func(po *ParseOptions)
		file string
		want string // in one problem's String()
	}{
		{"empty", func(*testing.T) []byte { return nil }, nil, "form.xlsx", "是空的"},
		{"pdf", func(*testing.T) []byte { return []byte("%PDF-1.7\n...") }, nil, "form.pdf", "PDF 文件"},
		{"csv", func(*testing.T) []byte { return []byte("编号,进展状态\n一、1,推进中\n") }, nil, "form.csv", "CSV 文本文件"},
		{"truncated", func(*testing.T) []byte { return good[:len(good)/2] }, nil, "form.xlsx", "已损坏或不完整"},
		{"xls", func(*testing.T) []byte { return append(append([]byte{}, oleMagic...), make([]byte, 1024)...) }, nil, "form.xls", "旧版 Excel 97-2003（.xls）"},
		{"encrypted", func(*testing.T) []byte {
			return append(append(append([]byte{}, oleMagic...), make([]byte, 512)...), oleEncryptionInfo...)
		}, nil, "form.xlsx", "请取消密码后重新发送"},
		{"xlsm", func(t *testing.T) []byte { return addZipEntry(t, good, "xl/vbaProject.bin", "macro") }, nil, "form.xlsm", "含有宏"},
		{"ods", func(t *testing.T) []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("mimetype")
			w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
			zw.Close()
			return buf.Bytes()
		}, nil, "form.ods", "ODS 格式"},
		{"docx", func(t *testing.T) []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("word/document.xml")
			w.Write([]byte("<w/>"))
			zw.Close()
			return buf.Bytes()
		}, nil, "form.docx", "Word 文档"},
		{"too big", func(*testing.T) []byte { return good }, func(po *ParseOptions) { po.MaxBytes = 1000 }, "form.xlsx", "太大"},
		{"other county", func(*testing.T) []byte { return good }, func(po *ParseOptions) { po.County = other.Code }, "form.xlsx", "应报送" + other.Name + "的表格"},
		{"other period", func(*testing.T) []byte { return good }, func(po *ParseOptions) { po.Period = "2019-09" }, "form.xlsx", "这是2019年8月的表格，本次应报送2019年9月的表格"},
		{"tampered county", modify(func(f *excelize.File) { setCell(t, f, SheetMeta, "B3", other.Code) }), nil, "form.xlsx", "校验信息不符"},
		// The template version is signed: changing it alone breaks the signature.
		{"tampered template version", modify(func(f *excelize.File) { setCell(t, f, SheetMeta, "B1", "2") }), func(po *ParseOptions) {
			po.FormVersions = func(string) []string { return []string{"2", "3"} }
		}, "form.xlsx", "校验信息不符"},
		{"tampered signature", modify(func(f *excelize.File) { setCell(t, f, SheetMeta, "B5", strings.Repeat("0", 64)) }), nil, "form.xlsx", "校验信息不符"},
		{"other secret", func(*testing.T) []byte { return good }, func(po *ParseOptions) { po.Secret = []byte("x") }, "form.xlsx", "校验信息不符"},
		{"meta deleted", modify(func(f *excelize.File) { f.DeleteSheet(SheetMeta) }), nil, "form.xlsx", "找不到校验信息"},
		{"old checklist", func(t *testing.T) []byte {
			o2 := o
			o2.Checklist = &oldChecklist
			return build(t, o2)
		}, nil, "form.xlsx", "任务清单版本为 2018.1"},
		{"sheet missing", modify(func(f *excelize.File) { f.DeleteSheet(SheetIndicators) }), nil, "form.xlsx", "缺少工作表“量化指标”"},
		{"column renamed", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "I1", "问题") }), nil, "form.xlsx", "重点任务!A1：缺少“存在问题”列"},
		{"percent column renamed", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "F1", "进度") }), nil, "form.xlsx", "重点任务!A1：缺少“完成进度（%）”列"},
		{"template version 1", modify(func(f *excelize.File) {
			setCell(t, f, SheetMeta, "B1", "1")
			setCell(t, f, SheetMeta, "B5", Meta{TemplateVersion: "1", ChecklistVersion: o.Checklist.Version, County: o.County.Code, Period: o.Period}.Sign(testSecret))
		}), func(po *ParseOptions) { po.FormVersions = func(string) []string { return []string{"1", "2", "3"} } }, "form.xlsx",
			"这是已过期的第 1 版表格，2019年8月须使用现行的第 3 版表格（“完成进度（%）”“佐证说明”“其中高中以上学历（人）”"},
		{"template version 2 in a period of version 3", func(t *testing.T) []byte {
			o2 := o
			o2.TemplateVersion = "2"
			return build(t, o2)
		}, func(po *ParseOptions) { po.FormVersions = func(string) []string { return []string{"3"} } }, "form.xlsx",
			"这是已过期的第 2 版表格，2019年8月须使用现行的第 3 版表格（“其中高中以上学历（人）”“第一书记项目资金（万元）”“其中用于发展村级集体经济（万元）”）填报，请改用第 3 版表格重新填报。"},
		{"not started with progress", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "未启动")
			setCell(t, f, SheetTasks, "F5", 30)
		}), nil, "form.xlsx", "重点任务!F5：任务“一、4 推动农村土地规模化经营”进展状态为“未启动”，完成进度应为 0，现为 30%"},
		{"done below 100", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "已完成")
			setCell(t, f, SheetTasks, "F5", 90)
		}), nil, "form.xlsx", "重点任务!F5：任务“一、4 推动农村土地规模化经营”进展状态为“已完成”，完成进度应为 100，现为 90%"},
		{"in progress at 100", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "推进中")
			setCell(t, f, SheetTasks, "F5", 100)
		}), nil, "form.xlsx", "重点任务!F5：任务“一、4 推动农村土地规模化经营”进展状态为“推进中”，完成进度应在 1 到 99 之间"},
		{"in progress without progress", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "推进中")
			setCell(t, f, SheetTasks, "F5", "")
		}), nil, "form.xlsx", "重点任务!F5：任务“一、4 推动农村土地规模化经营”进展状态为“推进中”，请填写完成进度"},
		{"progress out of range", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "推进中")
			setCell(t, f, SheetTasks, "F5", 150)
		}), nil, "form.xlsx", "重点任务!F5：任务“一、4 推动农村土地规模化经营”的完成进度 150% 超出范围"},
		{"village column missing", modify(func(f *excelize.File) { f.RemoveCol(vs, col("income")) }), nil, "form.xlsx", "缺少“村集体经济收入（万元）”列"},
		{"status empty", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "E5", "") }), nil, "form.xlsx", "重点任务!E5：任务“一、4 推动农村土地规模化经营”未选择进展状态"},
		{"status wrong", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "E5", "差不多") }), nil, "form.xlsx", "重点任务!E5：“差不多”不是有效的进展状态"},
		{"task id changed", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "A2", "一、99") }), nil, "form.xlsx", "重点任务!A2：任务编号“一、99”不在任务清单中"},
		{"task row deleted", modify(func(f *excelize.File) { f.RemoveRow(SheetTasks, 2) }), nil, "form.xlsx", "重点任务：缺少任务“一、1 发展优势特色产业”这一行"},
		{"indicator empty", modify(func(f *excelize.File) { setCell(t, f, SheetIndicators, fmt.Sprintf("E%d", indRow("manure_rate")), "") }), nil, "form.xlsx",
			fmt.Sprintf("量化指标!E%d：指标“%s”未填写", indRow("manure_rate"), o.Checklist.Indicator("manure_rate").Name)},
		{"fund le", modify(func(f *excelize.File) {
			setCell(t, f, vs, col("fund_sec")+"2", 10)
			setCell(t, f, vs, col("fund_sec_collective")+"2", 15)
		}), nil, "form.xlsx", vs + "!" + col("fund_sec_collective") + "2：" + v0.Name + "“其中用于发展村级集体经济”（15万元）不能大于“第一书记项目资金”（10万元）"},
		{"high school le", modify(func(f *excelize.File) {
			setCell(t, f, vs, col("reserve")+"2", 2)
			setCell(t, f, vs, col("reserve_hs")+"2", 3)
		}), nil, "form.xlsx", vs + "!" + col("reserve_hs") + "2：" + v0.Name + "“其中高中以上学历”（3人）不能大于“书记后备力量”（2人）"},
		{"fund column missing", modify(func(f *excelize.File) { f.RemoveCol(vs, col("fund_sec")) }), nil, "form.xlsx", "缺少“第一书记项目资金（万元）”列"},
		// The counties' words: a task not 已完成 needs 存在问题 and 下步打算, at most 200 字 each.
		{"problems missing", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "推进中")
			setCell(t, f, SheetTasks, "F5", 40)
			setCell(t, f, SheetTasks, "I5", "")
		}), nil, "form.xlsx", "重点任务!I5：任务“一、4 推动农村土地规模化经营”未完成（推进中），请填写存在问题。"},
		{"next steps missing", modify(func(f *excelize.File) {
			setCell(t, f, SheetTasks, "E5", "未启动")
			setCell(t, f, SheetTasks, "F5", 0)
			setCell(t, f, SheetTasks, "J5", " ")
		}), nil, "form.xlsx", "重点任务!J5：任务“一、4 推动农村土地规模化经营”未完成（未启动），请填写下步打算。"},
		{"problems too long", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "I5", strings.Repeat("长", maxWords+1)) }), nil, "form.xlsx",
			"重点任务!I5：任务“一、4 推动农村土地规模化经营”的存在问题过长（201 字），请精简到 200 字以内。"},
		{"next steps too long", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "J2", strings.Repeat("长", 250)) }), nil, "form.xlsx",
			"重点任务!J2：任务“一、1 发展优势特色产业”的下步打算过长（250 字），请精简到 200 字以内。"},
		{"percent out of range", modify(func(f *excelize.File) {
			setCell(t, f, SheetIndicators, fmt.Sprintf("E%d", indRow("manure_rate")), "120%")
		}), nil, "form.xlsx", "超出合理范围（0 到 100）"},
		{"village out of range", modify(func(f *excelize.File) { setCell(t, f, vs, col("winter_hours")+"2", 999) }), nil, "form.xlsx",
			vs + "!" + col("winter_hours") + "2：" + v0.Name + "“冬训学时”的数值 999学时 超出合理范围"},
		{"village empty cell", modify(func(f *excelize.File) { setCell(t, f, vs, col("safe_water")+"3", "") }), nil, "form.xlsx", vs + "!" + col("safe_water") + "3："},
		{"village row empty", modify(func(f *excelize.File) {
			for i := range o.Checklist.Indicators(seeds.LevelVillage) {
				setCell(t, f, vs, cell(4+i, 4), "")
			}
		}), nil, "form.xlsx", vs + "!D4：“" + o.County.Villages[2].Town + o.County.Villages[2].Name + "”这一行没有填写"},
		{"not a number", modify(func(f *excelize.File) { setCell(t, f, vs, col("income")+"2", "很多") }), nil, "form.xlsx", "“很多”不是数字，请填写以万元为单位的数字"},
		{"not an integer", modify(func(f *excelize.File) { setCell(t, f, vs, col("reserve")+"2", 2.5) }), nil, "form.xlsx", "“2.5”不是整数"},
		{"not a bool", modify(func(f *excelize.File) { setCell(t, f, vs, col("road4")+"2", "大概") }), nil, "form.xlsx", "“大概”无法识别，请从下拉列表选择“是”或“否”"},
		{"village le", modify(func(f *excelize.File) {
			setCell(t, f, vs, col("reserve")+"2", 1)
			setCell(t, f, vs, col("reserve40")+"2", 2)
		}), nil, "form.xlsx", "“其中40岁左右”（2人）不能大于“书记后备力量”（1人）"},
		{"village not on roster", modify(func(f *excelize.File) { setCell(t, f, vs, "B2", "新建村") }), nil, "form.xlsx", vs + "!B2：“" + v0.Town + "新建村”不在本单位的村名单中"},
		{"village row missing", modify(func(f *excelize.File) { setCell(t, f, vs, "B2", "新建村") }), nil, "form.xlsx", vs + "：缺少“" + v0.Town + v0.Name + "”这一行"},
		{"village duplicate", modify(func(f *excelize.File) {
			setCell(t, f, vs, "A3", v0.Town)
			setCell(t, f, vs, "B3", v0.Name)
		}), nil, "form.xlsx", vs + "!B3：“" + v0.Town + v0.Name + "”与第 2 行重复"},
		{"row without village", modify(func(f *excelize.File) { setCell(t, f, vs, cell(5, len(o.County.Villages)+3), 3) }), nil, "form.xlsx", "这一行没有乡镇和村名"},
		{"text too long", modify(func(f *excelize.File) { setCell(t, f, SheetTasks, "G2", strings.Repeat("长", maxText+1)) }), nil, "form.xlsx", "重点任务!G2：内容过长"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			po := parseOptions(o)
			if tc.opts != nil {
				tc.opts(&po)
			}
			f, m, _, err := Parse(tc.data(t), tc.file, po)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v (%T), want Problems", err, err)
			}
			if f != nil {
				t.Error("a rejected form gave a filing")
			}
			if m != nil && (m.County != o.County.Code || m.Period != o.Period) {
				t.Errorf("a rejected form's meta = %+v, want county %s period %s", m, o.County.Code, o.Period)
			}
			for _, p := range ps {
				if strings.Contains(p.String(), tc.want) {
					return
				}
			}
			t.Errorf("no problem contains %q:\n%s", tc.want, ps.Error())
		})
	}
}

// TestParseForgiving checks what people type that is accepted anyway.
func TestParseForgiving(t *testing.T) {
	o := testOptions(t)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 4)
	vcol := map[string]int{}
	for i, ind := range o.Checklist.Indicators(seeds.LevelVillage) {
		vcol[ind.ID] = 4 + i
	}
	irow := map[string]int{}
	for i, ind := range o.Checklist.Indicators(seeds.LevelCounty) {
		irow[ind.ID] = i + 2
	}
	cases := []struct {
		sheet, cell string
		typed       any
		id          string // indicator (or task id for a status)
		village     int    // index, -1 for county level
		want        float64
	}{
		{SheetVillages, cell(vcol["income"], 2), "１，２３４.５万元", "income", 0, 1234.5},
		{SheetVillages, cell(vcol["income"], 3), "35000元", "income", 1, 3.5},
		{SheetVillages, cell(vcol["income"], 4), " 4.2 ", "income", 2, 4.2},
		{SheetVillages, cell(vcol["winter_hours"], 2), "３２学时", "winter_hours", 0, 32},
		{SheetVillages, cell(vcol["reserve"], 2), "3人", "reserve", 0, 3},
		{SheetVillages, cell(vcol["reserve40"], 2), "1", "reserve40", 0, 1},
		{SheetVillages, cell(vcol["road4"], 2), "√", "road4", 0, 1},
		{SheetVillages, cell(vcol["road6"], 2), "N", "road6", 0, 0},
		{SheetVillages, cell(vcol["safe_water"], 2), 1, "safe_water", 0, 1},
		{SheetVillages, cell(vcol["new_member"], 2), "×", "new_member", 0, 0},
		{SheetVillages, cell(vcol["sewage_station"], 2), true, "sewage_station", 0, 1},
		{SheetVillages, cell(vcol["theme_days"], 2), "8次", "theme_days", 0, 8},
		{SheetIndicators, cell(5, irow["manure_rate"]), "85%", "manure_rate", -1, 85},
		{SheetVillages, cell(vcol["fund_sec"], 2), "1,000万元", "fund_sec", 0, 1000},
		{SheetVillages, cell(vcol["fund_sec_collective"], 2), "７００", "fund_sec_collective", 0, 700},
		{SheetVillages, cell(vcol["reserve_hs"], 2), "2名", "reserve_hs", 0, 2},
	}
	data := edit(t, fill(t, build(t, o), fl), func(f *excelize.File) {
		for _, c := range cases {
			setCell(t, f, c.sheet, c.cell, c.typed)
		}
		setCell(t, f, SheetTasks, "E2", " 进行中 ")
		setCell(t, f, SheetTasks, "E3", "完成")
	})
	got, _, _, err := Parse(data, "form.xlsx", parseOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		var n seeds.Number
		if c.village < 0 {
			n = got.Indicators[c.id]
		} else {
			n = got.Villages[c.village].Values[c.id]
		}
		if !n.Set || math.Abs(n.Value-c.want) > 1e-9 {
			t.Errorf("%s!%s %q: got %+v, want %v", c.sheet, c.cell, c.typed, n, c.want)
		}
		if n.Cell != c.sheet+"!"+c.cell {
			t.Errorf("cell = %s, want %s!%s", n.Cell, c.sheet, c.cell)
		}
	}
	if got.Tasks[0].Status != seeds.StatusInProgress || got.Tasks[1].Status != seeds.StatusDone {
		t.Errorf("statuses = %v %v", got.Tasks[0].Status, got.Tasks[1].Status)
	}

	// Excel stores 85% typed into a cell as 0.85 with a percent format: read as 85.
	data = edit(t, data, func(f *excelize.File) {
		ref := cell(5, irow["manure_rate"])
		setCell(t, f, SheetIndicators, ref, 0.85)
		st, err := f.NewStyle(&excelize.Style{NumFmt: 9})
		if err != nil {
			t.Fatal(err)
		}
		f.SetCellStyle(SheetIndicators, ref, ref, st)
	})
	got, _, _, err = Parse(data, "form.xlsx", parseOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Indicators["manure_rate"].Value; math.Abs(v-85) > 1e-9 {
		t.Errorf("percent-formatted 0.85 = %v, want 85", v)
	}
}

func TestParseNumber(t *testing.T) {
	money := &seeds.Indicator{Name: "收入", Unit: "万元", Type: seeds.TypeNumber}
	pct := &seeds.Indicator{Name: "比例", Unit: "%", Type: seeds.TypePercent}
	count := &seeds.Indicator{Name: "次数", Unit: "次", Type: seeds.TypeInteger}
	tests := []struct {
		in   string
		ind  *seeds.Indicator
		want float64
		err  string
	}{
		{"3", money, 3, ""},
		{"3.50", money, 3.5, ""},
		{"1,234,567.8", money, 1234567.8, ""},
		{"１２３", money, 123, ""},
		{"３。５", money, 3.5, ""},
		{"5万元", money, 5, ""},
		{"5 万", money, 5, ""},
		{"50000元", money, 5, ""},
		{"\u3000７\u00a0", money, 7, ""},
		{"1,5", money, 0, "千分位"},
		{"12,34", money, 0, "千分位"},
		{"3斤", money, 0, "不是数字"},
		{"", money, 0, "未填写"},
		{"NaN", money, 0, "不是数字"},
		{"Inf", money, 0, "不是数字"},
		{"85%", pct, 85, ""},
		{"８５％", pct, 85, ""},
		{"85", pct, 85, ""},
		{"3次", count, 3, ""},
		{"3.0", count, 3, ""},
		{"3.5", count, 0, "不是整数"},
		{"1E1", count, 10, ""},
	}
	for _, tc := range tests {
		got, err := parseNumber(tc.in, tc.ind)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseNumber(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for in, want := range map[string]float64{"是": 1, "否": 0, "Y": 1, "n": 0, "Yes": 1, "NO": 0, "√": 1, "×": 0, "1": 1, "0": 0, "TRUE": 1, "false": 0, "有": 1, "无": 0, "是 ": 1, "ｙ": 1} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "也许", "2", "是否"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q): no error", in)
		}
	}
}

func TestProblemString(t *testing.T) {
	ps := Problems{{Sheet: "村级台账", Cell: "D5", Message: "未填写"}, {Sheet: "重点任务", Message: "缺少行"}, {Message: "文件是空的"}}
	if got, want := ps.Error(), "村级台账!D5：未填写\n重点任务：缺少行\n文件是空的"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseNeedsOptions(t *testing.T) {
	_, _, _, err := Parse([]byte("x"), "x.xlsx", ParseOptions{})
	var ps Problems
	if err == nil || errors.As(err, &ps) {
		t.Errorf("missing options: err = %v, want an internal error", err)
	}
}

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and anything it
// accepts must be a complete filing.
func FuzzParse(f *testing.F) {
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".xlsx") {
			b, err := os.ReadFile(fixtureDir + "/" + e.Name())
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	// The hostile corpus (testdata/hostile, see tools/genhostile), mails aside.
	hostile, err := os.ReadDir("../testdata/hostile")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range hostile {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".eml") || strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile("../testdata/hostile/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("%PDF-1.4"))
	f.Add(append(append([]byte{}, oleMagic...), 0, 0))
	o := testOptions(f)
	po := parseOptions(o)
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, m, _, err := Parse(data, "fuzz.xlsx", po)
		var ps Problems
		switch {
		case err == nil:
			if fl == nil || m == nil || len(fl.Tasks) != len(o.Checklist.Tasks()) || len(fl.Villages) != len(o.County.Villages) {
				t.Fatalf("accepted an incomplete filing")
			}
		case errors.As(err, &ps):
			if len(ps) == 0 {
				t.Fatal("empty Problems")
			}
		default:
			t.Fatalf("internal error on user input: %v", err)
		}
	})
}

// BenchmarkParse200 parses a filled form of a county with 200 villages.
func BenchmarkParse200(b *testing.B) {
	o := options200(b)
	data := fill(b, build(b, o), RandomFiling(o.Checklist, o.County, o.Period, 5))
	po := parseOptions(o)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		fl, _, _, err := Parse(data, "form.xlsx", po)
		if err != nil || len(fl.Villages) != 200 {
			b.Fatal(err)
		}
	}
}
