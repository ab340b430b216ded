// Package corpus makes the hostile and broken files of testdata/hostile: forms built
// with templates.Build and broken on purpose, files of the wrong kind, bombs, and whole
// mails. Cases lists each one with the Chinese message a county must get back for it;
// the tests of templates and jobs read the table, the committed files, and generate the
// big ones (Case.Big) at test time with Make.
package corpus

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// The forms of the corpus: county, period and secret are those of the jobs test
// harness (config defaults: the demo secret).
const (
	County      = "370811" // 任城区
	OtherCounty = "370812"
	Period      = "2026-11"
	OtherPeriod = "2026-10"
	Secret      = config.DemoSecret
	// From is the county address the mails of the corpus come from.
	From = "zzb@rencheng.kaohe.test"
	// MaxCommitted is the size of the largest file committed to testdata/hostile.
	MaxCommitted = 200 << 10
)

// Outcome is how kaohe answers a file or mail.
type Outcome string

const (
	Reject  Outcome = "退回" // 【退回】: the form is refused with its problems
	Notice  Outcome = "提示" // 【提示】: the mail held no form
	Receipt Outcome = "回执" // 【回执】: accepted (what people do that is harmless)
)

// Case is one hostile file or mail.
type Case struct {
	File string // name in testdata/hostile; also the attachment's name
	Kind string // what it is (README)
	// Want is a substring of one of templates.Parse's problems ("" when Parse accepts
	// it, or for a mail); Cell ("sheet!cell") is where that problem is, when it is in
	// one cell.
	Want string
	Cell string
	// Mail is the reply to a mail from the county carrying the file (or, for .eml,
	// being the mail); MailWant a substring of that reply's body ("" : Want).
	Mail     Outcome
	MailWant string
	// Big files are not committed: tests make them with Make, once, in a temp dir.
	Big bool
}

// IsMail reports whether the case is a whole mail (an .eml) rather than a file.
func (c Case) IsMail() bool { return strings.HasSuffix(c.File, ".eml") }

// ReplyWant is the substring the reply's body must hold.
func (c Case) ReplyWant() string {
	if c.MailWant != "" {
		return c.MailWant
	}
	return c.Want
}

// Gen makes the files; it holds the checklist, roster and the base forms.
type Gen struct {
	Checklist *seeds.Checklist
	Roster    *seeds.Roster
	county    *seeds.County
	blank     []byte // the county's form, unfilled
	good      []byte // filled with RandomFiling(seed 1)
	date      time.Time
}

// NewGen builds the base forms. It returns an error when templates fails.
func NewGen() (*Gen, error) {
	g := &Gen{Checklist: seeds.DefaultChecklist(), Roster: seeds.DefaultRoster()}
	g.county = g.Roster.County(County)
	if g.county == nil || g.Roster.County(OtherCounty) == nil {
		return nil, fmt.Errorf("corpus: counties %s, %s not in the roster", County, OtherCounty)
	}
	loc := time.FixedZone("CST", 8*3600)
	g.date = time.Date(2026, 11, 3, 9, 30, 0, 0, loc)
	var err error
	if g.blank, err = g.form(County, Period, []byte(Secret)); err != nil {
		return nil, err
	}
	if g.good, err = g.fill(g.blank, County, Period, Secret); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Gen) form(county, period string, secret []byte) ([]byte, error) {
	c := g.Roster.County(county)
	b, err := templates.Build(templates.Options{
		Checklist: g.Checklist, Roster: g.Roster, County: c, Period: period,
		Deadline: time.Date(2026, 12, 5, 17, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		ReturnTo: "kaohe@jining.kaohe.test", Secret: secret,
	})
	if err != nil {
		return nil, err
	}
	return normalize(b, string(secret))
}

// fill writes RandomFiling(seed 1) into the form. FillForm walks maps, and the order in
// which strings are set is the order of the shared strings: to be deterministic, the
// filing goes in one indicator at a time, in a fixed order.
func (g *Gen) fill(form []byte, county, period, secret string) ([]byte, error) {
	fl := templates.RandomFiling(g.Checklist, g.Roster.County(county), period, 1)
	b, err := templates.FillForm(form, &seeds.Filing{County: fl.County, Period: fl.Period, Version: fl.Version, Tasks: fl.Tasks, Indicators: map[string]seeds.Number{}})
	if err != nil {
		return nil, err
	}
	for _, ind := range g.Checklist.Indicators(seeds.LevelCounty) {
		one := &seeds.Filing{County: fl.County, Period: fl.Period, Version: fl.Version, Indicators: map[string]seeds.Number{ind.ID: fl.Indicators[ind.ID]}}
		if b, err = templates.FillForm(b, one); err != nil {
			return nil, err
		}
	}
	for _, ind := range g.Checklist.Indicators(seeds.LevelVillage) {
		one := &seeds.Filing{County: fl.County, Period: fl.Period, Version: fl.Version, Indicators: map[string]seeds.Number{}}
		for _, v := range fl.Villages {
			w := v
			w.Values = map[string]seeds.Number{ind.ID: v.Values[ind.ID]}
			one.Villages = append(one.Villages, w)
		}
		if b, err = templates.FillForm(b, one); err != nil {
			return nil, err
		}
	}
	return normalize(b, secret)
}

// Good returns the valid filled form every broken form starts from.
func (g *Gen) Good() []byte { return bytes.Clone(g.good) }

// Cases is the corpus, in README order.
func Cases() []Case {
	vs := templates.SheetVillages
	income := villageCol("income")
	reserve := villageCol("reserve")
	return []Case{
		// Not a form at all.
		{File: "empty.xlsx", Kind: "an empty file (0 bytes)", Want: "是空的", Mail: Reject},
		{File: "truncated.xlsx", Kind: "the first half of a valid form (upload cut short)", Want: "已损坏或不完整", Mail: Reject},
		{File: "pdf-renamed.xlsx", Kind: "a PDF renamed .xlsx", Want: "是 PDF 文件", Mail: Reject},
		{File: "photo.xlsx", Kind: "a PNG picture renamed .xlsx", Want: "是图片", Mail: Reject},
		{File: "word-renamed.xlsx", Kind: "a Word document (.docx) renamed .xlsx", Want: "Word 文档", Mail: Reject},
		{File: "web-export.xls", Kind: "an HTML table saved as .xls (what web systems export)", Want: "网页（HTML）文件", Mail: Reject},
		{File: "form.csv", Kind: "the village sheet saved as CSV (UTF-8 with BOM)", Want: "CSV 文本文件", Mail: Reject},
		{File: "form-gbk.csv", Kind: "the village sheet saved as CSV in GBK", Want: "CSV 文本文件", Mail: Reject},
		{File: "form-in.zip", Kind: "the filled form inside a .zip (mail: not a form attachment)", Want: "压缩包内没有工作簿", Mail: Notice, MailWant: "form-in.zip"},
		{File: "encrypted.xlsx", Kind: "a password-protected workbook (OLE2 with EncryptionInfo and EncryptedPackage streams)", Want: "设置了打开密码", Mail: Reject},
		{File: "legacy.xls", Kind: "the form saved as Excel 97-2003 .xls (OLE2 BIFF8, LibreOffice)", Want: "旧版 Excel 97-2003", Mail: Reject},
		{File: "form.ods", Kind: "the form saved as OpenDocument .ods (LibreOffice)", Want: "ODS 格式", Mail: Reject},
		{File: "macro.xlsm", Kind: "the filled form with a VBA project (xl/vbaProject.bin), saved as .xlsm", Want: "含有宏", Mail: Reject},
		// Bombs and sizes.
		{File: "zip-bomb.xlsx", Kind: "a 1 MB zip whose sheet inflates to 2 GiB (sizes declared honestly)", Want: "解压后超过", Mail: Reject, Big: true},
		{File: "zip-bomb-lying.xlsx", Kind: "a zip bomb whose header claims a 1 KB sheet (inflates to 2 GiB)", Want: "已损坏或不完整", Mail: Reject, Big: true},
		{File: "entity-bomb.xlsx", Kind: "billion laughs: nested XML entities in the village sheet", Want: "不安全的内容", Mail: Reject, Big: true},
		{File: "big-attachment.xlsx", Kind: "a 50 MB attachment (refused by size before reading)", Want: "太大", Mail: Reject, MailWant: "超过10MB", Big: true},
		{File: "dimension-million.xlsx", Kind: "the village sheet's dimension claims A1:XFD1048576, a value at row 1048576", Want: "行数超过上限", Mail: Reject},
		{File: "many-rows.xlsx", Kind: "the village sheet with 200,000 real rows (no dimension element)", Want: "行数超过上限", Cell: vs + "!A5001", Mail: Reject, Big: true},
		{File: "long-text.xlsx", Kind: "100,000 characters in one 进展情况 cell", Want: "内容过长", Cell: templates.SheetTasks + "!G2", Mail: Reject},
		// Broken forms.
		{File: "blank-form.xlsx", Kind: "the form sent back unfilled", Want: "未选择进展状态", Cell: templates.SheetTasks + "!E2", Mail: Reject},
		{File: "merged-cells.xlsx", Kind: "village input cells merged across three indicator columns", Want: "合并", Cell: vs + "!D2", Mail: Reject},
		{File: "formula-nocache.xlsx", Kind: "a formula with no cached value in a number cell", Want: "公式", Cell: vs + "!" + income + "2", Mail: Reject},
		{File: "formula-cached.xlsx", Kind: "formulas with cached values (what Excel saves): accepted, the cached values are read", Mail: Receipt, MailWant: "42项任务"},
		{File: "text-in-number.xlsx", Kind: "text (很多) in a number cell", Want: "“很多”不是数字", Cell: vs + "!" + income + "2", Mail: Reject},
		{File: "negative.xlsx", Kind: "a negative count", Want: "超出合理范围", Cell: vs + "!" + reserve + "2", Mail: Reject},
		{File: "absurd.xlsx", Kind: "an absurd amount (1E+300 万元)", Want: "超出合理范围", Cell: vs + "!" + income + "3", Mail: Reject},
		{File: "not-on-roster.xlsx", Kind: "a village not on the county's roster", Want: "不在本单位的村名单中", Cell: vs + "!B2", Mail: Reject},
		{File: "duplicate-village.xlsx", Kind: "the first village's row repeated", Want: "与第 2 行重复", Cell: vs + "!B3", Mail: Reject},
		{File: "sheet-renamed.xlsx", Kind: "the village sheet renamed 村级台账(2)", Want: "缺少工作表“村级台账”", Mail: Reject},
		{File: "sheets-reordered.xlsx", Kind: "the sheets reordered: accepted, sheets are found by name", Mail: Receipt, MailWant: "42项任务"},
		{File: "extra-columns.xlsx", Kind: "two columns inserted in the village sheet: accepted, columns are found by header", Mail: Receipt, MailWant: "42项任务"},
		{File: "deleted-column.xlsx", Kind: "the village income column deleted", Want: "缺少“村集体经济收入（万元）”列", Cell: vs + "!A1", Mail: Reject},
		{File: "other-county.xlsx", Kind: "the form of another county (兖州区) sent by 任城区", Want: "应报送任城区的表格", Mail: Reject},
		{File: "other-period.xlsx", Kind: "the form of the month before (2026-10); by mail it is that month's late filing", Want: "本次应报送2026年11月的表格", Mail: Receipt, MailWant: "2026年10月"},
		{File: "tampered-signature.xlsx", Kind: "the signature in the hidden sheet overwritten", Want: "校验信息不符", Mail: Reject},
		{File: "tampered-county.xlsx", Kind: "the county code in the hidden sheet changed", Want: "校验信息不符", Mail: Reject},
		{File: "wrong-secret.xlsx", Kind: "a form signed with another secret (another installation's)", Want: "校验信息不符", Mail: Reject},
		{File: "meta-deleted.xlsx", Kind: "the hidden metadata sheet deleted", Want: "找不到校验信息", Mail: Reject},
		// Whole mails.
		{File: "gbk-name.eml", Kind: "a form with text in a number cell, its attachment name 任城区进展表.xlsx in GBK (RFC 2047)", Mail: Reject, MailWant: "任城区进展表.xlsx"},
		{File: "twenty-attachments.eml", Kind: "a mail with 20 .xlsx attachments", Mail: Reject, MailWant: "邮件中有20个表格附件"},
		{File: "no-attachment.eml", Kind: "a mail with no attachment", Mail: Notice, MailWant: "没有"},
		{File: "picture-only.eml", Kind: "a mail with only a photo of the form (.jpg)", Mail: Notice, MailWant: "form-photo.jpg"},
	}
}

// villageCol is the column letter of a village indicator in the form (after 乡镇, 村,
// 第一书记).
func villageCol(id string) string {
	for i, ind := range seeds.DefaultChecklist().Indicators(seeds.LevelVillage) {
		if ind.ID == id {
			return colName(4 + i)
		}
	}
	panic("corpus: no village indicator " + id)
}

func colName(c int) string {
	s := ""
	for ; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}
