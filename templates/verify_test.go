package templates

import (
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// verifyCounties returns two counties' random filings for period.
func verifyCounties(cl *seeds.Checklist, r *seeds.Roster, period string) []VerifyCounty {
	var out []VerifyCounty
	for i, code := range []string{"370811", "370812"} {
		c := r.County(code)
		out = append(out, VerifyCounty{Code: code, Name: c.Name, Filing: RandomFiling(cl, c, period, uint64(i+1))})
	}
	return out
}

// TestVerifySampleDeterministic: the same period and filing give the same sample; another
// period another one; the sizes are those asked for, within what the filing has.
func TestVerifySampleDeterministic(t *testing.T) {
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	f := verifyCounties(cl, r, "2026-06")[0].Filing
	v1, t1 := VerifySample(cl, "2026-06", "370811", f, 3, 2)
	v2, t2 := VerifySample(cl, "2026-06", "370811", f, 3, 2)
	v3, _ := VerifySample(cl, "2026-07", "370811", f, 3, 2)
	if !slices.Equal(v1, v2) || !slices.Equal(t1, t2) || len(v1) != 3 || len(t1) != 2 || !slices.IsSorted(v1) {
		t.Errorf("sample not reproducible or not the size asked: %v %v / %v %v", v1, t1, v2, t2)
	}
	if slices.Equal(v1, v3) {
		t.Errorf("2026-06 and 2026-07 drew the same villages %v", v1)
	}
	for _, id := range t1 {
		if st := f.Task(id).Status; st != seeds.StatusDone && st != seeds.StatusInProgress {
			t.Errorf("claim %s sampled with status %v", id, st)
		}
	}
	if all, _ := VerifySample(cl, "2026-06", "370811", f, 10000, 0); len(all) != len(f.Villages) {
		t.Errorf("asking for more villages than there are: %d of %d", len(all), len(f.Villages))
	}
}

// TestVerifyRoundTrip builds a 核查表, fills it as a checker would (excelize), and reads
// the findings back; then spoils cells and gets one message per cell, naming it.
func TestVerifyRoundTrip(t *testing.T) {
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	cs := verifyCounties(cl, r, "2026-06")
	data, st, err := BuildVerifySample(VerifySampleOptions{Checklist: cl, Period: "2026-06", Villages: 2, Tasks: 2}, cs)
	if err != nil {
		t.Fatal(err)
	}
	nv := len(cl.Indicators(seeds.LevelVillage))
	if st.Counties != 2 || st.Villages != 4 || st.Values != 4*nv || st.Claims != 4 {
		t.Errorf("stats %+v", st)
	}
	if _, err := ParseVerify(data, cl, r); err == nil || !strings.Contains(err.Error(), "没有填写任何核查值") {
		t.Errorf("empty 核查表: %v", err)
	}
	vis, claims := VerifySample(cl, "2026-06", "370811", cs[0].Filing, 2, 2)
	v0 := cs[0].Filing.Villages[vis[0]]
	filled := edit(t, data, func(f *excelize.File) {
		f.SetCellStr(VerifySheetInfo, "B5", "济组核〔2026〕6号")
		f.SetCellStr(VerifySheetInfo, "B6", "核查组")
		rows, _ := f.GetRows(VerifySheetValues)
		for i, row := range rows {
			if i > 0 && row[0] == "370811" && row[3] == v0.Village && row[4] == "income" {
				f.SetCellStr(VerifySheetValues, cell(9, i+1), "１．５万元") // full-width, with the unit
				f.SetCellStr(VerifySheetValues, cell(10, i+1), "账面含补助，待复核（附件2）")
			}
			if i > 0 && row[0] == "370811" && row[3] == v0.Village && row[4] == "safe_water" {
				f.SetCellStr(VerifySheetValues, cell(9, i+1), "否")
			}
		}
		f.SetCellStr(VerifySheetTasks, "G2", "不实")
		f.SetCellStr(VerifySheetTasks, "H2", "现场无佐证")
		f.SetCellStr(VerifySheetTasks, "G3", "属实")
	})
	rep, err := ParseVerify(filled, cl, r)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Period != "2026-06" || rep.Doc != "济组核〔2026〕6号" || rep.By != "核查组" || len(rep.Findings) != 4 {
		t.Fatalf("report %+v", rep)
	}
	var income, water, claimFalse, claimTrue *VerifyFinding
	for i := range rep.Findings {
		x := &rep.Findings[i]
		switch {
		case x.Indicator == "income":
			income = x
		case x.Indicator == "safe_water":
			water = x
		case x.Task != "" && x.False:
			claimFalse = x
		case x.Task != "":
			claimTrue = x
		}
	}
	if income == nil || income.Value != 1.5 || income.Village != v0.Village || income.Town != v0.Town || income.Note != "账面含补助，待复核（附件2）" || !strings.HasPrefix(income.Cell, "I") {
		t.Errorf("income finding %+v", income)
	}
	if water == nil || water.Value != 0 {
		t.Errorf("safe_water finding %+v", water)
	}
	if claimFalse == nil || claimFalse.Task != claims[0] || claimFalse.Note != "现场无佐证" || claimFalse.Cell != "G2" || claimTrue == nil || claimTrue.Task != claims[1] {
		t.Errorf("claims %+v %+v (sampled %v)", claimFalse, claimTrue, claims)
	}

	// Spoilt cells: each named, all at once.
	bad := edit(t, filled, func(f *excelize.File) {
		f.SetCellStr(VerifySheetValues, "I2", "很多")
		f.SetCellStr(VerifySheetValues, "I3", "-5")
		f.SetCellStr(VerifySheetValues, "A4", "999999")
		f.SetCellStr(VerifySheetValues, "I4", "1")
		f.SetCellStr(VerifySheetTasks, "G2", "不实")
		f.SetCellStr(VerifySheetTasks, "H2", "")
		f.SetCellStr(VerifySheetTasks, "G3", "大概吧")
		f.SetCellStr(VerifySheetInfo, "B3", "六月")
	})
	_, err = ParseVerify(bad, cl, r)
	msg := errString(err)
	for _, want := range []string{
		"核查说明!B3：考核期“六月”",
		"村级数据核查!I2：“",
		"村级数据核查!A4：单位代码“999999”不在报送名单中",
		"任务核查!H2：任务" + claims[0] + "核查结论为“不实”，请在核查说明中写明依据。",
		"任务核查!G3：核查结论“大概吧”无法识别",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, "村级数据核查!I3：") {
		t.Errorf("a negative value is not refused:\n%s", msg)
	}
	long := edit(t, filled, func(f *excelize.File) { f.SetCellStr(VerifySheetValues, "I6000", "1") })
	if _, err := ParseVerify(long, cl, r); !strings.Contains(errString(err), "村级数据核查!A5001：行数超过上限（5000 行）。") {
		t.Errorf("a row past the limit: %v", err)
	}
	if _, err := ParseVerify([]byte("not a workbook"), cl, r); err == nil || !strings.Contains(err.Error(), "不是有效的 Excel") {
		t.Errorf("not a workbook: %v", err)
	}
}

// FuzzParseVerify feeds arbitrary bytes to ParseVerify: it must never panic, and what it
// accepts must be findings about counties on the roster, each naming its cell.
func FuzzParseVerify(f *testing.F) {
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	data, _, err := BuildVerifySample(VerifySampleOptions{Checklist: cl, Period: "2026-06", Villages: 1, Tasks: 1}, verifyCounties(cl, r, "2026-06"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(edit(f, data, func(x *excelize.File) {
		x.SetCellStr(VerifySheetValues, "I2", "3")
		x.SetCellStr(VerifySheetTasks, "G2", "不实")
		x.SetCellStr(VerifySheetTasks, "H2", "无")
	}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ParseVerify(b, cl, r)
		if err != nil {
			if _, ok := err.(Problems); !ok {
				t.Fatalf("not Problems: %v", err)
			}
			return
		}
		for _, x := range rep.Findings {
			if r.County(x.County) == nil || x.Cell == "" || (x.Task == "") == (x.Indicator == "") {
				t.Fatalf("finding %+v", x)
			}
		}
	})
}
