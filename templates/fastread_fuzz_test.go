package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// FuzzFastReadMatchesExcelize is the differential test of the two readers Parse has:
// on the same bytes, the fast reader (fastread.go) and excelize (parseExcelize) must
// give the same result — the same filing, metadata and counts, or the same problems.
//
// Where the two may differ by design, the target does not compare:
//   - sniff refuses the file: Parse asks neither reader;
//   - openFast returns an error (errSlow, or a part it cannot read, such as a zip entry
//     with a bad checksum) or the fast reader gives up while parsing (fb.failed): Parse
//     then takes excelize's answer alone, so there is nothing to disagree with.
//
// A panic is a finding when only the fast reader panics (Parse would hide it by falling
// back to excelize, but it is the fast reader's bug); a panic in excelize is what Parse
// turns into "cannot be read", and is compared as such.
func FuzzFastReadMatchesExcelize(f *testing.F) {
	for _, dir := range []string{fixtureDir, "../testdata/hostile"} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	o := testOptions(f)
	po := parseOptions(o)
	// templates' own forms: blank, filled, prefilled for another period, a percent
	// format, a formula and a merged range, an annotated copy.
	fl := RandomFiling(o.Checklist, o.County, o.Period, 11)
	blank := build(f, o)
	filled := fill(f, blank, fl)
	f.Add(blank)
	f.Add(filled)
	o2 := o
	o2.Period, o2.Prefill = "2019-09", fl
	f.Add(build(f, o2))
	f.Add(edit(f, filled, func(x *excelize.File) {
		id, err := x.NewStyle(&excelize.Style{NumFmt: 10})
		if err != nil {
			f.Fatal(err)
		}
		x.SetCellStyle(SheetIndicators, "E2", "E3", id)
		x.SetCellFormula(SheetTasks, "E4", `"推进"&"中"`)
		x.MergeCell(SheetVillages, "E5", "F6")
	}))
	ann, err := Annotate(filled, Problems{{Sheet: SheetTasks, Cell: "E2", Message: "x"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ann)

	f.Fuzz(func(t *testing.T, data []byte) {
		ps, zr := sniffZip(data, "fuzz.xlsx", DefaultMaxBytes)
		if ps != nil {
			return // refused before either reader
		}
		fb, err := openFast(data, zr)
		if err != nil {
			return // left to excelize
		}
		defer fb.close()
		fast := readWith(func() (*seeds.Filing, *Meta, Stats, error) { return parseBook(fb, po) })
		if fb.failed && fast.panic == "" {
			return // the fast reader gave up: excelize's answer is Parse's
		}
		slow := readWith(func() (*seeds.Filing, *Meta, Stats, error) { return parseExcelize(data, "fuzz.xlsx", po) })
		switch {
		case fast.panic != "" && slow.panic != "":
			return // both cannot read it
		case fast.panic != "":
			t.Fatalf("the fast reader panicked where excelize did not: %s\nexcelize: %v", fast.panic, slow.err)
		case slow.panic != "":
			t.Fatalf("excelize panicked (Parse: cannot be read) where the fast reader gave: %v", fast.err)
		}
		if !reflect.DeepEqual(fast.filing, slow.filing) {
			t.Fatalf("filings differ:\nfast     %+v\nexcelize %+v", fast.filing, slow.filing)
		}
		if !reflect.DeepEqual(fast.meta, slow.meta) || fast.stats != slow.stats {
			t.Fatalf("meta/stats differ: fast %+v %+v, excelize %+v %+v", fast.meta, fast.stats, slow.meta, slow.stats)
		}
		if errString(fast.err) != errString(slow.err) {
			t.Fatalf("problems differ:\nfast:\n%v\nexcelize:\n%v", fast.err, slow.err)
		}
	})
}

// readResult is one reader's answer, or its panic.
type readResult struct {
	filing *seeds.Filing
	meta   *Meta
	stats  Stats
	err    error
	panic  string
}

func readWith(read func() (*seeds.Filing, *Meta, Stats, error)) (r readResult) {
	defer func() {
		if p := recover(); p != nil {
			r = readResult{panic: strings.TrimSpace(fmt.Sprint(p))}
		}
	}()
	r.filing, r.meta, r.stats, r.err = read()
	return r
}
