// Package report renders the assessment results as PDF reports — one per county and a
// summary for leaders — with vector charts and CJK typesetting on an embedded font,
// and the league table as an Excel workbook.
//
// The content of each report is built first as a Model (tested by golden files);
// the Renderer then typesets it. The font is parsed once per Renderer; each document
// embeds a subset of it cut to the characters that document prints.
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
	Office    string           // issuing office, printed in the page header; empty: the checklist's issuer
	FontTTF   []byte           // a TrueType font; nil: the embedded WenQuanYi Micro Hei
	TaskTexts bool             // append the full text of every task to county reports
	Context   Context          // unit types, late rules, contact (model.go); its Checklist and Office default to these
}

// Renderer typesets reports. It holds the parsed font and is safe for concurrent use.
type Renderer struct {
	opt     Options
	font    *ttFont
	metrics *fpdf.UTF8FontMetrics // the font's widths and metrics, as fpdf reads them, shared by every document
	arrows  bool                  // the font has ↑ and ↓
}

// NewRenderer parses the font and checks that it can print every fixed label and, when
// TaskTexts is set, every task text. It returns an error when the font is not a
// usable TrueType font or lacks glyphs (wrapping ErrMissingGlyphs).
func NewRenderer(o Options) (*Renderer, error) {
	if o.Checklist == nil {
		o.Checklist = seeds.DefaultChecklist()
	}
	if o.Office == "" {
		o.Office = o.Checklist.Issuer
	}
	if o.Context.Checklist == nil {
		o.Context.Checklist = o.Checklist
	}
	if o.Context.Office == "" {
		o.Context.Office = o.Office
	}
	data := o.FontTTF
	if data == nil {
		data = embeddedFont
	}
	f, err := parseFont(data)
	if err != nil {
		return nil, err
	}
	m, err := fpdf.ParseUTF8FontMetrics(data)
	if err != nil {
		return nil, fmt.Errorf("report font: %w", err)
	}
	r := &Renderer{opt: o, font: f, metrics: m}
	need := map[rune]bool{}
	addRunes(need, chrome)
	addRunes(need, o.Office)
	// Without ↑↓ the league table draws triangles instead.
	r.arrows = f.Has('↑') && f.Has('↓')
	delete(need, '↑')
	delete(need, '↓')
	if o.TaskTexts {
		for _, t := range o.Checklist.Tasks() {
			addRunes(need, t.ID+t.Title+t.Text)
		}
	}
	if miss := f.missing(need); len(miss) > 0 {
		return nil, missingError("report font", miss)
	}
	return r, nil
}

// chrome holds every character the renderer prints besides the model's text: page
// numbers, scores, percentages and fixed labels. Each document's font subset is cut to
// its model's text and these, so a character here that no page prints costs bytes in
// every report (the whole of ASCII was ~12 KB of glyphs).
const chrome = " %+-./0123456789:" +
	"第页共分得率总绿黄红附：任务原文—…、，。（）《》“”↑↓·"

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

// Summary renders the summary report for leaders. It returns an error when the font
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

// Page geometry, in mm.
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 18.0
	top          = 24.0
	bottom       = pageH - 18.0
	textW        = pageW - 2*marginX
	fontFamily   = "wqy"
	ptMM         = 25.4 / 72
	nbAlias      = "{nb}" // the page count in the footer
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
	toneRGB = map[string]rgb{
		"优秀":  {0xe6, 0xf4, 0xea},
		"良好":  {0xea, 0xf1, 0xfb},
		"一般":  {0xfd, 0xf6, 0xe0},
		"较差":  {0xfb, 0xe9, 0xe9},
		"未报送": {0xee, 0xee, 0xee},
	}
	seriesRGB = []rgb{
		{0xb2, 0x1f, 0x24}, {0x2f, 0x55, 0x97}, {0x2e, 0x9e, 0x4f}, {0xc5, 0x8b, 0x00},
		{0x7b, 0x4f, 0x9d}, {0x1b, 0x8a, 0x95}, {0x6d, 0x6d, 0x6d},
	}
)

// doc is one document being typeset.
type doc struct {
	pdf    *fpdf.Fpdf
	m      *Model
	runes  map[rune]bool
	cw     map[rune]int // glyph widths in 1/1000 em
	size   float64      // current font size, pt
	arrows bool         // the font has ↑ and ↓
	y      float64
	err    error
}

// render typesets a model into PDF bytes.
func (r *Renderer) render(m *Model) ([]byte, error) {
	// Every character the document may print: the model's text and the chrome.
	runes := map[rune]bool{}
	addRunes(runes, chrome)
	m.eachString(func(s string) { addRunes(runes, s) })
	delete(runes, '\n')
	delete(runes, '\r')
	delete(runes, '\t')
	if !r.arrows {
		delete(runes, '↑')
		delete(runes, '↓')
	}
	if miss := r.font.missing(runes); len(miss) > 0 {
		return nil, missingError(fmt.Sprintf("report %s %s", m.Kind, m.Subtitle), miss)
	}
	list := make([]rune, 0, len(runes))
	for c := range runes {
		list = append(list, c)
	}
	sub, runeGlyph, err := r.font.subset(list)
	if err != nil {
		return nil, err
	}

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true) // third_party/fpdf reuses its (klauspost) zlib writers
	pdf.SetCatalogSort(true)
	date := periodDate(m.Period)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetTitle(m.Title+" "+m.Subtitle+" "+periodText(m.Period), true)
	pdf.SetAuthor(m.Office, true)
	pdf.SetCreator("kaohe", true)
	pdf.SetProducer("kaohe", true)
	pdf.SetMargins(marginX, top, marginX)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages(nbAlias)
	pdf.AddUTF8FontSubsetWith(fontFamily, "", r.metrics, sub, runeGlyph)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: loading font: %w", err)
	}
	d := &doc{pdf: pdf, m: m, runes: runes, cw: map[rune]int{}, arrows: r.arrows}
	pdf.SetHeaderFunc(d.header)
	pdf.SetFooterFunc(d.footer)
	d.setFont(10.5)
	d.newPage()
	d.title()
	for i := range m.Blocks {
		d.block(&m.Blocks[i])
	}
	if d.err != nil {
		return nil, d.err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: writing PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// periodDate is the fixed creation date of a period's reports: the first day of the
// month after it (UTC), so that the same inputs give the same bytes.
func periodDate(p string) time.Time {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.AddDate(0, 1, 0)
}

func (d *doc) setFont(pt float64) {
	d.size = pt
	d.pdf.SetFont(fontFamily, "", pt)
}

func (d *doc) color(c rgb) { d.pdf.SetTextColor(c.r, c.g, c.b) }
func (d *doc) fill(c rgb)  { d.pdf.SetFillColor(c.r, c.g, c.b) }
func (d *doc) draw(c rgb)  { d.pdf.SetDrawColor(c.r, c.g, c.b) }

// lh is the line height of the current font size, in mm.
func (d *doc) lh() float64 { return d.size * ptMM * 1.45 }

// measure returns the width of s in mm at the current font size.
func (d *doc) measure(s string) float64 {
	w := 0
	for _, r := range s {
		cw, ok := d.cw[r]
		if !ok {
			cw = d.pdf.GetStringSymbolWidth(string(r))
			d.cw[r] = cw
		}
		w += cw
	}
	return float64(w) * d.size * ptMM / 1000
}

// text prints s at (x, y) (top of the line) in a box of width w aligned by align.
func (d *doc) text(x, y, w float64, s, align string) {
	// The page-count alias is replaced by digits when the PDF is written.
	for _, r := range strings.ReplaceAll(s, nbAlias, "") {
		if !d.runes[r] && d.err == nil {
			d.err = fmt.Errorf("report: internal error: %q (U+%04X) printed but not in the font subset", r, r)
		}
	}
	if s == "" {
		return // CellFormat would print nothing
	}
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, d.lh(), s, "", 0, align+"M", false, 0, "")
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = top
}

// need starts a new page unless h mm fit below the current position.
func (d *doc) need(h float64) bool {
	if d.y+h > bottom {
		d.newPage()
		return true
	}
	return false
}

func (d *doc) header() {
	save := d.size
	d.setFont(8)
	d.color(cMuted)
	d.text(marginX, 10, textW/2, d.m.Office, "L")
	d.text(marginX+textW/2, 10, textW/2, periodText(d.m.Period)+" · "+d.m.Subtitle, "R")
	d.draw(cRed)
	d.pdf.SetLineWidth(0.35)
	d.pdf.Line(marginX, 15.5, pageW-marginX, 15.5)
	d.pdf.SetLineWidth(0.1)
	d.pdf.Line(marginX, 16.3, pageW-marginX, 16.3)
	d.setFont(save)
	d.color(cText)
}

func (d *doc) footer() {
	save := d.size
	d.setFont(8)
	d.color(cMuted)
	d.text(marginX, pageH-12, textW, fmt.Sprintf("第 %d 页 共 %s 页", d.pdf.PageNo(), nbAlias), "C")
	d.setFont(save)
	d.color(cText)
}

func (d *doc) title() {
	d.setFont(18)
	d.color(cRed)
	for _, l := range wrap(d.m.Title, textW, d.measure) {
		d.text(marginX, d.y, textW, l, "C")
		d.y += d.lh()
	}
	d.setFont(12)
	d.color(cText)
	d.y += 1
	d.text(marginX, d.y, textW, d.m.Subtitle+"  "+periodText(d.m.Period), "C")
	d.y += d.lh() + 4
}

func (d *doc) block(b *Block) {
	switch b.Kind {
	case BlockHeading:
		d.setFont(12)
		// Keep a heading with at least a few lines of what follows.
		d.need(d.lh() + 22)
		d.y += 2
		d.color(cRed)
		d.fill(cRed)
		d.pdf.Rect(marginX, d.y+1.2, 1.2, d.lh()-2.4, "F")
		d.color(cText)
		d.paragraph(b.Text, marginX+3, textW-3, "L")
		d.y += 1.5
	case BlockText:
		d.setFont(10.5)
		d.paragraph(b.Text, marginX, textW, "L")
		d.y += 1.5
	case BlockFacts:
		d.facts(b.Facts)
	case BlockBars:
		d.bars(b.Bars)
	case BlockTable:
		d.table(b.Table)
	case BlockLines:
		d.lines(b.Lines)
	}
}

func (d *doc) paragraph(s string, x, w float64, align string) {
	for _, l := range wrap(s, w, d.measure) {
		d.need(d.lh())
		d.text(x, d.y, w, l, align)
		d.y += d.lh()
	}
}

func (d *doc) facts(fs []Fact) {
	d.setFont(10.5)
	const lw = 30.0
	lh := d.lh()
	d.draw(cRule)
	d.pdf.SetLineWidth(0.2)
	d.need(lh + 2)
	d.pdf.Line(marginX, d.y, pageW-marginX, d.y)
	d.y += 1
	for _, f := range fs {
		lines := wrap(f.Value, textW-lw-2, d.measure)
		d.need(float64(len(lines)) * lh)
		d.color(cMuted)
		d.text(marginX, d.y, lw, f.Label, "L")
		d.color(cText)
		for _, l := range lines {
			d.need(lh)
			d.text(marginX+lw+2, d.y, textW-lw-2, l, "L")
			d.y += lh
		}
	}
	d.y += 1
	d.pdf.Line(marginX, d.y, pageW-marginX, d.y)
	d.y += 3
}

func (d *doc) bars(bs []Bar) {
	d.setFont(9.5)
	const labelW, valueW, rowH = 42.0, 26.0, 8.0
	trackW := textW - labelW - valueW - 4
	d.need(float64(len(bs))*rowH + 10)
	y0 := d.y
	for i, b := range bs {
		y := y0 + float64(i)*rowH
		d.color(cText)
		d.text(marginX, y+(rowH-d.lh())/2, labelW, b.Label, "L")
		x := marginX + labelW
		d.fill(cTrack)
		d.pdf.Rect(x, y+2, trackW, rowH-4, "F")
		ratio := 0.0
		if b.Weight > 0 {
			ratio = math.Max(0, math.Min(1, b.Score/b.Weight))
		}
		d.fill(cBar)
		if ratio > 0 {
			d.pdf.Rect(x, y+2, trackW*ratio, rowH-4, "F")
		}
		d.text(x+trackW+2, y+(rowH-d.lh())/2, valueW, f1(b.Score)+" / "+trim0(b.Weight)+"分", "L")
	}
	// Scale: 0, 50%, 100% of each area's weight.
	d.setFont(7.5)
	d.color(cMuted)
	d.draw(cRule)
	d.pdf.SetLineWidth(0.1)
	yb := y0 + float64(len(bs))*rowH
	for _, p := range []float64{0, 0.5, 1} {
		x := marginX + labelW + trackW*p
		d.pdf.Line(x, y0, x, yb+0.8)
		d.text(x-10, yb+0.8, 20, fmt.Sprintf("%d%%", int(p*100)), "C")
	}
	d.y = yb + d.lh() + 3
	d.setFont(10.5)
}

const cellPadX, cellPadY = 1.2, 1.0

// table draws t, repeating its header on each new page and splitting a row across
// pages only when it is taller than what a page holds.
func (d *doc) table(t *Table) {
	size := 8.5
	if len(t.Columns) > 8 {
		size = 8
	}
	d.setFont(size)
	lh := d.lh()
	ws := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		ws[i] = c.Width * textW
	}
	dot := lh * 0.45
	cellW := func(i int) float64 {
		w := ws[i] - 2*cellPadX
		if t.Columns[i].Light {
			w -= dot + 1
		}
		return w
	}
	headLines := make([][]string, len(t.Columns))
	headN := 1
	for i, c := range t.Columns {
		headLines[i] = wrap(c.Title, ws[i]-2*cellPadX, d.measure)
		headN = max(headN, len(headLines[i]))
	}
	headH := float64(headN)*lh + 2*cellPadY
	drawHead := func() {
		x := marginX
		d.fill(cHeadBg)
		d.draw(cRule)
		d.pdf.SetLineWidth(0.15)
		for i := range t.Columns {
			d.pdf.Rect(x, d.y, ws[i], headH, "FD")
			d.color(cText)
			off := (headH - 2*cellPadY - float64(len(headLines[i]))*lh) / 2
			for k, l := range headLines[i] {
				d.text(x+cellPadX, d.y+cellPadY+off+float64(k)*lh, ws[i]-2*cellPadX, l, "C")
			}
			x += ws[i]
		}
		d.y += headH
	}
	d.need(headH + lh + 2*cellPadY)
	drawHead()
	for ri := range t.Rows {
		row := &t.Rows[ri]
		cells := make([][]string, len(t.Columns))
		n := 1
		for i := range t.Columns {
			s := ""
			if i < len(row.Cells) {
				s = row.Cells[i]
			}
			cells[i] = wrap(s, cellW(i), d.measure)
			n = max(n, len(cells[i]))
		}
		from := 0
		for from < n {
			avail := int((bottom - d.y - 2*cellPadY) / lh)
			rest := n - from
			fitsFresh := int((bottom-top-headH-2*cellPadY)/lh) >= rest
			if avail < rest && (fitsFresh || avail < 3) {
				d.newPage()
				drawHead()
				continue
			}
			k := min(rest, avail)
			d.row(t, row, cells, ws, from, from+k, n, lh, dot)
			from += k
			if from < n {
				d.newPage()
				drawHead()
			}
		}
	}
	d.y += 3
	d.setFont(10.5)
}

// row draws lines [from, to) of a row (of n lines) at the current position.
func (d *doc) row(t *Table, row *Row, cells [][]string, ws []float64, from, to, n int, lh, dot float64) {
	h := float64(to-from)*lh + 2*cellPadY
	x := marginX
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

func (d *doc) lines(lc *LineChart) {
	const chartH, padL, padB = 62.0, 12.0, 8.0
	d.setFont(7.5)
	legendRows := (len(lc.Series) + 2) / 3
	total := chartH + padB + float64(legendRows+1)*d.lh() + 6
	d.need(total)
	d.color(cMuted)
	d.text(marginX, d.y, textW, lc.YLabel, "L")
	d.y += d.lh()
	x0, y0 := marginX+padL, d.y+2
	w, h := textW-padL-4, chartH
	d.draw(cRule)
	d.pdf.SetLineWidth(0.1)
	d.color(cMuted)
	for v := 0; v <= 100; v += 20 {
		y := y0 + h - h*float64(v)/100
		d.pdf.Line(x0, y, x0+w, y)
		d.text(x0-padL, y-d.lh()/2, padL-1.5, fmt.Sprint(v), "R")
	}
	n := len(lc.X)
	xAt := func(i int) float64 {
		if n == 1 {
			return x0 + w/2
		}
		return x0 + 6 + (w-12)*float64(i)/float64(n-1)
	}
	for i, p := range lc.X {
		d.pdf.Line(xAt(i), y0+h, xAt(i), y0+h+1)
		d.text(xAt(i)-15, y0+h+1.5, 30, p, "C")
	}
	yAt := func(v float64) float64 { return y0 + h - h*math.Max(0, math.Min(100, v))/100 }
	for si, s := range lc.Series {
		c := seriesRGB[si%len(seriesRGB)]
		d.draw(c)
		d.fill(c)
		lw := 0.35
		if si == 0 {
			lw = 0.7
		}
		d.pdf.SetLineWidth(lw)
		for i := 1; i < len(s.Values); i++ {
			if s.Values[i-1] != nil && s.Values[i] != nil {
				d.pdf.Line(xAt(i-1), yAt(*s.Values[i-1]), xAt(i), yAt(*s.Values[i]))
			}
		}
		for i, v := range s.Values {
			if v != nil {
				d.pdf.Circle(xAt(i), yAt(*v), lw+0.35, "F")
			}
		}
	}
	// Legend, three to a row.
	ly := y0 + h + padB
	colW := textW / 3
	for si, s := range lc.Series {
		c := seriesRGB[si%len(seriesRGB)]
		lx := marginX + colW*float64(si%3)
		yy := ly + float64(si/3)*d.lh()
		d.draw(c)
		d.pdf.SetLineWidth(0.6)
		d.pdf.Line(lx+2, yy+d.lh()/2, lx+9, yy+d.lh()/2)
		d.color(cText)
		d.text(lx+11, yy, colW-12, s.Name, "L")
	}
	d.color(cMuted)
	d.y = ly + float64(legendRows)*d.lh() + 4
	d.setFont(10.5)
	d.color(cText)
}
