package report

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jining/kaohe/seeds"
)

func TestWriteAllRemovesStaleTemps(t *testing.T) {
	cl := seeds.DefaultChecklist()
	res := SampleResult(cl, seeds.DefaultRoster(), "2026-11", 1)
	r, err := NewRenderer(Options{Checklist: cl})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, "2026-11", ".370811.pdf.123456.tmp")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("%PDF-half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAll(context.Background(), dir, r, res, nil, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file still there: %v", err)
	}
}
