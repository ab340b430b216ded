package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFormVersions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	if vs, err := s.FormVersions(ctx, "2026-11"); err != nil || vs != nil {
		t.Fatalf("no record: %v, %v", vs, err)
	}
	for _, r := range []struct {
		period, version string
		at              time.Time
	}{{"2026-11", "2", t0}, {"2026-11", "3", t0.Add(time.Hour)}, {"2026-11", "2", t0.Add(2 * time.Hour)}, {"2026-12", "3", t0}} {
		if err := s.RecordFormVersion(ctx, r.period, r.version, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if vs, err := s.FormVersions(ctx, "2026-11"); err != nil || !reflect.DeepEqual(vs, []string{"2", "3"}) {
		t.Errorf("2026-11: %v, %v", vs, err)
	}
	if vs, err := s.FormVersions(ctx, "2026-12"); err != nil || !reflect.DeepEqual(vs, []string{"3"}) {
		t.Errorf("2026-12: %v, %v", vs, err)
	}
	if err := s.RecordFormVersion(ctx, "2026-11", "", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty version: %v", err)
	}
}
