package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/report"
	"github.com/jining/kaohe/seeds"
)

// TestWriteResult checks that the assessment JSON written county by county is
// json.Marshal's, byte for byte, and that compressResult stores that JSON.
func TestWriteResult(t *testing.T) {
	county := func(code string) score.CountyResult {
		return score.CountyResult{
			Code: code, Name: "任城区<&>", Submitted: true, Total: 91.25, Grade: "优秀", Rank: 1, Of: 2,
			Received: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC),
			Tasks:    []score.TaskScore{{Task: "1.1", Title: "\"抓党建\"", Light: score.Green, Explanation: "得10.0/10分(重点任务!D5)"}},
			DueNext:  []string{"1.2"},
		}
	}
	full := &score.Result{Period: "2026-11", ChecklistVersion: "2019", Assessed: 2,
		Counties: []score.CountyResult{county("370811"), county("370812"), {Code: "370826", Name: "微山县"}},
		Stats:    map[string]score.Stat{"total": {Mean: 1, Min: 0.5, Max: 2}}}
	for _, tc := range []struct {
		name string
		res  *score.Result
	}{
		{"counties", full},
		{"one", &score.Result{Period: "2026-11", Counties: []score.CountyResult{county("370811")}}},
		{"nil counties", &score.Result{Period: "2026-11"}},
		{"empty counties", &score.Result{Period: "2026-11", Counties: []score.CountyResult{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeResult(&got, tc.res); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("writeResult:\n%s\njson.Marshal:\n%s", got.Bytes(), want)
			}
			gz, err := compressResult(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			a := &store.Assessment{Period: tc.res.Period, Result: gz}
			if js, err := a.ResultJSON(); err != nil || !bytes.Equal(js, want) {
				t.Errorf("compressResult inflates to:\n%s (%v)\nwant:\n%s", js, err, want)
			}
		})
	}
}

// TestDetachStrings checks that no string of a detached filing shares memory with the
// buffer it was sliced from, and that nothing changes value.
func TestDetachStrings(t *testing.T) {
	row := strings.Repeat("x", 64) + "370811" + "2026-11" + "F12" + "张庄镇" + "李村" + "王五" + "说明" + "G7"
	at := 64
	next := func(n int) string { s := row[at : at+n]; at += n; return s }
	f := &seeds.Filing{County: next(6), Period: next(7)}
	f.Tasks = []seeds.TaskReport{{Task: "1.1", Cell: next(3)}}
	f.Villages = []seeds.VillageReport{{Town: next(len("张庄镇")), Village: next(len("李村")), Secretary: next(len("王五")),
		Values: map[string]seeds.Number{"income": {Value: 6, Set: true, Note: next(len("说明")), Cell: next(2)}}}}
	want := *f
	wantValues := map[string]seeds.Number{"income": f.Villages[0].Values["income"]}
	detachStrings(f)
	inRow := func(s string) bool {
		if s == "" {
			return false
		}
		p := uintptr(unsafe.Pointer(unsafeStringData(s)))
		b := uintptr(unsafe.Pointer(unsafeStringData(row)))
		return p >= b && p < b+uintptr(len(row))
	}
	v := f.Villages[0]
	n := v.Values["income"]
	for _, s := range []string{f.County, f.Period, f.Tasks[0].Cell, v.Town, v.Village, v.Secretary, n.Note, n.Cell} {
		if inRow(s) {
			t.Errorf("%q still points into the row", s)
		}
	}
	if f.County != want.County || f.Period != want.Period || f.Tasks[0] != want.Tasks[0] ||
		v.Town != want.Villages[0].Town || v.Village != want.Villages[0].Village || v.Secretary != want.Villages[0].Secretary ||
		n != wantValues["income"] {
		t.Errorf("detached filing changed: %+v", f)
	}
	detachStrings(nil) // no panic
}

func unsafeStringData(s string) *byte { return unsafe.StringData(s) }

// TestHistorySlim stores five months of sample results as Assess does (compressed) and
// reads them back with history, which keeps only what later months use: scoring the next
// month against them, and every county report's model (trend chart included), must come
// out exactly as with the full results.
func TestHistorySlim(t *testing.T) {
	ctx := context.Background()
	cl, roster := seeds.DefaultChecklist(), seeds.DefaultRoster()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "kaohe.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cur, full := report.SampleHistory(cl, roster, "2026-11", 5, 7)
	for _, h := range full {
		gz, err := compressResult(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutAssessment(ctx, &store.Assessment{Period: h.Period, ChecklistVersion: h.ChecklistVersion, Result: gz}); err != nil {
			t.Fatal(err)
		}
	}
	d := &Deps{Store: st}
	slim, err := d.history(ctx, cur.Period)
	if err != nil {
		t.Fatal(err)
	}
	if len(slim) != len(full) {
		t.Fatalf("%d months of history, want %d", len(slim), len(full))
	}
	if len(slim[0].Counties) == 0 || slim[0].Period != full[len(full)-1].Period {
		t.Fatalf("history starts with %s (%d counties), want the most recent month %s", slim[0].Period, len(slim[0].Counties), full[len(full)-1].Period)
	}

	// Scoring the next month: the same result with either history.
	var subs []score.Submission
	for i, c := range roster.Counties {
		if i%5 == 4 {
			subs = append(subs, score.Submission{County: c.Code, Name: c.Name})
			continue
		}
		f := score.Synthetic(cl, &roster.Counties[i], cur.Period, rand.New(rand.NewPCG(1, uint64(i))), 0.3+0.05*float64(i))
		subs = append(subs, score.Submission{County: c.Code, Name: c.Name, Filing: f,
			Received: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Deadline: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	}
	withFull, err := score.Assess(cl, cur.Period, subs, full)
	if err != nil {
		t.Fatal(err)
	}
	withSlim, err := score.Assess(cl, cur.Period, subs, slim)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(withFull)
	b, _ := json.Marshal(withSlim)
	if !bytes.Equal(a, b) {
		t.Error("scoring against the history read back differs from scoring against the full results")
	}
	prev := 0
	for _, c := range withSlim.Counties {
		if c.HasPrev {
			prev++
		}
	}
	if prev == 0 {
		t.Error("no county was compared with the previous month")
	}

	// Every county report's model, with its trend chart.
	trends := 0
	for _, c := range cur.Counties {
		mf, ms := report.CountyModel(cur, c.Code, full), report.CountyModel(cur, c.Code, slim)
		if !reflect.DeepEqual(mf, ms) {
			t.Errorf("%s: county report model differs with the history read back", c.Code)
		}
		for _, b := range blocksOf(ms) {
			if b.Trend != nil && len(b.Trend.X) >= 2 {
				trends++
			}
		}
	}
	if trends == 0 {
		t.Error("no county report has a trend chart: the comparison proves nothing")
	}
}

func blocksOf(m *report.Model) []report.Block {
	if m == nil {
		return nil
	}
	return m.Blocks
}

// TestAssessRefusesUnconfirmedYear: a period of a year the checklist was neither issued
// for nor confirmed for is not assessed (the scheduled assess goes through Deps.Assess
// too); nothing is stored; confirming the year in the config lets it through.
func TestAssessRefusesUnconfirmedYear(t *testing.T) {
	h := newHarness(t)
	h.d.Config.Checklist.ConfirmedYears = nil
	_, _, err := h.d.Assess(h.ctx, testPeriod, AssessOptions{})
	var ye *YearError
	if !errors.As(err, &ye) || ye.Year != 2026 || ye.Issued != 2019 {
		t.Fatalf("Assess of an unconfirmed year: %v", err)
	}
	for _, want := range []string{"issued for 2019", "not for 2026", "add 2026 to checklist.confirmed_years"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if _, err := h.d.Store.Assessment(h.ctx, testPeriod); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an assessment was stored (or the store failed): %v", err)
	}
	// The checklist's own year needs no confirmation; the config's list confirms another.
	if _, _, err := h.d.Assess(h.ctx, "2019-11", AssessOptions{}); err != nil {
		t.Errorf("Assess 2019-11: %v", err)
	}
	h.d.Config.Checklist.ConfirmedYears = []int{2026}
	if _, _, err := h.d.Assess(h.ctx, testPeriod, AssessOptions{}); err != nil {
		t.Errorf("Assess after confirming 2026: %v", err)
	}
}
