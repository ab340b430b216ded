package templates

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestCheckZipDeclarations puts a DOCTYPE or ENTITY declaration, in any case, at every
// offset around checkZip's 32 KiB reads (so split between two of them) in a part of an
// otherwise ordinary zip: each is refused; the same part without it passes.
func TestCheckZipDeclarations(t *testing.T) {
	part := func(decl string, at int) []byte {
		b := []byte(strings.Repeat("<c r=\"A1\"><v>1</v></c>", 4000)) // ~84 KB
		if decl == "" {
			return b
		}
		return append(b[:at:at], append([]byte(decl), b[at:]...)...)
	}
	zipOf := func(data []byte) *zip.Reader {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		// Stored, not deflated: the reads are then exactly 32 KiB, and the offsets
		// below fall around their boundaries.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		return zr
	}
	if ps := checkZip(zipOf(part("", 0)), "a.xlsx"); ps != nil {
		t.Fatalf("an ordinary part is refused: %v", ps)
	}
	for _, decl := range []string{"<!DOCTYPE x>", "<!doctype x>", "<!DocType x>", `<!ENTITY e "e">`, `<!entity e "e">`} {
		for _, at := range []int{0, 10, 32<<10 - 9, 32<<10 - 5, 32<<10 - 1, 32 << 10, 32<<10 + 3, 64<<10 - 4} {
			t.Run(fmt.Sprintf("%s@%d", decl, at), func(t *testing.T) {
				ps := checkZip(zipOf(part(decl, at)), "a.xlsx")
				if ps == nil || !strings.Contains(ps.Error(), "XML 实体声明") {
					t.Errorf("not refused: %v", ps)
				}
			})
		}
	}
}
