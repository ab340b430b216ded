package bench

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// stencilCode is the county code of the form every generated form is made from; it is
// replaced by each county's code wherever it appears in the workbook's text.
const stencilCode = "KAOHESTENCILX"

// Stencil makes filled forms for many counties of the same village layout quickly.
//
// templates.Build costs ~130 ms a form (SHA-512 sheet protection) and excelize ~50 ms
// more to fill one, which for 2,844 counties is minutes before the pipeline starts. A
// stencil builds and fills one form with excelize, parses it back to learn which cell
// holds which value, and then writes each county's form by copying the zip entries that
// do not change and patching the ones that do: the county code and signature in the
// shared strings and document properties, and the input cells of the three sheets. The
// result is what Build + FillForm would write for that county (the tests check that
// templates.Parse reads each one back as its filing).
type Stencil struct {
	checklist *seeds.Checklist
	secret    []byte
	period    string
	villages  int
	sig       string // the stencil's signature, replaced per county

	files  []*zip.File       // the stencil's entries, in order
	raw    map[string][]byte // the uncompressed entries that Form patches
	sheets map[string]string // sheet name → zip entry
	shared string            // xl/sharedStrings.xml with our labels appended
	sidx   map[string]int    // shared string → index, for 是/否 and the statuses

	taskCells []string            // task i → cell of its 进展状态 (sheet!ref)
	pctCells  []string            // task i → cell of its 完成进度（%）
	indCells  map[string]string   // county indicator id → cell
	vilCells  []map[string]string // village i → indicator id → cell
}

// StencilOptions are the inputs of NewStencil.
type StencilOptions struct {
	Checklist *seeds.Checklist
	Period    string
	Deadline  time.Time
	ReturnTo  string
	Secret    []byte
	Villages  int // villages per county; counties are score.SyntheticCounty(code, Villages)
	Filing    func(c *seeds.County) *seeds.Filing
}

// NewStencil builds the stencil form. It returns an error when Build, FillForm or Parse
// of the stencil fails, or the workbook is not laid out as expected.
func NewStencil(o StencilOptions, county func(code string, n int) *seeds.County) (*Stencil, error) {
	c := county(stencilCode, o.Villages)
	roster := &seeds.Roster{Office: "济宁市委组织部", Counties: []seeds.County{*c}}
	form, err := templates.Build(templates.Options{Checklist: o.Checklist, Roster: roster, County: c, Period: o.Period,
		Deadline: o.Deadline, ReturnTo: o.ReturnTo, Secret: o.Secret})
	if err != nil {
		return nil, err
	}
	sf := o.Filing(c)
	// The stencil carries the county's words on every task: a generated form changes only
	// statuses and numbers, and a task not 已完成 needs its 存在问题 and 下步打算.
	for i := range sf.Tasks {
		if t := &sf.Tasks[i]; t.Problems == "" || t.NextSteps == "" {
			t.Problems, t.NextSteps = "暂无突出问题", "按计划推进"
		}
	}
	filled, err := templates.FillForm(form, sf)
	if err != nil {
		return nil, err
	}
	parsed, _, _, err := templates.Parse(filled, "stencil.xlsx", templates.ParseOptions{Checklist: o.Checklist, Roster: roster, Secret: o.Secret})
	if err != nil {
		return nil, fmt.Errorf("bench: the stencil form does not parse: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(filled), int64(len(filled)))
	if err != nil {
		return nil, err
	}
	s := &Stencil{checklist: o.Checklist, secret: o.Secret, period: o.Period, villages: o.Villages, files: zr.File,
		indCells: map[string]string{}, sheets: map[string]string{}}
	s.sig = templates.Meta{TemplateVersion: templates.TemplateVersion, ChecklistVersion: o.Checklist.Version, County: stencilCode, Period: o.Period}.Sign(o.Secret)
	for _, t := range parsed.Tasks {
		s.taskCells = append(s.taskCells, t.Cell)
		s.pctCells = append(s.pctCells, t.PercentCell)
	}
	for id, n := range parsed.Indicators {
		s.indCells[id] = n.Cell
	}
	for _, v := range parsed.Villages {
		m := map[string]string{}
		for id, n := range v.Values {
			m[id] = n.Cell
		}
		s.vilCells = append(s.vilCells, m)
	}
	if err := s.mapSheets(); err != nil {
		return nil, err
	}
	if err := s.sharedStrings(); err != nil {
		return nil, err
	}
	s.raw = map[string][]byte{}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "docProps/") || zf.Name == s.sheets[templates.SheetTasks] ||
			zf.Name == s.sheets[templates.SheetIndicators] || zf.Name == s.sheets[templates.SheetVillages] {
			if s.raw[zf.Name], err = entry(zr.File, zf.Name); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func entry(files []*zip.File, name string) ([]byte, error) {
	for _, f := range files {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, fmt.Errorf("bench: stencil has no %s", name)
}

var (
	reSheet = regexp.MustCompile(`<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"`)
	reRel   = regexp.MustCompile(`<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"`)
	reRel2  = regexp.MustCompile(`<Relationship [^>]*Target="([^"]+)"[^>]*Id="([^"]+)"`)
)

// mapSheets finds the zip entry of each sheet through the workbook and its relations.
func (s *Stencil) mapSheets() error {
	wb, err := entry(s.files, "xl/workbook.xml")
	if err != nil {
		return err
	}
	rels, err := entry(s.files, "xl/_rels/workbook.xml.rels")
	if err != nil {
		return err
	}
	target := map[string]string{}
	for _, m := range reRel.FindAllStringSubmatch(string(rels), -1) {
		target[m[1]] = m[2]
	}
	for _, m := range reRel2.FindAllStringSubmatch(string(rels), -1) {
		target[m[2]] = m[1]
	}
	for _, m := range reSheet.FindAllStringSubmatch(string(wb), -1) {
		t := strings.TrimPrefix(target[m[2]], "/")
		if !strings.HasPrefix(t, "xl/") {
			t = "xl/" + t
		}
		s.sheets[m[1]] = t
	}
	for _, name := range []string{templates.SheetTasks, templates.SheetIndicators, templates.SheetVillages} {
		if s.sheets[name] == "" {
			return fmt.Errorf("bench: stencil has no sheet %s", name)
		}
	}
	return nil
}

var reCount = regexp.MustCompile(`(count|uniqueCount)="\d+"`)

// sharedStrings appends the labels generated cells use to the shared strings.
func (s *Stencil) sharedStrings() error {
	b, err := entry(s.files, "xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	x := string(b)
	n := strings.Count(x, "<si>")
	s.sidx = map[string]int{}
	var add strings.Builder
	labels := append([]string{"是", "否", brokenText}, seeds.StatusNames...)
	for _, l := range labels {
		s.sidx[l] = n
		fmt.Fprintf(&add, "<si><t>%s</t></si>", l)
		n++
	}
	end := strings.LastIndex(x, "</sst>")
	if end < 0 {
		return errors.New("bench: stencil shared strings without </sst>")
	}
	x = x[:end] + add.String() + x[end:]
	s.shared = reCount.ReplaceAllString(x, fmt.Sprintf(`${1}="%d"`, n))
	return nil
}

// brokenText is what a broken form has in a number cell.
const brokenText = "约三万元左右"

// Breakage is how a generated form is spoilt.
type Breakage int

// The kinds of broken forms the generator makes.
const (
	Intact       Breakage = iota
	TextInNumber          // words in a village number cell
	NoStatus              // a task's 进展状态 left empty
	BadSignature          // the signature of another county
	Truncated             // the file cut in half (a broken upload)
	numBreakages
)

func (b Breakage) String() string {
	return [...]string{"intact", "text_in_number", "no_status", "bad_signature", "truncated"}[b]
}

// Form writes county c's form filled with f, spoilt as br says. c must have the
// stencil's village layout.
func (s *Stencil) Form(c *seeds.County, f *seeds.Filing, br Breakage) ([]byte, error) {
	if len(f.Villages) != len(s.vilCells) || len(f.Tasks) != len(s.taskCells) {
		return nil, fmt.Errorf("bench: filing of %s has %d villages and %d tasks, the stencil %d and %d",
			c.Code, len(f.Villages), len(f.Tasks), len(s.vilCells), len(s.taskCells))
	}
	edits := map[string]map[string]string{} // sheet → ref → cell XML tail (attributes after s, and content)
	put := func(cellRef, content string) {
		sheet, ref, _ := strings.Cut(cellRef, "!")
		m := edits[sheet]
		if m == nil {
			m = map[string]string{}
			edits[sheet] = m
		}
		m[ref] = content
	}
	for i, t := range f.Tasks {
		if t.Status == seeds.StatusNone || br == NoStatus && i == 2 {
			put(s.taskCells[i], "")
			continue
		}
		put(s.taskCells[i], s.str(t.Status.String()))
		if t.PercentSet && s.pctCells[i] != "" {
			put(s.pctCells[i], `><v>`+strconv.FormatFloat(t.Percent, 'f', -1, 64)+`</v></c>`)
		}
	}
	for id, cell := range s.indCells {
		put(cell, s.number(id, f.Indicators[id]))
	}
	for i, v := range f.Villages {
		for id, cell := range s.vilCells[i] {
			put(cell, s.number(id, v.Values[id]))
		}
	}
	if br == TextInNumber {
		put(s.vilCells[len(s.vilCells)/2][s.firstNumberIndicator()], s.str(brokenText))
	}
	sig := templates.Meta{TemplateVersion: templates.TemplateVersion, ChecklistVersion: s.checklist.Version, County: c.Code, Period: s.period}.Sign(s.secret)
	if br == BadSignature {
		sig = templates.Meta{TemplateVersion: templates.TemplateVersion, ChecklistVersion: s.checklist.Version, County: c.Code + "0", Period: s.period}.Sign(s.secret)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range s.files {
		var data []byte
		switch name := zf.Name; {
		case name == "xl/sharedStrings.xml":
			data = []byte(strings.ReplaceAll(strings.ReplaceAll(s.shared, s.sig, sig), stencilCode, c.Code))
		case strings.HasPrefix(name, "docProps/"):
			data = bytes.ReplaceAll(s.raw[name], []byte(stencilCode), []byte(c.Code))
		default:
			for sheet, m := range edits {
				if s.sheets[sheet] == name {
					var err error
					if data, err = patchCells(s.raw[name], m); err != nil {
						return nil, fmt.Errorf("bench: %s: %w", sheet, err)
					}
				}
			}
		}
		if data == nil {
			if err := zw.Copy(zf); err != nil {
				return nil, err
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := out.Bytes()
	if br == Truncated {
		b = b[:len(b)/2]
	}
	return b, nil
}

func (s *Stencil) firstNumberIndicator() string {
	for _, ind := range s.checklist.Indicators(seeds.LevelVillage) {
		if ind.Type != seeds.TypeBool {
			return ind.ID
		}
	}
	return s.checklist.Indicators(seeds.LevelVillage)[0].ID
}

// str is the content of a shared-string cell.
func (s *Stencil) str(label string) string {
	return ` t="s"><v>` + strconv.Itoa(s.sidx[label]) + `</v></c>`
}

// number is the content of a cell holding n of indicator id ("" when n is not set).
func (s *Stencil) number(id string, n seeds.Number) string {
	if !n.Set {
		return ""
	}
	if ind := s.checklist.Indicator(id); ind != nil && ind.Type == seeds.TypeBool {
		if n.Value != 0 {
			return s.str("是")
		}
		return s.str("否")
	}
	return `><v>` + strconv.FormatFloat(n.Value, 'f', -1, 64) + `</v></c>`
}

// patchCells rewrites the cells of a worksheet named in edits (ref → content after the
// style attribute; "" makes the cell empty), keeping each cell's style. Every ref must
// be in the sheet.
func patchCells(x []byte, edits map[string]string) ([]byte, error) {
	out := make([]byte, 0, len(x)+len(x)/4)
	done := 0
	i := 0
	for {
		j := bytes.Index(x[i:], []byte(`<c r="`))
		if j < 0 {
			break
		}
		start := i + j
		q := start + len(`<c r="`)
		qe := bytes.IndexByte(x[q:], '"')
		if qe < 0 {
			return nil, errors.New("unterminated cell reference")
		}
		ref := string(x[q : q+qe])
		gt := bytes.IndexByte(x[start:], '>')
		if gt < 0 {
			return nil, errors.New("unterminated cell")
		}
		tagEnd := start + gt + 1
		end := tagEnd
		if x[tagEnd-2] != '/' {
			ce := bytes.Index(x[tagEnd:], []byte(`</c>`))
			if ce < 0 {
				return nil, errors.New("cell without </c>")
			}
			end = tagEnd + ce + len(`</c>`)
		}
		content, ok := edits[ref]
		if !ok {
			i = end
			continue
		}
		out = append(out, x[done:start]...)
		out = append(out, `<c r="`...)
		out = append(out, ref...)
		out = append(out, '"')
		if style := attr(x[start:tagEnd], "s"); style != "" {
			out = append(out, ` s="`...)
			out = append(out, style...)
			out = append(out, '"')
		}
		if content == "" {
			out = append(out, `/>`...)
		} else {
			out = append(out, content...)
		}
		done, i = end, end
		delete(edits, ref)
	}
	if len(edits) > 0 {
		for ref := range edits {
			return nil, fmt.Errorf("no cell %s in the stencil", ref)
		}
	}
	return append(out, x[done:]...), nil
}

func attr(tag []byte, name string) string {
	k := []byte(" " + name + `="`)
	i := bytes.Index(tag, k)
	if i < 0 {
		return ""
	}
	v := tag[i+len(k):]
	e := bytes.IndexByte(v, '"')
	if e < 0 {
		return ""
	}
	return string(v[:e])
}
