package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// noStart holds the characters no line may start with, noEnd those no line may end
// with (basic 避头尾).
const (
	noStart = "，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}"
	noEnd   = "（《「『【〔〈“‘([{"
)

func isNoStart(r rune) bool { return strings.ContainsRune(noStart, r) }
func isNoEnd(r rune) bool   { return strings.ContainsRune(noEnd, r) }

// isWordRune reports whether r continues a Latin word or a number that should not be
// split across lines (a word starts with an ASCII letter or digit): ASCII letters and
// digits and the joiners found in numbers, percentages, dates and cell references
// (72.5%, 2019-09, F2:F38).
func isWordRune(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".%/:-+_#&@'", r))
}

// units are the units a number is kept with on one line, longest first where one
// is the start of another.
var units = []string{
	"个百分点", "个村", "个单位", "万元", "亿元", "平方米", "立方米", "公里", "学时", "千瓦", "万人",
	"元", "万", "亿", "个", "分", "天", "村", "户", "人", "亩", "吨", "米", "项", "次", "家", "处",
	"所", "座", "名", "位", "岁", "年", "月", "日", "时", "倍", "条", "套", "期", "版", "份",
}

// token is an unbreakable unit: one CJK character, a Latin word or number, or a run
// of spaces.
type token struct {
	s     string
	w     float64
	space bool
}

func tokenize(s string, measure func(string) float64) []token {
	toks := make([]token, 0, utf8.RuneCountInString(s)) // at most one token a rune
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= 0x80 {
			r, n = decodeRune(s[i:])
		}
		j := i + n
		switch {
		case r == ' ' || r == '\t':
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			toks = append(toks, token{s: s[i:j], space: true})
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			for j < len(s) && isWordRune(rune(s[j])) {
				j++
			}
			// A number keeps its unit: 3.45万元, 12个百分点, 2026年.
			if unicode.IsDigit(rune(s[j-1])) || s[j-1] == '%' {
				for _, u := range units {
					if strings.HasPrefix(s[j:], u) {
						j += len(u)
						break
					}
				}
			}
			toks = append(toks, token{s: s[i:j]})
		default:
			toks = append(toks, token{s: s[i:j]})
		}
		i = j
	}
	for k := range toks {
		toks[k].w = measure(toks[k].s)
	}
	return toks
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

func firstRune(s string) rune { r, _ := decodeRune(s); return r }

func lastRune(s string) rune {
	var l rune
	for _, r := range s {
		l = r
	}
	return l
}

// wrap breaks s into lines no wider than width, as measured by measure. Newlines in s
// start a new line. It never drops or repeats a character other than the spaces at a
// soft line break; no line starts with a character of noStart nor ends with one of
// noEnd unless a line would otherwise be left empty; a Latin word or number is split
// only when it alone is wider than a line.
func wrap(s string, width float64, measure func(string) float64) []string {
	// Most strings (table cells, labels) are one line that fits: wrapPara would give
	// them back whole. It would drop trailing spaces, so those take the long way.
	if n := len(s); n > 0 && !strings.ContainsAny(s, "\n\r") && s[n-1] != ' ' && s[n-1] != '\t' && measure(s) <= width {
		return []string{s}
	}
	return wrapLines(s, width, measure)
}

// wrapLines is wrap without its shortcut for a line that fits.
func wrapLines(s string, width float64, measure func(string) float64) []string {
	var out []string
	for para := range strings.SplitSeq(s, "\n") {
		out = append(out, wrapPara(strings.TrimRight(para, "\r"), width, measure)...)
	}
	return out
}

func wrapPara(s string, width float64, measure func(string) float64) []string {
	toks := tokenize(s, measure)
	if len(toks) == 0 {
		return []string{""}
	}
	// Split words wider than a line into pieces that fit (rare: ts is toks otherwise).
	ts, split := toks, false
	for i, t := range toks {
		if t.space || t.w <= width || utf8.RuneCountInString(t.s) == 1 {
			if split {
				ts = append(ts, t)
			}
			continue
		}
		if !split {
			ts, split = append(make([]token, 0, len(toks)+8), toks[:i]...), true
		}
		var cur strings.Builder
		var cw float64
		for _, r := range t.s {
			rw := measure(string(r))
			if cw+rw > width && cur.Len() > 0 {
				ts = append(ts, token{s: cur.String(), w: cw})
				cur.Reset()
				cw = 0
			}
			cur.WriteRune(r)
			cw += rw
		}
		ts = append(ts, token{s: cur.String(), w: cw})
	}

	var lines [][]token
	line := make([]token, 0, len(ts))
	var lw float64
	flush := func() {
		// Drop trailing spaces.
		for len(line) > 0 && line[len(line)-1].space {
			line = line[:len(line)-1]
		}
		lines = append(lines, line)
		line, lw = line[len(line):], 0
	}
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.space && len(line) == 0 && len(lines) > 0 {
			continue // no leading spaces after a soft break
		}
		if lw+t.w <= width+1e-9 || len(line) == 0 || t.space {
			line = append(line, t)
			lw += t.w
			continue
		}
		// t starts the next line. Move tokens down while that would put a no-start
		// character at the head of the next line or leave a no-end one at the tail
		// of this one, keeping at least one token here.
		firstOf := func(k int) rune { // first non-space rune of line[k:] + t
			for _, m := range line[k:] {
				if !m.space {
					return firstRune(m.s)
				}
			}
			return firstRune(t.s)
		}
		lastOf := func(k int) rune { // last non-space rune of line[:k]
			for j := k - 1; j >= 0; j-- {
				if !line[j].space {
					return lastRune(line[j].s)
				}
			}
			return 0
		}
		bad := func(k int) bool { return isNoStart(firstOf(k)) || isNoEnd(lastOf(k)) }
		k := len(line)
		for k > 1 && bad(k) {
			k--
		}
		if bad(k) {
			k = len(line) // no good break point: break here all the same
		}
		if k < len(line) && k >= 1 {
			// Only move down if what moves fits on the next line with t.
			var mw float64
			for _, m := range line[k:] {
				mw += m.w
			}
			if mw+t.w <= width+1e-9 {
				i -= len(line) - k
				line = line[:k]
			}
		}
		flush()
		i-- // place t (or the first moved token) on the new line
	}
	flush()
	widow(lines, width)
	out := make([]string, len(lines))
	for k, l := range lines {
		n := 0
		for _, t := range l {
			n += len(t.s)
		}
		var b strings.Builder
		b.Grow(n)
		for _, t := range l {
			b.WriteString(t.s)
		}
		out[k] = b.String()
	}
	return out
}

// widow avoids a last line of a single character (or one character and closing
// punctuation): it moves the previous line's last token down when that keeps the
// 避头尾 rules and leaves at least two tokens above.
func widow(lines [][]token, width float64) {
	n := len(lines)
	if n < 2 {
		return
	}
	last, prev := lines[n-1], lines[n-2]
	chars := 0
	var w float64
	for _, t := range last {
		w += t.w
		if !isNoStart(firstRune(t.s)) {
			chars += utf8.RuneCountInString(t.s)
		}
	}
	if chars != 1 || len(prev) < 3 {
		return
	}
	m := prev[len(prev)-1]
	rest := prev[len(prev)-2]
	if m.space || rest.space || isNoStart(firstRune(m.s)) || isNoEnd(lastRune(rest.s)) || w+m.w > width+1e-9 {
		return
	}
	// prev and last share one backing array, in order: rebuild last.
	moved := make([]token, 0, len(last)+1)
	moved = append(moved, m)
	moved = append(moved, last...)
	lines[n-2] = prev[:len(prev)-1]
	lines[n-1] = moved
}

// fullWidthPunct replaces the ASCII punctuation , ; : ? ( ) next to a Chinese
// character by its full-width form (GB/T 15834): 济宁市委组织部(办公室) becomes
// 济宁市委组织部（办公室）. Punctuation between Latin letters or digits is kept.
func fullWidthPunct(s string) string {
	if !strings.ContainsAny(s, ",;:?()") {
		return s
	}
	rs := []rune(s)
	cjk := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.Is(unicode.Han, rs[i]) || (rs[i] >= 0x3000 && rs[i] < 0x3040) || (rs[i] >= 0xFF00 && rs[i] < 0xFF60) || rs[i] == '“' || rs[i] == '”')
	}
	full := map[rune]rune{',': '，', ';': '；', ':': '：', '?': '？', '(': '（', ')': '）'}
	var open []int // indexes of '(' not yet closed
	for i, r := range rs {
		switch r {
		case ',', ';', ':', '?':
			if cjk(i-1) || cjk(i+1) {
				rs[i] = full[r]
			}
		case '(':
			open = append(open, i)
		case ')':
			if len(open) == 0 {
				if cjk(i - 1) {
					rs[i] = '）'
				}
				continue
			}
			o := open[len(open)-1]
			open = open[:len(open)-1]
			inner := false
			for k := o + 1; k < i; k++ {
				if cjk(k) {
					inner = true
					break
				}
			}
			if inner || cjk(o-1) || cjk(i+1) {
				rs[o], rs[i] = '（', '）'
			}
		}
	}
	return string(rs)
}
