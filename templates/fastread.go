package templates

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The fast reader.
//
// excelize's row reader costs ~15 ms and ~10 MB of garbage for a 200-village form
// (encoding/xml tokens for every cell); reading the sheet XML straight from the zip costs
// well under a millisecond. fastBook reads what Parse needs — the sheet list, cell
// values as excelize's Rows/Columns with RawCellValue return them, the number format
// of the cell being read — and gives up (errSlow) on anything it does not know to read
// exactly as excelize does: then Parse starts again on excelize (parseExcelize). The
// rare questions (a formula's text, merged ranges) are answered by excelize, opened
// lazily, so they need not be reimplemented. TestFastMatchesExcelize runs both on every
// fixture and compares.

// errSlow says the fast reader met something it does not read exactly as excelize does.
var errSlow = errors.New("templates: fast reader: not understood")

// book is what the parser reads from a workbook.
type book interface {
	// sheetList is the sheets' names in workbook order.
	sheetList() []string
	// scan streams a sheet's rows (raw values) to fn until fn returns false; rows past
	// limit are not read. Row numbers run from 1 with no gaps (a missing row is empty).
	scan(sheet string, limit int, fn func(row int, cells []string) bool) error
	// formula returns a cell's formula, "" when it has none.
	formula(sheet, ref string) (string, error)
	// mergeCells returns a sheet's merged ranges.
	mergeCells(sheet string) ([]excelize.MergeCell, error)
	// percent reports whether a cell has a percent number format. The fast reader only
	// knows it for a cell of the row being scanned.
	percent(sheet, ref string) bool
}

// xlsxBook is a book read by excelize.
type xlsxBook struct{ f *excelize.File }

func (x xlsxBook) sheetList() []string { return x.f.GetSheetList() }

func (x xlsxBook) scan(sheet string, limit int, fn func(row int, cells []string) bool) error {
	rows, err := x.f.Rows(sheet)
	if err != nil {
		return err
	}
	defer rows.Close()
	row := 0
	for rows.Next() {
		row++
		if row > limit {
			break
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return err
		}
		if len(cells) > maxCols {
			cells = cells[:maxCols]
		}
		if !fn(row, cells) {
			break
		}
	}
	return rows.Error()
}

func (x xlsxBook) formula(sheet, ref string) (string, error) { return x.f.GetCellFormula(sheet, ref) }

func (x xlsxBook) mergeCells(sheet string) ([]excelize.MergeCell, error) {
	return x.f.GetMergeCells(sheet)
}

func (x xlsxBook) percent(sheet, ref string) bool {
	id, err := x.f.GetCellStyle(sheet, ref)
	if err != nil || id == 0 {
		return false
	}
	st, err := x.f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	return st.NumFmt == 9 || st.NumFmt == 10 || st.CustomNumFmt != nil && percentCode(*st.CustomNumFmt)
}

// percentCode reports whether a number format code has a % outside quotes.
func percentCode(code string) bool {
	quoted := false
	for _, r := range code {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '%' && !quoted:
			return true
		}
	}
	return false
}

// fastBook is a workbook read straight from its zip.
type fastBook struct {
	data   []byte
	files  map[string]*zip.File
	sheets []fastSheet
	sst    []string
	sstOK  bool
	xfs    []int // cellXfs: numFmtId, -1 when absent
	fmts   map[int]string
	failed bool // errSlow was met: the result must come from excelize

	slow    *excelize.File // opened on demand
	slowErr error

	// The row being scanned, for percent.
	cur fastRow
}

type fastSheet struct {
	name, path string
	formulas   map[string]bool // cells holding an <f>, in the rows scanned
	scanned    bool            // merge is known
	merge      bool            // the XML past the rows scanned mentions mergeCell
}

type fastRow struct {
	sheet  string
	row    int
	style  int   // the row's s
	styles []int // by column (0-based): the cells' s
	cols   []fastCol
}

type fastCol struct{ min, max, style int }

// Minimal mirrors of excelize's workbook and relationship types, with the same
// namespaces, so that what excelize refuses to decode is refused here too.
type fastWorkbook struct {
	XMLName xml.Name `xml:"http://schemas.openxmlformats.org/spreadsheetml/2006/main workbook"`
	Sheets  struct {
		Sheet []struct {
			Name string `xml:"name,attr,omitempty"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheet"`
	} `xml:"sheets"`
}

type fastRels struct {
	XMLName       xml.Name `xml:"http://schemas.openxmlformats.org/package/2006/relationships Relationships"`
	Relationships []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:",attr"`
		Type   string `xml:",attr"`
	} `xml:"Relationship"`
}

type fastStyles struct {
	XMLName xml.Name `xml:"http://schemas.openxmlformats.org/spreadsheetml/2006/main styleSheet"`
	NumFmts *struct {
		NumFmt []struct {
			NumFmtID   int    `xml:"numFmtId,attr"`
			FormatCode string `xml:"formatCode,attr,omitempty"`
		} `xml:"numFmt"`
	} `xml:"numFmts"`
	CellXfs *struct {
		Xf []struct {
			NumFmtID *int `xml:"numFmtId,attr"`
		} `xml:"xf"`
	} `xml:"cellXfs"`
}

const officeDocumentRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"

// openFast reads a workbook's structure (sheets, styles) from its zip, which sniff
// has checked. It returns errSlow for a workbook it leaves to excelize.
func openFast(data []byte, zr *zip.Reader) (*fastBook, error) {
	fb := &fastBook{data: data, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		if _, dup := fb.files[f.Name]; dup || f.UncompressedSize64 > unzipXMLSizeLimit {
			return nil, errSlow // excelize keeps big parts in temporary files
		}
		fb.files[f.Name] = f
	}
	// Parts excelize decodes when it opens a workbook, and may refuse.
	for _, name := range []string{"xl/calcChain.xml"} {
		if fb.files[name] != nil {
			return nil, errSlow
		}
	}
	var rels fastRels
	if err := fb.decode("_rels/.rels", &rels); err != nil {
		return nil, err
	}
	wbPath := ""
	for _, r := range rels.Relationships {
		if r.Type == officeDocumentRel {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	if wbPath != "xl/workbook.xml" {
		return nil, errSlow
	}
	var wb fastWorkbook
	if err := fb.decode(wbPath, &wb); err != nil {
		return nil, err
	}
	var wbRels fastRels
	if err := fb.decode("xl/_rels/workbook.xml.rels", &wbRels); err != nil {
		return nil, err
	}
	for _, s := range wb.Sheets.Sheet {
		p := ""
		for _, r := range wbRels.Relationships {
			if r.ID == s.ID {
				if strings.HasPrefix(r.Target, "/") {
					p = strings.TrimPrefix(path.Clean(r.Target), "/")
				} else {
					p = strings.TrimPrefix(path.Clean("xl/"+r.Target), "/")
				}
			}
		}
		if strings.ContainsAny(p, `\`) || strings.Contains(s.Name, "\\") {
			return nil, errSlow
		}
		for _, o := range fb.sheets {
			if strings.EqualFold(o.name, s.Name) {
				return nil, errSlow // excelize's lookup by name would be ambiguous
			}
		}
		fb.sheets = append(fb.sheets, fastSheet{name: s.Name, path: p})
	}
	var st fastStyles
	if err := fb.decode("xl/styles.xml", &st); err != nil {
		return nil, err
	}
	if st.CellXfs != nil {
		for _, xf := range st.CellXfs.Xf {
			id := -1
			if xf.NumFmtID != nil {
				id = *xf.NumFmtID
			}
			fb.xfs = append(fb.xfs, id)
		}
	}
	if st.NumFmts != nil {
		fb.fmts = map[int]string{}
		for _, nf := range st.NumFmts.NumFmt {
			fb.fmts[nf.NumFmtID] = nf.FormatCode
		}
	}
	return fb, nil
}

// decode reads a small XML part with encoding/xml, as excelize does. A missing part
// decodes to nothing; a part excelize would read differently is errSlow.
func (fb *fastBook) decode(name string, v any) error {
	f := fb.files[name]
	if f == nil {
		return nil
	}
	b, err := readPart(f, nil)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte("purl.oclc.org")) || !utf8Decl(b) {
		return errSlow // strict OOXML or another encoding
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return errSlow // let excelize say what it makes of it (a part with no element too)
	}
	return nil
}

// utf8Decl reports whether an XML declaration at the start of b, if any, declares
// UTF-8 (or no encoding).
func utf8Decl(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return true
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return false
	}
	decl := bytes.ToLower(b[:end])
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return true
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	return bytes.HasPrefix(rest, []byte(`"utf-8"`)) || bytes.HasPrefix(rest, []byte(`'utf-8'`))
}

var partPool = sync.Pool{New: func() any { return new([]byte) }}

// readPart inflates a zip entry into buf (grown as needed).
func readPart(f *zip.File, buf []byte) ([]byte, error) {
	n := int(f.UncompressedSize64)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func (fb *fastBook) sheetList() []string {
	list := make([]string, len(fb.sheets))
	for i, s := range fb.sheets {
		list[i] = s.name
	}
	return list
}

func (fb *fastBook) sheet(name string) *fastSheet {
	for i := range fb.sheets {
		if strings.EqualFold(fb.sheets[i].name, name) {
			return &fb.sheets[i]
		}
	}
	return nil
}

// fail records that the fast reader gave up.
func (fb *fastBook) fail() error {
	fb.failed = true
	return errSlow
}

// excelize opens the workbook with excelize, once.
func (fb *fastBook) excelize() (*excelize.File, error) {
	if fb.slow == nil && fb.slowErr == nil {
		fb.slow, fb.slowErr = excelize.OpenReader(bytes.NewReader(fb.data), excelize.Options{UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	}
	return fb.slow, fb.slowErr
}

func (fb *fastBook) close() {
	if fb.slow != nil {
		_ = fb.slow.Close() // in memory: nothing to lose
	}
}

func (fb *fastBook) formula(sheet, ref string) (string, error) {
	s := fb.sheet(sheet)
	if s == nil || !s.formulas[ref] {
		return "", nil
	}
	f, err := fb.excelize()
	if err != nil {
		return "", err
	}
	return f.GetCellFormula(sheet, ref)
}

func (fb *fastBook) mergeCells(sheet string) ([]excelize.MergeCell, error) {
	s := fb.sheet(sheet)
	if s == nil || fb.files[s.path] == nil {
		return nil, nil
	}
	if !s.scanned {
		b, err := readPart(fb.files[s.path], nil)
		if err != nil {
			return nil, err
		}
		s.scanned, s.merge = true, bytes.Contains(b, []byte("mergeCell"))
	}
	if !s.merge {
		return nil, nil
	}
	f, err := fb.excelize()
	if err != nil {
		return nil, err
	}
	return f.GetMergeCells(sheet)
}

// builtInNumFmt are the number format ids excelize knows as built in (its
// builtInNumFmt and isLangNumFmt).
func builtInNumFmt(id int) bool {
	return 0 <= id && id <= 4 || 9 <= id && id <= 22 || 37 <= id && id <= 49 ||
		27 <= id && id <= 36 || 50 <= id && id <= 62 || 67 <= id && id <= 81
}

func (fb *fastBook) percent(sheet, ref string) bool {
	col, row, err := excelize.CellNameToCoordinates(ref)
	if err != nil || !strings.EqualFold(sheet, fb.cur.sheet) || row != fb.cur.row {
		fb.failed = true // not asked while scanning that row: not expected
		return false
	}
	id := 0
	if col-1 < len(fb.cur.styles) {
		id = fb.cur.styles[col-1]
	}
	if id == 0 {
		id = fb.cur.style
	}
	if id == 0 {
		for _, c := range fb.cur.cols {
			if c.min <= col && col <= c.max && c.style != 0 {
				id = c.style
				break
			}
		}
	}
	if id <= 0 || id >= len(fb.xfs) {
		return false
	}
	n := fb.xfs[id]
	switch {
	case n < 0:
		return false
	case builtInNumFmt(n):
		return n == 9 || n == 10
	}
	code, ok := fb.fmts[n]
	return ok && percentCode(code)
}

// sharedStrings reads the shared string table, once.
func (fb *fastBook) sharedStrings() error {
	if fb.sstOK {
		return nil
	}
	fb.sstOK = true
	f := fb.files["xl/sharedStrings.xml"]
	if f == nil {
		return nil
	}
	bp := partPool.Get().(*[]byte)
	defer partPool.Put(bp)
	b, err := readPart(f, *bp)
	if err != nil {
		return err
	}
	*bp = b
	if !utf8Decl(b) || bytes.Contains(b, []byte("purl.oclc.org")) {
		return fb.fail()
	}
	x := xscan{b: b}
	var text []byte
	root := false
	for {
		k := x.next()
		switch k {
		case tokEOF:
			return nil
		case tokBad:
			return fb.fail()
		case tokStart:
			if !root {
				root = true
				if string(x.name) != "sst" {
					return fb.fail() // excelize refuses another root element
				}
			}
			if string(x.name) != "si" || x.self {
				continue
			}
			var ok bool
			if text, ok = x.richText(text[:0]); !ok {
				return fb.fail()
			}
			fb.sst = append(fb.sst, bstrUnmarshal(string(text)))
		}
	}
}

func (fb *fastBook) scan(sheet string, limit int, fn func(row int, cells []string) bool) error {
	if fb.failed {
		return errSlow
	}
	s := fb.sheet(sheet)
	if s == nil || fb.files[s.path] == nil {
		return excelize.ErrSheetNotExist{SheetName: sheet}
	}
	if err := fb.sharedStrings(); err != nil {
		return err
	}
	bp := partPool.Get().(*[]byte)
	defer partPool.Put(bp)
	b, err := readPart(fb.files[s.path], *bp)
	if err != nil {
		return err
	}
	*bp = b
	if !utf8Decl(b) {
		return fb.fail()
	}
	fb.cur = fastRow{sheet: s.name, styles: fb.cur.styles[:0]}
	defer func() { fb.cur.sheet = "" }()
	x := xscan{b: b}
	// <mergeCells> follows <sheetData>: note whether the rest of the sheet has any.
	defer func() { s.scanned, s.merge = true, bytes.Contains(b[x.i:], []byte("mergeCell")) }()
	// Up to <sheetData>: the column styles.
	ncols := 0
	for {
		k := x.next()
		if k == tokBad || k == tokEOF {
			return fb.fail()
		}
		if k != tokStart {
			continue
		}
		switch string(x.name) {
		case "cols":
			if ncols++; ncols > 1 {
				return fb.fail()
			}
		case "col":
			var c fastCol
			var ok1, ok2, ok3 bool
			c.min, ok1 = x.intAttr("min")
			c.max, ok2 = x.intAttr("max")
			c.style, ok3 = x.intAttr("style")
			if !ok1 || !ok2 || !ok3 || x.bad {
				return fb.fail()
			}
			fb.cur.cols = append(fb.cur.cols, c)
		}
		if string(x.name) == "sheetData" {
			if x.self {
				return nil
			}
			break
		}
	}
	var (
		cells []string
		text  []byte
		row   = 0 // the last row read
	)
	for {
		k := x.next()
		switch {
		case k == tokText:
			continue
		case k == tokEnd && string(x.name) == "sheetData":
			return nil
		case k != tokStart || string(x.name) != "row":
			return fb.fail()
		}
		r := row + 1
		if v, ok := x.attr("r"); ok {
			n, err := strconv.Atoi(string(v))
			if err != nil || n <= row || n > excelize.TotalRows {
				return fb.fail()
			}
			r = n
		}
		rowStyle := 0
		if v, ok := x.attr("s"); ok {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return fb.fail()
			}
			if n > 0 && n < excelize.MaxCellStyles {
				rowStyle = n
			}
		}
		if x.bad {
			return fb.fail()
		}
		// Rows missing before this one are empty.
		for row+1 < r {
			row++
			if row > limit {
				return nil
			}
			if !fn(row, nil) {
				return nil
			}
		}
		row = r
		if row > limit {
			return nil
		}
		cells = cells[:0]
		fb.cur.row, fb.cur.style, fb.cur.styles = row, rowStyle, fb.cur.styles[:0]
		if !x.self {
			col := 0
			for {
				k := x.next()
				if k == tokText {
					continue
				}
				if k == tokEnd && string(x.name) == "row" {
					break
				}
				if k != tokStart || string(x.name) != "c" {
					return fb.fail()
				}
				c, ok := x.cell(col, text[:0])
				if !ok || c.col <= col {
					return fb.fail()
				}
				text = c.text
				col = c.col
				if c.formula {
					if s.formulas == nil {
						s.formulas = map[string]bool{}
					}
					s.formulas[cell(col, row)] = true
				}
				if col <= maxCols {
					for len(fb.cur.styles) < col-1 {
						fb.cur.styles = append(fb.cur.styles, 0)
					}
					fb.cur.styles = append(fb.cur.styles, c.style)
				}
				val, ok := fb.value(&c)
				if !ok {
					return fb.fail()
				}
				if (val != "" || c.formula) && col <= maxCols {
					for len(cells) < col-1 {
						cells = append(cells, "")
					}
					cells = append(cells, val)
				}
			}
		}
		if !fn(row, cells) {
			return nil
		}
	}
}

// value is the raw value excelize's Columns(RawCellValue) gives a cell.
func (fb *fastBook) value(c *fastCell) (string, bool) {
	switch c.typ {
	case "s":
		if !c.hasV || len(c.v) == 0 {
			return "", true
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(c.v)))
		if err != nil {
			i = 0
		}
		if i < 0 || i >= len(fb.sst) {
			return "", true // excelize: an invalid index reads as empty
		}
		return fb.sst[i], true
	case "inlineStr":
		if c.hasIS {
			return bstrUnmarshal(string(c.is)), true
		}
	}
	return string(c.v), true
}

// fastCell is one <c> element.
type fastCell struct {
	col     int
	style   int
	typ     string
	v       []byte // the <v> text, unescaped
	hasV    bool
	is      []byte // the <is> text, unescaped
	hasIS   bool
	formula bool
	text    []byte // scratch returned to the caller
}

// The XML tokens of xscan.
const (
	tokBad = iota
	tokEOF
	tokStart
	tokEnd
	tokText
)

// xscan is a small XML scanner for worksheet and shared-string parts: start and end
// tags, attributes, text with the five entities and character references. Anything
// else (comments, CDATA, processing instructions after the declaration, a DOCTYPE,
// malformed markup, text that is not UTF-8 or holds characters XML does not allow)
// is tokBad, and the caller leaves the part to excelize.
type xscan struct {
	b     []byte
	i     int
	name  []byte   // local name of the last tag
	attrs []byte   // its raw attributes
	self  bool     // a start tag that closes itself
	bad   bool     // a malformed attribute list was met
	text  []byte   // raw text of the last text token
	root  bool     // a start tag was read (text before it must be white space)
	open  [][]byte // names of the elements open, outermost first
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (x *xscan) next() int {
	b := x.b
	if x.i >= len(b) {
		if len(x.open) > 0 {
			return tokBad // an element left open
		}
		return tokEOF
	}
	if b[x.i] != '<' {
		j := bytes.IndexByte(b[x.i:], '<')
		if j < 0 {
			j = len(b) - x.i
		}
		x.text = b[x.i : x.i+j]
		x.i += j
		if !x.root && len(bytes.TrimLeft(x.text, " \t\r\n")) > 0 {
			return tokBad // text before the root element (or a byte order mark)
		}
		return tokText
	}
	rest := b[x.i:]
	switch {
	case x.i == 0 && len(rest) > 5 && bytes.HasPrefix(rest, []byte("<?xml")) && isSpace(rest[5]):
		// (Not "<?xmlfoo": a processing instruction, tokBad below.)
		end := bytes.Index(rest, []byte("?>"))
		if end < 0 {
			return tokBad
		}
		x.i += end + 2
		x.text = nil
		return tokText
	case len(rest) > 1 && (rest[1] == '?' || rest[1] == '!'):
		return tokBad
	case len(rest) > 1 && rest[1] == '/':
		end := bytes.IndexByte(rest, '>')
		if end < 0 {
			return tokBad
		}
		name := bytes.TrimRight(rest[2:end], " \t\r\n")
		if !validName(name) || len(x.open) == 0 || !bytes.Equal(x.open[len(x.open)-1], name) {
			return tokBad // (encoding/xml refuses an end tag that does not match)
		}
		x.open = x.open[:len(x.open)-1]
		x.name = localName(name)
		x.i += end + 1
		return tokEnd
	}
	// A start tag: the name, then attributes up to > (not inside quotes).
	j := 1
	for j < len(rest) && !isSpace(rest[j]) && rest[j] != '>' && rest[j] != '/' {
		j++
	}
	name := rest[1:j]
	if !validName(name) {
		return tokBad
	}
	k := j
	var q byte
	for ; k < len(rest); k++ {
		c := rest[k]
		if q != 0 {
			if c == q {
				q = 0
			} else if c == '<' {
				return tokBad
			}
			continue
		}
		if c == '"' || c == '\'' {
			q = c
		} else if c == '>' {
			break
		}
	}
	if k >= len(rest) {
		return tokBad
	}
	x.self = k > j && rest[k-1] == '/'
	attrEnd := k
	if x.self {
		attrEnd--
	}
	x.attrs = rest[j:attrEnd]
	if !wellFormedAttrs(x.attrs) {
		return tokBad
	}
	if !x.self {
		x.open = append(x.open, name)
	}
	x.name = localName(name)
	x.i += k + 1
	x.root = true
	return tokStart
}

// wellFormedAttrs reports whether a start tag's raw attribute list is well formed:
// name="value" or name='value' pairs, each after white space. A tag whose attributes
// are never read (the worksheet's root, sheetViews, …) must still be checked:
// excelize's XML decoder stops at a malformed one and reads no rows after it.
func wellFormedAttrs(a []byte) bool {
	for {
		if len(a) == 0 {
			return true
		}
		if !isSpace(a[0]) {
			return false
		}
		a = bytes.TrimLeft(a, " \t\r\n")
		if len(a) == 0 {
			return true
		}
		eq := bytes.IndexByte(a, '=')
		if eq < 0 || !validName(bytes.TrimRight(a[:eq], " \t\r\n")) {
			return false
		}
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || a[0] != '"' && a[0] != '\'' {
			return false
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return false
		}
		a = a[end+2:]
	}
}

// validName reports whether a tag name is a plain (possibly prefixed) XML name.
func validName(n []byte) bool {
	if len(n) == 0 || n[0] >= '0' && n[0] <= '9' || n[0] == '-' || n[0] == '.' {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// nextAttr splits the first attribute off a raw attribute list: its local name, its raw
// value and the rest. ok is false at the end of the list; a malformed list, or one
// declaring namespaces (whose local names encoding/xml reports differently), sets bad.
func (x *xscan) nextAttr(a []byte) (name, val, rest []byte, ok bool) {
	for len(a) > 0 && isSpace(a[0]) {
		a = a[1:]
	}
	if len(a) == 0 {
		return nil, nil, nil, false
	}
	eq := bytes.IndexByte(a, '=')
	if eq < 0 {
		x.bad = true
		return nil, nil, nil, false
	}
	n := bytes.TrimRight(a[:eq], " \t\r\n")
	a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
	if len(a) == 0 || a[0] != '"' && a[0] != '\'' || !validName(n) || bytes.HasPrefix(n, []byte("xmlns")) {
		x.bad = true
		return nil, nil, nil, false
	}
	end := bytes.IndexByte(a[1:], a[0])
	if end < 0 {
		x.bad = true
		return nil, nil, nil, false
	}
	return localName(n), a[1 : 1+end], a[2+end:], true
}

// attr returns the raw value of the last attribute with the given local name, as
// excelize (which looks at local names) sees it. A malformed list sets bad.
func (x *xscan) attr(name string) (v []byte, found bool) {
	a := x.attrs
	for {
		n, val, rest, ok := x.nextAttr(a)
		if !ok {
			return v, found
		}
		if string(n) == name {
			v, found = val, true
		}
		a = rest
	}
}

// intAttr reads an integer attribute: absent is 0, ok; malformed is not ok.
func (x *xscan) intAttr(name string) (int, bool) {
	v, found := x.attr(name)
	if !found {
		return 0, true
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}

// skip skips the element whose start tag was just read. It returns false on
// malformed XML.
func (x *xscan) skip() bool {
	if x.self {
		return true
	}
	depth := 1
	for depth > 0 {
		switch x.next() {
		case tokStart:
			if !x.self {
				depth++
			}
		case tokEnd:
			depth--
		case tokText:
			if !x.checkText() {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// checkText reports whether the last text token is well-formed text.
func (x *xscan) checkText() bool {
	_, ok := unescape(nil, x.text)
	return ok
}

// textOf reads the text content of a simple element (no child elements) whose start
// tag was just read, appending it unescaped to dst.
func (x *xscan) textOf(dst []byte) ([]byte, bool) {
	if x.self {
		return dst, true
	}
	for {
		switch x.next() {
		case tokText:
			var ok bool
			if dst, ok = unescape(dst, x.text); !ok {
				return dst, false
			}
		case tokEnd:
			return dst, true
		default:
			return dst, false
		}
	}
}

// richText reads an <si> or <is> element whose start tag was just read: the text of
// its last direct <t>, then of the last <t> of each <r>, as excelize's xlsxSI.String
// (before bstrUnmarshal) joins them; <rPh> and other children are skipped.
func (x *xscan) richText(dst []byte) ([]byte, bool) {
	if x.self {
		return dst, true
	}
	var t []byte
	var runs [][2]int // spans of dst holding each run's text
	base := len(dst)
	for {
		switch x.next() {
		case tokText:
			if !x.checkText() {
				return dst, false
			}
		case tokEnd:
			if len(runs) == 0 {
				return append(dst[:base], t...), true
			}
			// T first, then the runs, as excelize joins them.
			out := append(dst[:base:base], t...)
			for _, r := range runs {
				out = append(out, dst[r[0]:r[1]]...)
			}
			return out, true
		case tokStart:
			switch string(x.name) {
			case "t":
				var ok bool
				if t, ok = x.textOf(t[:0]); !ok {
					return dst, false
				}
			case "r":
				var rt []byte
				hasT := false
				if !x.self {
				run:
					for {
						switch x.next() {
						case tokText:
							if !x.checkText() {
								return dst, false
							}
						case tokEnd:
							break run
						case tokStart:
							if string(x.name) == "t" {
								var ok bool
								if rt, ok = x.textOf(rt[:0]); !ok {
									return dst, false
								}
								hasT = true
							} else if !x.skip() {
								return dst, false
							}
						default:
							return dst, false
						}
					}
				}
				if hasT {
					start := len(dst)
					dst = append(dst, rt...)
					runs = append(runs, [2]int{start, len(dst)})
				}
			default:
				if !x.skip() {
					return dst, false
				}
			}
		default:
			return dst, false
		}
	}
}

// cell reads a <c> element whose start tag was just read; prev is the previous cell's
// column in the row.
func (x *xscan) cell(prev int, scratch []byte) (fastCell, bool) {
	c := fastCell{col: prev + 1, text: scratch}
	var r, st, t []byte
	var hasR, hasS, hasT bool
	for a := x.attrs; ; {
		n, val, rest, ok := x.nextAttr(a)
		if !ok {
			break
		}
		switch string(n) {
		case "r":
			r, hasR = val, true
		case "s":
			st, hasS = val, true
		case "t":
			t, hasT = val, true
		}
		a = rest
	}
	if x.bad {
		return c, false
	}
	if hasR {
		col, ok := colOf(r)
		if !ok {
			return c, false
		}
		c.col = col
	}
	if hasS {
		n, ok := atoi(st)
		if !ok {
			return c, false
		}
		c.style = n
	}
	if hasT {
		switch string(t) {
		case "s":
			c.typ = "s"
		case "inlineStr":
			c.typ = "inlineStr"
		case "n":
			c.typ = "n"
		case "str":
			c.typ = "str"
		default:
			if bytes.IndexByte(t, '&') >= 0 {
				return c, false
			}
			c.typ = string(t)
		}
	}
	if x.self {
		return c, true
	}
	for {
		switch x.next() {
		case tokText:
			if !x.checkText() {
				return c, false
			}
		case tokEnd:
			if string(x.name) != "c" {
				return c, false
			}
			// v and is point into text: split it now that it no longer grows.
			return c, true
		case tokStart:
			switch string(x.name) {
			case "v":
				if c.hasV {
					return c, false
				}
				start := len(c.text)
				var ok bool
				if c.text, ok = x.textOf(c.text); !ok {
					return c, false
				}
				c.v, c.hasV = c.text[start:], true
			case "f":
				c.formula = true
				if !x.skip() {
					return c, false
				}
			case "is":
				if c.hasIS {
					return c, false
				}
				start := len(c.text)
				var ok bool
				if c.text, ok = x.richText(c.text); !ok {
					return c, false
				}
				c.is, c.hasIS = c.text[start:], true
			default:
				return c, false
			}
		default:
			return c, false
		}
	}
}

// colOf returns the column of a plain cell reference ("AB12"): upper-case letters,
// then digits (a row from 1 to excelize.TotalRows). Anything else is not ok, and the
// caller leaves the sheet to excelize.
func colOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && 'A' <= ref[i] && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A') + 1
		if col > excelize.MaxColumns {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	row, ok := atoi(ref[i:])
	if !ok || row < 1 || row > excelize.TotalRows || ref[i] == '0' {
		return 0, false
	}
	return col, true
}

// atoi reads a non-negative decimal integer of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unescape appends the text raw, unescaped as encoding/xml reads character data
// (entities, character references, line ends normalised to \n), to dst. It returns
// false for text encoding/xml would refuse, or that it might read differently.
func unescape(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return dst, false
			}
			ent := raw[i+1 : i+end]
			i += end + 1
			switch string(ent) {
			case "lt":
				dst = append(dst, '<')
			case "gt":
				dst = append(dst, '>')
			case "amp":
				dst = append(dst, '&')
			case "apos":
				dst = append(dst, '\'')
			case "quot":
				dst = append(dst, '"')
			default:
				if len(ent) < 2 || ent[0] != '#' {
					return dst, false
				}
				var n uint64
				var err error
				if ent[1] == 'x' {
					n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
				} else {
					n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
				}
				if err != nil || !xmlChar(rune(n)) {
					return dst, false
				}
				dst = utf8.AppendRune(dst, rune(n))
			}
		case c == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c == '>' && i >= 2 && raw[i-1] == ']' && raw[i-2] == ']':
			return dst, false
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				return dst, false
			}
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 || !xmlChar(r) {
				return dst, false
			}
			dst = append(dst, raw[i:i+n]...)
			i += n
		}
	}
	return dst, true
}

// xmlChar reports whether r is a character XML 1.0 allows (encoding/xml's
// isInCharacterRange).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// bstrUnmarshal decodes the _xHHHH_ escapes Excel writes for characters XML cannot
// hold, exactly as excelize does (lib.go).
func bstrUnmarshal(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			if s[i:i+7] == "_x005F_" {
				b.WriteByte('_')
			} else {
				n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
				if r := rune(n); utf8.ValidRune(r) {
					b.WriteRune(r)
				}
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(s) == 4
}
