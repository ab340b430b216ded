package templates

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

var testSecret = []byte("test-secret")

const testCounty, testPeriod = "370811", "2019-08"

func testOptions(t testing.TB) Options {
	t.Helper()
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	c := r.County(testCounty)
	if c == nil {
		t.Fatal("no test county in roster")
	}
	return Options{Checklist: cl, Roster: r, County: c, Period: testPeriod,
		Deadline: time.Date(2019, 9, 5, 17, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		ReturnTo: "kaohe@jining.example", Secret: testSecret}
}

func parseOptions(o Options) ParseOptions {
	return ParseOptions{Checklist: o.Checklist, Roster: o.Roster, Secret: o.Secret, County: o.County.Code, Period: o.Period}
}

func build(t testing.TB, o Options) []byte {
	t.Helper()
	b, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fill(t testing.TB, form []byte, fl *seeds.Filing) []byte {
	t.Helper()
	b, err := FillForm(form, fl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit opens a workbook, lets fn change it and returns the result.
func edit(t testing.TB, data []byte, fn func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(f)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameValues compares two filings' reported values (not their cells).
func sameValues(t *testing.T, got, want *seeds.Filing) {
	t.Helper()
	if got.County != want.County || got.Period != want.Period || got.Version != want.Version {
		t.Errorf("header = %s %s %s, want %s %s %s", got.County, got.Period, got.Version, want.County, want.Period, want.Version)
	}
	if len(got.Tasks) != len(want.Tasks) {
		t.Fatalf("tasks = %d, want %d", len(got.Tasks), len(want.Tasks))
	}
	for i := range want.Tasks {
		g, w := got.Tasks[i], want.Tasks[i]
		g.Cell, g.PercentCell = "", ""
		if g != w {
			t.Errorf("task %d = %+v, want %+v", i, g, w)
		}
	}
	if len(got.Indicators) != len(want.Indicators) {
		t.Errorf("indicators = %d, want %d", len(got.Indicators), len(want.Indicators))
	}
	for id, w := range want.Indicators {
		g := got.Indicators[id]
		if g.Set != w.Set || math.Abs(g.Value-w.Value) > 1e-9 || g.Note != w.Note {
			t.Errorf("indicator %s = %+v, want %+v", id, g, w)
		}
	}
	if len(got.Villages) != len(want.Villages) {
		t.Fatalf("villages = %d, want %d", len(got.Villages), len(want.Villages))
	}
	for i, w := range want.Villages {
		g := got.Villages[i]
		if g.Town != w.Town || g.Village != w.Village || g.Secretary != w.Secretary {
			t.Errorf("village %d = %s/%s/%s, want %s/%s/%s", i, g.Town, g.Village, g.Secretary, w.Town, w.Village, w.Secretary)
		}
		for id, wv := range w.Values {
			gv := g.Values[id]
			if gv.Set != wv.Set || math.Abs(gv.Value-wv.Value) > 1e-9 {
				t.Errorf("village %s %s = %+v, want %+v", w.Village, id, gv, wv)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	o := testOptions(t)
	want := RandomFiling(o.Checklist, o.County, o.Period, 1)
	data := fill(t, build(t, o), want)
	got, meta, st, err := Parse(data, "form.xlsx", parseOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	sameValues(t, got, want)
	wantMeta := Meta{TemplateVersion: TemplateVersion, ChecklistVersion: o.Checklist.Version, County: testCounty, Period: testPeriod}
	if *meta != wantMeta {
		t.Errorf("meta = %+v, want %+v", *meta, wantMeta)
	}
	nv := len(o.County.Villages)
	if st.Tasks != 42 || st.Indicators != len(o.Checklist.Indicators(seeds.LevelCounty)) || st.Villages != nv {
		t.Errorf("stats = %+v", st)
	}
	// Cells point at the value's cell.
	if c := got.Tasks[0].Cell; c != "重点任务!E2" {
		t.Errorf("task cell = %q", c)
	}
	if c := got.Villages[0].Values["income"].Cell; !strings.HasPrefix(c, "村级台账!") || got.Villages[0].Row != 2 {
		t.Errorf("village cell = %q row %d", c, got.Villages[0].Row)
	}

	// The accepted filing prefills the next period's form: parsed as is, it gives the
	// same values back.
	o2 := o
	o2.Period, o2.Prefill = "2019-09", got
	got2, _, _, err := Parse(build(t, o2), "form.xlsx", parseOptions(o2))
	if err != nil {
		t.Fatal(err)
	}
	want.Period = "2019-09"
	sameValues(t, got2, want)
}

func TestBuildLayout(t *testing.T) {
	o := testOptions(t)
	f, err := excelize.OpenReader(bytes.NewReader(build(t, o)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{SheetGuide, SheetTasks, SheetIndicators, SheetVillages, SheetMeta}; !reflect.DeepEqual(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	if v, _ := f.GetSheetVisible(SheetMeta); v {
		t.Error("meta sheet visible")
	}
	rows, _ := f.GetRows(SheetTasks)
	if !reflect.DeepEqual(rows[0], taskHeaders) || len(rows) != 43 {
		t.Errorf("tasks: header %v, %d rows", rows[0], len(rows))
	}
	vinds := o.Checklist.Indicators(seeds.LevelVillage)
	rows, _ = f.GetRows(SheetVillages)
	if len(rows[0]) != 3+len(vinds) || rows[0][3+len(vinds)-1] != villageHeader(vinds[len(vinds)-1]) {
		t.Errorf("villages header = %v", rows[0])
	}
	if len(rows) != 1+len(o.County.Villages) || rows[1][1] != o.County.Villages[0].Name {
		t.Errorf("villages: %d rows, first %v", len(rows), rows[1])
	}
	rows, _ = f.GetRows(SheetIndicators)
	if len(rows) != 1+len(o.Checklist.Indicators(seeds.LevelCounty)) {
		t.Errorf("indicators: %d rows", len(rows))
	}
	// Labels locked, inputs unlocked; protection with SHA-512.
	for _, c := range []struct {
		sheet, cell string
		locked      bool
	}{{SheetTasks, "A2", true}, {SheetTasks, "E2", false}, {SheetTasks, "F2", false}, {SheetTasks, "J43", false}, {SheetIndicators, "E2", false},
		{SheetIndicators, "B2", true}, {SheetVillages, "B2", true}, {SheetVillages, "D2", false}} {
		id, _ := f.GetCellStyle(c.sheet, c.cell)
		st, _ := f.GetStyle(id)
		if st == nil || st.Protection == nil || st.Protection.Locked != c.locked {
			t.Errorf("%s!%s: protection %+v, want locked=%v", c.sheet, c.cell, st.Protection, c.locked)
		}
	}
	dvs, _ := f.GetDataValidations(SheetVillages)
	if len(dvs) != len(vinds) {
		t.Errorf("village validations = %d, want %d", len(dvs), len(vinds))
	}
	dvs, _ = f.GetDataValidations(SheetTasks)
	if len(dvs) != 2 || !strings.Contains(dvs[0].Formula1, "推进中") || dvs[1].Sqref != "F2:F43" || dvs[1].Type != "decimal" {
		t.Errorf("task validations = %+v", dvs)
	}
	if hs, _ := f.GetRows(SheetTasks); len(hs) == 0 || strings.Join(hs[0], ",") != strings.Join(taskHeaders, ",") {
		t.Errorf("task headers = %v", hs[0])
	}
	panes, _ := f.GetPanes(SheetVillages)
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 3 {
		t.Errorf("village panes = %+v", panes)
	}
	raw, _ := f.GetSheetProtection(SheetTasks)
	if raw.AlgorithmName != "SHA-512" {
		t.Errorf("protection algorithm = %q", raw.AlgorithmName)
	}
	// The full task text is a comment on the title.
	cs, _ := f.GetComments(SheetTasks)
	if len(cs) != 42 || !strings.Contains(cs[0].Text, o.Checklist.Tasks()[0].Text) {
		t.Errorf("task comments: %d", len(cs))
	}
}

func TestLibreOfficeFixture(t *testing.T) {
	o := testOptions(t)
	data, err := os.ReadFile(fixtureDir + "/libreoffice-filled.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := RandomFiling(o.Checklist, o.County, o.Period, 1)
	got, meta, _, err := Parse(data, "libreoffice-filled.xlsx", parseOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	if meta.County != testCounty || meta.Period != testPeriod {
		t.Errorf("meta = %+v", meta)
	}
	sameValues(t, got, want)
	// Two cells are formulas LibreOffice computed: their cached values were read.
	lf, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if fm, _ := lf.GetCellFormula(SheetTasks, "E2"); !strings.Contains(fm, want.Tasks[0].Status.String()) {
		t.Errorf("fixture E2 is not a formula: %q", fm)
	}
	if c := got.Villages[0].Values["income"].Cell; !strings.HasPrefix(c, SheetVillages+"!") {
		t.Errorf("income cell %q", c)
	} else if fm, _ := lf.GetCellFormula(SheetVillages, strings.TrimPrefix(c, SheetVillages+"!")); !strings.Contains(fm, "*1") {
		t.Errorf("fixture %s is not a formula: %q", c, fm)
	}
	// LibreOffice keeps the metadata sheet hidden (it turns veryHidden into hidden).
	if v, err := lf.GetSheetVisible(SheetMeta); err != nil || v {
		t.Errorf("meta sheet visible after LibreOffice: %v %v", v, err)
	}
	// The signature is what survived: with another secret the form is rejected.
	po := parseOptions(o)
	po.Secret = []byte("other")
	if _, _, _, err := Parse(data, "x.xlsx", po); !strings.Contains(errString(err), "校验信息不符") {
		t.Errorf("other secret: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestAnnotate(t *testing.T) {
	o := testOptions(t)
	fl := RandomFiling(o.Checklist, o.County, o.Period, 2)
	fl.Tasks[3].Status = seeds.StatusNone
	v := fl.Villages[1].Values["winter_hours"]
	v.Value = 999
	fl.Villages[1].Values["winter_hours"] = v
	data := fill(t, build(t, o), fl)
	_, _, _, err := Parse(data, "form.xlsx", parseOptions(o))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("problems = %v", err)
	}
	out, err := Annotate(data, append(ps, Problem{Message: "整个文件的问题"}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.GetSheetList()[0] != SheetProblems || f.GetActiveSheetIndex() != 0 {
		t.Errorf("sheets %v, active %d", f.GetSheetList(), f.GetActiveSheetIndex())
	}
	rows, _ := f.GetRows(SheetProblems)
	if len(rows) != 4 || rows[3][3] != "整个文件的问题" {
		t.Errorf("problem sheet rows = %v", rows)
	}
	for _, p := range ps {
		id, _ := f.GetCellStyle(p.Sheet, p.Cell)
		st, _ := f.GetStyle(id)
		if st == nil || len(st.Fill.Color) == 0 || st.Fill.Color[0] != colBad {
			t.Errorf("%s!%s not red: %+v", p.Sheet, p.Cell, st)
		}
		if st != nil && (st.Protection == nil || st.Protection.Locked) {
			t.Errorf("%s!%s: an input cell must stay unlocked", p.Sheet, p.Cell)
		}
		cs, _ := f.GetComments(p.Sheet)
		found := false
		for _, c := range cs {
			if c.Cell == p.Cell && strings.Contains(c.Text, p.Message) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s!%s: no comment with %q", p.Sheet, p.Cell, p.Message)
		}
	}
	// The annotated copy, corrected, is accepted: the problem sheet is ignored.
	fixed := fill(t, out, RandomFiling(o.Checklist, o.County, o.Period, 2))
	if _, _, _, err := Parse(fixed, "form.xlsx", parseOptions(o)); err != nil {
		t.Errorf("corrected annotated copy: %v", err)
	}
	if _, err := Annotate([]byte("not a zip"), ps); err == nil {
		t.Error("Annotate of garbage: no error")
	}
}

func TestFixturesExist(t *testing.T) {
	ms, _ := filepath.Glob(fixtureDir + "/*.xlsx")
	if len(ms) == 0 {
		t.Fatal("no fixtures in testdata/forms; run testdata/forms/make-fixtures.sh")
	}
}
