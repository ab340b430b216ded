package report

import (
	"bytes"
	"fmt"
	"math"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
)

// SummaryXLSX returns the league table as a workbook: one sheet 综合排名 with a frozen
// header row and an autofilter, so that leaders can sort and filter it. Numbers are
// stored as numbers. It returns an error only when excelize fails.
func SummaryXLSX(res *score.Result) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // in-memory file: Close only releases temp data
	const sheet = "综合排名"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head := []any{"位次", "县（市、区）", "代码", "总分", "等级", "得分", "扣分"}
	for _, a := range res.Areas {
		head = append(head, fmt.Sprintf("%s（%s分）", a.Name, trim0(a.Weight)))
	}
	head = append(head, "位次变化", "上期位次", "总分变化", "迟报天数", "报送情况")
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return nil, err
	}
	for i := range res.Counties {
		c := &res.Counties[i]
		var row []any
		if c.Submitted {
			row = []any{c.Rank, c.Name, c.Code, round2(c.Total), c.Grade, round2(c.Raw), round2(c.Deduction)}
			for _, a := range res.Areas {
				row = append(row, round2(areaScore(c, a.ID)))
			}
			if c.HasPrev {
				row = append(row, c.RankChange, c.PrevRank, round2(c.TotalChange))
			} else {
				row = append(row, nil, nil, nil)
			}
			status := "按时报送"
			if c.DaysLate > 0 {
				status = "迟报"
			}
			row = append(row, c.DaysLate, status)
		} else {
			row = []any{nil, c.Name, c.Code, nil, "未报送", nil, nil}
			for range res.Areas {
				row = append(row, nil)
			}
			status := "未报送"
			if c.Rejected > 0 {
				status = "被退回"
			}
			row = append(row, nil, nil, nil, nil, status)
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(head), len(res.Counties)+1)
	if err != nil {
		return nil, err
	}
	if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return nil, err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	hs, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E9EDF2"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return nil, err
	}
	lastHead, err := excelize.CoordinatesToCellName(len(head), 1)
	if err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A1", lastHead, hs); err != nil {
		return nil, err
	}
	nf := "0.0"
	ns, err := f.NewStyle(&excelize.Style{CustomNumFmt: &nf})
	if err != nil {
		return nil, err
	}
	lastCol, err := excelize.ColumnNumberToName(len(head))
	if err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheet, "A", lastCol, 11); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheet, "B", "B", 16); err != nil {
		return nil, err
	}
	// Scores: total, raw, deduction, areas.
	firstNum, _ := excelize.CoordinatesToCellName(4, 2)                                         // valid coordinates: no error
	lastNum, _ := excelize.CoordinatesToCellName(7+len(res.Areas), max(2, len(res.Counties)+1)) // idem
	if err := f.SetCellStyle(sheet, firstNum, lastNum, ns); err != nil {
		return nil, err
	}
	if err := f.SetRowHeight(sheet, 1, 30); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// round2 keeps the official precision (0.01) of scores.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
