package templates

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/seeds"
)

// FillForm writes a filing's values into a form built by Build, as a county would by
// hand, and returns the new workbook. Rows are found by their locked labels (task id,
// indicator code, 乡镇 + 村), so the form's row order does not matter; values for rows
// the form does not have are an error. Unset numbers leave the cell empty. It is for
// tests and the demo; it returns an error when the workbook cannot be read or written.
func FillForm(data []byte, fl *seeds.Filing) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("templates.FillForm: %w", err)
	}
	defer f.Close()
	w := &filler{f: f}
	w.tasks(fl)
	w.indicators(fl)
	w.villages(fl)
	if w.err != nil {
		return nil, fmt.Errorf("templates.FillForm: %w", w.err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("templates.FillForm: %w", err)
	}
	return buf.Bytes(), nil
}

type filler struct {
	f   *excelize.File
	err error
}

func (w *filler) fail(format string, a ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, a...)
	}
}

// locate returns a sheet's header columns (by headerKey, 1-based) and the row of each
// label (labelOf gives the label of a row).
func (w *filler) locate(sheet, key string, labelOf func(cols map[string]int, cells []string) string) (map[string]int, map[string]int) {
	rows, err := w.f.GetRows(sheet)
	if err != nil {
		w.fail("%s: %w", sheet, err)
		return nil, nil
	}
	var cols map[string]int
	at := map[string]int{}
	for r, cells := range rows {
		if cols == nil {
			c := map[string]int{}
			for i, h := range cells {
				c[headerKey(h)] = i + 1
			}
			if _, ok := c[key]; ok {
				cols = c
			}
			continue
		}
		if l := labelOf(cols, cells); l != "" {
			at[l] = r + 1
		}
	}
	if cols == nil {
		w.fail("%s: no header row", sheet)
	}
	return cols, at
}

func colValue(cols map[string]int, cells []string, h string) string {
	if i, ok := cols[h]; ok && i-1 < len(cells) {
		return normalize(cells[i-1])
	}
	return ""
}

func (w *filler) set(sheet string, col, row int, v any) {
	if w.err != nil {
		return
	}
	if col == 0 {
		w.fail("%s: column missing", sheet)
		return
	}
	if err := w.f.SetCellValue(sheet, cell(col, row), v); err != nil {
		w.fail("%s!%s: %w", sheet, cell(col, row), err)
	}
}

func (w *filler) tasks(fl *seeds.Filing) {
	s := SheetTasks
	cols, at := w.locate(s, HdrTaskID, func(cols map[string]int, cells []string) string { return colValue(cols, cells, HdrTaskID) })
	for _, t := range fl.Tasks {
		r, ok := at[t.Task]
		if !ok {
			w.fail("%s: no row for task %s", s, t.Task)
			return
		}
		w.set(s, cols[HdrStatus], r, t.Status.String())
		if t.PercentSet {
			w.set(s, cols[headerKey(HdrPercent)], r, t.Percent)
		} else {
			w.set(s, cols[headerKey(HdrPercent)], r, "")
		}
		w.set(s, cols[HdrProgress], r, t.Progress)
		w.set(s, cols[HdrEvidence], r, t.Evidence)
		w.set(s, cols[HdrProblems], r, t.Problems)
		w.set(s, cols[HdrNextSteps], r, t.NextSteps)
	}
}

func cellValue(n seeds.Number, isBool bool) any {
	switch {
	case !n.Set:
		return ""
	case isBool:
		return boolLabel(n.Value)
	}
	return n.Value
}

func (w *filler) indicators(fl *seeds.Filing) {
	s := SheetIndicators
	cols, at := w.locate(s, HdrIndName, func(cols map[string]int, cells []string) string { return colValue(cols, cells, HdrIndID) })
	for id, n := range fl.Indicators {
		r, ok := at[id]
		if !ok {
			w.fail("%s: no row for indicator %s", s, id)
			return
		}
		w.set(s, cols[HdrIndValue], r, cellValue(n, false))
		w.set(s, cols[HdrIndNote], r, n.Note)
	}
}

func (w *filler) villages(fl *seeds.Filing) {
	s := SheetVillages
	cols, at := w.locate(s, HdrTown, func(cols map[string]int, cells []string) string {
		t, v := colValue(cols, cells, HdrTown), colValue(cols, cells, HdrVillage)
		if t == "" && v == "" {
			return ""
		}
		return seeds.VillageKey(t, v)
	})
	// The form lists its village columns by indicator id in the metadata sheet.
	byID := map[string]int{}
	isBool := map[string]bool{}
	meta, err := w.f.GetRows(SheetMeta)
	if err != nil {
		w.fail("%s: %w", SheetMeta, err)
		return
	}
	for _, row := range meta {
		if len(row) >= 2 && strings.HasPrefix(row[0], metaVillageColumn) {
			id := strings.TrimPrefix(row[0], metaVillageColumn)
			byID[id] = cols[headerKey(row[1])]
			isBool[id] = strings.Contains(row[1], "是/否")
		}
	}
	for _, v := range fl.Villages {
		r, ok := at[seeds.VillageKey(v.Town, v.Village)]
		if !ok {
			w.fail("%s: no row for village %s", s, seeds.VillageKey(v.Town, v.Village))
			return
		}
		for id, n := range v.Values {
			col := byID[id]
			if col == 0 {
				w.fail("%s: no column for indicator %s", s, id)
				return
			}
			w.set(s, col, r, cellValue(n, isBool[id]))
		}
	}
}

// RandomFiling makes a plausible filing for a county, for tests and the demo: every
// task has a status and some text, every indicator a value within its range and its
// le constraint; seed makes it reproducible. The filing's cells are empty (Parse fills
// them).
func RandomFiling(cl *seeds.Checklist, c *seeds.County, period string, seed uint64) *seeds.Filing {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fl := &seeds.Filing{County: c.Code, Period: period, Version: cl.Version, Indicators: map[string]seeds.Number{}}
	for _, t := range cl.Tasks() {
		st := seeds.Status(1 + r.IntN(3))
		tr := seeds.TaskReport{
			Task:      t.ID,
			Status:    st,
			Progress:  fmt.Sprintf("%s：已召开专题会议%d次，%s。", t.Title, 1+r.IntN(5), st),
			Problems:  []string{"", "资金保障不足", "部分村积极性不高", ""}[r.IntN(4)],
			NextSteps: "按序时推进，加强督导。",
		}
		if st != seeds.StatusDone && tr.Problems == "" {
			tr.Problems = "暂无突出问题" // a task not done needs the county's words (template version 3)
		}
		tr.PercentSet = true
		switch st {
		case seeds.StatusDone:
			tr.Percent = 100
			tr.Evidence = []string{"验收报告", "", "会议纪要及照片"}[r.IntN(3)]
		case seeds.StatusInProgress:
			tr.Percent = float64(1 + r.IntN(99))
		}
		fl.Tasks = append(fl.Tasks, tr)
	}
	value := func(ind *seeds.Indicator) float64 {
		switch ind.Type {
		case seeds.TypeBool:
			if r.Float64() < 0.8 {
				return 1
			}
			return 0
		case seeds.TypeInteger:
			hi := math.Min(ind.Max, ind.Min+12)
			return math.Floor(ind.Min + r.Float64()*(hi-ind.Min+1))
		case seeds.TypePercent:
			return math.Round(ind.Min+r.Float64()*(ind.Max-ind.Min)*10) / 10
		}
		hi := math.Min(ind.Max, ind.Min+math.Max(10, (ind.Max-ind.Min)/100))
		return math.Round((ind.Min+r.Float64()*(hi-ind.Min))*100) / 100
	}
	fix := func(vals map[string]seeds.Number, inds []*seeds.Indicator) {
		for _, ind := range inds {
			if ind.LE == "" {
				continue
			}
			n, o := vals[ind.ID], vals[ind.LE]
			if n.Value > o.Value {
				n.Value = o.Value
				if ind.Type != seeds.TypeInteger {
					n.Value = math.Round(o.Value*r.Float64()*100) / 100
				}
				vals[ind.ID] = n
			}
		}
	}
	cinds := cl.Indicators(seeds.LevelCounty)
	for _, ind := range cinds {
		fl.Indicators[ind.ID] = seeds.Number{Value: value(ind), Set: true, Note: "据" + ind.Name + "台账统计"}
	}
	fix(fl.Indicators, cinds)
	vinds := cl.Indicators(seeds.LevelVillage)
	for _, v := range c.Villages {
		vr := seeds.VillageReport{Town: v.Town, Village: v.Name, Secretary: v.Secretary, Values: map[string]seeds.Number{}}
		for _, ind := range vinds {
			vr.Values[ind.ID] = seeds.Number{Value: value(ind), Set: true}
		}
		fix(vr.Values, vinds)
		fl.Villages = append(fl.Villages, vr)
	}
	return fl
}
