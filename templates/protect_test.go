package templates

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestProtection checks the precomputed sheet protection: every sheet is protected with
// SHA-512, 100,000 rounds, and the hash is that of the secret's password under the
// stored salt as excelize (and so Excel) computes it: UnprotectSheet accepts the
// password and refuses another.
func TestProtection(t *testing.T) {
	o := testOptions(t)
	data := build(t, o)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, s := range protectedSheets {
		p, err := f.GetSheetProtection(s)
		if err != nil {
			t.Fatal(err)
		}
		if p.AlgorithmName != "SHA-512" || !p.SelectLockedCells || !p.SelectUnlockedCells || !p.FormatColumns || !p.FormatRows || p.FormatCells || p.InsertRows || p.DeleteRows {
			t.Errorf("%s: protection %+v", s, p)
		}
		if i > 1 {
			continue // excelize hashes 100,000 rounds per check: two sheets are enough
		}
		if err := f.UnprotectSheet(s, "wrong"); !errors.Is(err, excelize.ErrUnprotectSheetPassword) {
			t.Errorf("%s: wrong password: %v", s, err)
		}
		if err := f.UnprotectSheet(s, protectPassword(o.Secret)); err != nil {
			t.Errorf("%s: the secret's password: %v", s, err)
		}
	}
	// The raw attributes, as Excel and LibreOffice read them.
	re := regexp.MustCompile(`<sheetProtection algorithmName="SHA-512" hashValue="[A-Za-z0-9+/]{86}==" saltValue="[A-Za-z0-9+/]{22}==" spinCount="100000" sheet="true"`)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if c := bytes.Count(b, []byte("<sheetProtection")); c != 1 || !re.Match(b) {
			t.Errorf("%s: %d sheetProtection elements, or not as wanted: %s", zf.Name, c, regexp.MustCompile(`<sheetProtection[^>]*>`).Find(b))
		}
		n++
	}
	if n != len(protectedSheets) {
		t.Errorf("%d worksheets, want %d", n, len(protectedSheets))
	}
	// Another secret gives another hash (and salt).
	if a, b := protectionOf([]byte("a")), protectionOf([]byte("b")); a == b || a.salt == b.salt {
		t.Error("two secrets, one protection")
	}
}

// TestISOPasswordHash checks the hash against excelize's own implementation on a
// password with non-ASCII characters.
func TestISOPasswordHash(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	const pw = "口令pass"
	if err := f.ProtectSheet("Sheet1", &excelize.SheetProtectionOptions{AlgorithmName: "SHA-512", Password: pw}); err != nil {
		t.Fatal(err)
	}
	// Read back excelize's salt and hash from the written sheet.
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sheet []byte
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			sheet, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	m := regexp.MustCompile(`hashValue="([^"]+)" saltValue="([^"]+)" spinCount="(\d+)"`).FindSubmatch(sheet)
	if m == nil || string(m[3]) != "100000" {
		t.Fatalf("excelize's protection not found: %s", sheet)
	}
	salt, err := b64(string(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b64(string(m[1])); !bytes.Equal(isoPasswordHash(pw, salt, protectSpinCount), got) {
		t.Error("hash differs from excelize's")
	}
}

func b64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
