package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestModelGolden(t *testing.T) {
	res := fixture()
	hist := fixtureHistory()
	for _, tc := range []struct {
		name string
		m    *Model
	}{
		{"county_submitted", CountyModel(res, "370811", hist)},
		{"county_no_history", CountyModel(res, "370812", nil)},
		{"county_unsubmitted", CountyModel(res, "370826", hist)},
		{"summary", SummaryModel(res, hist)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.m == nil {
				t.Fatal("nil model")
			}
			got, err := json.MarshalIndent(tc.m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestModelGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("model differs from %s (rerun with -update if intended):\n%s", path, got)
			}
		})
	}
	if CountyModel(res, "999999", nil) != nil {
		t.Error("CountyModel of an unknown code is not nil")
	}
}

func TestCountyModelContent(t *testing.T) {
	res := fixture()
	m := CountyModel(res, "370811", fixtureHistory())
	var kinds []string
	for _, b := range m.Blocks {
		kinds = append(kinds, b.Kind)
	}
	for _, k := range []string{BlockFacts, BlockBars, BlockTable, BlockTrend} {
		if !slices.Contains(kinds, k) {
			t.Errorf("county model lacks a %s block: %v", k, kinds)
		}
	}
	if m := CountyModel(res, "370811", nil); slices.ContainsFunc(m.Blocks, func(b Block) bool { return b.Kind == BlockTrend }) {
		t.Error("trend chart without history")
	}
	un := CountyModel(res, "370826", nil)
	js, _ := json.Marshal(un) // a Model always marshals
	for _, want := range []string{"未报送", "量化指标!D7", "请尽快补报"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("unsubmitted county model lacks %q", want)
		}
	}
	if slices.ContainsFunc(un.Blocks, func(b Block) bool { return b.Kind == BlockTable }) {
		t.Error("unsubmitted county model has a table")
	}
}

func TestPeriodText(t *testing.T) {
	for in, want := range map[string]string{"2019-09": "2019年9月", "2020-12": "2020年12月", "bad": "bad"} {
		if got := periodText(in); got != want {
			t.Errorf("periodText(%q) = %q, want %q", in, got, want)
		}
	}
}

// word is a word of pdftotext -bbox output, in mm.
type word struct {
	page       int
	x0, y0, x1 float64
	s          string
}

var (
	pageRE = regexp.MustCompile(`<page `)
	wordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>`)
)

func extractWords(t *testing.T, pdf []byte) []word {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var ws []word
	page := 0
	for _, line := range strings.Split(string(out), "\n") {
		if pageRE.MatchString(line) {
			page++
			continue
		}
		m := wordRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v * 25.4 / 72 } // the regexp admits only numbers
		ws = append(ws, word{page: page, x0: f(m[1]), y0: f(m[2]), x1: f(m[3]), s: html.UnescapeString(m[4])})
	}
	return ws
}

// column returns, in reading order, the words that start within [x0, x1) mm, outside
// the page header and footer, without the column's repeated heading.
func column(ws []word, x0, x1 float64, heading string) string {
	var sel []word
	for _, w := range ws {
		if w.x0 >= x0-0.5 && w.x0 < x1 && w.y0 > 18 && w.y0 < bottom && w.s != heading {
			sel = append(sel, w)
		}
	}
	slices.SortStableFunc(sel, func(a, b word) int {
		if a.page != b.page {
			return a.page - b.page
		}
		if d := a.y0 - b.y0; d < -0.3 || d > 0.3 {
			if d < 0 {
				return -1
			}
			return 1
		}
		if a.x0 < b.x0 {
			return -1
		}
		return 1
	})
	var b strings.Builder
	for _, w := range sel {
		b.WriteString(w.s)
	}
	return stripSpace(b.String())
}

// TestCountyTextComplete renders a report whose task table holds every task of the
// checklist, each with a long explanation that includes the task's full text, plus
// the appendix of task texts, and checks that the text extracted from the PDF holds
// every title, every explanation and every task text in full.
func TestCountyTextComplete(t *testing.T) {
	cl := seeds.DefaultChecklist()
	res, hist := SampleHistory(cl, seeds.DefaultRoster(), "2019-09", 5, 7)
	c := &res.Counties[0]
	for i := range c.Tasks {
		tk := cl.Task(c.Tasks[i].Task)
		c.Tasks[i].Explanation += "原文：" + tk.Text + "（村级台账!F2:F38，完成率72.5%）"
	}
	if len(c.Tasks) != len(cl.Tasks()) {
		t.Fatalf("fixture has %d tasks, checklist %d", len(c.Tasks), len(cl.Tasks()))
	}
	pdf, err := testRenderer(t, true).County(res, c.Code, hist)
	if err != nil {
		t.Fatal(err)
	}
	ws := extractWords(t, pdf)
	x := marginX
	var cols []Column
	for _, b := range CountyModel(res, c.Code, hist).Blocks {
		if b.Kind == BlockTable {
			cols = b.Table.Columns // the first table is the task table
			break
		}
	}
	edges := []float64{x}
	for _, col := range cols {
		x += col.Width * textW
		edges = append(edges, x)
	}
	titles := column(ws, edges[1], edges[2], "任务")
	all := column(ws, 0, pageW, "")
	basis := column(ws, marginX+0.08*textW, pageW, "")
	for _, ts := range c.Tasks {
		if !strings.Contains(titles, stripSpace(ts.Title)) {
			t.Errorf("task %s: title %q not found in the title column", ts.Task, ts.Title)
		}
		// The full explanation, cell references included, is in the 附表.
		if !strings.Contains(basis, stripSpace(fullWidthPunct(ts.Explanation))) {
			t.Errorf("task %s: explanation not found in full in the report:\n%s", ts.Task, ts.Explanation)
		}
	}
	for _, tk := range cl.Tasks() {
		if want := stripSpace(tk.ID + tk.Title + "：" + tk.Text); !strings.Contains(all, want) {
			t.Errorf("task %s: full text not found in the appendix", tk.ID)
		}
	}
	// Every page carries its number "— N —" at the outside corner: right on odd
	// pages, left on even ones.
	pages := ws[len(ws)-1].page
	for p := 1; p <= pages; p++ {
		found := false
		for _, w := range ws {
			if w.page == p && w.y0 > bottom && w.s == strconv.Itoa(p) {
				found = true
				if odd := p%2 == 1; odd != (w.x0 > pageW/2) {
					t.Errorf("page %d: number at x = %.0f mm, not at the outside corner", p, w.x0)
				}
			}
		}
		if !found {
			t.Errorf("page %d: no page number", p)
		}
	}
}

func TestSummaryAndUnsubmittedText(t *testing.T) {
	res := fixture()
	r := testRenderer(t, false)
	sum, err := r.Summary(res, fixtureHistory())
	if err != nil {
		t.Fatal(err)
	}
	all := column(extractWords(t, sum), 0, pageW, "")
	for _, want := range []string{"综合排名", "任城区", "兖州区", "微山县", "未报送", "↑1", "分领域得分", "被退回", "附件1", "附件4", "前二名", "迟报1个（任城区迟2天）", "报表被退回后未重新报送1个（微山县）", stripSpace(res.RedTasks[0].Title)} {
		if !strings.Contains(all, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	un, err := r.County(res, "370826", nil)
	if err != nil {
		t.Fatal(err)
	}
	all = column(extractWords(t, un), 0, pageW, "")
	for _, want := range []string{"微山县", "未报送", "量化指标!D7：应为整数，填写的是“三十一”。", "请尽快补报"} {
		if !strings.Contains(all, want) {
			t.Errorf("unsubmitted report lacks %q", want)
		}
	}
	if _, err := r.County(res, "999999", nil); !errors.Is(err, ErrNoCounty) {
		t.Errorf("unknown county: err = %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	res := fixture()
	hist := fixtureHistory()
	r := testRenderer(t, true)
	r2, err := NewRenderer(Options{Checklist: seeds.DefaultChecklist(), Office: "济宁市下派干部工作联席会议办公室", TaskTexts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"370811", "370826"} {
		a, err := r.County(res, code, hist)
		if err != nil {
			t.Fatal(err)
		}
		b, err := r2.County(fixture(), code, fixtureHistory())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("county %s: two renderings differ (%d vs %d bytes)", code, len(a), len(b))
		}
		if !bytes.HasPrefix(a, []byte("%PDF-")) {
			t.Errorf("county %s: not a PDF", code)
		}
	}
	a, err := r.Summary(res, hist)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r2.Summary(fixture(), hist)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("summary: two renderings differ")
	}
	// A different input gives a different document.
	res2 := fixture()
	res2.Counties[0].Tasks[0].Explanation += "另有说明。"
	c, err := r.County(res2, "370811", hist)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.County(res, "370811", hist); bytes.Equal(c, d) { // rendered fine above
		t.Error("a changed explanation did not change the PDF")
	}
}

func TestSummaryXLSX(t *testing.T) {
	res := fixture()
	roster := seeds.DefaultRoster()
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	x := Context{Office: "济宁市委组织部", Roster: roster, Assessed: at}
	b, err := x.SummaryXLSX(res, fixtureHistory())
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	if got := f.GetSheetList(); !slices.Equal(got, []string{"综合排名", "任务亮灯", "村级明细", "趋势", "核查与加减分"}) {
		t.Errorf("sheets %q", got)
	}
	rows, err := f.GetRows("综合排名")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+len(res.Counties) {
		t.Fatalf("%d rows, want %d", len(rows), 2+len(res.Counties))
	}
	if title := rows[0][0]; !strings.Contains(title, periodText(res.Period)) || !strings.Contains(title, "济宁市委组织部") {
		t.Errorf("title %q: no period or office", title)
	}
	if rows[1][0] != "位次" || rows[1][4] != "等次" || !strings.HasPrefix(rows[1][7], res.Areas[0].Name) {
		t.Errorf("header %q", rows[1])
	}
	if rows[2][1] != "任城区" || rows[2][0] != "1" || rows[4][4] != "未报送" {
		t.Errorf("rows %q", rows[2:])
	}
	// Full precision stored, two decimals shown.
	if v, err := f.GetCellValue("综合排名", "D3", excelize.Options{RawCellValue: true}); err != nil || v != strconv.FormatFloat(res.Counties[0].Total, 'f', -1, 64) {
		t.Errorf("D3 = %q (%v), want %v", v, err, res.Counties[0].Total)
	}
	if v, _ := f.GetCellValue("综合排名", "D3"); v != fmt.Sprintf("%.2f", res.Counties[0].Total) {
		t.Errorf("D3 shows %q, want two decimals", v)
	}
	// The grade is a fill.
	id, _ := f.GetCellStyle("综合排名", "E3")
	st, err := f.GetStyle(id)
	if err != nil || len(st.Fill.Color) == 0 || st.Fill.Color[0] != gradeFill[res.Counties[0].Grade] {
		t.Errorf("E3 (%s) fill %+v, %v", res.Counties[0].Grade, st.Fill, err)
	}
	panes, err := f.GetPanes("综合排名")
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes %+v, %v: header not frozen", panes, err)
	}
	names := map[string]string{}
	for _, d := range f.GetDefinedName() {
		names[d.Scope+"/"+d.Name] = d.RefersTo
	}
	if _, ok := names["综合排名/_xlnm._FilterDatabase"]; !ok {
		t.Errorf("no autofilter: defined names %v", names)
	}
	for _, sh := range f.GetSheetList() {
		if names[sh+"/_xlnm.Print_Titles"] == "" {
			t.Errorf("%s: header rows do not repeat on printed pages (%v)", sh, names)
		}
		pl, err := f.GetPageLayout(sh)
		if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v, %v: want landscape, one page wide", sh, pl, err)
		}
		rows, _ := f.GetRows(sh)
		if len(rows) < 2 || !strings.Contains(rows[0][0], periodText(res.Period)) {
			t.Errorf("%s: no title row with the period", sh)
		}
	}
	// Lights as fills; villages with their 第一书记; the trend over history.
	lr, _ := f.GetRows("任务亮灯")
	if len(lr) < 3 || lr[1][2] != "任城区" || lr[2][0] != res.Counties[0].Tasks[0].Task {
		t.Errorf("任务亮灯 rows %q", lr)
	}
	vr, _ := f.GetRows("村级明细")
	var sec, short bool
	for _, r := range vr[2:] {
		sec = sec || (len(r) > 3 && r[2] == roster.Counties[0].Villages[0].Name && r[3] == roster.Counties[0].Villages[0].Secretary)
		short = short || slices.Contains(r, "否")
	}
	if !sec || !short {
		t.Errorf("村级明细: 第一书记 %v, a shortfall's value %v", sec, short)
	}
	tr, _ := f.GetRows("趋势")
	if len(tr[1]) < 3 || tr[1][len(tr[1])-1] != periodText(res.Period) {
		t.Errorf("趋势 header %q", tr[1])
	}
	dp, err := f.GetDocProps()
	if err != nil || dp.Creator != "济宁市委组织部" || !strings.HasPrefix(dp.Created, "2026-11-26T01:00:00") {
		t.Errorf("doc props %+v, %v", dp, err)
	}
}

func TestWriteAll(t *testing.T) {
	res := fixture()
	dir := t.TempDir()
	files, err := WriteAll(context.Background(), dir, testRenderer(t, false), res, fixtureHistory(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"370811.pdf", "370812.pdf", "370826.pdf", "summary.pdf", "summary.xlsx"}
	if len(files) != len(want) {
		t.Fatalf("files %q", files)
	}
	for i, f := range files {
		if f != filepath.Join(dir, "2019-09", want[i]) {
			t.Errorf("file %d = %s, want %s", i, f, want[i])
		}
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, "2019-09"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(want) {
		t.Errorf("directory holds %d entries (temporary files left?)", len(ents))
	}
	// The summary lists each county report's SHA-256.
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command(pt, "-enc", "UTF-8", files[3], "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files[:3] {
			b, _ := os.ReadFile(f) // stat'ed above
			sum := sha256.Sum256(b)
			if !strings.Contains(string(out), hex.EncodeToString(sum[:])) {
				t.Errorf("summary does not list the SHA-256 of %s", filepath.Base(f))
			}
		}
	}

	bad := fixture()
	bad.Counties[0].Code = "../x"
	if _, err := WriteAll(context.Background(), dir, testRenderer(t, false), bad, nil, 1); err == nil {
		t.Error("unsafe county code accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteAll(ctx, t.TempDir(), testRenderer(t, false), res, nil, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestWriteAllEach checks that each is called once for every county, with the bytes of
// its file, and that an error from it stops the run and is returned.
func TestWriteAllEach(t *testing.T) {
	res := fixture()
	dir := t.TempDir()
	var mu sync.Mutex
	got := map[int][]byte{}
	files, err := WriteAllEach(context.Background(), dir, testRenderer(t, false), res, fixtureHistory(), 2, func(i int, pdf []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[i]; dup {
			t.Errorf("county %d reported twice", i)
		}
		got[i] = pdf
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(res.Counties) {
		t.Fatalf("each called for %d counties, want %d", len(got), len(res.Counties))
	}
	for i := range res.Counties {
		b, err := os.ReadFile(files[i])
		if err != nil || !bytes.Equal(b, got[i]) {
			t.Errorf("county %d: each got other bytes than %s (%v)", i, files[i], err)
		}
	}
	stop := errors.New("stop")
	if _, err := WriteAllEach(context.Background(), t.TempDir(), testRenderer(t, false), res, nil, 1, func(int, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("error from each: err = %v", err)
	}
}

// TestPDFStructure checks that every cross-reference entry of a rendered PDF points
// at its object and that page contents are compressed.
func TestPDFStructure(t *testing.T) {
	pdf, err := testRenderer(t, false).County(fixture(), "370811", fixtureHistory())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref at the end")
	}
	at, _ := strconv.Atoi(string(m[1])) // the regexp admits only digits
	if !bytes.HasPrefix(pdf[at:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref", at)
	}
	lines := strings.Split(string(pdf[at:]), "\n")
	n, _ := strconv.Atoi(strings.TrimPrefix(lines[1], "0 ")) // idem
	for i := 1; i < n; i++ {
		off, err := strconv.Atoi(lines[2+i][:10])
		if err != nil {
			t.Fatal(err)
		}
		if want := strconv.Itoa(i) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i, pdf[off:off+12])
		}
	}
	if bytes.Contains(pdf, []byte("<</Length")) && regexp.MustCompile(`obj\n<</Length \d+>>\nstream`).Match(pdf) {
		t.Error("an uncompressed stream is left")
	}
}
