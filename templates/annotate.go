package templates

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Annotate returns a copy of the county's own workbook with each problem cell filled
// red and given a comment holding the problem's message, and a 问题清单 sheet listing
// every problem (including those not in a cell) in front. Parse ignores that sheet, so
// the county can fix the annotated copy and send it back. Problems naming a sheet or
// cell the workbook does not have are only listed. It returns an error when the
// workbook cannot be opened or fails Parse's safety checks (size, zip bombs, unsafe XML,
// too many rows): then the county gets the list of problems alone.
func Annotate(data []byte, ps Problems) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("templates.Annotate: panic reading workbook: %v", r)
		}
	}()
	// Only a workbook Parse would open is worth marking: the same checks first, so a bomb
	// or a sheet of a million rows costs nothing here either.
	if ps := sniff(data, "form.xlsx", DefaultMaxBytes); ps != nil {
		return nil, errors.New("templates.Annotate: the workbook is not one Parse would open: " + ps.Error())
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		return nil, fmt.Errorf("templates.Annotate: %w", err)
	}
	defer f.Close()
	have := map[string]bool{}
	for _, s := range f.GetSheetList() {
		have[s] = true
	}
	// One comment per cell: several problems in a cell share it.
	type key struct{ sheet, cell string }
	msgs := map[key]string{}
	var order []key
	for _, p := range ps {
		if p.Cell == "" || !have[p.Sheet] {
			continue
		}
		if _, _, err := excelize.CellNameToCoordinates(p.Cell); err != nil {
			continue
		}
		k := key{p.Sheet, p.Cell}
		if m, ok := msgs[k]; ok {
			msgs[k] = m + "\n" + p.Message
			continue
		}
		msgs[k] = p.Message
		order = append(order, k)
	}
	styles := map[int]int{} // original style → red copy
	for _, k := range order {
		id, err := f.GetCellStyle(k.sheet, k.cell)
		if err != nil {
			return nil, fmt.Errorf("templates.Annotate: %s!%s: %w", k.sheet, k.cell, err)
		}
		red, ok := styles[id]
		if !ok {
			st, err := f.GetStyle(id)
			if err != nil || st == nil {
				st = &excelize.Style{}
			}
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colBad}}
			if red, err = f.NewStyle(st); err != nil {
				return nil, fmt.Errorf("templates.Annotate: %w", err)
			}
			styles[id] = red
		}
		if err := f.SetCellStyle(k.sheet, k.cell, k.cell, red); err != nil {
			return nil, fmt.Errorf("templates.Annotate: %w", err)
		}
		// A cell may carry a comment already (the form's own help): replace it.
		if err := f.DeleteComment(k.sheet, k.cell); err != nil {
			return nil, fmt.Errorf("templates.Annotate: %w", err)
		}
		w, h := commentBox(msgs[k])
		if err := f.AddComment(k.sheet, excelize.Comment{Cell: k.cell, Author: "审核意见", Text: msgs[k], Width: w, Height: h}); err != nil {
			return nil, fmt.Errorf("templates.Annotate: %w", err)
		}
	}
	if err := problemSheet(f, ps, have[SheetProblems]); err != nil {
		return nil, fmt.Errorf("templates.Annotate: %w", err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("templates.Annotate: %w", err)
	}
	return buf.Bytes(), nil
}

// problemSheet writes the list of problems to a 问题清单 sheet placed first and active.
func problemSheet(f *excelize.File, ps Problems, exists bool) error {
	s := SheetProblems
	if exists {
		if err := f.DeleteSheet(s); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet(s); err != nil {
		return err
	}
	if err := f.MoveSheet(s, f.GetSheetList()[0]); err != nil {
		return err
	}
	hdr, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colHeader}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, Border: border()})
	if err != nil {
		return err
	}
	txt, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, Border: border()})
	if err != nil {
		return err
	}
	rows := [][]any{{"序号", "工作表", "单元格", "问题及修改方法"}}
	for i, p := range ps {
		rows = append(rows, []any{i + 1, p.Sheet, p.Cell, p.Message})
	}
	for i, r := range rows {
		if err := f.SetSheetRow(s, cell(1, i+1), &r); err != nil {
			return err
		}
		if i > 0 {
			if err := f.SetRowHeight(s, i+1, float64(lines(ps[i-1].Message, 80))*15+6); err != nil {
				return err
			}
		}
	}
	if err := f.SetCellStyle(s, "A1", "D1", hdr); err != nil {
		return err
	}
	if len(ps) > 0 {
		if err := f.SetCellStyle(s, "A2", cell(4, len(ps)+1), txt); err != nil {
			return err
		}
	}
	for col, w := range map[string]float64{"A": 6, "B": 12, "C": 9, "D": 82} {
		if err := f.SetColWidth(s, col, col, w); err != nil {
			return err
		}
	}
	idx, err := f.GetSheetIndex(s)
	if err != nil {
		return err
	}
	f.SetActiveSheet(idx)
	return nil
}
