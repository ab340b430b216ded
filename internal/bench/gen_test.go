package bench

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

func testStencil(t testing.TB, villages int) (*Stencil, *seeds.Checklist) {
	t.Helper()
	cl := seeds.DefaultChecklist()
	s, err := NewStencil(StencilOptions{Checklist: cl, Period: "2026-11", Deadline: time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC),
		ReturnTo: "zzb@kaohe.test", Secret: []byte("bench-secret"), Villages: villages,
		Filing: func(c *seeds.County) *seeds.Filing {
			return score.Synthetic(cl, c, "2026-11", rand.New(rand.NewPCG(1, 2)), 0.7)
		}}, score.SyntheticCounty)
	if err != nil {
		t.Fatal(err)
	}
	return s, cl
}

// TestStencilForms checks that every generated form parses back, as the mail intake
// would, to exactly the values of the filing it was made from, and that each broken
// kind is rejected.
func TestStencilForms(t *testing.T) {
	s, cl := testStencil(t, 23)
	for i, code := range []string{"100001", "100002", "371234"} {
		c := score.SyntheticCounty(code, 23)
		roster := &seeds.Roster{Counties: []seeds.County{*c}}
		f := score.Synthetic(cl, c, "2026-11", rand.New(rand.NewPCG(uint64(i), 9)), 0.2+0.3*float64(i))
		b, err := s.Form(c, f, Intact)
		if err != nil {
			t.Fatal(err)
		}
		got, meta, _, err := templates.Parse(b, "form.xlsx", templates.ParseOptions{Checklist: cl, Roster: roster, Secret: []byte("bench-secret"), County: code})
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if meta.County != code || meta.Period != "2026-11" {
			t.Errorf("meta %+v", meta)
		}
		for k, tr := range f.Tasks {
			if got.Tasks[k].Status != tr.Status {
				t.Errorf("%s task %s: status %v, want %v", code, tr.Task, got.Tasks[k].Status, tr.Status)
			}
		}
		for id, n := range f.Indicators {
			if g := got.Indicators[id]; g.Set != n.Set || n.Set && g.Value != n.Value {
				t.Errorf("%s indicator %s: %+v, want %+v", code, id, g, n)
			}
		}
		for k, v := range f.Villages {
			gv := got.Villages[k]
			if gv.Village != v.Village || gv.Town != v.Town {
				t.Fatalf("%s village %d: %s/%s, want %s/%s", code, k, gv.Town, gv.Village, v.Town, v.Village)
			}
			for id, n := range v.Values {
				if g := gv.Values[id]; g.Set != n.Set || n.Set && g.Value != n.Value {
					t.Errorf("%s %s %s: %+v, want %+v", code, v.Village, id, g, n)
				}
			}
		}
	}
	c := score.SyntheticCounty("100009", 23)
	roster := &seeds.Roster{Counties: []seeds.County{*c}}
	f := score.Synthetic(cl, c, "2026-11", rand.New(rand.NewPCG(3, 9)), 0.9)
	for br := TextInNumber; br < numBreakages; br++ {
		t.Run(br.String(), func(t *testing.T) {
			b, err := s.Form(c, f, br)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = templates.Parse(b, "form.xlsx", templates.ParseOptions{Checklist: cl, Roster: roster, Secret: []byte("bench-secret"), County: c.Code})
			var ps templates.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("broken form (%s) accepted: %v", br, err)
			}
		})
	}
}

// BenchmarkStencilForm writes one filled 172-village form from the stencil.
func BenchmarkStencilForm(b *testing.B) {
	s, cl := testStencil(b, 172)
	c := score.SyntheticCounty("100001", 172)
	f := score.Synthetic(cl, c, "2026-11", rand.New(rand.NewPCG(1, 9)), 0.6)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Form(c, f, Intact); err != nil {
			b.Fatal(err)
		}
	}
}
