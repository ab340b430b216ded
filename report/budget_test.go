package report

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	cidFontDict = regexp.MustCompile(`/Subtype /CIDFontType2\n/BaseFont /(\w+)\n[^>]*?/DW (\d+)\n/W \[([^/]*)\]\n/CIDToGIDMap`)
	baseFonts   = regexp.MustCompile(`/Subtype /Type0\n/BaseFont /(\w+)`)
)

// cidWidths returns the widths a CID font's /W array lists, one per CID.
func cidWidths(t *testing.T, w string) []int {
	t.Helper()
	toks := strings.Fields(strings.NewReplacer("[", " [ ", "]", " ] ").Replace(w))
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("/W [%s]: %v", w, err)
		}
		return n
	}
	var ws []int
	for i := 0; i < len(toks); {
		if i+1 < len(toks) && toks[i+1] == "[" { // c [w1 w2 …]
			i += 2
			for ; toks[i] != "]"; i++ {
				ws = append(ws, num(toks[i]))
			}
			i++
			continue
		}
		if i+2 >= len(toks) {
			t.Fatalf("/W [%s]: truncated", w)
		}
		c1, c2, wd := num(toks[i]), num(toks[i+1]), num(toks[i+2]) // c1 c2 w
		for range c2 - c1 + 1 {
			ws = append(ws, wd)
		}
		i += 3
	}
	return ws
}

// TestFontBytes: a document embeds only the faces it prints in (no 楷体 in a county
// report, which sets everything in 黑体 and its title in Song), and a CID font's /W lists
// no width equal to its /DW (a CJK face's ideographs all have the default width: listing
// them took ~9 KB of a county report).
func TestFontBytes(t *testing.T) {
	res, hist := demoMonth(t)
	r := testRenderer(t, false)
	county, err := r.County(res, res.Counties[0].Code, hist)
	if err != nil {
		t.Fatal(err)
	}
	summary, err := r.Summary(res, hist)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		pdf   []byte
		faces []string
	}{
		{"county", county, []string{"utf8hei", "utf8song"}},
		{"summary", summary, []string{"utf8hei", "utf8kai", "utf8song"}},
	} {
		var got []string
		for _, m := range baseFonts.FindAllSubmatch(c.pdf, -1) {
			got = append(got, string(m[1]))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.faces) {
			t.Errorf("%s embeds %v, want %v", c.name, got, c.faces)
		}
		dicts := cidFontDict.FindAllSubmatch(c.pdf, -1)
		if len(dicts) != len(c.faces) {
			t.Errorf("%s: %d CID font dictionaries, want %d", c.name, len(dicts), len(c.faces))
		}
		for _, m := range dicts {
			dw, _ := strconv.Atoi(string(m[2]))
			ws := cidWidths(t, string(m[3]))
			if len(ws) == 0 {
				t.Errorf("%s %s: empty /W", c.name, m[1])
			}
			if slices.Contains(ws, dw) {
				t.Errorf("%s %s: /W lists the default width %d", c.name, m[1], dw)
			}
		}
	}
}
