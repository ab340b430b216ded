package templates

import (
	"flag"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

var writeFixtures = flag.Bool("write-fixtures", false, "write the excelize-made fixtures of testdata/forms (see make-fixtures.sh)")

// TestWriteFixtures writes the forms make-fixtures.sh hands to LibreOffice: the blank
// form and the form filled with RandomFiling(seed 1), both for the test county and
// period and signed with testSecret.
func TestWriteFixtures(t *testing.T) {
	if !*writeFixtures {
		t.Skip("run with -write-fixtures")
	}
	o := testOptions(t)
	blank := build(t, o)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 1)
	filled := fill(t, blank, fl)
	// Two cells hold formulas, with no cached value: LibreOffice computes and caches
	// them when it saves, and Parse must read the cached values.
	filled = edit(t, filled, func(f *excelize.File) {
		var col int
		for i, ind := range o.Checklist.Indicators(seeds.LevelVillage) {
			if ind.ID == "income" {
				col = 4 + i
			}
		}
		v := fl.Villages[0].Values["income"].Value
		if err := f.SetCellValue(SheetVillages, cell(col, 2), nil); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellFormula(SheetVillages, cell(col, 2), "="+formatNumber(v)+"*1"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellValue(SheetTasks, "E2", nil); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellFormula(SheetTasks, "E2", `="`+fl.Tasks[0].Status.String()+`"`); err != nil {
			t.Fatal(err)
		}
	})
	for name, b := range map[string][]byte{"blank.xlsx": blank, "excelize-filled.xlsx": filled} {
		if err := os.WriteFile(fixtureDir+"/"+name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fixtureDir holds the committed form fixtures (see its make-fixtures.sh).
const fixtureDir = "../testdata/forms"
