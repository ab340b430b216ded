package store

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jining/kaohe/seeds"
)

func TestEvidence(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	f := &seeds.Filing{County: "370811", Period: "2026-11"}
	sub, _, err := s.PutSubmission(ctx, &Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "form1", Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7 水质检测报告")
	e := &Evidence{Submission: sub.ID, County: "370811", Period: "2026-11", Filename: "四、3-水质检测报告.pdf", ContentType: "PDF", Tasks: []string{"四、3"}, Data: pdf}
	id, existed, err := s.PutEvidence(ctx, e)
	if err != nil || existed || len(e.SHA256) != 64 || e.Size != int64(len(pdf)) {
		t.Fatalf("put: %d %v %v %+v", id, existed, err, e)
	}
	// The same file again (a crash and a second pass): one row.
	again := *e
	again.ID = 0
	if id2, existed, err := s.PutEvidence(ctx, &again); err != nil || !existed || id2 != id {
		t.Fatalf("put again: %d %v %v", id2, existed, err)
	}
	photo := &Evidence{Submission: sub.ID, County: "370811", Period: "2026-11", Filename: "照片.jpg", ContentType: "JPG", Data: []byte{0xFF, 0xD8, 0xFF}}
	if _, _, err := s.PutEvidence(ctx, photo); err != nil {
		t.Fatal(err)
	}
	list, err := s.EvidenceOf(ctx, "370811", "2026-11")
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	if list[0].Filename != e.Filename || !reflect.DeepEqual(list[0].Tasks, []string{"四、3"}) || list[0].Data != nil ||
		list[0].SHA256 != e.SHA256 || len(list[1].Tasks) != 0 {
		t.Errorf("list[0] = %+v", list[0])
	}
	if other, err := s.EvidenceOf(ctx, "370812", "2026-11"); err != nil || len(other) != 0 {
		t.Errorf("other county: %d, %v", len(other), err)
	}
	if all, err := s.EvidenceOf(ctx, "", "2026-11"); err != nil || len(all) != 2 {
		t.Errorf("all counties: %d, %v", len(all), err)
	}
	if data, err := s.EvidenceData(ctx, id); err != nil || !bytes.Equal(data, pdf) {
		t.Errorf("data: %q, %v", data, err)
	}
	if _, err := s.EvidenceData(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	if _, _, err := s.PutEvidence(ctx, &Evidence{County: "370811", Data: pdf}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no submission: %v", err)
	}
}
