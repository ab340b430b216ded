package score

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenInput is a period of generated counties (some 未报送, some rejected, some late)
// with a previous month as history.
func goldenInput(seed uint64) (string, []Submission, []*Result, error) {
	r := rand.New(rand.NewPCG(seed, 7))
	period := fmt.Sprintf("2019-%02d", 2+r.IntN(11))
	prev, err := Assess(checklist, prevMonth(period), generated(r, prevMonth(period)), nil)
	if err != nil {
		return "", nil, nil, err
	}
	return period, generated(r, period), []*Result{prev}, nil
}

// TestAssessorGolden: Assess and the streaming Assessor (fed in a shuffled order, each
// filing wiped right after Add, so it cannot have kept it) give the same JSON as the
// golden files, byte for byte (rewrite them with -update when the rules change on
// purpose, and read the diff).
func TestAssessorGolden(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			period, subs, history, err := goldenInput(seed)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Assess(checklist, period, subs, history)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.MarshalIndent(res, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", fmt.Sprintf("assess_seed%d.json", seed))
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, g) {
				t.Errorf("Assess differs from %s", golden)
			}

			a, err := NewAssessor(checklist, period, history)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(seed, 8))
			order := r.Perm(len(subs))
			for _, i := range order {
				s := subs[i]
				if s.Filing != nil {
					s.Filing = cloneFiling(s.Filing)
				}
				if err := a.Add(s); err != nil {
					t.Fatal(err)
				}
				if s.Filing != nil {
					s.Filing.Tasks, s.Filing.Villages, s.Filing.Indicators = nil, nil, nil
				}
			}
			got, err := a.Result()
			if err != nil {
				t.Fatal(err)
			}
			gb, err := json.MarshalIndent(got, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gb, g) {
				t.Errorf("Assessor differs from %s", golden)
			}
		})
	}
}

func TestAssessorErrors(t *testing.T) {
	if _, err := NewAssessor(nil, "2019-10", nil); !errors.Is(err, ErrInput) {
		t.Errorf("nil checklist: %v", err)
	}
	if _, err := NewAssessor(checklist, "2019-13", nil); !errors.Is(err, ErrInput) {
		t.Errorf("bad period: %v", err)
	}
	period, subs, _, err := goldenInput(1)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAssessor(checklist, period, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(subs[0]); err != nil {
		t.Fatal(err)
	}
	other := subs[1]
	other.County = subs[0].County
	tests := map[string]Submission{"repeated": subs[0], "no code": {Name: "x"}}
	if other.Filing != nil {
		tests["other county's filing"] = other
	}
	for name, s := range tests {
		if err := a.Add(s); !errors.Is(err, ErrInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	res, err := a.Result()
	if err != nil || len(res.Counties) != 1 {
		t.Fatalf("result = %v, %v", res, err)
	}
	if _, err := a.Result(); err == nil {
		t.Error("second Result: no error")
	}
	if err := a.Add(subs[2]); err == nil {
		t.Error("Add after Result: no error")
	}
}

// BenchmarkAssessor3000 scores 3,000 counties × 170 villages one at a time, as
// jobs.Assess does from the store: MB-heap is the heap in use after Result.
func BenchmarkAssessor3000(b *testing.B) {
	subs := benchSubs(3000, 170, "2019-10")
	b.ReportAllocs()
	for b.Loop() {
		a, err := NewAssessor(checklist, "2019-10", nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range subs {
			if err := a.Add(s); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := a.Result(); err != nil {
			b.Fatal(err)
		}
	}
}
