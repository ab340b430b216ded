package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// assessedMonths scores months of synthetic filings from the counties with the real
// engine, oldest first: the last is the month under test, the others its history. The
// county at index missing (if any) sends nothing in the last month; the one after it is
// three days late.
func assessedMonths(t testing.TB, counties []seeds.County, periods []string, missing int) (*score.Result, []*score.Result) {
	t.Helper()
	cl := seeds.DefaultChecklist()
	cst := time.FixedZone("CST", 8*3600)
	var history []*score.Result
	var res *score.Result
	for pi, p := range periods {
		pt, err := time.Parse("2006-01", p)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Date(pt.Year(), pt.Month(), 25, 17, 0, 0, 0, cst)
		rng := rand.New(rand.NewPCG(uint64(pi), 13))
		var subs []score.Submission
		for i := range counties {
			c := &counties[i]
			s := score.Submission{County: c.Code, Name: c.Name, Deadline: deadline, Version: 1,
				Received: deadline.Add(-time.Duration(24+i) * time.Hour)}
			last := pi == len(periods)-1
			switch {
			case last && i == missing:
				s.Received, s.Version = time.Time{}, 0
			case last && i == missing+1:
				s.Received = deadline.Add(3 * 24 * time.Hour)
				fallthrough
			default:
				q := 0.2 + 0.6*float64((i*7+pi*3)%10)/10
				s.Filing = score.Synthetic(cl, c, p, rng, q)
			}
			subs = append(subs, s)
		}
		r, err := score.Assess(cl, p, subs, history)
		if err != nil {
			t.Fatal(err)
		}
		if pi < len(periods)-1 {
			history = append(history, r)
		}
		res = r
	}
	return res, history
}

// demoMonth is the demo roster's month: 14 units, one missing, one late, two months
// of history.
func demoMonth(t testing.TB) (*score.Result, []*score.Result) {
	return assessedMonths(t, seeds.DefaultRoster().Counties, []string{"2026-10", "2026-11", "2026-12"}, 12)
}

// benchMonth is a generated month of 40 counties of 30 to 225 villages.
func benchMonth(t testing.TB) (*score.Result, []*score.Result) {
	var cs []seeds.County
	for i := range 40 {
		cs = append(cs, *score.SyntheticCounty(fmt.Sprintf("B%03d", i+1), 30+5*i))
	}
	return assessedMonths(t, cs, []string{"2026-11", "2026-12"}, 7)
}

var (
	pageNumLine = regexp.MustCompile(`^—\s*\d+\s*—$`)
	spaces      = regexp.MustCompile(`\s+`)
)

// pagesText returns the text of each page of a PDF, as pdftotext -layout extracts it
// (pages are separated by form feeds, as with pdftotext -f N -l N page by page).
func pagesText(t *testing.T, pdf []byte) []string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

// headingTexts returns the text of the model's headings, subheadings and attachment
// labels, without spaces.
func headingTexts(m *Model) []string {
	var hs []string
	for _, b := range m.Blocks {
		switch b.Kind {
		case BlockHeading, BlockSubheading:
			hs = append(hs, spaces.ReplaceAllString(b.Text, ""))
		case BlockAttach:
			hs = append(hs, b.Label, spaces.ReplaceAllString(b.Text, ""))
		}
	}
	return hs
}

// checkLayout renders m and checks the layout guarantees: no page ends with a heading
// (its last line of text is not a heading or the end of one), no row is split, no part
// of a table on a page has fewer than three rows (unless the table has fewer), and
// every page has its number.
func checkLayout(t *testing.T, r *Renderer, m *Model) []byte {
	t.Helper()
	pdf, st, err := r.renderStats(m)
	if err != nil {
		t.Fatal(err)
	}
	name := m.Kind + " " + m.Subtitle
	// Size budgets (issue 13): a county report under 150 000 bytes, the summary under
	// 400 000.
	if limit := map[string]int{"county": CountyBudget, "summary": SummaryBudget}[m.Kind]; len(pdf) >= limit {
		t.Errorf("%s: %d bytes, budget %d", name, len(pdf), limit)
	}
	for _, p := range layoutProblems(m, st) {
		t.Errorf("%s: %s", name, p)
	}
	hs := headingTexts(m)
	pages := pagesText(t, pdf)
	for i, p := range pages {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			t.Errorf("%s: page %d is empty", name, i+1)
			continue
		}
		if !pageNumLine.MatchString(lines[len(lines)-1]) || !strings.Contains(lines[len(lines)-1], fmt.Sprint(i+1)) {
			t.Errorf("%s: page %d does not end with its number: %q", name, i+1, lines[len(lines)-1])
			continue
		}
		if len(lines) < 2 {
			t.Errorf("%s: page %d holds only its number", name, i+1)
			continue
		}
		last := spaces.ReplaceAllString(lines[len(lines)-2], "")
		for _, h := range hs {
			if len([]rune(last)) >= 2 && strings.HasSuffix(h, last) && i < len(pages)-1 {
				t.Errorf("%s: page %d ends with the heading %q", name, i+1, h)
			}
		}
	}
	return pdf
}

func TestLayoutDemoMonth(t *testing.T) {
	res, hist := demoMonth(t)
	r := testRenderer(t, false)
	for _, c := range res.Counties {
		m := CountyModel(res, c.Code, hist)
		m.Office = r.opt.Office
		checkLayout(t, r, m)
	}
	m := SummaryModel(res, hist)
	m.Office = r.opt.Office
	pdf := checkLayout(t, r, m)
	// The 通报's creation date is the assessment's (the last form accepted), not the
	// first of the next month.
	if !strings.Contains(string(pdf), "/CreationDate (D:202612") {
		t.Errorf("summary CreationDate is not in December 2026: %q", regexp.MustCompile(`/CreationDate \([^)]*\)`).Find(pdf))
	}
	all := strings.Join(pagesText(t, pdf), "\n")
	for _, want := range []string{"各县（市、区）和功能区", "一、总体情况", "附件1", "附件4", dateText(issued(res))} {
		if !strings.Contains(spaces.ReplaceAllString(all, ""), spaces.ReplaceAllString(want, "")) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

func TestLayoutBenchMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 41 reports")
	}
	res, hist := benchMonth(t)
	r := testRenderer(t, false)
	for _, c := range res.Counties {
		m := CountyModel(res, c.Code, hist)
		m.Office = r.opt.Office
		checkLayout(t, r, m)
	}
	m := SummaryModel(res, hist)
	m.Office = r.opt.Office
	checkLayout(t, r, m)
}

// TestNumbersKeepUnits wraps text holding numbers with units at every width: a number
// never ends a line whose next line starts with its unit.
func TestNumbersKeepUnits(t *testing.T) {
	s := "集体经济收入达到5万元以上的村占70.7%（29/41个村，按序时标准≥3.18万元计），项目资金（3.45万元）用于村级集体经济，落后序时12.5个百分点，迟报3天。"
	m := func(x string) float64 { return float64(len([]rune(x))) }
	for w := 9.0; w < 40; w++ { // from the widest number with its unit (12.5个百分点)
		lines := wrap(s, w, m)
		if strings.Join(lines, "") != s {
			t.Fatalf("width %v: text changed: %q", w, lines)
		}
		for i := 1; i < len(lines); i++ {
			prev, next := lines[i-1], lines[i]
			if strings.IndexAny(prev[len(prev)-1:], "0123456789") == 0 {
				for _, u := range []string{"万元", "个", "天", "%"} {
					if strings.HasPrefix(next, u) {
						t.Errorf("width %v: %q | %q splits a number from its unit", w, prev, next)
					}
				}
			}
			if strings.HasSuffix(prev, "万") && strings.HasPrefix(next, "元") {
				t.Errorf("width %v: %q | %q splits 万元", w, prev, next)
			}
		}
	}
}

// TestNoLoneCharacter: a paragraph's last line is never a single character when the
// line above can give one.
func TestNoLoneCharacter(t *testing.T) {
	m := func(x string) float64 { return float64(len([]rune(x))) }
	for _, s := range []string{"一二三四五六七八九", "本期无村级指标需要说明的情况。", "各项任务均按序时推进下月无到期任务"} {
		for w := 3.0; w < 12; w++ {
			lines := wrap(s, w, m)
			if n := len(lines); n > 1 && len([]rune(strings.TrimRight(lines[n-1], "。"))) == 1 && len([]rune(lines[n-2])) > 2 {
				t.Errorf("wrap(%q, %v) = %q: a single character on the last line", s, w, lines)
			}
		}
	}
}

// TestFaceCoverage: every character the reports can print has a glyph in the face that
// prints it: the checklist, the roster (names, towns, villages, 第一书记), the office and
// every fixed text of the models, for each embedded face.
func TestFaceCoverage(t *testing.T) {
	r := testRenderer(t, true)
	cl := seeds.DefaultChecklist()
	roster := seeds.DefaultRoster()
	set := map[rune]bool{}
	addRunes(set, chrome+heiChrome+r.opt.Office+roster.Office)
	for _, tk := range cl.Tasks() {
		addRunes(set, tk.ID+tk.Title+tk.Text+tk.Target)
	}
	for _, a := range cl.Areas {
		addRunes(set, a.Name)
	}
	for _, c := range roster.Counties {
		addRunes(set, c.Name)
		for _, v := range c.Villages {
			addRunes(set, v.Town+v.Name+v.Secretary)
		}
	}
	res, hist := demoMonth(t)
	for _, c := range res.Counties {
		CountyModel(res, c.Code, hist).eachString(func(s string) { addRunes(set, s) })
	}
	SummaryModel(res, hist).eachString(func(s string) { addRunes(set, s) })
	addRunes(set, SummaryBrief(res, hist, roster.Office))
	for _, c := range []rune{'\n', ' ', ideoSpace} {
		delete(set, c)
	}
	for id, f := range r.faces {
		if miss := f.font.missing(set); len(miss) > 0 {
			t.Errorf("face %s lacks %d characters: %q", faceNames[id], len(miss), string(miss))
		}
	}
}

// TestSummaryBrief: the brief as plain text names what leaders look for, with the
// period's figures, and no ASCII punctuation between Chinese characters.
func TestSummaryBrief(t *testing.T) {
	res, hist := demoMonth(t)
	office := seeds.DefaultRoster().Office
	s := SummaryBrief(res, hist, office)
	first, last := res.Counties[0], res.Counties[res.Assessed-1]
	st := res.Stats["total"]
	want := []string{
		summaryTitleOf(res.Period), "平均得分" + f2(st.Mean) + "分", "前三名", "后三名",
		first.Name + f2(first.Total) + "分", last.Name + f2(last.Total) + "分",
		"未报送1个（" + res.Counties[len(res.Counties)-1].Name + "）", "迟报1个", fullWidthPunct(office), dateText(issued(res)),
		"位次上升较多的是", "下降较多的是",
	}
	if pm, _, ok := previousMean(res, hist); ok && math.Round((st.Mean-pm)*100) != 0 {
		want = append(want, "较上月（"+f2(pm)+"分）")
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("brief lacks %q:\n%s", w, s)
		}
	}
	for _, r := range systemic(res) {
		if !strings.Contains(s, r.Title) {
			t.Errorf("brief lacks the systemic weak task %s %s", r.Task, r.Title)
		}
	}
	if len(systemic(res)) == 0 || !strings.Contains(s, "”（") {
		t.Errorf("the demo month should quote the counties' words on a systemic weak task:\n%s", s)
	}
	if m := regexp.MustCompile(`\p{Han}[,;:()?]|[,;:()?]\p{Han}`).FindString(s); m != "" {
		t.Errorf("ASCII punctuation next to a Chinese character: %q", m)
	}
}

// briefEnd is the text the brief ends with, without spaces: its last block's last
// characters.
func briefEnd(res *score.Result, hist []*score.Result) string {
	bs := briefBlocks(res, hist)
	r := []rune(spaces.ReplaceAllString(bs[len(bs)-1].Text, ""))
	return string(r[max(0, len(r)-10):])
}

// withRecords adds 存疑 claims and office records to a month, as the demo has them,
// so the brief carries its longest 总体情况.
func withRecords(res *score.Result) *score.Result {
	for i := range 3 {
		c := &res.Counties[i]
		res.Doubts = append(res.Doubts, score.Doubt{County: c.Code, Name: c.Name, Task: "一、5", Title: "发展壮大农村集体经济", Claimed: 1, Data: 0.5, Text: "存疑"})
		c.Checks = append(c.Checks, score.Check{ID: int64(i + 1), Kind: "加分", Points: 1, Effect: "加1分", Reason: "经验被省委组织部推广", Doc: "济组字〔2026〕1号", By: "张明"})
	}
	return res
}

// TestBriefOnePage: the leaders' brief is page 1 of the 通报: its last paragraph ends on
// page 1 (pdftotext of each page) on the demo month and on a 40-county month, with and
// without 存疑 claims and office records.
func TestBriefOnePage(t *testing.T) {
	r := testRenderer(t, false)
	type month struct {
		name string
		res  func() (*score.Result, []*score.Result)
	}
	months := []month{
		{"demo", func() (*score.Result, []*score.Result) { return demoMonth(t) }},
		{"demo with records", func() (*score.Result, []*score.Result) { res, h := demoMonth(t); return withRecords(res), h }},
	}
	if !testing.Short() {
		months = append(months,
			month{"bench", func() (*score.Result, []*score.Result) { return benchMonth(t) }},
			month{"bench with records", func() (*score.Result, []*score.Result) { res, h := benchMonth(t); return withRecords(res), h }})
	}
	for _, mo := range months {
		res, hist := mo.res()
		rd := r.WithDigests([]Digest{{Code: res.Counties[0].Code, Name: res.Counties[0].Name, SHA256: strings.Repeat("0", 64)}})
		pdf, err := rd.Summary(res, hist)
		if err != nil {
			t.Fatal(err)
		}
		pages := pagesText(t, pdf)
		end := briefEnd(res, hist)
		p1 := spaces.ReplaceAllString(pages[0], "")
		if !strings.Contains(p1, end) {
			t.Errorf("%s: the brief does not end on page 1 (%q not there):\n%s", mo.name, end, pages[0])
		}
		for _, want := range []string{"一、总体情况", "前三名", "共性问题"} {
			if !strings.Contains(p1, want) {
				t.Errorf("%s: page 1 lacks %q", mo.name, want)
			}
		}
		if len(res.Doubts) > 0 && !strings.Contains(p1, "存疑") {
			t.Errorf("%s: page 1 does not mention the 存疑 claims", mo.name)
		}
		if checkedUnits(res) > 0 && !strings.Contains(p1, "加减分涉及3个单位") {
			t.Errorf("%s: page 1 does not mention the office's records", mo.name)
		}
	}
}

// TestBriefAttachments: the summary mail's body lists the 通报's 附件 exactly as the PDF
// does (the reports' SHA-256 included), with and without the office's records.
func TestBriefAttachments(t *testing.T) {
	r := testRenderer(t, false)
	for _, records := range []bool{false, true} {
		res, hist := demoMonth(t)
		if records {
			res = withRecords(res)
		}
		dir := t.TempDir()
		files, err := WriteAll(t.Context(), dir, r, res, hist, 2)
		if err != nil {
			t.Fatal(err)
		}
		var pdf []byte
		for _, f := range files {
			if filepath.Base(f) == "summary.pdf" {
				pdf, err = os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		all := strings.Join(pagesText(t, pdf), "\n")
		items := regexp.MustCompile(`(\d)．(\p{Han}[\p{Han}\-0-9A-Z]*)`).FindAllStringSubmatch(all[strings.Index(all, "附件："):], -1)
		var fromPDF []string
		for i, it := range items {
			if it[1] != strconv.Itoa(i+1) {
				break // past the 附件说明
			}
			fromPDF = append(fromPDF, it[2])
		}
		text := SummaryBrief(res, hist, "济宁市委组织部")
		list := text[strings.Index(text, "附件："):]
		list = list[:strings.Index(list, "\n\n")]
		var fromMail []string
		for _, l := range strings.Split(list, "\n") {
			_, item, _ := strings.Cut(l, "．")
			fromMail = append(fromMail, item)
		}
		if !slices.Equal(fromPDF, fromMail) || !slices.Contains(fromMail, digestTitle) || slices.Contains(fromMail, checksTitle) != records {
			t.Errorf("records %v: 附件 of the PDF %q, of the mail %q", records, fromPDF, fromMail)
		}
		if want := attachmentList(summaryAttachments(res, true)); list != want {
			t.Errorf("records %v: mail's 附件说明 %q, want the PDF's %q", records, list, want)
		}
	}
}
