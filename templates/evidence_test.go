package templates

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// officeZip builds a DOCX/XLSX-like zip with the given parts (name → content).
func officeZip(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lyingBomb is a DOCX whose document part claims 1 KB and inflates to 20 MB.
func lyingBomb(t *testing.T) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(make([]byte, 20<<20))
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 1024})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

// declaredBomb is a DOCX whose parts declare 2 × 150 MB (honestly, as a real bomb does;
// the check stops at the declaration, so the data need not be there).
func declaredBomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"word/document.xml", "word/media/a.png"} {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, UncompressedSize64: 150 << 20, CompressedSize64: 4})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("0000"))
	}
	zw.Close()
	return b.Bytes()
}

func TestCheckEvidence(t *testing.T) {
	docx := officeZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
	xlsx := officeZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
	macroDocx := officeZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>", "word/vbaProject.bin": "VBA"})
	macroType := officeZip(t, map[string]string{"[Content_Types].xml": `<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>`, "word/document.xml": "<w:document/>"})
	bomb := declaredBomb(t)
	macroForm, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "macro.xlsm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		kind string // "" when refused
		want string // in the refusal
	}{
		{"四、3-水质检测报告.pdf", []byte("%PDF-1.7\n1 0 obj\n"), EvidencePDF, ""},
		{"现场照片.JPG", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0}, EvidenceJPG, ""},
		{"截图.png", []byte("\x89PNG\r\n\x1a\n...."), EvidencePNG, ""},
		{"会议纪要.docx", docx, EvidenceDOCX, ""},
		{"台账.xlsx", xlsx, EvidenceXLSX, ""},
		{"setup.exe", []byte("MZ\x90\x00"), "", "可执行程序"},
		{"报告.pdf", []byte("MZ\x90\x00 a program named .pdf"), "", "可执行程序"},
		{"run.sh", []byte("#!/bin/sh\n"), "", "可执行程序"},
		{"说明.vbs", []byte("MsgBox 1"), "", "可执行程序"},
		{"macro.xlsm", macroForm, "", "含宏"},
		{"纪要.docx", macroDocx, "", "含有宏"},
		{"纪要2.docx", macroType, "", "含有宏"},
		{"炸弹.docx", bomb, "", "解压后超过 200 MB"},
		{"谎报.docx", lyingBomb(t), "", "实际大小与声明不符"},
		{"脚本.pdf", []byte("%PDF-1.4\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "", "不安全内容"},
		{"假图片.png", []byte("%PDF-1.4"), "", "内容却不是 PNG"},
		{"旧版.doc", append(append([]byte{}, oleMagic...), 0, 0), "", "旧版 Office"},
		{"材料.zip", []byte("PK\x03\x04"), "", "压缩包"},
		{"说明.txt", []byte("文字"), "", "只收 PDF、JPG、PNG、DOCX、XLSX"},
		{"空.pdf", nil, "", "是空的"},
		{"大.pdf", append([]byte("%PDF"), make([]byte, 2<<20)...), "", "太大"},
	} {
		kind, problem := CheckEvidence(tc.data, tc.name, 1<<20+512<<10)
		if kind != tc.kind || (tc.want == "") != (problem == "") || !strings.Contains(problem, tc.want) {
			t.Errorf("%s: kind %q, problem %q; want kind %q, problem with %q", tc.name, kind, problem, tc.kind, tc.want)
		}
		if problem != "" && !strings.HasPrefix(problem, "《"+tc.name+"》未保存：") {
			t.Errorf("%s: problem %q does not name the file", tc.name, problem)
		}
	}
}

func TestIsForm(t *testing.T) {
	form, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "sheets-reordered.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if !IsForm(form) {
		t.Error("a form is not IsForm")
	}
	noMeta, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "meta-deleted.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if IsForm(noMeta) || IsForm([]byte("%PDF")) {
		t.Error("a workbook without the metadata sheet, or a PDF, is IsForm")
	}
}

// FuzzCheckEvidence: any bytes under any name either pass as one of the five types or
// are refused with a message naming the file; never both, never a panic.
func FuzzCheckEvidence(f *testing.F) {
	f.Add([]byte("%PDF-1.4"), "a.pdf")
	f.Add([]byte("MZ"), "四、3-报告.pdf")
	f.Add([]byte("PK\x03\x04"), "x.docx")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		kind, problem := CheckEvidence(data, name, 1<<20)
		if (kind == "") == (problem == "") {
			t.Fatalf("%q: kind %q, problem %q", name, kind, problem)
		}
	})
}
