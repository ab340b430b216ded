package corpus

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/templates"
)

// ErrExternal is returned by Make for the files an outside program (LibreOffice)
// makes; see the generator's -soffice flag.
var ErrExternal = errors.New("made by LibreOffice: see genhostile -soffice")

// Make returns the bytes of the case's file. It returns ErrExternal for legacy.xls and
// form.ods, and an error when excelize or templates fail.
func (g *Gen) Make(file string) ([]byte, error) {
	vs := templates.SheetVillages
	edit := func(fn func(f *excelize.File) error) ([]byte, error) { return editForm(g.good, fn) }
	set := func(sheet string, kv ...any) ([]byte, error) {
		return edit(func(f *excelize.File) error {
			for i := 0; i < len(kv); i += 2 {
				if err := f.SetCellValue(sheet, kv[i].(string), kv[i+1]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	income, reserve := villageCol("income"), villageCol("reserve")
	v0 := g.county.Villages[0]
	switch file {
	case "empty.xlsx":
		return []byte{}, nil
	case "truncated.xlsx":
		return g.Good()[:len(g.good)/2], nil
	case "pdf-renamed.xlsx":
		return minimalPDF(), nil
	case "photo.xlsx":
		return minimalPNG(), nil
	case "word-renamed.xlsx":
		return zipOf(map[string]string{
			"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
			"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>任城区进展情况</w:t></w:r></w:p></w:body></w:document>`,
		})
	case "web-export.xls":
		return []byte(`<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body><table>
<tr><td>乡镇</td><td>村</td><td>村集体经济收入(万元)</td></tr>
<tr><td>` + v0.Town + `</td><td>` + v0.Name + `</td><td>12.5</td></tr>
</table></body></html>
`), nil
	case "form.csv":
		return append([]byte("\xEF\xBB\xBF"), villageCSV(g)...), nil
	case "form-gbk.csv":
		return simplifiedchinese.GBK.NewEncoder().Bytes(villageCSV(g))
	case "form-in.zip":
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("任城区.xlsx")
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(g.good); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case "encrypted.xlsx":
		return encryptedOLE2(), nil
	case "legacy.xls", "form.ods":
		return nil, ErrExternal
	case "macro.xlsm":
		return rezip(g.good, func(name string, b []byte) (string, []byte) {
			if name == "[Content_Types].xml" {
				s := strings.Replace(string(b), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml", 1)
				s = strings.Replace(s, "</Types>", `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>`, 1)
				return name, []byte(s)
			}
			return name, b
		}, map[string][]byte{"xl/vbaProject.bin": append(oleHeaderOnly(), []byte("Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\nShell \"cmd /c calc\"\r\nEnd Sub\r\n")...)})
	case "zip-bomb.xlsx":
		return g.zipBomb(false)
	case "zip-bomb-lying.xlsx":
		return g.zipBomb(true)
	case "entity-bomb.xlsx":
		return g.replaceSheet(vs, func(x string) string {
			var d strings.Builder
			d.WriteString(`<!DOCTYPE worksheet [<!ENTITY lol "lol">`)
			prev := "lol"
			for i := 1; i <= 9; i++ {
				name := fmt.Sprintf("lol%d", i)
				fmt.Fprintf(&d, `<!ENTITY %s "%s">`, name, strings.Repeat("&"+prev+";", 10))
				prev = name
			}
			d.WriteString(`]>`)
			x = strings.Replace(x, "<worksheet", d.String()+"<worksheet", 1)
			// The bomb in a cell of the first village row.
			return strings.Replace(x, "<sheetData>", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>`, 1)
		})
	case "big-attachment.xlsx":
		// A real form followed by 50 MB of noise inside the zip (a huge picture).
		r := rand.New(rand.NewPCG(50, 50))
		noise := make([]byte, 50<<20)
		for i := 0; i+8 <= len(noise); i += 8 {
			binary.LittleEndian.PutUint64(noise[i:], r.Uint64())
		}
		return rezip(g.good, nil, map[string][]byte{"xl/media/image1.png": noise})
	case "dimension-million.xlsx":
		return g.replaceSheet(vs, func(x string) string {
			x = regexp.MustCompile(`<dimension ref="[^"]*"(/>|></dimension>)`).ReplaceAllString(x, `<dimension ref="A1:XFD1048576"/>`)
			return strings.Replace(x, "</sheetData>", `<row r="1048576"><c r="D1048576"><v>1</v></c></row></sheetData>`, 1)
		})
	case "many-rows.xlsx":
		return g.replaceSheet(vs, func(x string) string {
			x = regexp.MustCompile(`<dimension ref="[^"]*"(/>|></dimension>)`).ReplaceAllString(x, "")
			last := 0
			for _, m := range regexp.MustCompile(`<row r="(\d+)"`).FindAllStringSubmatch(x, -1) {
				fmt.Sscan(m[1], &last)
			}
			var b strings.Builder
			for r := last + 1; r <= last+200000; r++ {
				fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>某镇</t></is></c><c r="B%d" t="inlineStr"><is><t>第%d村</t></is></c><c r="D%d"><v>%d</v></c></row>`, r, r, r, r, r, r%97)
			}
			return strings.Replace(x, "</sheetData>", b.String()+"</sheetData>", 1)
		})
	case "long-text.xlsx":
		return set(templates.SheetTasks, "G2", strings.Repeat("进展", 50000))
	case "blank-form.xlsx":
		return bytes.Clone(g.blank), nil
	case "merged-cells.xlsx":
		return edit(func(f *excelize.File) error { return f.MergeCell(vs, "D2", "F2") })
	case "formula-nocache.xlsx":
		return edit(func(f *excelize.File) error {
			if err := f.SetCellValue(vs, income+"2", nil); err != nil {
				return err
			}
			return f.SetCellFormula(vs, income+"2", "=SUM(100,23.5)")
		})
	case "formula-cached.xlsx":
		// excelize writes no cached value: put one in the XML as Excel would.
		return g.replaceSheetOf(g.good, vs, func(x string) string {
			re := regexp.MustCompile(`<c r="` + income + `2"([^>]*?)(/>|>.*?</c>)`)
			return re.ReplaceAllString(x, `<c r="`+income+`2"><f>100+23.5</f><v>123.5</v></c>`)
		})
	case "text-in-number.xlsx":
		return set(vs, income+"2", "很多")
	case "negative.xlsx":
		return set(vs, reserve+"2", -3)
	case "absurd.xlsx":
		return set(vs, income+"3", 1e300)
	case "not-on-roster.xlsx":
		return set(vs, "B2", "新建村")
	case "duplicate-village.xlsx":
		return set(vs, "A3", v0.Town, "B3", v0.Name)
	case "sheet-renamed.xlsx":
		return edit(func(f *excelize.File) error { return f.SetSheetName(vs, vs+"(2)") })
	case "sheets-reordered.xlsx":
		return rezip(g.good, func(name string, b []byte) (string, []byte) {
			if name != "xl/workbook.xml" {
				return name, b
			}
			s := string(b)
			sheets := regexp.MustCompile(`<sheet [^>]*/>`).FindAllString(s, -1)
			if len(sheets) < 2 {
				return name, b
			}
			rev := make([]string, len(sheets))
			for i, sh := range sheets {
				rev[len(sheets)-1-i] = sh
			}
			return name, []byte(strings.Replace(s, strings.Join(sheets, ""), strings.Join(rev, ""), 1))
		}, nil)
	case "extra-columns.xlsx":
		return edit(func(f *excelize.File) error {
			if err := f.InsertCols(vs, "C", 2); err != nil {
				return err
			}
			if err := f.SetCellValue(vs, "C1", "备注"); err != nil {
				return err
			}
			return f.SetCellValue(vs, "D1", "联系电话")
		})
	case "deleted-column.xlsx":
		return edit(func(f *excelize.File) error { return f.RemoveCol(vs, income) })
	case "other-county.xlsx":
		b, err := g.form(OtherCounty, Period, []byte(Secret))
		if err != nil {
			return nil, err
		}
		return g.fill(b, OtherCounty, Period, Secret)
	case "other-period.xlsx":
		b, err := g.form(County, OtherPeriod, []byte(Secret))
		if err != nil {
			return nil, err
		}
		return g.fill(b, County, OtherPeriod, Secret)
	case "tampered-signature.xlsx":
		return set(templates.SheetMeta, "B5", strings.Repeat("0", 64))
	case "tampered-county.xlsx":
		return set(templates.SheetMeta, "B3", OtherCounty)
	case "wrong-secret.xlsx":
		const other = "another-installation-secret"
		b, err := g.form(County, Period, []byte(other))
		if err != nil {
			return nil, err
		}
		return g.fill(b, County, Period, other)
	case "meta-deleted.xlsx":
		return edit(func(f *excelize.File) error { return f.DeleteSheet(templates.SheetMeta) })
	case "gbk-name.eml":
		form, err := set(vs, income+"2", "很多")
		if err != nil {
			return nil, err
		}
		return g.gbkMail(form)
	case "twenty-attachments.eml":
		var atts []mail.OutAttachment
		for i := 1; i <= 20; i++ {
			// Twenty small workbook-looking files; the count alone refuses the mail.
			atts = append(atts, mail.OutAttachment{Name: fmt.Sprintf("表%d.xlsx", i), ContentType: xlsxType, Data: g.good[:2048]})
		}
		return g.mail("twenty", "任城区报表(共20个)", atts...)
	case "no-attachment.eml":
		return g.mail("noatt", "任城区11月进展情况")
	case "picture-only.eml":
		return g.mail("photo", "任城区进展表照片", mail.OutAttachment{Name: "form-photo.jpg", ContentType: "image/jpeg", Data: minimalJPEG()})
	}
	return nil, fmt.Errorf("corpus: no case %q", file)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (g *Gen) mail(id, subject string, atts ...mail.OutAttachment) ([]byte, error) {
	raw, err := mail.BuildMessage(mail.Outgoing{
		MessageID: "<hostile." + id + "@rencheng.kaohe.test>", From: From, To: []string{"kaohe@jining.kaohe.test"},
		Subject: subject, Text: "附件是我单位的进展表,请查收。", Date: g.date, Attachments: atts,
	})
	if err != nil {
		return nil, err
	}
	// The MIME boundaries are random: make them fixed.
	for i, m := range boundaryRE.FindAllSubmatch(raw, -1) {
		raw = bytes.ReplaceAll(raw, m[1], []byte(fmt.Sprintf("hostile-%s-%d", id, i)))
	}
	return raw, nil
}

var boundaryRE = regexp.MustCompile(`boundary="?([0-9A-Za-z'()+_,./:=?-]{8,})`)

// gbkMail is a mail as an old client writes it: the subject and the attachment's name
// RFC 2047-encoded in GBK.
func (g *Gen) gbkMail(form []byte) ([]byte, error) {
	enc := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return "=?GBK?B?" + base64.StdEncoding.EncodeToString(b) + "?="
	}
	body, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("附件是我单位的进展表,请查收。\r\n"))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: kaohe@jining.kaohe.test\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <hostile.gbk@rencheng.kaohe.test>\r\n",
		enc("任城区组织部"), From, enc("任城区11月进展表"), g.date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"----=_Part_GBK\"\r\n\r\n")
	fmt.Fprintf(&b, "------=_Part_GBK\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", wrap(base64.StdEncoding.EncodeToString(body)))
	name := enc("任城区进展表.xlsx")
	fmt.Fprintf(&b, "------=_Part_GBK\r\nContent-Type: application/octet-stream; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", name, name, wrap(base64.StdEncoding.EncodeToString(form)))
	b.WriteString("------=_Part_GBK--\r\n")

	return b.Bytes(), nil
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76])
		b.WriteString("\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func villageCSV(g *Gen) []byte {
	var b strings.Builder
	b.WriteString("乡镇,村,第一书记,村集体经济收入(万元)\r\n")
	for i, v := range g.county.Villages {
		fmt.Fprintf(&b, "%s,%s,%s,%d.5\r\n", v.Town, v.Name, v.Secretary, 10+i)
	}
	return []byte(b.String())
}

// editForm opens a workbook, lets fn change it, and returns the result.
func editForm(data []byte, fn func(f *excelize.File) error) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := fn(f); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return normalize(buf.Bytes(), Secret)
}

// normalize rewrites an excelize workbook deterministically: entries in name order
// (excelize writes them in map order), and the sheet protection's random salt replaced
// by a fixed one, with the hash of the same password (secret: the form's).
func normalize(data []byte, secret string) ([]byte, error) {
	prot := protection(secret)
	return rezip(data, func(name string, b []byte) (string, []byte) {
		if strings.HasPrefix(name, "xl/worksheets/sheet") {
			b = protectionRE.ReplaceAll(b, []byte(prot))
		}
		return name, b
	}, nil)
}

var (
	protectionRE = regexp.MustCompile(`hashValue="[^"]*" saltValue="[^"]*" spinCount="100000"`)
	protections  = map[string]string{}
)

// protection is the attributes of ECMA-376 agile sheet protection (SHA-512, 100,000
// spins) with a fixed salt, for templates' protection password of secret.
func protection(secret string) string {
	if p, ok := protections[secret]; ok {
		return p
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("kaohe-sheet-protection"))
	pw := hex.EncodeToString(m.Sum(nil))[:12]
	salt := sha256.Sum256([]byte("genhostile"))
	h := sha512.New()
	h.Write(salt[:16])
	for _, c := range utf16.Encode([]rune(pw)) {
		h.Write([]byte{byte(c), byte(c >> 8)})
	}
	sum := h.Sum(nil)
	var n [4]byte
	for i := range uint32(100000) {
		binary.LittleEndian.PutUint32(n[:], i)
		h.Reset()
		h.Write(sum)
		h.Write(n[:])
		sum = h.Sum(sum[:0])
	}
	p := fmt.Sprintf(`hashValue="%s" saltValue="%s" spinCount="100000"`, base64.StdEncoding.EncodeToString(sum), base64.StdEncoding.EncodeToString(salt[:16]))
	protections[secret] = p
	return p
}

// sheetPart returns the zip part of a sheet, from the workbook and its relationships.
func sheetPart(data []byte, sheet string) (string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	defer f.Close()
	idx, err := f.GetSheetIndex(sheet)
	if err != nil || idx < 0 {
		return "", fmt.Errorf("no sheet %s", sheet)
	}
	// excelize names sheet parts by their position in the workbook, from 1.
	for i, name := range f.GetSheetList() {
		if name == sheet {
			return fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), nil
		}
	}
	return "", fmt.Errorf("no sheet %s", sheet)
}

func (g *Gen) replaceSheet(sheet string, fn func(x string) string) ([]byte, error) {
	return g.replaceSheetOf(g.good, sheet, fn)
}

func (g *Gen) replaceSheetOf(data []byte, sheet string, fn func(x string) string) ([]byte, error) {
	part, err := sheetPart(data, sheet)
	if err != nil {
		return nil, err
	}
	found := false
	out, err := rezip(data, func(name string, b []byte) (string, []byte) {
		if name == part {
			found = true
			return name, []byte(fn(string(b)))
		}
		return name, b
	}, nil)
	if err == nil && !found {
		err = fmt.Errorf("no part %s", part)
	}
	return out, err
}

// rezip copies a zip, passing each entry through fn (nil: unchanged), and adds extra.
// Entries are written in name order with no dates, so that output is deterministic.
func rezip(data []byte, fn func(name string, b []byte) (string, []byte), extra map[string][]byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		name := f.Name
		if fn != nil {
			name, b = fn(name, b)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(extra) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(extra[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func zipOf(files map[string]string) ([]byte, error) {
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(m) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(m[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bombSize is what the zip bombs' sheet inflates to.
const bombSize = 2 << 30

// zipBomb is the form with its village sheet replaced by 2 GiB of spaces inside the
// sheet data. With lying set, the zip headers claim the sheet is 1 KB.
func (g *Gen) zipBomb(lying bool) ([]byte, error) {
	part, err := sheetPart(g.good, templates.SheetVillages)
	if err != nil {
		return nil, err
	}
	// The deflate stream is made of sync-flushed blocks, which concatenate: the head
	// and a first chunk of spaces, then one steady-state block of 64 MiB of spaces
	// (compressed once, after a window of spaces) repeated, then the closing tags.
	head := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	tail := []byte(`</sheetData></worksheet>`)
	const chunk = 64 << 20
	spaces := bytes.Repeat([]byte(" "), chunk)
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	fw.Write(head)
	fw.Write(spaces)
	fw.Flush()
	prefix := len(comp.Bytes())
	fw.Write(spaces)
	fw.Flush()
	block := bytes.Clone(comp.Bytes()[prefix:])
	stream := bytes.Clone(comp.Bytes()[:prefix])
	n := bombSize / chunk
	for range n - 1 {
		stream = append(stream, block...)
	}
	var end bytes.Buffer
	ew, err := flate.NewWriter(&end, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	ew.Write(tail)
	if err := ew.Close(); err != nil {
		return nil, err
	}
	stream = append(stream, end.Bytes()...)
	crc := crc32.NewIEEE()
	crc.Write(head)
	for range n {
		crc.Write(spaces)
	}
	crc.Write(tail)
	size := uint64(len(head)) + uint64(n)*chunk + uint64(len(tail))
	return g.bombZip(part, stream, crc.Sum32(), size, lying)
}

// bombZip writes the form with part replaced by the raw deflate stream.
func (g *Gen) bombZip(part string, stream []byte, crc uint32, size uint64, lying bool) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(g.good), int64(len(g.good)))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == part {
			h := &zip.FileHeader{Name: part, Method: zip.Deflate, CRC32: crc, CompressedSize64: uint64(len(stream)), UncompressedSize64: size}
			if lying {
				h.UncompressedSize64 = 1024
			}
			w, err := zw.CreateRaw(h)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(stream); err != nil {
				return nil, err
			}
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
