package templates

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

	f.Fuzz(func(t *testing.T, data []byte) { compareReaders(t, data, po) })
}

// fuzzParts are the parts of a form the fast reader reads itself.
var fuzzParts = []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
	"xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/sharedStrings.xml", "xl/styles.xml",
	"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels"}

// FuzzFastReadPartsMatchExcelize is FuzzFastReadMatchesExcelize with the fuzzing inside
// the zip: most mutations of a whole .xlsx only break its checksums, so here the input
// is one XML part (fuzzParts[part]) of a filled form — the excelize-written fixture, or
// for an odd part>>7 the LibreOffice-written one — zipped back before both readers get it.
func FuzzFastReadPartsMatchExcelize(f *testing.F) {
	var bases []map[string][]byte
	for _, name := range []string{"excelize-filled.xlsx", "libreoffice-filled.xlsx"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		parts := map[string][]byte{}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				f.Fatal(err)
			}
			parts[zf.Name], err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				f.Fatal(err)
			}
		}
		for i, p := range fuzzParts {
			if c, ok := parts[p]; ok {
				f.Add(uint8(len(bases)<<7|i), c)
			}
		}
		bases = append(bases, parts)
	}
	po := parseOptions(testOptions(f))
	f.Fuzz(func(t *testing.T, part uint8, content []byte) {
		base := bases[int(part>>7)%len(bases)]
		name := fuzzParts[int(part&0x7f)%len(fuzzParts)]
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		names := make([]string, 0, len(base))
		for n := range base {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			c := base[n]
			if n == name {
				c = content
			}
			w, err := zw.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(c); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		compareReaders(t, buf.Bytes(), po)
	})
}

// compareReaders fails t unless both readers read data alike (see
// FuzzFastReadMatchesExcelize for what is not compared).
func compareReaders(t *testing.T, data []byte, po ParseOptions) {
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
		t.Fatalf("filings differ:\nfast     %.1500s\nexcelize %.1500s\nproblems: fast %v; excelize %v",
			fmt.Sprintf("%+v", fast.filing), fmt.Sprintf("%+v", slow.filing), fast.err, slow.err)
	}
	if !reflect.DeepEqual(fast.meta, slow.meta) || !reflect.DeepEqual(fast.stats, slow.stats) {
		t.Fatalf("meta/stats differ: fast %+v %+v, excelize %+v %+v", fast.meta, fast.stats, slow.meta, slow.stats)
	}
	if errString(fast.err) != errString(slow.err) {
		t.Fatalf("problems differ:\nfast:\n%v\nexcelize:\n%v", fast.err, slow.err)
	}
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
