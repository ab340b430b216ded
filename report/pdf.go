// Package report renders the assessment results as PDF reports — one per county and a
// summary 通报 for leaders — with vector charts and CJK typesetting on embedded fonts,
// and the league table as an Excel workbook.
//
// The content of each report is built first as a Model (tested by golden files);
// the Renderer then typesets it. The fonts are parsed once per Renderer; each document
// embeds, per face, a subset cut to the characters that face prints.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// ErrNoCounty is wrapped by the error County returns for a code not in the result.
var ErrNoCounty = errors.New("report: no county")

// Options configure a Renderer.
type Options struct {
	Checklist *seeds.Checklist // for the appendix of task texts; nil: seeds.DefaultChecklist()
	Office    string           // issuing office, printed in the header and the 落款; empty: the checklist's issuer
	// FontTTF is a TrueType font used for every face instead of the embedded ones
	// (AR PL UMing for text, WenQuanYi Micro Hei for 一级标题, AR PL UKai for 二级标题).
	FontTTF   []byte
	TaskTexts bool    // append the full text of every task to county reports
	Context   Context // unit types, late rules, contact (model.go); its Checklist and Office default to these
}

// The faces a document uses.
type faceID int

const (
	faceSong faceID = iota // 宋体/明体: title and text (AR PL UMing)
	faceHei                // 黑体: 一级标题, 附件 labels (WenQuanYi Micro Hei)
	faceKai                // 楷体: 二级标题, the counties' own words (AR PL UKai)
	nFaces
)

var faceNames = [nFaces]string{"song", "hei", "kai"}

// face is one parsed font.
type face struct {
	font    *ttFont
	metrics *fpdf.UTF8FontMetrics // the font's widths and metrics, as fpdf reads them, shared by every document
}

// Renderer typesets reports. It holds the parsed fonts and is safe for concurrent use.
type Renderer struct {
	opt    Options
	faces  [nFaces]*face // the same *face for several ids when one font serves them
	arrows bool          // the text face has ↑ and ↓
}

func newFace(data []byte) (*face, error) {
	f, err := parseFont(data)
	if err != nil {
		return nil, err
	}
	m, err := fpdf.ParseUTF8FontMetrics(data)
	if err != nil {
		return nil, fmt.Errorf("report font: %w", err)
	}
	return &face{font: f, metrics: m}, nil
}

// NewRenderer parses the fonts and checks that they can print every fixed label and,
// when TaskTexts is set, every task text. It returns an error when a font is not a
// usable TrueType font or lacks glyphs (wrapping ErrMissingGlyphs).
func NewRenderer(o Options) (*Renderer, error) {
	if o.Checklist == nil {
		o.Checklist = seeds.DefaultChecklist()
	}
	if o.Office == "" {
		o.Office = o.Checklist.Issuer
	}
	o.Office = fullWidthPunct(o.Office)
	if o.Context.Checklist == nil {
		o.Context.Checklist = o.Checklist
	}
	if o.Context.Office == "" {
		o.Context.Office = o.Office
	}
	r := &Renderer{opt: o}
	if o.FontTTF != nil {
		f, err := newFace(o.FontTTF)
		if err != nil {
			return nil, err
		}
		r.faces = [nFaces]*face{f, f, f}
	} else {
		for id, data := range [nFaces][]byte{songFont, heiFont, kaiFont} {
			f, err := newFace(data)
			if err != nil {
				return nil, fmt.Errorf("embedded font %s: %w", faceNames[id], err)
			}
			r.faces[id] = f
		}
	}
	need := map[rune]bool{}
	addRunes(need, chrome)
	addRunes(need, o.Office)
	// Without ↑↓ the league table draws triangles instead.
	r.arrows = true
	for _, f := range []faceID{faceSong, faceHei} {
		r.arrows = r.arrows && r.faces[f].font.Has('↑') && r.faces[f].font.Has('↓')
	}
	delete(need, '↑')
	delete(need, '↓')
	if o.TaskTexts {
		for _, t := range o.Checklist.Tasks() {
			addRunes(need, t.ID+t.Title+t.Text)
		}
	}
	for _, f := range []faceID{faceSong, faceHei} {
		if miss := r.faces[f].font.missing(need); len(miss) > 0 {
			return nil, missingError("report font", miss)
		}
	}
	return r, nil
}

// chrome holds every character the text face prints besides the model's text: page
// numbers, scores, percentages and fixed labels. Each document's font subset is cut to
// its model's text and these, so a character here that no page prints costs bytes in
// every report (the whole of ASCII was ~12 KB of glyphs).
const chrome = " %+-./0123456789:" +
	"第页共分得率总绿黄红附：任务原文—…、，。（）《》“”↑↓·年月日均高"

// heiChrome is what the 黑体 face prints besides headings: the 附件 labels.
const heiChrome = "附件0123456789"

func addRunes(m map[rune]bool, s string) {
	for _, r := range s {
		m[r] = true
	}
}

// County renders the report of one county. history holds earlier results for the
// trend chart. It returns an error when res has no county with that code or the font
// lacks a character to be printed (wrapping ErrMissingGlyphs).
func (r *Renderer) County(res *score.Result, code string, history []*score.Result) ([]byte, error) {
	m := r.opt.Context.CountyModel(res, code, history)
	if m == nil {
		return nil, fmt.Errorf("%w %q in the result for %s", ErrNoCounty, code, res.Period)
	}
	m.Office = r.opt.Office
	if r.opt.TaskTexts && findCounty(res, code).Submitted {
		r.appendTaskTexts(m)
	}
	return r.render(m)
}

// Summary renders the summary 通报 for leaders. It returns an error when the font
// lacks a character to be printed (wrapping ErrMissingGlyphs).
func (r *Renderer) Summary(res *score.Result, history []*score.Result) ([]byte, error) {
	m := r.opt.Context.SummaryModel(res, history)
	m.Office = r.opt.Office
	return r.render(m)
}

func (r *Renderer) appendTaskTexts(m *Model) {
	m.Blocks = append(m.Blocks, Block{Kind: BlockHeading, Text: "附：任务原文"})
	for _, a := range r.opt.Checklist.Areas {
		for _, t := range a.Tasks {
			m.Blocks = append(m.Blocks, Block{Kind: BlockText, Text: fmt.Sprintf("%s %s：%s", t.ID, t.Title, t.Text)})
		}
	}
}

// Page geometry of the county report, in mm.
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 18.0
	top          = 24.0
	bottom       = pageH - 18.0
	textW        = pageW - 2*marginX
	ptMM         = 25.4 / 72
)

// geometry is a document's page layout and type sizes (pt).
type geometry struct {
	left, top, width, bottom float64
	header                   bool    // a running header with office, period and unit
	footY                    float64 // top of the page number line
	footPt                   float64
	title, head, body, table float64
	indent                   bool // body paragraphs and headings start two characters in (公文)
}

var (
	// The county report: a denser working document.
	countyGeom = geometry{left: marginX, top: top, width: textW, bottom: bottom, header: true,
		footY: pageH - 13, footPt: 9, title: 18, head: 12, body: 10.5, table: 8.5}
	// The summary 通报, GB/T 9704-2012: top margin 37 mm, left 28 mm, text block 156 × 225 mm,
	// title 22 pt, body 16 pt, page numbers 14 pt 7 mm below the text block.
	summaryGeom = geometry{left: 28, top: 37, width: 156, bottom: 37 + 225,
		footY: 37 + 225 + 7 - 2, footPt: 14, title: 22, head: 16, body: 16, table: 10, indent: true}
)

type rgb struct{ r, g, b int }

var (
	cText    = rgb{0x1a, 0x1a, 0x1a}
	cMuted   = rgb{0x59, 0x59, 0x59}
	cRule    = rgb{0x9a, 0xa3, 0xad}
	cRed     = rgb{0xb2, 0x1f, 0x24} // the header rule and title
	cHeadBg  = rgb{0xe9, 0xed, 0xf2}
	cBar     = rgb{0x2f, 0x55, 0x97}
	cTrack   = rgb{0xe4, 0xe7, 0xeb}
	lightRGB = map[string]rgb{
		string(score.Green):  {0x2e, 0x9e, 0x4f},
		string(score.Yellow): {0xe0, 0xa8, 0x00},
		string(score.Red):    {0xd0, 0x2a, 0x2a},
	}
	// Cell fills of the light matrix: light enough for black text, distinct in grey.
	lightFill = map[string]rgb{
		string(score.Green):  {0xd8, 0xef, 0xdd},
		string(score.Yellow): {0xfc, 0xe3, 0x8a},
		string(score.Red):    {0xe8, 0x8a, 0x8a},
	}
	toneRGB = map[string]rgb{
		"优秀":  {0xe6, 0xf4, 0xea},
		"良好":  {0xea, 0xf1, 0xfb},
		"一般":  {0xfd, 0xf6, 0xe0},
		"较差":  {0xfb, 0xe9, 0xe9},
		"未报送": {0xee, 0xee, 0xee},
	}
)

// doc is one document being typeset.
type doc struct {
	pdf    *fpdf.Fpdf
	m      *Model
	g      geometry
	runes  [nFaces]map[rune]bool
	family [nFaces]string
	cw     [nFaces]map[rune]int // glyph widths in 1/1000 em
	face   faceID
	stats  *layoutStats
	chrome bool // drawing the page header or footer
	cur    int  // the block being drawn
	plans  map[*Table]*tablePlan
	tf     faceID  // the face of text and tables
	size   float64 // current font size, pt
	arrows bool    // the font has ↑ and ↓
	y      float64
	err    error
}

// textFace is the face of a model's text and tables: Song in the 通报; 黑体 in the
// denser county report, whose many table cells in Song would double its size (an AR PL
// UMing glyph takes twice the bytes of a WenQuanYi one).
func (m *Model) textFace() faceID {
	if m.Kind == "summary" {
		return faceSong
	}
	return faceHei
}

// subFace is the face of 二级标题: 楷体 in the 通报; 黑体 in the county report, whose
// size budget (150 KB) a third embedded face would break.
func (m *Model) subFace() faceID {
	if m.Kind == "summary" {
		return faceKai
	}
	return faceHei
}

// quoteFace is the face of the counties' own words: 楷体 in the 通报; the text face in
// the county report, where they are long and many (a UKai glyph, like a UMing one,
// takes twice the bytes of a WenQuanYi one).
func (m *Model) quoteFace() faceID {
	if m.Kind == "summary" {
		return faceKai
	}
	return m.textFace()
}

// faceStrings calls fn with every piece of text of m and the face it is printed in.
func (m *Model) faceStrings(fn func(faceID, string)) {
	tf := m.textFace()
	song := func(s string) { fn(tf, s) }
	fn(faceSong, m.Title)
	fn(faceSong, m.Subtitle)
	fn(faceSong, periodText(m.Period)+" ")
	song(m.Subtitle)
	song(m.Office)
	song(periodText(m.Period))
	song(m.Date)
	for i := range m.Blocks {
		b := &m.Blocks[i]
		switch b.Kind {
		case BlockHeading:
			fn(faceHei, b.Text)
		case BlockSubheading:
			fn(m.subFace(), b.Text)
		case BlockQuote:
			fn(m.quoteFace(), b.Text)
		case BlockAttach:
			fn(faceHei, b.Label)
			fn(faceSong, b.Text)
		default:
			song(b.Text)
		}
		b.eachString(song)
	}
}

// render typesets a model into PDF bytes.
func (r *Renderer) render(m *Model) ([]byte, error) {
	b, _, err := r.renderStats(m)
	return b, err
}

// layoutStats records how the tables of a document fell on its pages, for tests.
type layoutStats struct {
	frags     []tableFrag // each part of a table on one page
	splitRows int         // rows split across pages
	page      []int       // the page each block of the model starts on
}

// tableFrag is the part of a table on one page.
type tableFrag struct{ page, rows, tableRows int }

// renderStats is render, also returning the layout statistics.
func (r *Renderer) renderStats(m *Model) ([]byte, *layoutStats, error) {
	b, st, err := r.renderDoc(m)
	return b, st, err
}

func (r *Renderer) renderDoc(m *Model) ([]byte, *layoutStats, error) {
	d := &doc{m: m, g: countyGeom, arrows: r.arrows, tf: m.textFace(), stats: &layoutStats{}}
	if m.Kind == "summary" {
		d.g = summaryGeom
	}
	if m.Date == "" {
		m.Date = dateText(m.Issued)
	}
	// Every character each face may print: the model's text and the chrome.
	for i := range d.runes {
		d.runes[i] = map[rune]bool{}
		d.cw[i] = map[rune]int{}
	}
	addRunes(d.runes[d.tf], chrome)
	addRunes(d.runes[faceHei], heiChrome)
	m.faceStrings(func(f faceID, s string) { addRunes(d.runes[f], s) })
	for i := range d.runes {
		for _, c := range []rune{'\n', '\r', '\t', ideoSpace} {
			delete(d.runes[i], c)
		}
		if !r.arrows {
			delete(d.runes[i], '↑')
			delete(d.runes[i], '↓')
		}
	}
	// One embedded font per distinct font: faces sharing a font share its subset.
	type group struct {
		f   *face
		ids []faceID
	}
	var groups []group
	for id := range nFaces {
		found := false
		for k := range groups {
			if groups[k].f == r.faces[id] {
				groups[k].ids = append(groups[k].ids, id)
				found = true
			}
		}
		if !found {
			groups = append(groups, group{r.faces[id], []faceID{id}})
		}
	}

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true) // third_party/fpdf reuses its (klauspost) zlib writers
	pdf.SetCatalogSort(true)
	date := m.Issued
	if date.IsZero() {
		date = periodDate(m.Period)
	}
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetTitle(m.Title+" "+m.Subtitle+" "+periodText(m.Period), true)
	pdf.SetAuthor(m.Office, true)
	pdf.SetCreator("kaohe", true)
	pdf.SetProducer("kaohe", true)
	pdf.SetMargins(d.g.left, d.g.top, pageW-d.g.left-d.g.width)
	pdf.SetAutoPageBreak(false, 0)
	for _, gr := range groups {
		union := map[rune]bool{}
		for _, id := range gr.ids {
			for c := range d.runes[id] {
				union[c] = true
			}
		}
		if len(union) == 0 {
			// A face the document prints nothing in (楷体 in a county report) is not
			// embedded: its subset would still be ~5 KB of tables and .notdef.
			continue
		}
		if miss := gr.f.font.missing(union); len(miss) > 0 {
			return nil, nil, missingError(fmt.Sprintf("report %s %s", m.Kind, m.Subtitle), miss)
		}
		list := make([]rune, 0, len(union))
		for c := range union {
			if c != ' ' || gr.f.font.Has(c) {
				list = append(list, c)
			}
		}
		sub, runeGlyph, err := gr.f.font.subset(list)
		if err != nil {
			return nil, nil, err
		}
		family := faceNames[gr.ids[0]]
		pdf.AddUTF8FontSubsetWith(family, "", gr.f.metrics, sub, runeGlyph)
		for _, id := range gr.ids {
			d.family[id] = family
			d.runes[id] = union
		}
	}
	for id := range nFaces {
		if d.family[id] == "" { // not embedded, prints nothing: selecting it selects the text face
			d.family[id] = d.family[d.tf]
		}
	}
	if err := pdf.Error(); err != nil {
		return nil, nil, fmt.Errorf("report: loading font: %w", err)
	}
	d.pdf = pdf
	pdf.SetHeaderFunc(d.header)
	pdf.SetFooterFunc(d.footer)
	d.setFont(d.tf, d.g.body)
	d.newPage()
	d.title()
	d.stats.page = make([]int, len(m.Blocks))
	for i := range m.Blocks {
		d.block(m.Blocks, i)
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, nil, fmt.Errorf("report: writing PDF: %w", err)
	}
	return buf.Bytes(), d.stats, nil
}

// periodDate is the creation date of a period's reports when the result names no
// assessment time: the last day of the period (UTC), so that the same inputs give the
// same bytes.
func periodDate(p string) time.Time {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.AddDate(0, 1, -1)
}

func (d *doc) setFont(f faceID, pt float64) {
	d.face, d.size = f, pt
	d.pdf.SetFont(d.family[f], "", pt)
}

func (d *doc) color(c rgb) { d.pdf.SetTextColor(c.r, c.g, c.b) }
func (d *doc) fill(c rgb)  { d.pdf.SetFillColor(c.r, c.g, c.b) }
func (d *doc) draw(c rgb)  { d.pdf.SetDrawColor(c.r, c.g, c.b) }

// lh is the line height of the current font size, in mm: 公文 body text (16 pt) sets
// 22 lines in the 225 mm text block; smaller text is set closer.
func (d *doc) lh() float64 {
	if d.size >= 14 {
		return d.size * ptMM * 1.78
	}
	return d.size * ptMM * 1.45
}

// measure returns the width of s in mm at the current font and size.
func (d *doc) measure(s string) float64 {
	w := 0
	cw := d.cw[d.face]
	for _, r := range s {
		if r == ideoSpace {
			w += 1000
			continue
		}
		c, ok := cw[r]
		if !ok {
			c = d.pdf.GetStringSymbolWidth(string(r))
			cw[r] = c
		}
		w += c
	}
	return float64(w) * d.size * ptMM / 1000
}

// ideoSpace, the ideographic space, indents by one character: it is not printed (the
// Song face has no glyph for it) but moves the text along.
const ideoSpace = '\u3000'

// text prints s at (x, y) (top of the line) in a box of width w aligned by align.
// Leading ideographic spaces move the text right by one character each.
func (d *doc) text(x, y, w float64, s, align string) {
	for strings.HasPrefix(s, "\u3000") {
		em := d.size * ptMM
		x, w = x+em, w-em
		s = s[len("\u3000"):]
	}
	for _, r := range s {
		if !d.runes[d.face][r] && d.err == nil {
			d.err = fmt.Errorf("report: internal error: %q (U+%04X) printed in face %s but not in its font subset", r, r, faceNames[d.face])
		}
	}
	if s == "" {
		return // CellFormat would print nothing
	}
	if !d.chrome && d.stats.page != nil && d.stats.page[d.cur] == 0 {
		d.stats.page[d.cur] = d.pdf.PageNo()
	}
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, d.lh(), s, "", 0, align+"M", false, 0, "")
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = d.g.top
}

// need starts a new page unless h mm fit below the current position.
func (d *doc) need(h float64) bool {
	if d.y+h > d.g.bottom+1e-6 && d.y > d.g.top+1e-6 {
		d.newPage()
		return true
	}
	return false
}

func (d *doc) header() {
	if !d.g.header {
		return
	}
	d.chrome = true
	defer func() { d.chrome = false }()
	f, save := d.face, d.size
	d.setFont(d.tf, 8)
	d.color(cMuted)
	x, w := d.g.left, d.g.width
	d.text(x, 10, w/2, d.m.Office, "L")
	d.text(x+w/2, 10, w/2, periodText(d.m.Period)+" · "+d.m.Subtitle, "R")
	d.draw(cRed)
	d.pdf.SetLineWidth(0.35)
	d.pdf.Line(x, 15.5, x+w, 15.5)
	d.pdf.SetLineWidth(0.1)
	d.pdf.Line(x, 16.3, x+w, 16.3)
	d.setFont(f, save)
	d.color(cText)
}

// footer prints the page number "— 1 —" at the outside corner: right on odd pages,
// left on even ones, one character in from the text block's edge (GB/T 9704).
func (d *doc) footer() {
	d.chrome = true
	defer func() { d.chrome = false }()
	f, save := d.face, d.size
	d.setFont(d.tf, d.g.footPt)
	d.color(cText)
	s := fmt.Sprintf("— %d —", d.pdf.PageNo())
	in := d.g.footPt * ptMM
	w := d.measure(s)
	x := d.g.left + d.g.width - in - w
	if d.pdf.PageNo()%2 == 0 {
		x = d.g.left + in
	}
	d.text(x, d.g.footY, w+1, s, "L")
	d.setFont(f, save)
}

func (d *doc) title() {
	if d.m.Kind == "summary" {
		// The title of a 通报, then the text; the office signs at the end (落款).
		d.y += 2
		d.setFont(faceSong, d.g.title)
		d.color(cText)
		for _, l := range wrapBalanced(d.m.Title, d.g.width, d.measure) {
			d.text(d.g.left, d.y, d.g.width, l, "C")
			d.y += d.lh()
		}
		d.y += d.lh() / 2
		d.setFont(d.tf, d.g.body)
		return
	}
	d.setFont(faceSong, d.g.title)
	d.color(cRed)
	for _, l := range wrapBalanced(d.m.Title, d.g.width, d.measure) {
		d.text(d.g.left, d.y, d.g.width, l, "C")
		d.y += d.lh()
	}
	d.setFont(faceSong, 12)
	d.color(cText)
	d.y += 1
	d.text(d.g.left, d.y, d.g.width, d.m.Subtitle+"  "+periodText(d.m.Period), "C")
	d.y += d.lh() + 4
}

// wrapBalanced wraps a title into lines of similar length rather than a full line and
// a short one.
func wrapBalanced(s string, width float64, measure func(string) float64) []string {
	lines := wrap(s, width, measure)
	if len(lines) < 2 {
		return lines
	}
	n := len(lines)
	lo, hi := width/2, width
	best := lines
	for range 12 {
		mid := (lo + hi) / 2
		if l := wrap(s, mid, measure); len(l) <= n {
			best, hi = l, mid
		} else {
			lo = mid
		}
	}
	return best
}

// headingH is the height a heading of text takes at the current settings.
func (d *doc) headingLines(b *Block) (face faceID, size float64, x, w float64, lines []string) {
	face, size = faceHei, d.g.head
	if b.Kind == BlockSubheading {
		face = d.m.subFace()
		if !d.g.indent {
			size = d.g.body + 0.5
		}
	}
	d.setFont(face, size)
	x, w = d.g.left, d.g.width
	if d.g.indent {
		x += 2 * size * ptMM
		w -= 2 * size * ptMM
	} else if b.Kind == BlockHeading {
		x += 3
		w -= 3
	}
	lines = wrap(b.Text, w, d.measure)
	return face, size, x, w, lines
}

// headingHeight is the height block reserves for a heading of n lines in the current
// (heading) font: the lines and the space above and below them (2 and 1.5 mm in the
// dense layout; 1 and 1 in the 公文 layout, where 1 mm more is kept in reserve).
func (d *doc) headingHeight(n int) float64 {
	if d.g.indent {
		return float64(n)*d.lh() + 3
	}
	return float64(n)*d.lh() + 3.5
}

// minHeight is the least of blocks[i] that must follow a heading on its page: its
// first lines, a table's header and first rows, a whole chart.
func (d *doc) minHeight(blocks []Block, i int) float64 {
	if i >= len(blocks) {
		return 0
	}
	b := &blocks[i]
	switch b.Kind {
	case BlockHeading, BlockSubheading:
		_, _, _, _, lines := d.headingLines(b)
		return d.headingHeight(len(lines)) + d.minHeight(blocks, i+1)
	case BlockText, BlockQuote:
		// A heading takes the first line of a short paragraph, two of a longer one.
		lines, _ := d.textLines(b)
		if isIntro(blocks, i) {
			// An introduction to a chart or table stays with its start.
			return float64(len(lines))*d.lh() + 1.5 + d.minHeight(blocks, i+1)
		}
		k := 1
		if len(lines) > 2 {
			k = 2
		}
		return float64(k)*d.lh() + 1
	case BlockFacts:
		d.setFont(d.tf, d.g.body)
		return math.Min(float64(len(b.Facts))*d.lh()+5, 60)
	case BlockBars:
		return d.barsHeight(b.Bars)
	case BlockTrend:
		return d.trendHeight(b.Trend)
	case BlockTable:
		p := d.planTable(b.Table)
		if b.Table.Keep && p.headH+p.total() <= d.g.bottom-d.g.top {
			return p.headH + p.total()
		}
		return p.headH + p.firstRows()
	}
	return 0
}

// isIntro reports whether blocks[i] is a short text introducing the chart or table
// that follows it.
func isIntro(blocks []Block, i int) bool {
	if blocks[i].Kind != BlockText || len([]rune(blocks[i].Text)) > 120 || i+1 >= len(blocks) {
		return false
	}
	switch blocks[i+1].Kind {
	case BlockTable, BlockBars, BlockTrend, BlockFacts:
		return true
	}
	return false
}

func (d *doc) block(blocks []Block, i int) {
	b := &blocks[i]
	d.cur = i
	switch b.Kind {
	case BlockHeading, BlockSubheading:
		// Keep a heading with what follows: never the last line of a page.
		_, _, _, _, lines := d.headingLines(b)
		h := d.headingHeight(len(lines))
		next := d.minHeight(blocks, i+1)
		face, size, x, w, lines := d.headingLines(b) // minHeight may have set another font
		d.need(h + next)
		if d.g.indent {
			d.y += 1
		} else {
			d.y += 2
		}
		d.setFont(face, size)
		d.color(cText)
		if b.Kind == BlockHeading && !d.g.indent {
			d.fill(cRed)
			d.pdf.Rect(d.g.left, d.y+1.2, 1.2, d.lh()-2.4, "F")
		}
		for _, l := range lines {
			d.text(x, d.y, w, l, "L")
			d.y += d.lh()
		}
		d.y += 1
		if !d.g.indent {
			d.y += 0.5
		}
	case BlockText, BlockQuote:
		x, w := d.textBox(b)
		if d.g.indent && strings.HasPrefix(b.Text, "附件：") {
			d.y += d.lh() // 附件说明: one blank line below the text (GB/T 9704)
		}
		lines, ends := d.textLines(b)
		if isIntro(blocks, i) {
			d.need(d.minHeight(blocks, i))
			d.textBox(b)
		}
		tail := d.signTail(blocks, i+1)
		if tail > 0 && strings.HasPrefix(b.Text, "附件：") {
			// The 附件说明 stays with the 落款.
			d.need(float64(len(lines))*d.lh() + tail)
			tail = 0
		}
		for k, l := range lines {
			// The 落款 (and the 附件说明 before it) never stand alone on a page: when
			// they do not fit below this block, its last two lines go over with them.
			if rest := len(lines) - k; tail > 0 && k > 0 && rest <= 2 && d.y+float64(rest)*d.lh()+tail > d.g.bottom {
				d.newPage()
			}
			d.need(d.lh())
			if !ends[k] {
				d.justify(x, d.y, w, l)
			} else {
				d.text(x, d.y, w, l, "L")
			}
			d.y += d.lh()
		}
		if !d.g.indent {
			d.y += 1.5
		}
		d.setFont(d.tf, d.g.body)
	case BlockFacts:
		d.facts(b.Facts)
	case BlockBars:
		d.bars(b.Bars)
	case BlockTable:
		d.table(b.Table)
	case BlockTrend:
		d.trend(b.Trend)
	case BlockSign:
		d.sign(b)
	case BlockAttach:
		d.attach(b)
	}
}

// justify prints a full line of a paragraph spread to the width w: the space left
// is shared between the tokens (a number with its unit stays one token), as 公文 text
// is set flush on both sides. A line well short of w (its paragraph's end, or one
// ended early by 避头尾 by more than two characters) is printed as it is.
func (d *doc) justify(x, y, w float64, line string) {
	for strings.HasPrefix(line, "\u3000") {
		em := d.size * ptMM
		x, w = x+em, w-em
		line = line[len("\u3000"):]
	}
	toks := tokenize(line, d.measure)
	nat := 0.0
	for _, t := range toks {
		nat += t.w
	}
	extra := w - nat
	if len(toks) < 2 || extra <= 0.05 || extra > w/4 {
		d.text(x, y, w, line, "L")
		return
	}
	gap := extra / float64(len(toks)-1)
	for _, t := range toks {
		d.text(x, y, t.w+0.5, t.s, "L")
		x += t.w + gap
	}
}

// signTail is the height of the 附件说明 and 落款 that follow blocks[i-1] directly,
// or 0 when they do not.
func (d *doc) signTail(blocks []Block, i int) float64 {
	defer d.setFont(d.face, d.size)
	d.setFont(d.tf, d.g.body)
	lh := d.lh()
	h := 0.0
	if i < len(blocks) && blocks[i].Kind == BlockText && strings.HasPrefix(blocks[i].Text, "附件：") {
		lines, _ := d.textLines(&blocks[i])
		h += float64(len(lines)+1) * lh
		i++
	}
	if i < len(blocks) && blocks[i].Kind == BlockSign {
		return h + 3*lh
	}
	return 0
}

// textBox sets the font of a text block and returns its left edge and width.
func (d *doc) textBox(b *Block) (x, w float64) {
	f := d.tf
	if b.Kind == BlockQuote {
		f = d.m.quoteFace()
	}
	d.setFont(f, d.g.body)
	x, w = d.g.left, d.g.width
	if b.Kind == BlockQuote && !d.g.indent {
		x += 6
		w -= 6
	}
	return x, w
}

// textLines wraps a text block: in the 通报 a paragraph starts two characters in. A
// line ending a paragraph (the block's last, or one before a newline) is marked.
func (d *doc) textLines(b *Block) (lines []string, ends []bool) {
	_, w := d.textBox(b)
	s := b.Text
	if d.g.indent && !b.NoIndent {
		s = "　　" + s
	}
	for para := range strings.SplitSeq(s, "\n") {
		ls := wrap(para, w, d.measure)
		lines = append(lines, ls...)
		for k := range ls {
			ends = append(ends, k == len(ls)-1)
		}
	}
	return lines, ends
}

// sign prints the 落款: the issuing office centred over the 成文日期, which stands four
// characters in from the right edge (GB/T 9704), after one blank line.
func (d *doc) sign(b *Block) {
	d.setFont(d.tf, d.g.body)
	office := b.Text
	if office == "" {
		office = d.m.Office
	}
	date := d.m.Date
	lh := d.lh()
	d.need(3 * lh)
	d.y += lh
	em := d.g.body * ptMM
	right := d.g.left + d.g.width - 4*em
	if !d.g.indent {
		right = d.g.left + d.g.width - 2*em
	}
	dw := d.measure(date)
	cx := right - dw/2
	ow := d.measure(office)
	ox := cx - ow/2
	if ox+ow > d.g.left+d.g.width {
		ox = d.g.left + d.g.width - ow
	}
	if ox < d.g.left {
		ox = d.g.left
	}
	for _, l := range wrap(office, d.g.width, d.measure) {
		d.text(ox, d.y, d.measure(l)+1, l, "L")
		d.y += lh
	}
	d.text(right-dw, d.y, dw+1, date, "L")
	d.y += lh
}

// attach starts an attachment on a new page: the label 附件N at the top left in 黑体,
// then the attachment's title centred.
func (d *doc) attach(b *Block) {
	d.newPage()
	d.setFont(faceHei, d.g.head)
	d.color(cText)
	d.text(d.g.left, d.y, d.g.width, b.Label, "L")
	d.y += d.lh() * 1.5
	d.setFont(faceSong, 20)
	for _, l := range wrapBalanced(b.Text, d.g.width, d.measure) {
		d.text(d.g.left, d.y, d.g.width, l, "C")
		d.y += d.lh()
	}
	d.y += 3
	d.setFont(d.tf, d.g.body)
}

func (d *doc) facts(fs []Fact) {
	d.setFont(d.tf, d.g.body)
	lw := 30.0
	if d.g.indent {
		lw = 40
	}
	lh := d.lh()
	x, w := d.g.left, d.g.width
	d.draw(cRule)
	d.pdf.SetLineWidth(0.2)
	d.need(lh + 2)
	d.pdf.Line(x, d.y, x+w, d.y)
	d.y += 1
	for _, f := range fs {
		lines := wrap(f.Value, w-lw-2, d.measure)
		d.need(float64(len(lines)) * lh)
		d.color(cMuted)
		d.text(x, d.y, lw, f.Label, "L")
		d.color(cText)
		for _, l := range lines {
			d.need(lh)
			d.text(x+lw+2, d.y, w-lw-2, l, "L")
			d.y += lh
		}
	}
	d.y += 1
	d.pdf.Line(x, d.y, x+w, d.y)
	d.y += 3
}

const barRowH = 9.0

func (d *doc) barsHeight(bs []Bar) float64 {
	d.setFont(d.tf, 7.5)
	return float64(len(bs))*barRowH + 2*d.lh() + 5
}

// bars draws each area's score against its weight, with ticks for the city average
// (▲ below the bar) and the best unit (│ across it) when known.
func (d *doc) bars(bs []Bar) {
	d.need(d.barsHeight(bs))
	d.setFont(d.tf, 9.5)
	const labelW, valueW = 42.0, 26.0
	x0, tw := d.g.left, d.g.width
	trackW := tw - labelW - valueW - 4
	y0 := d.y
	marks := false
	for i, b := range bs {
		y := y0 + float64(i)*barRowH
		d.setFont(d.tf, 9.5)
		d.color(cText)
		d.text(x0, y+(barRowH-1.5-d.lh())/2, labelW, b.Label, "L")
		x := x0 + labelW
		d.fill(cTrack)
		d.pdf.Rect(x, y+1.5, trackW, barRowH-4.5, "F")
		ratio := func(v float64) float64 {
			if b.Weight <= 0 {
				return 0
			}
			return math.Max(0, math.Min(1, v/b.Weight))
		}
		d.fill(cBar)
		if r := ratio(b.Score); r > 0 {
			d.pdf.Rect(x, y+1.5, trackW*r, barRowH-4.5, "F")
		}
		d.text(x+trackW+2, y+(barRowH-1.5-d.lh())/2, valueW, f2(b.Score)+" / "+trim0(b.Weight)+"分", "L")
		if b.Avg > 0 || b.Best > 0 {
			marks = true
			d.draw(cText)
			d.pdf.SetLineWidth(0.5)
			bx := x + trackW*ratio(b.Best)
			d.pdf.Line(bx, y+0.8, bx, y+barRowH-2.2)
			ax := x + trackW*ratio(b.Avg)
			d.fill(cText)
			d.pdf.Polygon([]fpdf.PointType{{X: ax - 1.1, Y: y + barRowH - 1.0}, {X: ax + 1.1, Y: y + barRowH - 1.0}, {X: ax, Y: y + barRowH - 2.8}}, "F")
		}
	}
	d.setFont(d.tf, 7.5)
	d.color(cMuted)
	d.draw(cRule)
	d.pdf.SetLineWidth(0.1)
	yb := y0 + float64(len(bs))*barRowH
	for _, p := range []float64{0, 0.5, 1} {
		x := x0 + labelW + trackW*p
		d.pdf.Line(x, y0, x, yb+0.8)
		d.text(x-10, yb+0.8, 20, fmt.Sprintf("%d%%", int(p*100)), "C")
	}
	d.y = yb + d.lh() + 1
	if marks {
		// Legend.
		x := x0 + labelW
		d.fill(cBar)
		d.pdf.Rect(x, d.y+1, 6, 2.2, "F")
		d.text(x+7, d.y, 20, "本单位得分", "L")
		x += 30
		d.fill(cText)
		d.pdf.Polygon([]fpdf.PointType{{X: x + 1.5, Y: d.y + 3.2}, {X: x + 3.7, Y: d.y + 3.2}, {X: x + 2.6, Y: d.y + 1.2}}, "F")
		d.text(x+5, d.y, 20, "全市平均", "L")
		x += 26
		d.draw(cText)
		d.pdf.SetLineWidth(0.5)
		d.pdf.Line(x+2.6, d.y+0.6, x+2.6, d.y+3.6)
		d.text(x+5, d.y, 30, "全市最高", "L")
		d.y += d.lh()
	}
	d.y += 3
	d.setFont(d.tf, d.g.body)
}

const cellPadX, cellPadY = 1.2, 1.0

// tablePlan is a table laid out for the current width: each row's wrapped cells and
// height.
type tablePlan struct {
	t         *Table
	size, lh  float64
	ws        []float64
	headLines [][]string
	headH     float64
	cells     [][][]string
	n         []int // lines per row
	h         []float64
	dot       float64
}

func (d *doc) tableSize(t *Table) float64 {
	size := d.g.table
	if t.Size > 0 {
		size = t.Size
	} else if len(t.Columns) > 8 {
		size -= 0.5
	}
	return size
}

func (d *doc) planTable(t *Table) *tablePlan {
	size := d.tableSize(t)
	d.setFont(d.tf, size)
	if p, ok := d.plans[t]; ok {
		return p // planned for a heading's keep-with-next, now drawn
	}
	p := &tablePlan{t: t, size: size, lh: d.lh()}
	if d.plans == nil {
		d.plans = map[*Table]*tablePlan{}
	}
	d.plans[t] = p
	p.dot = p.lh * 0.45
	p.ws = make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		p.ws[i] = c.Width * d.g.width
	}
	headN := 1
	p.headLines = make([][]string, len(t.Columns))
	for i, c := range t.Columns {
		p.headLines[i] = wrap(c.Title, p.ws[i]-2*cellPadX, d.measure)
		headN = max(headN, len(p.headLines[i]))
	}
	p.headH = float64(headN)*p.lh + 2*cellPadY
	for ri := range t.Rows {
		row := &t.Rows[ri]
		cells := make([][]string, len(t.Columns))
		n := 1
		for i, c := range t.Columns {
			s := ""
			if i < len(row.Cells) {
				s = row.Cells[i]
			}
			w := p.ws[i] - 2*cellPadX
			if c.Light {
				w -= p.dot + 1
			}
			if c.Fill {
				cells[i] = []string{s}
				continue
			}
			cells[i] = wrap(s, w, d.measure)
			n = max(n, len(cells[i]))
		}
		p.cells = append(p.cells, cells)
		p.n = append(p.n, n)
		p.h = append(p.h, float64(n)*p.lh+2*cellPadY)
	}
	return p
}

// total is the height of all rows.
func (p *tablePlan) total() float64 {
	s := 0.0
	for _, h := range p.h {
		s += h
	}
	return s
}

// firstRows is the height of the rows that must start a table on a page: all of a
// table of fewer than six rows (so that it is never split into parts of fewer than
// three), else the first three.
func (p *tablePlan) firstRows() float64 {
	k := len(p.h)
	if k >= 6 {
		k = 3
	}
	s := 0.0
	for _, h := range p.h[:k] {
		s += h
	}
	return s
}

// table draws t, repeating its header on each new page. A row is never split across
// pages (unless it alone is taller than a page), and no page holds fewer than three
// rows of a table: a table of fewer than six rows is kept whole, and the last three
// rows of a longer one go over together.
func (d *doc) table(t *Table) {
	p := d.planTable(t)
	d.setFont(d.tf, p.size)
	if t.Keep && p.headH+p.total() <= d.g.bottom-d.g.top {
		d.need(p.headH + p.total())
	} else {
		d.need(p.headH + p.firstRows())
	}
	d.drawHead(p)
	n := len(p.h)
	placed := 0
	full := d.g.bottom - d.g.top - p.headH
	for i := 0; i < n; i++ {
		h := p.h[i]
		breakHere := d.y+h > d.g.bottom+1e-6
		if !breakHere && n-i == 3 && placed >= 3 {
			tail := p.h[i] + p.h[i+1] + p.h[i+2]
			breakHere = d.y+tail > d.g.bottom+1e-6
		}
		if breakHere && placed > 0 {
			d.stats.frags = append(d.stats.frags, tableFrag{d.pdf.PageNo(), placed, n})
			d.newPage()
			d.drawHead(p)
			placed = 0
		}
		if h > full+1e-6 {
			// Taller than a page: the only case a row is split.
			d.stats.splitRows++
			d.splitRow(p, i)
			placed++
			continue
		}
		d.row(p, i, 0, p.n[i])
		placed++
	}
	if placed > 0 {
		d.stats.frags = append(d.stats.frags, tableFrag{d.pdf.PageNo(), placed, n})
	}
	d.y += 3
	d.setFont(d.tf, d.g.body)
}

func (d *doc) splitRow(p *tablePlan, i int) {
	from := 0
	for from < p.n[i] {
		avail := int((d.g.bottom - d.y - 2*cellPadY) / p.lh)
		k := min(p.n[i]-from, max(1, avail))
		d.row(p, i, from, from+k)
		from += k
		if from < p.n[i] {
			d.newPage()
			d.drawHead(p)
		}
	}
}

func (d *doc) drawHead(p *tablePlan) {
	t := p.t
	d.setFont(d.tf, p.size)
	x := d.g.left
	d.fill(cHeadBg)
	d.draw(cRule)
	d.pdf.SetLineWidth(0.15)
	for i := range t.Columns {
		d.pdf.Rect(x, d.y, p.ws[i], p.headH, "FD")
		d.color(cText)
		off := (p.headH - 2*cellPadY - float64(len(p.headLines[i]))*p.lh) / 2
		for k, l := range p.headLines[i] {
			d.text(x+cellPadX, d.y+cellPadY+off+float64(k)*p.lh, p.ws[i]-2*cellPadX, l, "C")
		}
		x += p.ws[i]
	}
	d.y += p.headH
}

// row draws lines [from, to) of row ri at the current position.
func (d *doc) row(p *tablePlan, ri, from, to int) {
	t, row, cells, n := p.t, &p.t.Rows[ri], p.cells[ri], p.n[ri]
	lh, dot, ws := p.lh, p.dot, p.ws
	d.setFont(d.tf, p.size)
	h := float64(to-from)*lh + 2*cellPadY
	x := d.g.left
	d.draw(cRule)
	d.pdf.SetLineWidth(0.15)
	for i, c := range t.Columns {
		style := "D"
		if tone, ok := toneRGB[row.Tone]; ok {
			d.fill(tone)
			style = "FD"
		}
		if c.Heat && i < len(row.Heat) && row.Heat[i] >= 0 {
			d.fill(heatRGB(row.Heat[i]))
			style = "FD"
		}
		if c.Fill && len(cells[i]) > 0 {
			if col, ok := lightFill[cells[i][0]]; ok {
				d.fill(col)
				style = "FD"
			}
		}
		d.pdf.Rect(x, d.y, ws[i], h, style)
		lines := cells[i]
		// Short cells are centred vertically in a single-piece row.
		off := 0.0
		if from == 0 && to == n {
			off = float64(n-len(lines)) * lh / 2
			if c.Align == "L" && n-len(lines) > 0 {
				off = 0
			}
		}
		tx, tw := x+cellPadX, ws[i]-2*cellPadX
		if c.Light && len(lines) > 0 && lines[0] != "" {
			if col, ok := lightRGB[lines[0]]; ok && from == 0 {
				d.fill(col)
				lw := d.measure(lines[0])
				cx := x + (ws[i]-(dot+1+lw))/2 + dot/2
				d.pdf.Circle(cx, d.y+cellPadY+off+lh/2, dot/2, "F")
				tx = cx + dot/2 + 1
				tw = lw + 0.5
			}
		}
		for k := from; k < to && k < len(lines); k++ {
			l := lines[k]
			d.color(cText)
			if c.Light {
				if col, ok := lightRGB[l]; ok {
					d.color(col)
				}
			}
			up, down := strings.HasPrefix(l, "↑"), strings.HasPrefix(l, "↓")
			if up {
				d.color(lightRGB[string(score.Green)])
			} else if down {
				d.color(lightRGB[string(score.Red)])
			}
			align := c.Align
			if c.Light && tw < ws[i]-2*cellPadX {
				align = "L"
			}
			ly := d.y + cellPadY + off + float64(k-from)*lh
			if (up || down) && !d.arrows {
				// The font has no arrows: draw a triangle before the number.
				rest := l[len("↑"):]
				a := lh * 0.5
				wt := a + 0.6 + d.measure(rest)
				ax := tx + (tw-wt)/2
				col := lightRGB[string(score.Red)]
				y0, y1 := ly+lh*0.72, ly+lh*0.28 // base, apex (pointing down: swapped)
				if up {
					col = lightRGB[string(score.Green)]
				} else {
					y0, y1 = y1, y0
				}
				d.fill(col)
				d.pdf.Polygon([]fpdf.PointType{{X: ax, Y: y0}, {X: ax + a, Y: y0}, {X: ax + a/2, Y: y1}}, "F")
				d.text(ax+a+0.6, ly, wt-a-0.6, rest, "L")
				continue
			}
			d.text(tx, ly, tw, l, align)
		}
		x += ws[i]
	}
	d.color(cText)
	d.y += h
}

// heatRGB maps a ratio 0–1 to a colour from a soft red through a soft yellow to a soft green.
func heatRGB(v float64) rgb {
	lo, mid, hi := rgb{0xf4, 0xb6, 0xb0}, rgb{0xfc, 0xe8, 0xa6}, rgb{0xa9, 0xdc, 0xb4}
	mix := func(a, b rgb, t float64) rgb {
		return rgb{
			int(math.Round(float64(a.r) + (float64(b.r)-float64(a.r))*t)),
			int(math.Round(float64(a.g) + (float64(b.g)-float64(a.g))*t)),
			int(math.Round(float64(a.b) + (float64(b.b)-float64(a.b))*t)),
		}
	}
	// Scores cluster high: stretch 0.5–1 over the scale.
	t := math.Max(0, math.Min(1, (v-0.5)/0.5))
	if t < 0.5 {
		return mix(lo, mid, t*2)
	}
	return mix(mid, hi, (t-0.5)*2)
}

// Trend panels: three to a row.
const (
	trendCols   = 3
	trendPanelH = 38.0
)

func (d *doc) trendHeight(tr *Trend) float64 {
	rows := (len(tr.Panels) + trendCols - 1) / trendCols
	return float64(rows)*(trendPanelH+4) + 2
}

// trend draws small multiples: one panel per series (the total, then each area), a
// bar per period on the series' own scale (0 to its full score), each bar labelled
// with its value; a missing period leaves a gap marked 未报送.
func (d *doc) trend(tr *Trend) {
	d.need(d.trendHeight(tr))
	gap := 5.0
	pw := (d.g.width - gap*float64(trendCols-1)) / trendCols
	y0 := d.y
	for pi, p := range tr.Panels {
		px := d.g.left + float64(pi%trendCols)*(pw+gap)
		py := y0 + float64(pi/trendCols)*(trendPanelH+4)
		d.setFont(d.tf, 8.5)
		d.color(cText)
		d.text(px, py, pw, p.Name+"（满分"+trim0(p.Max)+"）", "L")
		top := py + d.lh() + 3.5
		d.setFont(d.tf, 7)
		lh := d.lh()
		base := py + trendPanelH - lh - 1
		h := base - top
		d.draw(cRule)
		d.pdf.SetLineWidth(0.15)
		d.pdf.Line(px, base, px+pw, base)
		n := len(tr.X)
		slot := pw / float64(max(n, 1))
		bw := math.Min(slot*0.62, 9)
		for i, v := range p.Values {
			cx := px + slot*(float64(i)+0.5)
			d.color(cMuted)
			d.text(cx-slot/2, base+0.5, slot, shortPeriod(tr.X[i]), "C")
			if v == nil {
				d.text(cx-slot/2, base-lh-0.5, slot, "未报送", "C")
				continue
			}
			r := 0.0
			if p.Max > 0 {
				r = math.Max(0, math.Min(1, *v/p.Max))
			}
			col := cBar
			if i < n-1 {
				col = rgb{0x8f, 0xa8, 0xcf} // earlier periods lighter, this one solid
			}
			d.fill(col)
			if r > 0 {
				d.pdf.Rect(cx-bw/2, base-h*r, bw, h*r, "F")
			}
			d.color(cText)
			d.text(cx-slot/2, base-h*r-lh, slot, f2(*v), "C")
		}
	}
	d.y = y0 + d.trendHeight(tr)
	d.setFont(d.tf, d.g.body)
	d.color(cText)
}

// shortPeriod renders 2019年9月 as 9月 and 2019年1月 (a new year) in full.
func shortPeriod(s string) string {
	if _, m, ok := strings.Cut(s, "年"); ok && m != "1月" {
		return m
	}
	return s
}

// officeZone is the time zone of the dates printed (China Standard Time, no DST).
var officeZone = time.FixedZone("CST", 8*3600)

// dateText renders the 成文日期, e.g. 2026年12月26日, in office time; "" for zero.
func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(officeZone)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}
