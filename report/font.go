package report

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The embedded faces (see fonts/LICENSE and fonts/LICENSE-arphic):
//   - heiFont: face 0 of Debian's fonts-wqy-microhei .ttc (WenQuanYi Micro Hei,
//     Apache-2.0), saved as a standalone TrueType file: 黑体, for 一级标题.
//   - songFont: AR PL UMing CN (明体/Song style), kaiFont: AR PL UKai CN (楷体), face 0
//     of Debian's fonts-arphic-uming/ukai .ttc (Arphic Public License), cut by
//     tools/cutfonts.py to ASCII, GB 2312 and the characters kaohe's texts use.
var (
	//go:embed fonts/wqy-microhei.ttf
	heiFont []byte
	//go:embed fonts/uming.ttf
	songFont []byte
	//go:embed fonts/ukai.ttf
	kaiFont []byte
)

// embeddedFont is the font the font-level tests take apart.
var embeddedFont = heiFont

// ErrMissingGlyphs is wrapped by the error returned when the font lacks a glyph for a
// character that is to be printed.
var ErrMissingGlyphs = errors.New("font has no glyph")

// ttFont is a TrueType font parsed once: enough of it to check coverage and to cut a
// small subset font per document. It is read-only after parsing and safe for
// concurrent use.
type ttFont struct {
	data      []byte
	tables    map[string][]byte
	cmap      map[rune]uint16 // from the (3,1)/(0,x) format 4 subtable: what fpdf reads
	numGlyphs int
	numHMet   int
	longLoca  bool
}

// parseFont parses a TrueType font. It returns an error when data is not a TrueType
// (glyf-outline) font, lacks a table fpdf needs, or has no format 4 Unicode cmap.
func parseFont(data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, errors.New("font: file too short")
	}
	switch v := binary.BigEndian.Uint32(data); v {
	case 0x00010000, 0x74727565: // 1.0, 'true'
	case 0x4F54544F:
		return nil, errors.New("font: OpenType/CFF fonts are not supported, use a TrueType (.ttf) font")
	case 0x74746366:
		return nil, errors.New("font: TrueType collections (.ttc) are not supported, extract one face to a .ttf")
	default:
		return nil, fmt.Errorf("font: not a TrueType font (version %#x)", v)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("font: truncated table directory")
	}
	f := &ttFont{data: data, tables: map[string][]byte{}}
	for i := range n {
		rec := data[12+16*i:]
		tag := string(rec[:4])
		off := int(binary.BigEndian.Uint32(rec[8:]))
		ln := int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || ln < 0 || off+ln > len(data) {
			return nil, fmt.Errorf("font: table %q out of range", tag)
		}
		f.tables[tag] = data[off : off+ln]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "name", "post", "OS/2"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("font: required table %q missing", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 || len(f.tables["post"]) < 32 {
		return nil, errors.New("font: head, hhea, maxp or post table too short")
	}
	f.longLoca = binary.BigEndian.Uint16(head[50:]) == 1
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.numHMet = int(binary.BigEndian.Uint16(hhea[34:]))
	if f.numHMet == 0 || len(f.tables["hmtx"]) < 4*f.numHMet {
		return nil, errors.New("font: bad hmtx")
	}
	ls := 2
	if f.longLoca {
		ls = 4
	}
	if len(f.tables["loca"]) < ls*(f.numGlyphs+1) {
		return nil, errors.New("font: loca too short")
	}
	if err := f.parseCmap(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *ttFont) parseCmap() error {
	c := f.tables["cmap"]
	if len(c) < 4 {
		return errors.New("font: cmap too short")
	}
	n := int(binary.BigEndian.Uint16(c[2:]))
	var sub []byte
	for i := range n {
		if 4+8*i+8 > len(c) {
			break
		}
		rec := c[4+8*i:]
		pid, eid := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		off := int(binary.BigEndian.Uint32(rec[4:]))
		if off+4 > len(c) {
			continue
		}
		// The same choice as fpdf: the first Unicode subtable of format 4.
		if (pid == 3 && eid == 1) || pid == 0 {
			if binary.BigEndian.Uint16(c[off:]) == 4 {
				sub = c[off:]
				break
			}
		}
	}
	if sub == nil {
		return errors.New("font: no Unicode cmap of format 4")
	}
	if len(sub) < 14 {
		return errors.New("font: cmap format 4 too short")
	}
	ln := min(int(binary.BigEndian.Uint16(sub[2:])), len(sub))
	sub = sub[:ln]
	segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
	if 16+8*segs > len(sub) {
		return errors.New("font: cmap format 4 truncated")
	}
	ends := sub[14:]
	starts := sub[16+2*segs:]
	deltas := starts[2*segs:]
	ranges := deltas[2*segs:]
	f.cmap = make(map[rune]uint16, min(f.numGlyphs, 65536))
	next := 0 // segments are sorted and disjoint: the lowest code the next may map
	for s := range segs {
		end := int(binary.BigEndian.Uint16(ends[2*s:]))
		start := int(binary.BigEndian.Uint16(starts[2*s:]))
		start = max(start, next) // ignore overlaps, so a bad table costs at most 64K steps
		next = max(next, end+1)
		delta := int(binary.BigEndian.Uint16(deltas[2*s:]))
		ro := int(binary.BigEndian.Uint16(ranges[2*s:]))
		for ch := start; ch <= end && ch != 0xFFFF; ch++ {
			var g int
			if ro == 0 {
				g = (ch + delta) & 0xFFFF
			} else {
				p := 14 + 6*segs + 2 + 2*s + ro + 2*(ch-start) // position in sub
				if p+2 > len(sub) {
					continue
				}
				g = int(binary.BigEndian.Uint16(sub[p:]))
				if g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			if g != 0 && g < f.numGlyphs {
				f.cmap[rune(ch)] = uint16(g)
			}
		}
	}
	return nil
}

// Has reports whether the font maps r to a glyph.
func (f *ttFont) Has(r rune) bool { _, ok := f.cmap[r]; return ok }

// missing returns the runes of s the font cannot print, sorted and without
// duplicates. Control characters other than tab and newline count as missing.
func (f *ttFont) missing(runes map[rune]bool) []rune {
	var out []rune
	for r := range runes {
		if r == '\n' || r == '\t' || r == ' ' {
			continue
		}
		if !f.Has(r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// missingError names the missing characters, e.g. "font has no glyph for U+1F600 😀".
func missingError(what string, rs []rune) error {
	var b strings.Builder
	for i, r := range rs {
		if i == 20 {
			fmt.Fprintf(&b, " and %d more", len(rs)-20)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "U+%04X %q", r, r)
	}
	return fmt.Errorf("%s: %w for %d character(s): %s", what, ErrMissingGlyphs, len(rs), b.String())
}

func (f *ttFont) glyph(g int) []byte {
	loca := f.tables["loca"]
	var a, b int
	if f.longLoca {
		a, b = int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		a, b = 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	glyf := f.tables["glyf"]
	if a > b || b > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

func (f *ttFont) hmetric(g int) (adv, lsb uint16) {
	h := f.tables["hmtx"]
	if g < f.numHMet {
		return binary.BigEndian.Uint16(h[4*g:]), binary.BigEndian.Uint16(h[4*g+2:])
	}
	adv = binary.BigEndian.Uint16(h[4*(f.numHMet-1):])
	p := 4*f.numHMet + 2*(g-f.numHMet)
	if p+2 <= len(h) {
		lsb = binary.BigEndian.Uint16(h[p:])
	}
	return adv, lsb
}

// Composite glyph flags.
const (
	argsAreWords    = 0x0001
	haveScale       = 0x0008
	moreComponents  = 0x0020
	haveXYScale     = 0x0040
	haveTwoByTwo    = 0x0080
	compositeHeader = 10
)

// components returns the offsets (in the glyph) of the component glyph ids of a
// composite glyph, or nil for a simple one.
func components(gl []byte) []int {
	if len(gl) < compositeHeader || int16(binary.BigEndian.Uint16(gl)) >= 0 {
		return nil
	}
	var offs []int
	p := compositeHeader
	for p+4 <= len(gl) {
		flags := binary.BigEndian.Uint16(gl[p:])
		offs = append(offs, p+2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
	return offs
}

// subset returns a small TrueType font holding only the glyphs of runes (which the
// font must map) and their components, with a format 4 cmap for them, and that cmap
// (each rune's glyph id in the subset). Glyphs keep their original order, so the
// output depends only on the set of runes.
func (f *ttFont) subset(runes []rune) ([]byte, map[rune]uint16, error) {
	want := map[int]bool{0: true}
	var stack []int
	for _, r := range runes {
		g, ok := f.cmap[r]
		if !ok {
			return nil, nil, missingError("subset", []rune{r})
		}
		if !want[int(g)] {
			want[int(g)] = true
			stack = append(stack, int(g))
		}
	}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		gl := f.glyph(g)
		for _, o := range components(gl) {
			c := int(binary.BigEndian.Uint16(gl[o:]))
			if c < f.numGlyphs && !want[c] {
				want[c] = true
				stack = append(stack, c)
			}
		}
	}
	old := make([]int, 0, len(want))
	for g := range want {
		old = append(old, g)
	}
	slices.Sort(old)
	newID := make(map[int]int, len(old))
	for i, g := range old {
		newID[g] = i
	}
	n := len(old)

	size := 0
	for _, g := range old {
		size += (len(f.glyph(g)) + 3) &^ 3
	}
	glyf := make([]byte, 0, size)
	loca := make([]byte, 0, 4*(n+1))
	hmtx := make([]byte, 0, 4*n)
	for _, g := range old {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		gl := f.glyph(g)
		if offs := components(gl); offs != nil {
			gl = slices.Clone(gl)
			for _, o := range offs {
				c := int(binary.BigEndian.Uint16(gl[o:]))
				binary.BigEndian.PutUint16(gl[o:], uint16(newID[c]))
			}
		}
		glyf = append(glyf, gl...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		adv, lsb := f.hmetric(g)
		hmtx = binary.BigEndian.AppendUint16(hmtx, adv)
		hmtx = binary.BigEndian.AppendUint16(hmtx, lsb)
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	post := slices.Clone(f.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)

	// cmap: one segment per run of consecutive runes with consecutive glyph ids.
	rs := slices.Clone(runes)
	slices.Sort(rs)
	rs = slices.Compact(rs)
	runeGlyph := make(map[rune]uint16, len(rs))
	type seg struct{ start, end, delta int }
	var segs []seg
	for _, r := range rs {
		if r > 0xFFFF {
			continue // cannot happen: the format 4 cmap only maps the BMP
		}
		g := newID[int(f.cmap[r])]
		runeGlyph[r] = uint16(g)
		if k := len(segs) - 1; k >= 0 && segs[k].end == int(r)-1 && (segs[k].end+segs[k].delta)&0xFFFF == g-1 {
			segs[k].end++
			continue
		}
		segs = append(segs, seg{int(r), int(r), (g - int(r)) & 0xFFFF})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	ns := len(segs)
	if 16+8*ns > 0xFFFF {
		return nil, nil, fmt.Errorf("subset: %d cmap segments do not fit a format 4 table", ns)
	}
	var sub []byte
	u16 := func(v int) { sub = binary.BigEndian.AppendUint16(sub, uint16(v)) }
	u16(4)
	u16(16 + 8*ns)
	u16(0)
	sr, es := 1, 0
	for sr*2 <= ns {
		sr *= 2
		es++
	}
	u16(2 * ns)
	u16(2 * sr)
	u16(es)
	u16(2*ns - 2*sr)
	for _, s := range segs {
		u16(s.end)
	}
	u16(0)
	for _, s := range segs {
		u16(s.start)
	}
	for _, s := range segs {
		u16(s.delta)
	}
	for range segs {
		u16(0)
	}
	cmap := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	cmap = append(cmap, sub...)

	tables := map[string][]byte{
		"OS/2": f.tables["OS/2"], "cmap": cmap, "glyf": glyf, "head": head, "hhea": hhea,
		"hmtx": hmtx, "loca": loca, "maxp": maxp, "name": f.tables["name"], "post": post,
	}
	return assemble(tables), runeGlyph, nil
}

// assemble writes an sfnt file from its tables.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	sr, es := 1, 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	size := 12 + 16*n
	for _, t := range tags {
		size += (len(tables[t]) + 3) &^ 3
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, size), 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16*sr))
	out = binary.BigEndian.AppendUint16(out, uint16(es))
	out = binary.BigEndian.AppendUint16(out, uint16(16*n-16*sr))
	off := 12 + 16*n
	for _, t := range tags {
		d := tables[t]
		out = append(out, t...)
		out = binary.BigEndian.AppendUint32(out, checksum(d))
		out = binary.BigEndian.AppendUint32(out, uint32(off))
		out = binary.BigEndian.AppendUint32(out, uint32(len(d)))
		off += (len(d) + 3) &^ 3
	}
	for _, t := range tags {
		out = append(out, tables[t]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(d []byte) uint32 {
	var s uint32
	for i := 0; i < len(d); i += 4 {
		var w [4]byte
		copy(w[:], d[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
