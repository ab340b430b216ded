package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Extensions are kept in order with who, when and why; published revisions are
// recorded once each and the latest is found.
func TestExtensionsAndPublished(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := s.AddExtension(ctx, &Extension{County: "370811", Period: "2026-11"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("incomplete extension: %v", err)
	}
	for i, until := range []time.Time{at.AddDate(0, 0, 2), at.AddDate(0, 0, 5)} {
		e := &Extension{County: "370811", Period: "2026-11", Until: until, Reason: "系统故障", By: "王科长", At: at.Add(time.Duration(i) * time.Hour)}
		if err := s.AddExtension(ctx, e); err != nil || e.ID == 0 {
			t.Fatal(e.ID, err)
		}
	}
	es, err := s.Extensions(ctx, "2026-11", "370811")
	if err != nil || len(es) != 2 || !es[1].Until.Equal(at.AddDate(0, 0, 5)) || es[0].By != "王科长" || es[0].Reason != "系统故障" {
		t.Fatalf("extensions %+v %v", es, err)
	}
	if es, _ := s.Extensions(ctx, "2026-11", "370812"); len(es) != 0 {
		t.Errorf("another county's: %+v", es)
	}
	if _, err := s.LastPublished(ctx, "2026-11", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("nothing published: %v", err)
	}
	for _, p := range []Published{{Period: "2026-11", Revision: 1, Digest: "a", At: at}, {Period: "2026-11", Revision: 1, Digest: "x", At: at}, {Period: "2026-11", Revision: 2, Digest: "b", At: at}} {
		if err := s.RecordPublished(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.LastPublished(ctx, "2026-11", "")
	if err != nil || p.Revision != 2 || p.Digest != "b" {
		t.Errorf("last published %+v %v", p, err)
	}
}
