// Package lang checks the Chinese text kaohe writes against GB/T 15834-2011 (标点符号用法):
// between Chinese characters the comma, semicolon, colon, parentheses and question mark
// are the full-width ，；：（）？, not ASCII , ; : ( ) ?.
//
// The rule, precisely: an ASCII , ; : ( ) or ? is wrong when the nearest character other
// than a space on either side of it, within the same text, is Chinese: a Han character or
// a CJK or full-width punctuation mark (U+3000–U+303F, U+FF00–U+FFEF, “ ” and 《 》 are
// among them through U+3000–U+303F and U+201C/U+201D). ASCII punctuation between ASCII
// characters stays: "09:30", "3.5(万元)" is not, "E2:E9", "a@b.c", "%s:%s". A spreadsheet
// reference such as 重点任务!E2 is not affected ('!' is not checked), but it belongs in a
// table of references rather than in a sentence, and "(重点任务!E2)" in a sentence is
// wrong by the rule above.
package lang

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Checked are the ASCII marks that have full-width forms in Chinese text.
const Checked = ",;:()?"

// fullWidth maps each checked ASCII mark to its Chinese form.
var fullWidth = map[rune]rune{',': '，', ';': '；', ':': '：', '(': '（', ')': '）', '?': '？'}

// IsChinese reports whether r is a Han character or CJK / full-width punctuation.
func IsChinese(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) ||
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}

// Problem is one ASCII mark in Chinese text.
type Problem struct {
	Offset  int    // byte offset of the mark in the text
	Mark    rune   // the ASCII mark
	Context string // up to 12 characters either side
}

func (p Problem) String() string {
	return fmt.Sprintf("ASCII %q (want %q) in …%s…", p.Mark, fullWidth[p.Mark], p.Context)
}

// Check returns every ASCII , ; : ( ) ? in s whose nearest non-space neighbour on either
// side is Chinese, and the other parenthesis of a pair one of which is: "(重点任务!E2)" in
// a sentence is two problems.
func Check(s string) []Problem {
	bad := map[int]bool{}
	var open []int // offsets of unmatched '('
	pairs := map[int]int{}
	for i, r := range s {
		if r >= utf8.RuneSelf || !strings.ContainsRune(Checked, r) {
			continue
		}
		if IsChinese(neighbour(s[:i], true)) || IsChinese(neighbour(s[i+1:], false)) {
			bad[i] = true
		}
		switch r {
		case '(':
			open = append(open, i)
		case ')':
			if n := len(open); n > 0 {
				pairs[open[n-1]], pairs[i] = i, open[n-1]
				open = open[:n-1]
			}
		}
	}
	for i := range bad {
		if j, ok := pairs[i]; ok {
			bad[j] = true
		}
	}
	var out []Problem
	for i, r := range s {
		if bad[i] {
			out = append(out, Problem{Offset: i, Mark: r, Context: context(s, i)})
		}
	}
	return out
}

// neighbour returns the nearest rune of s other than a space or tab, from its end when
// fromEnd, else from its start; 0 when there is none (a line break ends the search).
func neighbour(s string, fromEnd bool) rune {
	for s != "" {
		var r rune
		var n int
		if fromEnd {
			r, n = utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-n]
		} else {
			r, n = utf8.DecodeRuneInString(s)
			s = s[n:]
		}
		switch r {
		case ' ', '\t', '\u00a0':
			continue
		case '\n', '\r':
			return 0
		}
		return r
	}
	return 0
}

func context(s string, i int) string {
	a, b := i, i+1
	for k := 0; k < 12 && a > 0; k++ {
		_, n := utf8.DecodeLastRuneInString(s[:a])
		a -= n
	}
	for k := 0; k < 12 && b < len(s); k++ {
		_, n := utf8.DecodeRuneInString(s[b:])
		b += n
	}
	return strings.ReplaceAll(s[a:b], "\n", "⏎")
}

// Fix returns s with every mark Check reports replaced by its full-width form, and the
// spaces around it that the full-width form makes redundant removed (ReplaceMarks).
func Fix(s string) string { return ReplaceMarks(s, FixMarks(s)) }

// IsChineseText reports whether s is Chinese rather than English text with a few Chinese
// words in it: it has at least as many Han characters as ASCII letters. The rule applies to
// Chinese text; English text (log messages, the CLI's help) keeps ASCII punctuation
// around a quoted Chinese term: "kaohe (考核) turns".
func IsChineseText(s string) bool {
	han, latin := 0, 0
	verb := false // in a fmt verb: %s, %.1f, %[1]d
	for _, r := range s {
		if verb {
			if r < utf8.RuneSelf && unicode.IsLetter(r) {
				verb = false
			}
			continue
		}
		switch {
		case r == '%':
			verb = true
		case unicode.Is(unicode.Han, r):
			han++
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			latin++
		}
	}
	return han > 0 && han >= latin
}

// FixMarks returns the marks of s that Check reports, by their order among all the
// checked marks of s: [0, 3] means the first and the fourth , ; : ( ) ? of s.
func FixMarks(s string) []int {
	bad := map[int]bool{}
	for _, p := range Check(s) {
		bad[p.Offset] = true
	}
	var out []int
	k := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(Checked, s[i]) >= 0 {
			if bad[i] {
				out = append(out, k)
			}
			k++
		}
	}
	return out
}

// ReplaceMarks returns s with the marks numbered in which (as FixMarks numbers them)
// replaced by their full-width forms. A full-width mark carries its own spacing, so the
// spaces after a replaced , ; : ? ) and before a replaced ( go: "E5: 说明" becomes
// "E5：说明", "报送 (第2版)" becomes "报送（第2版）".
func ReplaceMarks(s string, which []int) string {
	want := map[int]bool{}
	for _, k := range which {
		want[k] = true
	}
	var b []byte
	k := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(Checked, c) >= 0 {
			k++
			if want[k-1] {
				if c == '(' {
					for len(b) > 0 && b[len(b)-1] == ' ' {
						b = b[:len(b)-1]
					}
				}
				b = utf8.AppendRune(b, fullWidth[rune(c)])
				if c != '(' {
					for i+1 < len(s) && s[i+1] == ' ' {
						i++
					}
				}
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// badTerms are words kaohe does not write, each with the one term it uses for the concept.
var badTerms = []struct{ bad, good string }{
	{"等级", "等次"},
	{"列第", "第N名（不用“列第N位”）"},
	{"个县市区", "县（市、区）和功能区 (或 县（市、区）)"},
	{"党委组织部", "中共XX委组织部 / XX党工委组织部 (roster org)"},
}

// BadTerms returns a note for each word of s that has another term in kaohe's text: 等次
// (not 等级), 第N名 (not 列第N位), 县（市、区）和功能区 (not 县市区 for a count of units),
// the unit's org (not XX党委组织部).
func BadTerms(s string) []string {
	var out []string
	for _, t := range badTerms {
		if strings.Contains(s, t.bad) {
			out = append(out, fmt.Sprintf("%q: write %s", t.bad, t.good))
		}
	}
	return out
}
