package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "kaohe.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	clock := t0
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }
	return s
}

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "kaohe.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.DB().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.DB().QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	for _, table := range []string{"counties", "county_emails", "messages", "attachments", "submissions",
		"submission_values", "assessments", "assessment_rows", "outgoing", "outgoing_attachments", "runs"} {
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	if _, err := s.StartRun(ctx, "collect", "", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	// Reopening migrates nothing and keeps the data.
	s, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, 0)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs after reopen = %v, %v", runs, err)
	}
}

func TestOpenConcurrent(t *testing.T) {
	// Several openers of a new store at once (as several processes would) all succeed.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kaohe.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, path, nil)
			if err == nil {
				_, err = s.StartRun(ctx, fmt.Sprint("job", i), "", t0)
				err = errors.Join(err, s.Close())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	if err := writeFile(path, bytes.Repeat([]byte("not sqlite "), 1000)); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(context.Background(), path, nil); err == nil {
		s.Close()
		t.Fatal("Open of a non-database succeeded")
	}
}

func TestCounties(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	err := s.SyncCounties(ctx, []County{
		{Code: "370811", Name: "任城区", Emails: []string{"RC@example.cn", "rc2@example.cn"}},
		{Code: "370812", Name: "兖州区", Emails: []string{"yz@example.cn"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	codes, err := s.CountiesBySender(ctx, " rc@EXAMPLE.cn ")
	if err != nil || !reflect.DeepEqual(codes, []string{"370811"}) {
		t.Fatalf("by sender = %v, %v", codes, err)
	}
	// Second sync: 370812 gone, 370811 renamed with one address.
	if err := s.SyncCounties(ctx, []County{{Code: "370811", Name: "任城", Emails: []string{"rc@example.cn"}}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Counties(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []County{
		{Code: "370811", Name: "任城", Emails: []string{"rc@example.cn"}, Active: true},
		{Code: "370812", Name: "兖州区", Active: false},
	}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("counties = %+v, want %+v", all, want)
	}
	active, err := s.Counties(ctx, false)
	if err != nil || len(active) != 1 {
		t.Fatalf("active = %+v, %v", active, err)
	}
	if codes, err := s.CountiesBySender(ctx, "yz@example.cn"); err != nil || len(codes) != 0 {
		t.Fatalf("inactive sender = %v, %v", codes, err)
	}
	for _, bad := range [][]County{{{Name: "x"}}, {{Code: "1"}, {Code: "1"}}} {
		if err := s.SyncCounties(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SyncCounties(%v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestMessages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	raw := []byte("From: a@example.cn\r\nMessage-ID: <1@x>\r\n\r\nbody")
	m := &Message{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "<1@x>", Sender: "a@example.cn", Subject: "报表", Received: t0, Raw: raw}
	id, existed, err := s.PutMessage(ctx, m)
	if err != nil || existed || id == 0 || m.ID != id || m.State != MessageNew || m.Size != int64(len(raw)) {
		t.Fatalf("put = %d, %v, %v; %+v", id, existed, err, m)
	}

	tests := []struct {
		name    string
		m       Message
		existed bool
	}{
		{"same uid again", Message{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "<1@x>", Raw: raw}, true},
		{"same uid, other bytes", Message{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "<other@x>", Raw: []byte("x")}, true},
		{"other uid, same message-id and bytes", Message{Mailbox: "INBOX", UIDValidity: 7, UID: 9, MessageID: "<1@x>", Raw: raw}, true},
		{"no uid, same message-id and bytes", Message{Mailbox: "import", MessageID: "<1@x>", Raw: raw}, true},
		{"other uid, same message-id, other bytes", Message{Mailbox: "INBOX", UIDValidity: 7, UID: 2, MessageID: "<1@x>", Raw: append([]byte("X"), raw...)}, false},
		{"same uid, new uidvalidity", Message{Mailbox: "INBOX", UIDValidity: 8, UID: 1, MessageID: "<3@x>", Raw: []byte("y")}, false},
		{"same uid, other mailbox", Message{Mailbox: "Archive", UIDValidity: 7, UID: 1, MessageID: "<4@x>", Raw: []byte("z")}, false},
		{"no uid twice (first)", Message{Mailbox: "import", MessageID: "<5@x>", Raw: []byte("w")}, false},
		{"no uid twice (second)", Message{Mailbox: "import", MessageID: "<5@x>", Raw: []byte("w")}, true},
	}
	for _, tc := range tests {
		got, existed, err := s.PutMessage(ctx, &tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if existed != tc.existed {
			t.Errorf("%s: existed = %v, want %v", tc.name, existed, tc.existed)
		}
		if existed && tc.m.ID != 0 {
			t.Errorf("%s: existing message changed the argument's ID", tc.name)
		}
		if tc.name != "same uid again" && tc.name != "same uid, other bytes" && existed && got != id && tc.m.MessageID == "<1@x>" {
			t.Errorf("%s: id = %d, want %d", tc.name, got, id)
		}
	}
	if _, _, err := s.PutMessage(ctx, &Message{Mailbox: "INBOX"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty raw: %v", err)
	}

	gotRaw, err := s.RawMessage(ctx, id)
	if err != nil || !bytes.Equal(gotRaw, raw) {
		t.Fatalf("raw = %q, %v", gotRaw, err)
	}
	if _, err := s.RawMessage(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("raw of unknown: %v", err)
	}

	a := Attachment{Filename: "任城区.xlsx", ContentType: "application/octet-stream", Size: 10, SHA256: "aa"}
	for range 2 { // twice: a second pass after a crash records it once
		if err := s.AddAttachment(ctx, id, a); err != nil {
			t.Fatal(err)
		}
	}
	if atts, err := s.Attachments(ctx, id); err != nil || !reflect.DeepEqual(atts, []Attachment{a}) {
		t.Fatalf("attachments = %+v, %v", atts, err)
	}
	if err := s.AddAttachment(ctx, 9999, a); !errors.Is(err, ErrNotFound) {
		t.Errorf("attachment of unknown message: %v", err)
	}

	news, err := s.Messages(ctx, MessageNew, true)
	if err != nil || len(news) != 5 || news[0].ID != id || !bytes.Equal(news[0].Raw, raw) {
		t.Fatalf("new messages = %d, %v", len(news), err)
	}
	if news[0].UID != 1 || news[0].UIDValidity != 7 || !news[0].Received.Equal(t0) || news[0].Subject != "报表" {
		t.Errorf("message read back = %+v", news[0])
	}
	if err := s.SetMessageState(ctx, id, MessageProcessed, "accepted 370811 2026-11 v1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, id)
	if err != nil || got.State != MessageProcessed || got.Outcome != "accepted 370811 2026-11 v1" || got.ProcessedAt.IsZero() || got.Raw != nil {
		t.Fatalf("message = %+v, %v", got, err)
	}
	if news, err := s.Messages(ctx, MessageNew, false); err != nil || len(news) != 4 || news[0].Raw != nil {
		t.Fatalf("new after processing = %d, %v", len(news), err)
	}
	if err := s.SetMessageState(ctx, id, "done", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad state: %v", err)
	}
	if err := s.SetMessageState(ctx, 9999, MessageIgnored, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown message: %v", err)
	}
	if _, err := s.Message(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown message: %v", err)
	}
}

func TestRuns(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id1, err := s.StartRun(ctx, "collect", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.StartRun(ctx, "assess", "2026-11", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, id1, t0.Add(2*time.Second), RunOK, map[string]int{"received": 3, "accepted": 2}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, 999, t0, RunOK, nil, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown run: %v", err)
	}
	if err := s.FinishRun(ctx, id2, t0, RunRunning, nil, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad outcome: %v", err)
	}
	if _, err := s.StartRun(ctx, "", "", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty job: %v", err)
	}
	runs, err := s.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []Run{
		{ID: id2, Job: "assess", Period: "2026-11", Started: t0.Add(time.Minute), Outcome: RunRunning, Counts: map[string]int{}, Holder: Self().ID()},
		{ID: id1, Job: "collect", Started: t0, Finished: t0.Add(2 * time.Second), Outcome: RunOK, Counts: map[string]int{"received": 3, "accepted": 2}, Holder: Self().ID()},
	}
	if !reflect.DeepEqual(runs, want) {
		t.Fatalf("runs = %+v\nwant %+v", runs, want)
	}
	if runs, err := s.Runs(ctx, 1); err != nil || len(runs) != 1 || runs[0].ID != id2 {
		t.Fatalf("runs(1) = %+v, %v", runs, err)
	}
	if err := s.FinishRun(ctx, id2, t0.Add(2*time.Minute), RunFailed, nil, "imap: connection refused"); err != nil {
		t.Fatal(err)
	}
	runs, _ = s.Runs(ctx, 1)
	if runs[0].Outcome != RunFailed || runs[0].Error != "imap: connection refused" {
		t.Errorf("failed run = %+v", runs[0])
	}
}

// TestNewStorePageSize checks that a new store gets pageSize pages in WAL mode, and that
// a store made before (SQLite's default 4 KiB pages) opens and keeps its pages.
func TestNewStorePageSize(t *testing.T) {
	ctx := context.Background()
	pragmas := func(s *Store) (int, string) {
		var n int
		var mode string
		if err := s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return n, mode
	}
	s := openTest(t)
	if n, mode := pragmas(s); n != pageSize || mode != "wal" {
		t.Errorf("new store: page size %d, journal mode %s; want %d, wal", n, mode, pageSize)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s2, err := Open(ctx, old, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, mode := pragmas(s2); n != 4096 || mode != "wal" {
		t.Errorf("existing store: page size %d, journal mode %s; want 4096, wal", n, mode)
	}
}
