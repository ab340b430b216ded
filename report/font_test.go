package report

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jining/kaohe/seeds"
)

func TestEmbeddedFontCoverage(t *testing.T) {
	f, err := parseFont(embeddedFont)
	if err != nil {
		t.Fatal(err)
	}
	// Everything the reports print from the checklist, and the symbols we rely on.
	var need strings.Builder
	need.WriteString(chrome)
	cl := seeds.DefaultChecklist()
	for _, tk := range cl.Tasks() {
		need.WriteString(tk.ID + tk.Title + tk.Target + tk.Text)
	}
	for _, c := range seeds.DefaultRoster().Counties {
		need.WriteString(c.Name)
		for _, v := range c.Villages {
			need.WriteString(v.Town + v.Name)
		}
	}
	m := map[rune]bool{}
	addRunes(m, need.String())
	if miss := f.missing(m); len(miss) > 0 {
		t.Errorf("embedded font lacks %q", string(miss))
	}
	for _, r := range []rune{'😀', '𠀀', '\U0002A6A5'} {
		if f.Has(r) {
			t.Errorf("font claims a glyph for %U", r)
		}
	}
}

func TestMissingGlyphs(t *testing.T) {
	_, err := NewRenderer(Options{Office: "济宁市😀办公室"})
	if !errors.Is(err, ErrMissingGlyphs) || !strings.Contains(err.Error(), "U+1F600") {
		t.Fatalf("NewRenderer with an emoji in Office: err = %v, want ErrMissingGlyphs naming U+1F600", err)
	}

	r := testRenderer(t, false)
	res := fixture()
	res.Counties[0].Villages[0].Short[0].Villages[0] = "𠀀家庄村(3)" // a CJK Ext-B character
	_, err = r.County(res, res.Counties[0].Code, nil)
	if !errors.Is(err, ErrMissingGlyphs) || !strings.Contains(err.Error(), "U+20000") {
		t.Fatalf("County with an Ext-B village name: err = %v, want ErrMissingGlyphs naming U+20000", err)
	}
	if _, err := r.County(res, res.Counties[1].Code, nil); err != nil {
		t.Errorf("another county's report must not be affected: %v", err)
	}
}

func TestParseFontRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte("abc"), "too short"},
		{"ttc", append([]byte("ttcf"), make([]byte, 20)...), ".ttc"},
		{"otf", append([]byte("OTTO"), make([]byte, 20)...), "CFF"},
		{"garbage", bytes.Repeat([]byte{0x55}, 100), "not a TrueType"},
		{"truncated", embeddedFont[:1000], "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFont(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if _, err := NewRenderer(Options{FontTTF: tc.data}); err == nil {
				t.Fatal("NewRenderer accepted a bad font")
			}
		})
	}
}

func TestSubset(t *testing.T) {
	f, err := parseFont(embeddedFont)
	if err != nil {
		t.Fatal(err)
	}
	runes := []rune("乡村振兴ABC123，。↑↓绿黄红")
	b, runeGlyph, err := f.subset(runes)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 60_000 {
		t.Errorf("subset of %d runes is %d bytes", len(runes), len(b))
	}
	s, err := parseFont(b)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	if len(s.cmap) != len(runes) || len(runeGlyph) != len(runes) {
		t.Errorf("subset maps %d runes (says %d), want %d", len(s.cmap), len(runeGlyph), len(runes))
	}
	for _, r := range runes {
		g, ok := s.cmap[r]
		if !ok {
			t.Fatalf("subset lacks %q", r)
		}
		if runeGlyph[r] != g { // what fpdf is told the subset's cmap is
			t.Errorf("%q: subset says glyph %d, its cmap %d", r, runeGlyph[r], g)
		}
		og := int(f.cmap[r])
		if !bytes.Equal(s.glyph(int(g)), f.glyph(og)) && components(f.glyph(og)) == nil {
			t.Errorf("%q: glyph data differs", r)
		}
		a1, l1 := s.hmetric(int(g))
		a2, l2 := f.hmetric(og)
		if a1 != a2 || l1 != l2 {
			t.Errorf("%q: metrics %d/%d, want %d/%d", r, a1, l1, a2, l2)
		}
	}
	// The same set in another order gives the same bytes.
	b2, _, err := f.subset([]rune("红黄绿↓↑。，321CBA兴振村乡"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("subset depends on the order of the runes")
	}
	if _, _, err := f.subset([]rune{'😀'}); !errors.Is(err, ErrMissingGlyphs) {
		t.Errorf("subset of a missing rune: err = %v", err)
	}
}

func TestConfiguredFont(t *testing.T) {
	// A configured TTF replaces the embedded one: a subset lacking most characters
	// must make rendering fail, naming what is missing.
	f, err := parseFont(embeddedFont)
	if err != nil {
		t.Fatal(err)
	}
	small, _, err := f.subset([]rune(chrome + "济宁市办公室"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(Options{FontTTF: small, Office: "济宁市办公室"})
	if err != nil {
		t.Fatal(err)
	}
	res := fixture()
	_, err = r.Summary(res, nil)
	if !errors.Is(err, ErrMissingGlyphs) || !strings.Contains(err.Error(), "U+4E61 '乡'") {
		t.Fatalf("err = %v, want ErrMissingGlyphs naming 乡", err)
	}
}

func FuzzParseFont(f *testing.F) {
	ff, err := parseFont(embeddedFont)
	if err != nil {
		f.Fatal(err)
	}
	seed, _, err := ff.subset([]rune("乡村A1，"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("ttcf0000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseFont(b)
		if err != nil {
			return
		}
		var rs []rune
		for r := range p.cmap {
			rs = append(rs, r)
		}
		slices.Sort(rs)
		rs = rs[:min(5, len(rs))]
		if _, _, err := p.subset(rs); err != nil {
			t.Logf("subset: %v", err)
		}
	})
}

// TestNoArrowGlyphs renders the summary with a font lacking ↑ and ↓: the league table
// then draws triangles, and the text keeps the numbers.
func TestNoArrowGlyphs(t *testing.T) {
	f, err := parseFont(embeddedFont)
	if err != nil {
		t.Fatal(err)
	}
	res := fixture()
	m := SummaryModel(res, nil)
	m.Office = "济宁市办公室"
	set := map[rune]bool{}
	addRunes(set, chrome)
	m.eachString(func(s string) { addRunes(set, s) })
	delete(set, '↑')
	delete(set, '↓')
	var rs []rune
	for r := range set {
		if f.Has(r) {
			rs = append(rs, r)
		}
	}
	small, _, err := f.subset(rs)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(Options{FontTTF: small, Office: "济宁市办公室"})
	if err != nil {
		t.Fatal(err)
	}
	if r.arrows {
		t.Fatal("renderer believes the font has arrows")
	}
	pdf, err := r.Summary(res, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := column(extractWords(t, pdf), 0, pageW, "")
	if strings.ContainsAny(all, "↑↓") || !strings.Contains(all, "任城区") {
		t.Errorf("text %q", all)
	}
	if p := os.Getenv("KAOHE_REPORT_OUT"); p != "" {
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
