package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// BenchmarkPutSubmission stores one county's filing: 170 villages × 15 values, each also
// a row in the values table.
func BenchmarkPutSubmission(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	f := testFiling("370811", "2026-11", 170, 15)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		// A county per iteration, as in a month's intake (one county's versions are
		// renumbered on each new form, which would make the loop quadratic).
		f.County = fmt.Sprint(i)
		if _, _, err := s.PutSubmission(ctx, &Submission{County: f.County, Period: "2026-11", Status: Accepted,
			Source: SourceImport, SHA256: fmt.Sprint("sha", i), Received: t0, Filing: f}); err != nil {
			b.Fatal(err)
		}
	}
}

var bench3000 struct {
	once sync.Once
	path string
	err  error
}

// bench3000Store builds, once per test binary run, a store holding an accepted filing of
// 170 villages × 15 values for each of 3,000 counties. The filing JSON is written in one
// transaction (the values table is left out: loading does not read it, and PutSubmission's
// cost is measured by BenchmarkPutSubmission).
func bench3000Store(b *testing.B) string {
	bench3000.once.Do(func() {
		dir, err := os.MkdirTemp("", "kaohe-store-bench")
		if err != nil {
			bench3000.err = err
			return
		}
		bench3000.path = filepath.Join(dir, "kaohe.db")
		s, err := Open(context.Background(), bench3000.path, nil)
		if err != nil {
			bench3000.err = err
			return
		}
		defer s.Close()
		bench3000.err = s.write(context.Background(), func(tx *sql.Tx) error {
			st, err := tx.Prepare(`INSERT INTO submissions
				(county, period, version, status, source, message, filename, sha256, received, problems, filing, superseded_by, created)
				VALUES (?, '2026-11', 1, 'accepted', 'import', NULL, '', ?, ?, '[]', ?, NULL, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for c := range 3000 {
				code := fmt.Sprintf("%06d", 100000+c)
				fj, err := json.Marshal(testFiling(code, "2026-11", 170, 15))
				if err != nil {
					return err
				}
				if _, err := st.Exec(code, "sha"+code, ms(t0), string(fj), ms(t0)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if bench3000.err != nil {
		b.Fatal(bench3000.err)
	}
	return bench3000.path
}

// BenchmarkAcceptedFilings3000 loads the latest accepted filings of 3,000 counties × 170
// villages, as national scoring does.
func BenchmarkAcceptedFilings3000(b *testing.B) {
	path := bench3000Store(b)
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		m, err := s.AcceptedFilings(ctx, "2026-11")
		if err != nil {
			b.Fatal(err)
		}
		if len(m) != 3000 || len(m["100000"].Filing.Villages) != 170 {
			b.Fatalf("loaded %d", len(m))
		}
	}
}

// BenchmarkEachAccepted3000 walks the same filings one at a time without keeping them.
func BenchmarkEachAccepted3000(b *testing.B) {
	path := bench3000Store(b)
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := s.EachAccepted(ctx, "2026-11", func(sub *Submission) error { n += len(sub.Filing.Villages); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 3000*170 {
			b.Fatalf("walked %d villages", n)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench3000.path != "" {
		if err := os.RemoveAll(filepath.Dir(bench3000.path)); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
