package store

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAssessments(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put := func(period, result string, rows ...AssessmentRow) {
		t.Helper()
		if err := s.PutAssessment(ctx, &Assessment{Period: period, ChecklistVersion: "2026.1", Result: []byte(result), Rows: rows}); err != nil {
			t.Fatal(err)
		}
	}
	put("2026-09", `{"p":9}`, AssessmentRow{County: "A", Submitted: true, Total: 80, Grade: "良好", Rank: 1})
	put("2026-11", `{"p":11}`, AssessmentRow{County: "A", Submitted: true, Total: 70, Grade: "一般", Rank: 1})
	put("2026-10", `{"p":10}`, AssessmentRow{County: "A", Submitted: true, Total: 75, Grade: "良好", Rank: 1})
	// A re-run of November replaces it, rows included.
	put("2026-11", `{"p":11,"rerun":true}`,
		AssessmentRow{County: "C"},
		AssessmentRow{County: "B", Submitted: true, Total: 90.5, Grade: "优秀", Rank: 2},
		AssessmentRow{County: "A", Submitted: true, Total: 95, Grade: "优秀", Rank: 1},
		AssessmentRow{County: "D", Submitted: true, Total: 90.5, Grade: "优秀", Rank: 2})

	a, err := s.Assessment(ctx, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Result) != `{"p":11,"rerun":true}` || a.ChecklistVersion != "2026.1" || a.Created.IsZero() {
		t.Errorf("assessment = %+v", a)
	}
	wantRows := []AssessmentRow{
		{County: "A", Submitted: true, Total: 95, Grade: "优秀", Rank: 1},
		{County: "B", Submitted: true, Total: 90.5, Grade: "优秀", Rank: 2},
		{County: "D", Submitted: true, Total: 90.5, Grade: "优秀", Rank: 2},
		{County: "C"},
	}
	if !reflect.DeepEqual(a.Rows, wantRows) {
		t.Errorf("rows = %+v\nwant %+v", a.Rows, wantRows)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM assessment_rows WHERE period = '2026-11'`).Scan(&n); err != nil || n != 4 {
		t.Errorf("rows stored = %d, %v", n, err)
	}

	hist, err := s.AssessmentsBefore(ctx, "2026-11", 5)
	if err != nil {
		t.Fatal(err)
	}
	var periods []string
	for _, h := range hist {
		periods = append(periods, h.Period)
		if len(h.Rows) != 1 {
			t.Errorf("%s rows = %+v", h.Period, h.Rows)
		}
	}
	if !reflect.DeepEqual(periods, []string{"2026-10", "2026-09"}) {
		t.Errorf("history = %v", periods)
	}
	if hist, err := s.AssessmentsBefore(ctx, "2027-01", 1); err != nil || len(hist) != 1 || hist[0].Period != "2026-11" {
		t.Errorf("history(1) = %v, %v", hist, err)
	}
	if _, err := s.AssessmentsBefore(ctx, "2027-01", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("n=0: %v", err)
	}
	if _, err := s.Assessment(ctx, "2026-01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown period: %v", err)
	}
	if err := s.PutAssessment(ctx, &Assessment{Period: "2026-12", Result: []byte("{}"), Rows: []AssessmentRow{{County: "A"}, {County: "A"}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("county twice: %v", err)
	}
	if err := s.PutAssessment(ctx, &Assessment{Period: "2026-12"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no result: %v", err)
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	pdf := []byte("%PDF-1.4 report")
	o := &Outgoing{Key: "report:2026-11:370811", Kind: "report", County: "370811", Period: "2026-11",
		From: "考核办 <kaohe@jining.gov.cn>", To: []string{"rc@example.cn"}, Subject: "2026年11月考核结果", Body: "附件为本月考核结果。",
		Attachments: []OutAttachment{{Name: "任城区.pdf", ContentType: "application/pdf", Data: pdf}}}
	id, existed, err := s.Enqueue(ctx, o)
	if err != nil || existed || o.ID != id || o.State != OutQueued || o.NextAttempt.IsZero() {
		t.Fatalf("enqueue = %d, %v, %v; %+v", id, existed, err, o)
	}
	wantMID := OutgoingMessageID(o.Key, o.From)
	if o.MessageID != wantMID || !strings.HasSuffix(wantMID, "@jining.gov.cn>") || !strings.HasPrefix(wantMID, "<kaohe.") {
		t.Errorf("message id = %q, want %q", o.MessageID, wantMID)
	}
	if OutgoingMessageID("report:2026-11:370812", o.From) == wantMID {
		t.Error("two keys, one Message-ID")
	}
	if got := OutgoingMessageID("k", ""); !strings.HasSuffix(got, "@kaohe.localhost>") {
		t.Errorf("message id without from = %q", got)
	}

	// The same key again is a no-op, even with other content.
	again := &Outgoing{Key: o.Key, To: []string{"other@example.cn"}, Subject: "changed"}
	id2, existed, err := s.Enqueue(ctx, again)
	if err != nil || !existed || id2 != id || again.ID != 0 {
		t.Fatalf("enqueue again = %d, %v, %v", id2, existed, err)
	}
	if _, _, err := s.Enqueue(ctx, &Outgoing{Key: "k"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no recipients: %v", err)
	}

	later := t0.Add(time.Hour)
	id3, _, err := s.Enqueue(ctx, &Outgoing{Key: "reply:7:1", Kind: "reply", To: []string{"a@x", "b@x"}, Period: "2026-11", NextAttempt: later})
	if err != nil {
		t.Fatal(err)
	}

	due, err := s.DueOutgoing(ctx, t0.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ID != id || due[0].Subject != "2026年11月考核结果" || due[0].MessageID != wantMID ||
		!reflect.DeepEqual(due[0].To, []string{"rc@example.cn"}) || len(due[0].Attachments) != 1 ||
		!bytes.Equal(due[0].Attachments[0].Data, pdf) || due[0].Attachments[0].Size != int64(len(pdf)) {
		t.Fatalf("due = %+v", due)
	}
	// By priority: the reply before the older report.
	if due, err := s.DueOutgoing(ctx, later, 10); err != nil || len(due) != 2 || due[0].ID != id3 || due[1].ID != id ||
		due[0].Priority != PriorityReply || due[1].Priority != PriorityReport {
		t.Fatalf("due later = %+v, %v", due, err)
	}
	if due, err := s.DueOutgoing(ctx, later, 1); err != nil || len(due) != 1 {
		t.Fatalf("due limit 1 = %d, %v", len(due), err)
	}

	// 4xx: retry later.
	if err := s.MarkRetry(ctx, id, "451 try later", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutgoing(ctx, t0.Add(5*time.Minute), 10); len(due) != 0 {
		t.Fatalf("retried mail due before its time: %+v", due)
	}
	due, _ = s.DueOutgoing(ctx, t0.Add(10*time.Minute), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "451 try later" || due[0].MessageID != wantMID {
		t.Fatalf("due after retry = %+v", due)
	}
	sentAt := t0.Add(11 * time.Minute)
	if err := s.MarkSent(ctx, id, sentAt); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, id, sentAt.Add(time.Hour)); err != nil {
		t.Fatalf("second MarkSent: %v", err)
	}
	got, err := s.Outgoing(ctx, id)
	if err != nil || got.State != OutSent || !got.SentAt.Equal(sentAt) || got.Attempts != 2 || got.LastError != "" {
		t.Fatalf("sent = %+v, %v", got, err)
	}
	if err := s.MarkRetry(ctx, id, "x", later); !errors.Is(err, ErrState) {
		t.Errorf("retry of sent: %v", err)
	}
	if err := s.MarkFailed(ctx, id, "x"); !errors.Is(err, ErrState) {
		t.Errorf("fail of sent: %v", err)
	}

	// 5xx: failed for good, shown to the operator, requeueable.
	if err := s.MarkFailed(ctx, id3, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, id3, later); !errors.Is(err, ErrState) {
		t.Errorf("sent of failed: %v", err)
	}
	if due, _ := s.DueOutgoing(ctx, later.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("failed mail due: %+v", due)
	}
	failed, err := s.Outbox(ctx, OutFailed, "")
	if err != nil || len(failed) != 1 || failed[0].ID != id3 || failed[0].LastError != "550 no such user" || failed[0].Attempts != 1 {
		t.Fatalf("failed = %+v, %v", failed, err)
	}
	all, err := s.Outbox(ctx, "", "2026-11")
	if err != nil || len(all) != 2 || all[0].Attachments[0].Data != nil || all[0].Attachments[0].Size != int64(len(pdf)) {
		t.Fatalf("outbox = %+v, %v", all, err)
	}
	if err := s.Requeue(ctx, id, later); !errors.Is(err, ErrState) {
		t.Errorf("requeue of sent: %v", err)
	}
	if err := s.Requeue(ctx, 999, later); !errors.Is(err, ErrNotFound) {
		t.Errorf("requeue of unknown: %v", err)
	}
	if err := s.Requeue(ctx, id3, later); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutgoing(ctx, later, 10); len(due) != 1 || due[0].ID != id3 {
		t.Fatalf("requeued not due: %+v", due)
	}
	for _, f := range []func() error{
		func() error { return s.MarkSent(ctx, 999, later) },
		func() error { return s.MarkRetry(ctx, 999, "", later) },
		func() error { return s.MarkFailed(ctx, 999, "") },
	} {
		if err := f(); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
	}
}

func TestClaimDue(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, k := range []string{"a", "b", "c"} {
		if _, _, err := s.Enqueue(ctx, &Outgoing{Key: k, To: []string{"x@y"}, NextAttempt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := s.ClaimDue(ctx, t0, time.Minute, 2)
	if err != nil || len(first) != 2 || first[0].Key != "a" || first[1].Key != "b" {
		t.Fatalf("first claim = %+v, %v", first, err)
	}
	second, err := s.ClaimDue(ctx, t0, time.Minute, 10)
	if err != nil || len(second) != 1 || second[0].Key != "c" {
		t.Fatalf("second claim = %+v, %v", second, err)
	}
	// The lease runs out: unsent mail is claimable again.
	again, err := s.ClaimDue(ctx, t0.Add(time.Minute), time.Minute, 10)
	if err != nil || len(again) != 3 {
		t.Fatalf("claim after lease = %+v, %v", again, err)
	}
	if _, err := s.ClaimDue(ctx, t0, 0, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero lease: %v", err)
	}
}

// TestClaimDueBy is two senders draining together from t0 (the workers of one Deliver):
// when the clock jumps past a lease, neither takes a mail the other claimed, nor one
// deferred during the drain; one due by t0 is still taken.
func TestClaimDueBy(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, k := range []string{"a", "b", "c"} {
		if _, _, err := s.Enqueue(ctx, &Outgoing{Key: k, To: []string{"x@y"}, NextAttempt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Enqueue(ctx, &Outgoing{Key: "later", To: []string{"x@y"}, NextAttempt: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClaimDueBy(ctx, t0, t0, time.Minute, 1) // sender A: "a"
	if err != nil || len(first) != 1 || first[0].Key != "a" {
		t.Fatalf("A's claim = %+v, %v", first, err)
	}
	jump := t0.Add(time.Hour) // A's lease has run out
	second, err := s.ClaimDueBy(ctx, t0, jump, time.Minute, 10)
	if err != nil || len(second) != 2 || second[0].Key != "b" || second[1].Key != "c" {
		t.Fatalf("B's claim after the jump = %+v, %v; want b and c only", second, err)
	}
	// A plain ClaimDue at that time (a sender that starts now) takes what is due.
	later, err := s.ClaimDue(ctx, jump, time.Minute, 10)
	if err != nil || len(later) != 2 {
		t.Fatalf("a new sender's claim = %+v, %v; want a and later", later, err)
	}
	if _, err := s.ClaimDueBy(ctx, jump, t0, time.Minute, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("due by after now: %v", err)
	}
}

func TestOutboxPriorityAndSentSince(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	kinds := []struct{ key, kind string }{
		{"dispatch:2026-11:1", "dispatch"}, {"remind:2026-11:1:20261120", "remind"},
		{"report:2026-11:1", "report"}, {"reply:9:1", "receipt"}, {"reply:9:2", "anything"}, {"summary:2026-11", "summary"},
	}
	for _, k := range kinds {
		if _, _, err := s.Enqueue(ctx, &Outgoing{Key: k.key, Kind: k.kind, To: []string{"a@x"}}); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.ClaimDue(ctx, s.now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range due {
		got = append(got, o.Key)
	}
	want := []string{"reply:9:1", "reply:9:2", "report:2026-11:1", "summary:2026-11", "remind:2026-11:1:20261120", "dispatch:2026-11:1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("claim order %q, want %q", got, want)
	}
	t0 := s.now()
	for _, o := range due[:3] {
		if err := s.MarkSent(ctx, o.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.SentSince(ctx, t0); err != nil || n != 3 {
		t.Errorf("sent since = %d, %v; want 3", n, err)
	}
	if n, err := s.SentSince(ctx, t0.Add(time.Millisecond)); err != nil || n != 0 {
		t.Errorf("sent since later = %d, %v; want 0", n, err)
	}
	if n, err := s.DueCount(ctx, t0.Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("due count = %d, %v; want 3", n, err)
	}
}
