package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// TestTypeWeightsInReports: with scoring.type_weights (one ranking, a type's total
// weighted), the summary's league table prints each unit's 系数 and 排名得分 and how they
// are computed, ranks by 排名得分, the county report's 位次 names the 排名得分, and
// summary.xlsx 综合排名 has both columns; a clerk recomputes 排名得分 from the printed total.
func TestTypeWeightsInReports(t *testing.T) {
	cl := seeds.DefaultChecklist()
	cl.Scoring.RankByType = false
	cl.Scoring.TypeWeights = map[string]float64{seeds.UnitZone: 0.9}
	roster := seeds.DefaultRoster()
	rng := rand.New(rand.NewPCG(7, 7))
	var subs []score.Submission
	zones := 0
	for i := range roster.Counties {
		c := &roster.Counties[i]
		if c.UnitType() == seeds.UnitZone {
			zones++
		}
		subs = append(subs, score.Submission{County: c.Code, Name: c.Name, Type: c.UnitType(), Roster: c,
			Filing: score.Synthetic(cl, c, "2026-11", rng, 0.3+0.05*float64(i))})
	}
	if zones == 0 {
		t.Fatal("the demo roster has no 功能区")
	}
	res, err := score.Assess(cl, "2026-11", subs, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := Context{Roster: roster}
	m := x.SummaryModel(res, nil)
	var league *Table
	note := false
	for _, b := range m.Blocks {
		if b.Kind == BlockText && strings.Contains(b.Text, "排名得分＝总分×类型系数，县（市、区）系数为1，功能区系数为0.9，") {
			note = true
		}
		if b.Kind == BlockTable && league == nil && len(b.Table.Columns) > 5 && b.Table.Columns[4].Title == "系数" {
			league = b.Table
		}
	}
	if !note || league == nil || league.Columns[5].Title != "排名得分" {
		t.Fatalf("summary: note %v, league table with 系数 and 排名得分: %v", note, league != nil)
	}
	prev := math.Inf(1)
	for i, row := range league.Rows {
		c := &res.Counties[i]
		total, _ := strconv.ParseFloat(row.Cells[2], 64)
		w, _ := strconv.ParseFloat(row.Cells[4], 64)
		rs, _ := strconv.ParseFloat(row.Cells[5], 64)
		want := 1.0
		if c.Type == seeds.UnitZone {
			want = 0.9
		}
		// The clerk's calculation: printed total × printed weight, rounded half up.
		if w != want || rs != math.Floor(total*w*100+0.5+1e-7)/100 || rs > prev {
			t.Errorf("row %d %s: total %v × %v = %v (previous %v)", i, c.Name, total, w, rs, prev)
		}
		prev = rs
		if c.Rank == 0 || c.Of != len(res.Counties) {
			t.Errorf("%s: rank %d of %d, want one ranking of %d", c.Name, c.Rank, c.Of, len(res.Counties))
		}
	}
	for i := range res.Counties {
		c := &res.Counties[i]
		if c.Type != seeds.UnitZone {
			continue
		}
		cm := x.CountyModel(res, c.Code, nil)
		found := false
		for _, b := range cm.Blocks {
			for _, f := range b.Facts {
				if f.Label == "位次" && strings.Contains(f.Value, "总分"+f2(c.Total)+"×类型系数0.9") && strings.Contains(f.Value, "排名得分"+f2(c.RankScore)) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: county report's 位次 does not give its 排名得分", c.Name)
		}
	}
	b, err := x.SummaryXLSX(res, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	rows, err := f.GetRows("综合排名")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(rows[1], "类型系数"); i != 5 || rows[1][6] != "排名得分" {
		t.Fatalf("xlsx header %q", rows[1])
	}
	if got, want := rows[2][6], f2(res.Counties[0].RankScore); got != want {
		t.Errorf("xlsx 排名得分 %q, want %q", got, want)
	}
}

// TestVillageValuesXLSX: 村级明细 lists every village of every county that reported,
// with its 第一书记 and, for each village rule, the value it reported against the
// period's test named in the header: a village meeting the test shows its value (not
// just 达标), one falling short its value filled red, an empty one 未填.
func TestVillageValuesXLSX(t *testing.T) {
	res, hist := demoMonth(t)
	b, err := Context{Roster: seeds.DefaultRoster()}.SummaryXLSX(res, hist)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	rows, err := f.GetRows("村级明细")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range res.Counties {
		want += len(c.VillageList)
	}
	if want == 0 || len(rows)-2 != want {
		t.Fatalf("%d village rows, want %d", len(rows)-2, want)
	}
	if !strings.Contains(rows[1][4], "本期标准") {
		t.Errorf("header %q names no test", rows[1][4])
	}
	var c *score.CountyResult
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			c = &res.Counties[i]
			break
		}
	}
	// The first county's rows, in form order.
	start := 2
	for rows[start][0] != c.Name {
		start++
	}
	var meets, short bool
	for k, vr := range c.Villages {
		col := 4 + k
		if !strings.HasPrefix(rows[1][col], vr.Task) {
			t.Fatalf("column %d is %q, want %s", col, rows[1][col], vr.Task)
		}
		for i, v := range c.VillageList {
			r := rows[start+i]
			if r[1] != v.Town || r[2] != v.Village || r[3] != v.Secretary {
				t.Fatalf("row %d %q, want %+v", start+i, r, v)
			}
			cell, _ := excelize.CoordinatesToCellName(col+1, start+i+1)
			got := ""
			if col < len(r) {
				got = r[col]
			}
			style, _ := f.GetCellStyle("村级明细", cell)
			fill := ""
			if st, err := f.GetStyle(style); err == nil && len(st.Fill.Color) > 0 {
				fill = st.Fill.Color[0]
			}
			value := strconv.FormatFloat(math.Round(float64(vr.Values[i])*100)/100, 'f', 2, 64)
			if vr.Bool {
				value = map[bool]string{true: "是", false: "否"}[vr.Values[i] != 0]
			}
			switch vr.States[i] {
			case score.VillageMeets:
				meets = true
				if got != value || fill == lightCell[score.Red] {
					t.Errorf("%s %s %s: %q (fill %s), want %q unfilled", vr.Task, v.Village, cell, got, fill, value)
				}
			case score.VillageShort:
				short = true
				if got != value || fill != lightCell[score.Red] {
					t.Errorf("%s %s %s: %q (fill %s), want %q red", vr.Task, v.Village, cell, got, fill, value)
				}
			case score.VillageEmpty:
				if got != "未填" || fill != lightCell[score.Red] {
					t.Errorf("%s %s %s: %q, want 未填 red", vr.Task, v.Village, cell, got)
				}
			default:
				if got != "—" {
					t.Errorf("%s %s %s: %q, want — (not concerned)", vr.Task, v.Village, cell, got)
				}
			}
		}
	}
	if !meets || !short {
		t.Errorf("the first county has no village meeting (%v) or short of (%v) a test", meets, short)
	}
}

// TestReasonNoEvidence: a task yellow for 已完成 without 佐证 says so in the task table,
// not “报送已完成（100%），落后序时20个百分点” (seen on a rendered report).
func TestReasonNoEvidence(t *testing.T) {
	ts := &score.TaskScore{Light: score.Yellow, Reported: "已完成（100%）", Behind: 20, NoEvidence: true}
	if r := reasonOf(ts); !strings.HasPrefix(r, "已完成但未填佐证说明（缺佐证）") {
		t.Errorf("reason %q", r)
	}
}

// Above villageRowsFull villages (the whole country in a bench), 村级明细 lists the
// villages falling short only, and its title says so.
func TestVillageValuesXLSXCapped(t *testing.T) {
	res, hist := demoMonth(t)
	total, short := 0, map[string]bool{}
	for _, c := range res.Counties {
		if !c.Submitted {
			continue
		}
		total += len(c.VillageList)
		for _, v := range c.Villages {
			for _, ts := range v.Short {
				for _, name := range ts.Villages {
					n, _ := splitShort(name)
					short[c.Code+"/"+ts.Town+"/"+n] = true
				}
			}
		}
	}
	defer func(n int) { villageRowsFull = n }(villageRowsFull)
	villageRowsFull = total - 1
	rows := villageSheet(t, res, hist)
	if len(short) == 0 || len(rows)-2 != len(short) {
		t.Errorf("%d village rows, want the %d falling short", len(rows)-2, len(short))
	}
	if want := fmt.Sprintf("共%d个村，超过%d个，仅列未达标的村", total, total-1); !strings.Contains(rows[0][0], want) {
		t.Errorf("title %q lacks %q", rows[0][0], want)
	}
}

// And never more rows than villageRowsFull: the first villages falling short, the rest
// counted in the title.
func TestVillageValuesXLSXTruncated(t *testing.T) {
	res, hist := demoMonth(t)
	defer func(n int) { villageRowsFull = n }(villageRowsFull)
	villageRowsFull = 5
	rows := villageSheet(t, res, hist)
	if len(rows)-2 != 5 || !strings.Contains(rows[0][0], "仅列未达标的前5个村，另有") {
		t.Errorf("%d rows, title %q", len(rows)-2, rows[0][0])
	}
}

// villageSheet renders the summary workbook of res and returns its 村级明细 rows.
func villageSheet(t *testing.T, res *score.Result, hist []*score.Result) [][]string {
	t.Helper()
	b, err := Context{Roster: seeds.DefaultRoster()}.SummaryXLSX(res, hist)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	rows, err := f.GetRows("村级明细")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
