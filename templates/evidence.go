package templates

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// Evidence file types kept beside a form (佐证材料).
const (
	EvidencePDF  = "PDF"
	EvidenceJPG  = "JPG"
	EvidencePNG  = "PNG"
	EvidenceDOCX = "DOCX"
	EvidenceXLSX = "XLSX"
)

// evidenceUnzipLimit caps what a DOCX or XLSX evidence file may inflate to.
const evidenceUnzipLimit = 200 << 20

// executable names: refused whatever their content.
var executableExt = map[string]bool{
	".exe": true, ".com": true, ".scr": true, ".pif": true, ".bat": true, ".cmd": true, ".msi": true,
	".dll": true, ".js": true, ".jse": true, ".vbs": true, ".vbe": true, ".wsf": true, ".hta": true,
	".ps1": true, ".lnk": true, ".jar": true, ".sh": true, ".apk": true, ".cpl": true,
}

// macro-enabled Office names: refused.
var macroExt = map[string]bool{".docm": true, ".xlsm": true, ".xlsb": true, ".pptm": true, ".dotm": true, ".xltm": true}

// CheckEvidence looks at an attachment sent beside the form and says whether it is kept
// as an evidence file: it returns the file's type (EvidencePDF …) and "" when it is, or ""
// and a Chinese message saying why not. Refused are: other types than PDF, JPG, PNG, DOCX
// and XLSX; a content that is not what the name says; executables (by name or content);
// macro documents (by name, VBA project or macro content type); archives; zip bombs (a
// DOCX/XLSX that inflates past 200 MB, lies about its sizes or has too many parts); PDFs
// that run scripts or launch programs; anything over maxBytes.
func CheckEvidence(data []byte, filename string, maxBytes int64) (kind, problem string) {
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	ext := strings.ToLower(path.Ext(name))
	refuse := func(format string, a ...any) (string, string) {
		return "", fmt.Sprintf("《%s》未保存：", name) + fmt.Sprintf(format, a...)
	}
	switch {
	case isExecutable(data) || executableExt[ext]:
		return refuse("这是可执行程序或脚本，不能作为佐证材料，请勿发送。")
	case macroExt[ext]:
		return refuse("这是含宏的 Office 文件，不能作为佐证材料。请另存为 PDF 或不含宏的 DOCX、XLSX 后发送。")
	case len(data) == 0:
		return refuse("文件是空的（0 字节）。")
	case int64(len(data)) > maxBytes:
		return refuse("文件太大（%.1f MB，上限 %.0f MB）。请压缩图片或分开发送。", float64(len(data))/(1<<20), float64(maxBytes)/(1<<20))
	case bytes.HasPrefix(data, oleMagic):
		return refuse("这是旧版 Office 文件（.doc、.xls），可能含宏，不予保存。请另存为 PDF、DOCX 或 XLSX 后发送。")
	}
	switch ext {
	case ".pdf":
		if !bytes.HasPrefix(data, []byte("%PDF")) {
			return refuse("文件名是 PDF，内容却不是 PDF 文件。")
		}
		for _, k := range [][]byte{[]byte("/JavaScript"), []byte("/Launch"), []byte("/EmbeddedFile")} {
			if bytes.Contains(data, k) {
				return refuse("这份 PDF 含有脚本、启动程序或嵌入文件等不安全内容，不予保存。请重新导出为普通 PDF 后发送。")
			}
		}
		return EvidencePDF, ""
	case ".jpg", ".jpeg":
		if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
			return refuse("文件名是 JPG 图片，内容却不是 JPG 图片。")
		}
		return EvidenceJPG, ""
	case ".png":
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			return refuse("文件名是 PNG 图片，内容却不是 PNG 图片。")
		}
		return EvidencePNG, ""
	case ".docx", ".xlsx":
		want, part := EvidenceDOCX, "word/document.xml"
		if ext == ".xlsx" {
			want, part = EvidenceXLSX, "xl/workbook.xml"
		}
		if p := checkOfficeZip(data, part); p != "" {
			return refuse("%s", p)
		}
		return want, ""
	case ".zip", ".rar", ".7z", ".gz", ".tar":
		return refuse("这是压缩包，不予保存。请直接发送其中的 PDF、图片或文档。")
	}
	return refuse("佐证材料只收 PDF、JPG、PNG、DOCX、XLSX 文件。")
}

// isExecutable reports whether data starts like a program: Windows (MZ), ELF, Mach-O, or
// a script with #!.
func isExecutable(data []byte) bool {
	for _, m := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), {0xCF, 0xFA, 0xED, 0xFE}, {0xFE, 0xED, 0xFA, 0xCF}, []byte("#!")} {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}

// checkOfficeZip checks a DOCX or XLSX: a zip holding part, no VBA project nor a
// macro-enabled content type, and every part inflating to exactly its declared size, all
// of them to at most evidenceUnzipLimit. It returns "" when the file passes.
func checkOfficeZip(data []byte, part string) string {
	if !bytes.HasPrefix(data, []byte("PK")) {
		return "文件名是 Office 文档，内容却不是。"
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "文件已损坏或不完整，无法打开。"
	}
	if len(zr.File) > maxZipEntries {
		return fmt.Sprintf("文件内部结构异常（含有 %d 个部件），不予保存。", len(zr.File))
	}
	var total uint64
	found := false
	for _, f := range zr.File {
		lower := strings.ToLower(f.Name)
		if strings.HasSuffix(lower, "vbaproject.bin") || strings.HasSuffix(lower, "vbadata.xml") {
			return "文件含有宏（VBA 代码），不能作为佐证材料。请另存为 PDF 或不含宏的文档后发送。"
		}
		found = found || lower == part
		total += f.UncompressedSize64
		if total > evidenceUnzipLimit {
			return fmt.Sprintf("文件解压后超过 %d MB，可能被恶意构造，不予保存。", evidenceUnzipLimit>>20)
		}
	}
	if !found {
		return "文件名是 Office 文档，内容却不是（缺少文档正文）。"
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return "文件已损坏或不完整，无法打开。"
		}
		// Inflate at most one byte more than declared: a part that lies about its size (a
		// bomb) stops there, and archive/zip checks the CRC at the end.
		var m int64
		if f.Name == "[Content_Types].xml" && f.UncompressedSize64 <= 1<<20 {
			var b []byte
			b, err = io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
			m = int64(len(b))
			if bytes.Contains(bytes.ToLower(b), []byte("macroenabled")) {
				rc.Close()
				return "文件含有宏（VBA 代码），不能作为佐证材料。请另存为 PDF 或不含宏的文档后发送。"
			}
		} else {
			m, err = io.Copy(io.Discard, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		}
		rc.Close()
		if err != nil || uint64(m) != f.UncompressedSize64 {
			return "文件已损坏或被恶意构造（实际大小与声明不符），不予保存。"
		}
	}
	return ""
}

// IsForm reports whether data is an .xlsx holding the form's hidden metadata sheet, so a
// mail's other workbooks can be told apart from the form as evidence files. It reads only
// the workbook part.
func IsForm(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name != "xl/workbook.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
		return err == nil && bytes.Contains(b, []byte(`name="`+SheetMeta+`"`))
	}
	return false
}
