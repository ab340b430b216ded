package templates

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// bothReaders parses data with the fast reader and with excelize and fails the test
// unless they agree exactly: the filing (cells included), metadata, counts and
// problems. It returns whether the fast reader read the file itself (false: it left
// it to excelize, or sniff refused it first).
func bothReaders(t *testing.T, name string, data []byte, po ParseOptions) bool {
	t.Helper()
	ps, zr := sniffZip(data, name, DefaultMaxBytes)
	if ps != nil {
		return false
	}
	fb, err := openFast(data, zr)
	if err != nil {
		if !errors.Is(err, errSlow) {
			t.Errorf("%s: openFast: %v", name, err)
		}
		return false
	}
	defer fb.close()
	ff, fm, fs, ferr := parseFast(fb, po)
	if fb.failed {
		return false
	}
	ef, em, es, eerr := parseExcelize(data, name, po)
	if !reflect.DeepEqual(ff, ef) {
		t.Errorf("%s: filings differ:\nfast     %+v\nexcelize %+v", name, ff, ef)
	}
	if !reflect.DeepEqual(fm, em) || !reflect.DeepEqual(fs, es) {
		t.Errorf("%s: meta/stats differ: fast %+v %+v, excelize %+v %+v", name, fm, fs, em, es)
	}
	if errString(ferr) != errString(eerr) {
		t.Errorf("%s: problems differ:\nfast:\n%v\nexcelize:\n%v", name, ferr, eerr)
	}
	return true
}

// TestFastMatchesExcelize runs both readers on every form fixture (excelize- and
// LibreOffice-written), the hostile corpus and round-trip forms, and checks that the
// fast reader reads the ordinary forms itself.
func TestFastMatchesExcelize(t *testing.T) {
	o := testOptions(t)
	po := parseOptions(o)
	mustFast := func(name string, data []byte, po ParseOptions) {
		t.Helper()
		if !bothReaders(t, name, data, po) {
			t.Errorf("%s: the fast reader gave up", name)
		}
	}
	forms, _ := filepath.Glob(fixtureDir + "/*.xlsx")
	if len(forms) < 4 {
		t.Fatalf("fixtures: %v", forms)
	}
	for _, path := range forms {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		mustFast(filepath.Base(path), data, po)
	}

	// Round trips: blank, filled, prefilled, the forgiving edits, a percent-formatted
	// cell, a formula with no cached value, a merged input range, an annotated copy.
	fl := RandomFiling(o.Checklist, o.County, o.Period, 7)
	blank := build(t, o)
	filled := fill(t, blank, fl)
	mustFast("blank", blank, po)
	mustFast("filled", filled, po)
	o2 := o
	o2.Period, o2.Prefill = "2019-09", fl
	mustFast("prefilled", build(t, o2), parseOptions(o2))
	irow := 0
	for i, ind := range o.Checklist.Indicators(seeds.LevelCounty) {
		if ind.ID == "manure_rate" {
			irow = i + 2
		}
	}
	for _, pct := range []int{9, 10, 0} {
		data := edit(t, filled, func(f *excelize.File) {
			ref := cell(5, irow)
			setCell(t, f, SheetIndicators, ref, 0.85)
			st := &excelize.Style{NumFmt: pct}
			if pct == 0 {
				code := `0.0"%"` // quoted: not a percent format
				st.CustomNumFmt = &code
			}
			id, err := f.NewStyle(st)
			if err != nil {
				t.Fatal(err)
			}
			f.SetCellStyle(SheetIndicators, ref, ref, id)
		})
		mustFast("percent", data, po)
	}
	// 完成进度 typed as "50%" into a percent-formatted cell is stored as 0.5: both
	// readers read 50.
	half := edit(t, filled, func(f *excelize.File) {
		setCell(t, f, SheetTasks, "E2", "推进中")
		setCell(t, f, SheetTasks, "F2", 0.5)
		id, err := f.NewStyle(&excelize.Style{NumFmt: 9})
		if err != nil {
			t.Fatal(err)
		}
		f.SetCellStyle(SheetTasks, "F2", "F2", id)
	})
	mustFast("percent progress", half, po)
	if got, _, _, err := Parse(half, "half.xlsx", po); err != nil || !got.Tasks[0].PercentSet || got.Tasks[0].Percent != 50 {
		t.Errorf("50%% progress: %v %+v", err, got)
	}
	text := edit(t, filled, func(f *excelize.File) {
		setCell(t, f, SheetTasks, "G4", "a\r\nb & <c> _x0041_ \u00a0")
		setCell(t, f, SheetTasks, "I4", "_x005F_x0042_")
	})
	// (excelize itself reads "_x005F_x0042_" back as "_x0042_": the point is that both
	// readers agree.)
	if got, _, _, err := Parse(text, "text.xlsx", po); err != nil || !strings.Contains(got.Tasks[2].Progress, "a\r\nb & <c> A") {
		t.Errorf("text: %v %q", err, got.Tasks[2].Progress)
	}
	mustFast("text", text, po)
	data := edit(t, filled, func(f *excelize.File) {
		f.SetCellValue(SheetTasks, "E4", nil)
		f.SetCellFormula(SheetTasks, "E4", `"推进"&"中"`)
		setCell(t, f, SheetVillages, "D3", "")
		f.SetCellFormula(SheetVillages, "D3", "1+1")
		f.MergeCell(SheetVillages, "E5", "F6")
	})
	mustFast("formula and merge", data, po)
	ps := Problems{{Sheet: SheetTasks, Cell: "E2", Message: "x"}}
	ann, err := Annotate(filled, ps)
	if err != nil {
		t.Fatal(err)
	}
	mustFast("annotated", ann, po)
}
