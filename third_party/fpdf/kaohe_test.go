package fpdf_test

// Tests of kaohe's patches (KAOHE.md) that upstream's tests do not reach: they run with
// compression off (see init in fpdf_test.go) and use no UTF-8 font.

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// utf8Doc writes a one-page document in a UTF-8 font with compression on.
func utf8Doc(t *testing.T, ttf []byte, text string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("calligra", "", ttf)
	pdf.SetFont("calligra", "", 14)
	pdf.AddPage()
	pdf.CellFormat(0, 10, text, "1", 1, "L", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streams returns the decoded content of every stream of a PDF; each must be a valid
// zlib stream (the patched xcompr.go writes them with klauspost/compress).
func streams(t *testing.T, doc []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for rest := doc; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			t.Fatal("stream without endstream")
		}
		zr, err := zlib.NewReader(bytes.NewReader(rest[:j]))
		if err != nil {
			t.Fatalf("stream %d is not zlib: %v", len(out), err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("stream %d: %v", len(out), err)
		}
		out = append(out, b)
		rest = rest[j+len("\nendstream"):]
	}
	return out
}

// TestUTF8FontCompressed checks the patched stream compression and ToUnicode CMap: with
// compression on, every stream (the font program and the ToUnicode CMap included) is a
// standard zlib stream, the CMap is not written plain, and the page shows the text.
func TestUTF8FontCompressed(t *testing.T) {
	ttf, err := os.ReadFile(filepath.Join("testdata", "calligra.ttf"))
	if err != nil {
		t.Fatal(err)
	}
	const text = "Hello, kaohe"
	doc := utf8Doc(t, ttf, text)
	var tj []byte // the text operator CellFormat writes: the text in UTF-16BE
	tj = append(tj, '(')
	for _, r := range text {
		tj = append(tj, 0, byte(r))
	}
	tj = append(tj, ")Tj"...)
	if bytes.Contains(doc, []byte("begincmap")) {
		t.Error("the ToUnicode CMap is written uncompressed")
	}
	var cmap, page bool
	for _, s := range streams(t, doc) {
		cmap = cmap || bytes.Contains(s, []byte("begincmap"))
		page = page || bytes.Contains(s, tj)
	}
	if !cmap || !page {
		t.Errorf("decoded streams: ToUnicode CMap found %v, text operator found %v", cmap, page)
	}
}

// TestUTF8FontDeterministic checks that documents made at once (sharing the pooled zlib
// writers) and one after the other are byte-identical: the patched font ID and the
// writer pool carry nothing from one document to the next.
func TestUTF8FontDeterministic(t *testing.T) {
	ttf, err := os.ReadFile(filepath.Join("testdata", "calligra.ttf"))
	if err != nil {
		t.Fatal(err)
	}
	want := utf8Doc(t, ttf, strings.Repeat("abc ", 50))
	var wg sync.WaitGroup
	docs := make([][]byte, 8)
	for i := range docs {
		wg.Go(func() { docs[i] = utf8Doc(t, ttf, strings.Repeat("abc ", 50)) })
	}
	wg.Wait()
	for i, d := range docs {
		if !bytes.Equal(d, want) {
			t.Errorf("document %d differs from the first", i)
		}
	}
	other := utf8Doc(t, ttf, "xyz")
	if bytes.Equal(other, want) {
		t.Error("a different text gave the same document")
	}
}
