package templates

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// DefaultMaxBytes is the size cap of a form when ParseOptions.MaxBytes is 0.
const DefaultMaxBytes = 10 << 20

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	// "EncryptionInfo" in UTF-16LE, as it appears in an OLE2 directory entry of an
	// encrypted OOXML workbook.
	oleEncryptionInfo = utf16le("EncryptionInfo")
)

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	return b
}

func fileProblem(msg string, a ...any) Problems {
	return Problems{{Message: fmt.Sprintf(msg, a...)}}
}

const msgResend = "请用 Excel 或 WPS 打开下发的表格，填好后直接保存为 .xlsx 文件再发送。"

// sniff looks at the bytes before excelize does, and says in Chinese what the file is
// when it is not an .xlsx workbook kaohe can read. It returns nil when the file looks
// like an .xlsx.
func sniff(data []byte, filename string, maxBytes int64) Problems {
	ps, _ := sniffZip(data, filename, maxBytes)
	return ps
}

// sniffZip is sniff, also returning the zip reader of a file that passed.
func sniffZip(data []byte, filename string, maxBytes int64) (Problems, *zip.Reader) {
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	ext := strings.ToLower(path.Ext(name))
	switch {
	case len(data) == 0:
		return fileProblem("文件“%s”是空的（0 字节），可能附件没有上传完整。%s", name, msgResend), nil
	case int64(len(data)) > maxBytes:
		return fileProblem("文件“%s”太大（%.1f MB，上限 %.0f MB）。请删除表中插入的图片等内容后重新保存发送。", name, float64(len(data))/(1<<20), float64(maxBytes)/(1<<20)), nil
	case bytes.HasPrefix(data, oleMagic):
		if bytes.Contains(data, oleEncryptionInfo) {
			return fileProblem("文件“%s”设置了打开密码，系统无法读取。请取消密码后重新发送（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码后保存）。", name), nil
		}
		return fileProblem("文件“%s”是旧版 Excel 97-2003（.xls）格式。请在 Excel 或 WPS 中“另存为”Excel 工作簿（*.xlsx）后重新发送。", name), nil
	case bytes.HasPrefix(data, []byte("%PDF")):
		return fileProblem("文件“%s”是 PDF 文件，不是 Excel 表格，系统无法读取其中的数据。请发送填好的 .xlsx 原表。", name), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) || bytes.HasPrefix(data, []byte("\x89PNG")):
		return fileProblem("文件“%s”是图片，不是 Excel 表格。请发送填好的 .xlsx 原表，不要发送截图或照片。", name), nil
	case bytes.HasPrefix(data, []byte("Rar!")) || bytes.HasPrefix(data, []byte("7z\xBC\xAF")):
		return fileProblem("文件“%s”是压缩包。请直接把填好的 .xlsx 表格作为附件发送，不要压缩。", name), nil
	case !bytes.HasPrefix(data, []byte("PK")):
		if isText(data) && isHTML(data) {
			return fileProblem("文件“%s”是网页（HTML）文件，不是真正的 Excel 表格（常见于从网页系统导出的“xls”）。%s", name, msgResend), nil
		}
		if isText(data) {
			if ext == ".csv" || bytes.Count(data[:min(len(data), 4096)], []byte(",")) > 0 {
				return fileProblem("文件“%s”是 CSV 文本文件，不是下发的 Excel 表格（表格格式和校验信息会丢失）。%s", name, msgResend), nil
			}
			return fileProblem("文件“%s”是文本文件，不是 Excel 表格。%s", name, msgResend), nil
		}
		return fileProblem("文件“%s”不是 Excel 表格（.xlsx），系统无法读取。%s", name, msgResend), nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fileProblem("文件“%s”已损坏或不完整（可能下载或上传中断），系统无法打开。%s", name, msgResend), nil
	}
	if ps := checkZip(zr, name); ps != nil {
		return ps, nil
	}
	var workbook, word bool
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case "mimetype":
			if m := readSmall(f, 128); strings.Contains(m, "opendocument") {
				return fileProblem("文件“%s”是 WPS/LibreOffice 的 ODS 格式。请“另存为”Excel 工作簿（*.xlsx）后重新发送。", name), nil
			}
		case "xl/vbaproject.bin":
			return fileProblem("文件“%s”含有宏（.xlsm），为安全起见系统不接收。请“另存为”Excel 工作簿（*.xlsx，不含宏）后重新发送。", name), nil
		case "xl/workbook.xml":
			workbook = true
		case "word/document.xml":
			word = true
		}
	}
	switch {
	case word:
		return fileProblem("文件“%s”是 Word 文档，不是 Excel 表格。请发送填好的 .xlsx 原表。", name), nil
	case !workbook:
		return fileProblem("文件“%s”不是 Excel 表格（压缩包内没有工作簿）。请直接把填好的 .xlsx 表格作为附件发送。", name), nil
	}
	return nil, zr
}

func readSmall(f *zip.File, n int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, n))
	if err != nil {
		return ""
	}
	return string(b)
}

// isText reports whether the start of data looks like text (UTF-8 or a legacy
// encoding such as GBK): no NUL bytes and few control characters.
func isText(data []byte) bool {
	head := data[:min(len(data), 4096)]
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*20 < len(head) || utf8.Valid(head) && ctl == 0
}

// isHTML reports whether text data is a web page (an HTML table saved as .xls).
func isHTML(data []byte) bool {
	head := bytes.ToLower(data[:min(len(data), 1024)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<table")) || bytes.Contains(head, []byte("<!doctype html"))
}

// Limits of a form's zip, checked before excelize opens it.
const maxZipEntries = 1000

var (
	xmlDoctype   = []byte("<!doctype")
	xmlEntity    = []byte("<!entity")
	dimensionTag = []byte("<dimension ")
)

// checkZip reads every entry of the zip once, streaming, before excelize does: the sizes
// the entries declare must add up to at most unzipSizeLimit (a zip bomb says how big it
// is), each entry must inflate to exactly its declared size with its CRC (a bomb that
// lies about its size stops there), no XML part may declare a DOCTYPE or entities (XML
// entity bombs), and no worksheet may declare more than maxRows rows. It returns nil when
// the zip passes.
func checkZip(zr *zip.Reader, name string) Problems {
	if len(zr.File) > maxZipEntries {
		return fileProblem("文件“%s”内部结构异常（含有 %d 个部件），不是正常的填报表。%s", name, len(zr.File), msgResend)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > unzipSizeLimit {
			return fileProblem("文件“%s”解压后超过 %d MB，不是正常的填报表（可能含有大量图片或被恶意构造）。%s", name, unzipSizeLimit>>20, msgResend)
		}
	}
	buf := make([]byte, 32<<10)
	lowBuf := make([]byte, 0, len(buf)+32)
	carry := make([]byte, 0, 16)
	for _, f := range zr.File {
		lower := strings.ToLower(f.Name)
		isXML := strings.HasSuffix(lower, ".xml") || strings.HasSuffix(lower, ".rels") || strings.HasSuffix(lower, ".vml")
		sheet := strings.HasPrefix(lower, "xl/worksheets/") && isXML
		rc, err := f.Open()
		if err != nil {
			return fileProblem("文件“%s”已损坏或不完整（可能下载或上传中断），系统无法打开。%s", name, msgResend)
		}
		carry = carry[:0]
		first := true
		for {
			n, err := rc.Read(buf)
			if n > 0 && isXML {
				chunk := buf[:n]
				// A declaration split between two reads is seen in the carry plus the
				// head of this read; the rest in this read alone.
				lowBuf = append(append(lowBuf[:0], carry...), chunk[:min(len(chunk), 16)]...)
				if hasDeclaration(lowBuf) || hasDeclaration(chunk) {
					rc.Close()
					return fileProblem("文件“%s”含有不安全的内容（XML 实体声明），不是用 Excel 或 WPS 保存的表格。%s", name, msgResend)
				}
				if sheet && first {
					if rows := dimensionRows(asciiLower(lowBuf[:0], chunk)); rows > maxRows {
						rc.Close()
						return fileProblem("文件“%s”中有工作表的行数超过上限：它的范围到第 %d 行，上限为 %d 行。请删除多余的行（包括设置了格式的空行）后重新保存发送。", name, rows, maxRows)
					}
					first = false
				}
				carry = append(carry[:0], chunk[max(0, len(chunk)-16):]...)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return fileProblem("文件“%s”已损坏或不完整（可能下载或上传中断），系统无法打开。%s", name, msgResend)
			}
		}
		rc.Close()
	}
	return nil
}

// hasDeclaration reports whether b holds "<!DOCTYPE" or "<!ENTITY", in any case.
// Saved workbooks have neither; "<!" itself is rare (CDATA), so b is not lower-cased
// whole to look.
func hasDeclaration(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("<!"))
		if i < 0 {
			return false
		}
		b = b[i:]
		if hasPrefixFold(b, xmlDoctype) || hasPrefixFold(b, xmlEntity) {
			return true
		}
		b = b[2:]
	}
}

func hasPrefixFold(b, prefix []byte) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], prefix)
}

// asciiLower appends b to dst with ASCII letters lower-cased (all the markup compared
// here is ASCII; other bytes are kept).
func asciiLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// dimensionRows returns the last row of a worksheet's <dimension ref="A1:P40"/> found in
// head (lower-cased XML), or 0.
func dimensionRows(head []byte) int {
	i := bytes.Index(head, dimensionTag)
	if i < 0 {
		return 0
	}
	rest := head[i:]
	j := bytes.Index(rest, []byte(`ref="`))
	if j < 0 {
		return 0
	}
	rest = rest[j+5:]
	k := bytes.IndexByte(rest, '"')
	if k < 0 {
		return 0
	}
	ref := rest[:k]
	if c := bytes.LastIndexByte(ref, ':'); c >= 0 {
		ref = ref[c+1:]
	}
	rows := 0
	for _, c := range ref {
		if c >= '0' && c <= '9' {
			rows = rows*10 + int(c-'0')
			if rows > 1<<24 {
				break
			}
		}
	}
	return rows
}
