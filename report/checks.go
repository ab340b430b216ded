package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jining/kaohe/internal/score"
)

// checksTitle heads the office's checks and adjustments of a county (抽查核查, 加分, 减分).
const checksTitle = "核查与加减分"

// checksTable lists the office's records of one county, or of every county when
// withCounty: what each is about, what was reported and found, what it did to the score,
// the reason and 文号, and who recorded it when. Nil when there are none.
func checksTable(cs []*score.CountyResult, withCounty bool) *Table {
	t := &Table{}
	if withCounty {
		t.Columns = append(t.Columns, Column{Title: "县（市、区）", Width: 0.10, Align: "L"})
	}
	w := []float64{0.06, 0.09, 0.16, 0.12, 0.17, 0.22, 0.18}
	if withCounty { // the county column takes its room from the others
		w = []float64{0.05, 0.07, 0.13, 0.10, 0.17, 0.22, 0.16}
	}
	for i, h := range []string{"记录", "类别", "对象", "填报／核查", "影响", "理由与文号", "记录人"} {
		align := "L"
		if i < 2 {
			align = "C"
		}
		t.Columns = append(t.Columns, Column{Title: h, Width: w[i], Align: align})
	}
	for _, c := range cs {
		for _, ch := range c.Checks {
			var cells []string
			if withCounty {
				cells = append(cells, c.Name)
			}
			values := ch.Reported
			if ch.Found != "" {
				values = orNone(ch.Reported) + "／" + ch.Found
			}
			why := ch.Reason
			switch {
			case ch.Doc != "" && why != "":
				why += "（" + ch.Doc + "）"
			case ch.Doc != "":
				why = ch.Doc
			}
			who := ch.By
			if !ch.At.IsZero() {
				who += "，" + ch.At.Format("2006年1月2日")
			}
			cells = append(cells, strconv.FormatInt(ch.ID, 10), ch.Kind, orNone(ch.Target), orNone(values), ch.Effect, orNone(why), who)
			t.Rows = append(t.Rows, Row{Cells: cells})
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// checksLine sums a county's records up in one sentence: 加分2.5分，扣分3分（其中不实1项），等次由优秀降为良好。
func checksLine(c *score.CountyResult) string {
	var falses int
	var minus float64
	for _, ch := range c.Checks {
		if ch.Kind == score.AdjClaimFalse && ch.Points < 0 {
			falses++
		}
		if ch.Points < 0 {
			minus -= ch.Points
		}
	}
	var parts []string
	if c.Bonus > 0 {
		parts = append(parts, "加分"+trim0(c.Bonus)+"分")
	}
	if minus > 0 {
		s := "核查和减分扣" + trim0(minus) + "分"
		if falses > 0 {
			s += fmt.Sprintf("（其中核查不实%d项）", falses)
		}
		parts = append(parts, s)
	}
	if c.GradeNote != "" {
		parts = append(parts, c.GradeNote)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("本期有%d条核查与加减分记录，均不影响得分。", len(c.Checks))
	}
	return fmt.Sprintf("本期有%d条核查与加减分记录：%s。", len(c.Checks), strings.Join(parts, "，"))
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// checksBlocks are the county report's lines on the office's records: a sentence and
// the table; none when there are no records.
func checksBlocks(c *score.CountyResult) []Block {
	t := checksTable([]*score.CountyResult{c}, false)
	if t == nil {
		return nil
	}
	return []Block{{Kind: BlockText, Text: checksTitle + "：" + checksLine(c)}, {Kind: BlockTable, Table: t}}
}

// summaryChecksBlocks are the summary's lines on the office's records of every county:
// one sentence per county concerned and one table; none when there are no records.
func summaryChecksBlocks(res *score.Result) []Block {
	var cs []*score.CountyResult
	for i := range res.Counties {
		if len(res.Counties[i].Checks) > 0 {
			cs = append(cs, &res.Counties[i])
		}
	}
	t := checksTable(cs, true)
	if t == nil {
		return nil
	}
	var bs []Block
	for _, c := range cs {
		bs = append(bs, Block{Kind: BlockText, Text: c.Name + checksLine(c)})
	}
	return append(bs, Block{Kind: BlockTable, Table: t})
}
