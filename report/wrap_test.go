package report

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// unitWidth measures ASCII as 0.5 and everything else as 1.
func unitWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x80 {
			w += 0.5
		} else {
			w++
		}
	}
	return w
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		width float64
		want  []string
	}{
		{"fits", "乡村振兴", 10, []string{"乡村振兴"}},
		{"plain", "一二三四五六七八九十", 4, []string{"一二三四", "五六七八", "九十"}},
		{"no comma at line start", "一二三四，五六", 4, []string{"一二三", "四，五六"}},
		{"no two punctuation at line start", "一二三四。）五六", 4, []string{"一二三", "四。）", "五六"}}, // no single character alone on the last line
		{"no opening bracket at line end", "一二三（四五）", 4, []string{"一二三", "（四五）"}},
		{"opening quote", "一二三“四五”六", 4, []string{"一二三", "“四五”", "六"}},
		{"ascii punctuation", "一二三四,五", 4, []string{"一二三", "四,五"}},
		{"number kept whole", "完成率达到72.5%以上", 6, []string{"完成率达到", "72.5%以上"}},
		{"cell ref kept whole", "台账F2:F38", 4, []string{"台账", "F2:F38"}},
		{"long word split", "ABCDEFGHIJKL", 3, []string{"ABCDEF", "GHIJKL"}},
		{"latin words at spaces", "the quick brown fox", 5, []string{"the quick", "brown fox"}},
		{"newline", "一二\n三四", 10, []string{"一二", "三四"}},
		{"empty", "", 10, []string{""}},
		{"only punctuation", "。。。。。。", 2, []string{"。。", "。。", "。。"}},
		{"colon after space", "一二 :8", 2, []string{"一", "二 :", "8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap(tc.in, tc.width, unitWidth)
			if !slices.Equal(got, tc.want) {
				t.Errorf("wrap(%q, %v) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
		})
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

var (
	cjkPool   = []rune("乡村振兴重点工作任务清单产业人才文化生态组织的一是在有")
	punctPool = []rune("，。、；：？！）》」,.;:?!)]（《「([“”")
	asciiPool = []rune("abcXYZ0123456789.%")
)

func randomText(rng *rand.Rand, n int, strict bool) string {
	var b strings.Builder
	punctRun := 0
	for range n {
		switch k := rng.IntN(10); {
		case k < 6:
			b.WriteRune(cjkPool[rng.IntN(len(cjkPool))])
			punctRun = 0
		case k < 8:
			if strict && punctRun >= 2 {
				b.WriteRune(cjkPool[0])
				punctRun = 0
				continue
			}
			b.WriteRune(punctPool[rng.IntN(len(punctPool))])
			punctRun++
		case k < 9:
			m := 1 + rng.IntN(4)
			if !strict {
				m = 1 + rng.IntN(30)
			}
			for range m {
				b.WriteRune(asciiPool[rng.IntN(len(asciiPool))])
			}
			punctRun = 0
		default:
			b.WriteRune(' ')
		}
	}
	return b.String()
}

// TestWrapProperties checks over random CJK/ASCII text that no character is lost or
// repeated, no line is too wide unless it holds a single character, and (for text
// whose punctuation runs are short and words fit a line) 避头尾 holds everywhere.
func TestWrapProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		strict := i%2 == 0
		s := randomText(rng, rng.IntN(120), strict)
		width := float64(6 + rng.IntN(20))
		lines := wrap(s, width, unitWidth)
		if got, want := stripSpace(strings.Join(lines, "")), stripSpace(s); got != want {
			t.Fatalf("wrap(%q, %v) lost or repeated characters:\n got %q\nwant %q", s, width, got, want)
		}
		for k, l := range lines {
			if unitWidth(l) > width+1e-9 && len([]rune(l)) > 1 {
				t.Fatalf("wrap(%q, %v): line %d %q is %v wide", s, width, k, l, unitWidth(l))
			}
			if !strict || l == "" {
				continue
			}
			if k > 0 && isNoStart(firstRune(l)) {
				t.Fatalf("wrap(%q, %v): line %d %q starts with %q; lines %q", s, width, k, l, firstRune(l), lines)
			}
			if k < len(lines)-1 && isNoEnd(lastRune(l)) {
				t.Fatalf("wrap(%q, %v): line %d %q ends with %q; lines %q", s, width, k, l, lastRune(l), lines)
			}
		}
	}
}

func FuzzWrap(f *testing.F) {
	for _, s := range []string{"乡村振兴，重点工作。", "集体经济收入≥5万元的村占72%,目标80%,得9.0/10分(村级台账!F2:F38)", "（一）“三权分置”", "abc def\n一二"} {
		f.Add(s, 8.0)
	}
	f.Fuzz(func(t *testing.T, s string, width float64) {
		if width < 1 || width > 1000 || !utf8Valid(s) {
			t.Skip()
		}
		lines := wrap(s, width, unitWidth)
		if got, want := stripSpace(strings.Join(lines, "")), stripSpace(s); got != want {
			t.Fatalf("lost or repeated characters: got %q want %q", got, want)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestWrapShortcut checks that wrap's shortcut for a line that fits gives what the full
// algorithm gives, over random text, widths around the text's own width, and the edge
// cases of spaces, tabs and line ends.
func TestWrapShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var cases []string
	for i := range 3000 {
		cases = append(cases, randomText(rng, rng.IntN(40), i%2 == 0))
	}
	cases = append(cases, "", " ", "a ", " a", "\ta\t", "一二 ", "一\r", "一\n二", "(一)", "72.5%", "得分率 ", "  ")
	for _, s := range cases {
		w := unitWidth(s)
		for _, width := range []float64{w - 1, w - 0.5, w, w + 0.5, w + 3, 1, 4} {
			if width < 1 {
				continue
			}
			if got, want := wrap(s, width, unitWidth), wrapLines(s, width, unitWidth); !slices.Equal(got, want) {
				t.Fatalf("wrap(%q, %v) = %q, full algorithm %q", s, width, got, want)
			}
		}
	}
}
