package templates_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
	"github.com/jining/kaohe/tools/genhostile/corpus"
)

const hostileDir = "../testdata/hostile"

// maxAlloc bounds what one Parse of a hostile file may allocate in all (bytes), so
// also its peak heap: bombs must be refused before they inflate.
const maxAlloc = 200 << 20

var (
	genOnce sync.Once
	gen     *corpus.Gen
	genErr  error
)

// hostileFile returns a case's bytes: the committed file, or for a big one the file
// made now.
func hostileFile(t testing.TB, c corpus.Case) []byte {
	t.Helper()
	if !c.Big {
		b, err := os.ReadFile(filepath.Join(hostileDir, c.File))
		if err != nil {
			t.Fatalf("%v (run go run ./tools/genhostile)", err)
		}
		return b
	}
	genOnce.Do(func() { gen, genErr = corpus.NewGen() })
	if genErr != nil {
		t.Fatal(genErr)
	}
	b, err := gen.Make(c.File)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostileOptions() templates.ParseOptions {
	return templates.ParseOptions{Checklist: seeds.DefaultChecklist(), Roster: seeds.DefaultRoster(),
		Secret: []byte(corpus.Secret), County: corpus.County, Period: corpus.Period}
}

// TestHostileFiles parses every file of the corpus: each is refused with a Problems
// holding the expected message (at the expected cell), or accepted where the corpus
// says a person's harmless habit must be; never a panic or an internal error, no
// goroutine left behind, and bounded allocation.
func TestHostileFiles(t *testing.T) {
	po := hostileOptions()
	for _, c := range corpus.Cases() {
		if c.IsMail() {
			continue
		}
		t.Run(c.File, func(t *testing.T) {
			data := hostileFile(t, c)
			defer goleak.VerifyNone(t)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			fl, meta, _, err := templates.Parse(data, c.File, po)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d bytes in, %.1f MB allocated, %v", c.File, len(data), float64(alloc)/(1<<20), elapsed.Round(time.Millisecond))
			if alloc > maxAlloc {
				t.Errorf("Parse allocated %.0f MB, more than %d MB", float64(alloc)/(1<<20), maxAlloc>>20)
			}
			if c.Want == "" {
				if err != nil {
					t.Fatalf("want accepted, got: %v", err)
				}
				if fl == nil || meta == nil || len(fl.Villages) == 0 {
					t.Fatal("accepted with no filing")
				}
				return
			}
			var ps templates.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v (%T), want Problems", err, err)
			}
			if fl != nil {
				t.Error("a refused file gave a filing")
			}
			for _, p := range ps {
				if !strings.Contains(p.Message, c.Want) {
					continue
				}
				if c.Cell != "" && p.Sheet+"!"+p.Cell != c.Cell {
					continue
				}
				return
			}
			t.Errorf("no problem has %q at %q:\n%s", c.Want, c.Cell, ps.Error())
		})
	}
}

// TestHostileCommitted checks that the committed corpus is what the generator makes
// (run go run ./tools/genhostile after changing it) and that no file is over the size
// limit.
func TestHostileCommitted(t *testing.T) {
	g, err := corpus.NewGen()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpus.Cases() {
		path := filepath.Join(hostileDir, c.File)
		st, err := os.Stat(path)
		if c.Big {
			if err == nil {
				t.Errorf("%s is committed; big files are made at test time", c.File)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if st.Size() > corpus.MaxCommitted {
			t.Errorf("%s: %d bytes, over %d", c.File, st.Size(), corpus.MaxCommitted)
		}
		want, err := g.Make(c.File)
		if errors.Is(err, corpus.ErrExternal) {
			continue // made by LibreOffice
		}
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != string(want) {
			t.Errorf("%s differs from what genhostile makes: run go run ./tools/genhostile", c.File)
		}
	}
}

// TestHostileFastMatchesExcelize checks that Parse's fast reader and excelize read every
// file of the corpus alike (templates.BothReaders), where the fast reader reads it at all.
func TestHostileFastMatchesExcelize(t *testing.T) {
	po := hostileOptions()
	fast, n := 0, 0
	for _, c := range corpus.Cases() {
		if c.IsMail() || c.Big {
			continue // the big ones are refused by sniff before any reader
		}
		n++
		if templates.BothReaders(t, c.File, hostileFile(t, c), po) {
			fast++
		} else {
			t.Logf("%s: left to excelize, or refused before reading", c.File)
		}
	}
	t.Logf("%d of %d files read by the fast reader", fast, n)
}
