package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUsersSessionsAudit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir()+"/k.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	if _, err := s.AddUser(ctx, "王芳", "boss", "h", "root", at); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown role: %v", err)
	}
	u, err := s.AddUser(ctx, "王芳", RoleReviewer, "hash1", "root", at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, "王芳", RoleViewer, "hash2", "root", at); !errors.Is(err, ErrState) {
		t.Fatalf("same name twice: %v", err)
	}
	got, hash, err := s.UserByName(ctx, "王芳")
	if err != nil || hash != "hash1" || got.Role != RoleReviewer || got.ID != u.ID {
		t.Fatalf("UserByName: %+v %q %v", got, hash, err)
	}
	if err := s.CreateSession(ctx, "tok", u.ID, "csrf1", at, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	su, csrf, err := s.Session(ctx, "tok", at.Add(time.Minute))
	if err != nil || su.Name != "王芳" || csrf != "csrf1" {
		t.Fatalf("Session: %+v %q %v", su, csrf, err)
	}
	if _, _, err := s.Session(ctx, "tok", at.Add(2*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if err := s.SetUserDisabled(ctx, "王芳", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, "tok", at.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session of a disabled user: %v", err)
	}
	if err := s.Audit(ctx, at, "王芳", "adjust.add", "370811 2026-11"); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].User != "王芳" || log[0].Action != "adjust.add" {
		t.Fatalf("AuditLog: %+v %v", log, err)
	}
	if _, _, err := s.OutgoingAttachment(ctx, 99, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OutgoingAttachment of nothing: %v", err)
	}
}
