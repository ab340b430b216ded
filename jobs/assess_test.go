package jobs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// TestMarshalResult checks that the assessment JSON built county by county is
// json.Marshal's, byte for byte.
func TestMarshalResult(t *testing.T) {
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
			got, err := marshalResult(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("marshalResult:\n%s\njson.Marshal:\n%s", got, want)
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
