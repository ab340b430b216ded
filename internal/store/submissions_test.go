package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jining/kaohe/seeds"
)

// testFiling builds a filing with villages × values village values, two tasks and one
// county-level indicator.
func testFiling(county, period string, villages, values int) *seeds.Filing {
	f := &seeds.Filing{
		County: county, Period: period, Version: "2026.1",
		Tasks: []seeds.TaskReport{
			{Task: "1.1", Status: seeds.StatusDone, Progress: "已完成换届", Cell: "重点任务!E5"},
			{Task: "1.2", Status: seeds.StatusNone, Cell: "重点任务!E6"},
		},
		Indicators: map[string]seeds.Number{"funds": {Value: 0.72, Set: true, Note: "见台账", Cell: "县级指标!D4"}},
	}
	for v := range villages {
		vr := seeds.VillageReport{Town: fmt.Sprintf("镇%d", v/20), Village: fmt.Sprintf("村%03d", v), Row: 5 + v, Values: map[string]seeds.Number{}}
		for k := range values {
			col := string(rune('D' + k))
			vr.Values[fmt.Sprintf("v%02d", k)] = seeds.Number{Value: float64(v*100 + k), Set: (v+k)%7 != 0, Cell: fmt.Sprintf("村级台账!%s%d", col, 5+v)}
		}
		f.Villages = append(f.Villages, vr)
	}
	return f
}

func TestSubmissionsSupersede(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put := func(sub Submission) *Submission {
		t.Helper()
		got, dup, err := s.PutSubmission(ctx, &sub)
		if err != nil {
			t.Fatal(err)
		}
		if dup {
			t.Fatalf("%s: unexpected duplicate", sub.SHA256)
		}
		return got
	}
	f1 := testFiling("370811", "2026-11", 2, 2)
	a1 := put(Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceMail, Filename: "a.xlsx", SHA256: "s1", Received: t0, Filing: f1})
	if a1.Version != 1 || a1.Superseded || !reflect.DeepEqual(a1.Filing, f1) || !a1.Received.Equal(t0) || a1.Problems != nil {
		t.Fatalf("first = %+v", a1)
	}
	r1 := put(Submission{County: "370811", Period: "2026-11", Status: Rejected, Source: SourceMail, Filename: "b.xlsx", SHA256: "s2",
		Received: t0.Add(time.Hour), Problems: []string{"村级台账!F12: 应为数字"}})
	if r1.Version != 0 || r1.Filing != nil || !reflect.DeepEqual(r1.Problems, []string{"村级台账!F12: 应为数字"}) {
		t.Fatalf("rejected = %+v", r1)
	}
	f2 := testFiling("370811", "2026-11", 3, 2)
	a2 := put(Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceImport, Filename: "c.xlsx", SHA256: "s3", Received: t0.Add(2 * time.Hour), Filing: f2})
	if a2.Version != 2 || a2.Superseded {
		t.Fatalf("second = %+v", a2)
	}
	// Another county and another period do not interfere.
	o := put(Submission{County: "370812", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "s4", Received: t0, Filing: testFiling("370812", "2026-11", 1, 1)})
	p := put(Submission{County: "370811", Period: "2026-10", Status: Accepted, Source: SourceMail, SHA256: "s5", Received: t0.Add(-30 * 24 * time.Hour), Filing: testFiling("370811", "2026-10", 1, 1)})
	if o.Version != 1 || p.Version != 1 {
		t.Fatalf("versions other county/period = %d, %d", o.Version, p.Version)
	}

	first, err := s.Submission(ctx, a1.ID)
	if err != nil || !first.Superseded || first.SupersededBy != a2.ID || first.Version != 1 {
		t.Fatalf("first after second = %+v, %v", first, err)
	}
	latest, err := s.LatestAccepted(ctx, "370811", "2026-11")
	if err != nil || latest.ID != a2.ID || !reflect.DeepEqual(latest.Filing, f2) {
		t.Fatalf("latest = %+v, %v", latest, err)
	}

	// The same attachment again is the same submission, whatever else differs.
	got, dup, err := s.PutSubmission(ctx, &Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "s1", Received: t0.Add(3 * time.Hour), Filing: f1})
	if err != nil || !dup || got.ID != a1.ID || !got.Superseded {
		t.Fatalf("duplicate = %+v, %v, %v", got, dup, err)
	}
	if latest, _ := s.LatestAccepted(ctx, "370811", "2026-11"); latest.ID != a2.ID {
		t.Fatalf("a duplicate changed the latest to %d", latest.ID)
	}

	// An older file imported later slots in by received time.
	a0 := put(Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceImport, SHA256: "s6", Received: t0.Add(-time.Hour), Filing: f1})
	if a0.Version != 1 || a0.SupersededBy != a1.ID {
		t.Fatalf("older import = %+v", a0)
	}
	if latest, _ := s.LatestAccepted(ctx, "370811", "2026-11"); latest.ID != a2.ID || latest.Version != 3 {
		t.Fatalf("latest after older import = %d v%d", latest.ID, latest.Version)
	}

	subs, err := s.Submissions(ctx, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, sub := range subs {
		order = append(order, fmt.Sprintf("%s/%s/v%d/%v", sub.County, sub.SHA256, sub.Version, sub.Superseded))
		if sub.Filing != nil {
			t.Errorf("Submissions returned a filing")
		}
	}
	want := []string{"370811/s6/v1/true", "370811/s1/v2/true", "370811/s2/v0/false", "370811/s3/v3/false", "370812/s4/v1/false"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("submissions = %v\nwant %v", order, want)
	}

	acc, err := s.AcceptedFilings(ctx, "2026-11")
	if err != nil || len(acc) != 2 || acc["370811"].ID != a2.ID || acc["370812"].ID != o.ID || acc["370812"].Filing == nil {
		t.Fatalf("accepted = %v, %v", acc, err)
	}
	if acc, err := s.AcceptedFilings(ctx, "2027-01"); err != nil || len(acc) != 0 {
		t.Fatalf("accepted of empty period = %v, %v", acc, err)
	}
	if _, err := s.LatestAccepted(ctx, "370813", "2026-11"); !errors.Is(err, ErrNotFound) {
		t.Errorf("latest of county without forms: %v", err)
	}
}

func TestLastAcceptedBefore(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	n := 0
	put := func(county, period, status string) int64 {
		n++
		var f *seeds.Filing
		if status == Accepted {
			f = testFiling(county, period, 1, 1)
		}
		sub, _, err := s.PutSubmission(ctx, &Submission{County: county, Period: period, Status: status, Source: SourceMail,
			SHA256: fmt.Sprint("sha", n), Received: t0.Add(time.Duration(n) * time.Minute), Filing: f})
		if err != nil {
			t.Fatal(err)
		}
		return sub.ID
	}
	put("A", "2026-08", Accepted)
	aug := put("A", "2026-08", Accepted) // supersedes the first
	put("A", "2026-09", Rejected)        // rejected only: skipped
	put("A", "2026-11", Accepted)        // the period itself: not before
	put("A", "2026-12", Accepted)        // after
	put("B", "2026-10", Accepted)        // another county

	tests := []struct {
		county, period string
		want           int64 // 0: ErrNotFound
	}{
		{"A", "2026-11", aug},
		{"A", "2026-10", aug},
		{"A", "2026-09", aug},
		{"A", "2026-08", 0},
		{"A", "2027-01", 0}, // set below: the December one
		{"C", "2026-11", 0},
	}
	dec, _ := s.LatestAccepted(ctx, "A", "2026-12")
	tests[4].want = dec.ID
	for _, tc := range tests {
		got, err := s.LastAcceptedBefore(ctx, tc.county, tc.period)
		if tc.want == 0 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s before %s: %v, want ErrNotFound", tc.county, tc.period, err)
			}
			continue
		}
		if err != nil || got.ID != tc.want || got.Filing == nil {
			t.Errorf("%s before %s = %v, %v; want id %d", tc.county, tc.period, got, err, tc.want)
		}
	}
}

func TestSubmissionValues(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	f := testFiling("370811", "2026-11", 3, 4)
	sub, _, err := s.PutSubmission(ctx, &Submission{County: "370811", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "x", Received: t0, Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Values(ctx, sub.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + 1 + 3*4; len(all) != want {
		t.Fatalf("%d values, want %d", len(all), want)
	}
	if all[0] != (Value{SheetKind: SheetTask, Key: "1.1", Num: 3, Set: true, Text: "已完成", Note: "已完成换届", Cell: "重点任务!E5"}) {
		t.Errorf("task value = %+v", all[0])
	}
	if all[1] != (Value{SheetKind: SheetTask, Key: "1.2", Cell: "重点任务!E6"}) {
		t.Errorf("empty task value = %+v", all[1])
	}
	if all[2] != (Value{SheetKind: SheetIndicator, Key: "funds", Num: 0.72, Set: true, Note: "见台账", Cell: "县级指标!D4"}) {
		t.Errorf("indicator value = %+v", all[2])
	}
	// Every village value is there with its town, village and cell.
	for _, v := range f.Villages {
		for k, n := range v.Values {
			got, err := s.Values(ctx, sub.ID, SheetVillage, k)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, g := range got {
				if g.Village == v.Village {
					found = true
					if g.Town != v.Town || g.Num != n.Value || g.Set != n.Set || g.Cell != n.Cell {
						t.Errorf("%s %s = %+v, want %+v", v.Village, k, g, n)
					}
				}
			}
			if !found {
				t.Errorf("%s %s missing", v.Village, k)
			}
		}
	}
	// Queryable with plain SQL, e.g. which cell of which village reported v01 = 101.
	var village, cell string
	if err := s.DB().QueryRowContext(ctx, `SELECT village, cell FROM submission_values WHERE submission = ? AND sheet_kind = ? AND key = ? AND num = ?`,
		sub.ID, SheetVillage, "v01", 101.0).Scan(&village, &cell); err != nil || village != "村001" || cell != "村级台账!E6" {
		t.Errorf("query = %s %s, %v", village, cell, err)
	}
}

func TestPutSubmissionInvalid(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	f := testFiling("A", "2026-11", 1, 1)
	tests := []struct {
		name string
		sub  Submission
	}{
		{"no sha256", Submission{County: "A", Period: "2026-11", Status: Accepted, Source: SourceMail, Filing: f}},
		{"bad status", Submission{County: "A", Period: "2026-11", Status: "ok", Source: SourceMail, SHA256: "1", Filing: f}},
		{"bad source", Submission{County: "A", Period: "2026-11", Status: Accepted, Source: "fax", SHA256: "2", Filing: f}},
		{"accepted without filing", Submission{County: "A", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "3"}},
		{"accepted without county", Submission{Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "4", Filing: f}},
		{"accepted without period", Submission{County: "A", Status: Accepted, Source: SourceMail, SHA256: "5", Filing: f}},
	}
	for _, tc := range tests {
		if _, _, err := s.PutSubmission(ctx, &tc.sub); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tc.name, err)
		}
	}
	// A submission pointing at an unknown message is refused by the foreign key and
	// leaves nothing behind.
	if _, _, err := s.PutSubmission(ctx, &Submission{County: "A", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "6", MessageID: 42, Filing: f}); err == nil {
		t.Error("unknown message accepted")
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM submissions) + (SELECT COUNT(*) FROM submission_values)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows left after failed puts: %d, %v", n, err)
	}
}

func TestSubmissionFromMessage(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mid, _, err := s.PutMessage(ctx, &Message{Mailbox: "INBOX", UIDValidity: 1, UID: 5, MessageID: "<m@x>", Raw: []byte("raw")})
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := s.PutSubmission(ctx, &Submission{County: "A", Period: "2026-11", Status: Accepted, Source: SourceMail, SHA256: "6",
		MessageID: mid, Filing: testFiling("A", "2026-11", 1, 1)})
	if err != nil || sub.MessageID != mid {
		t.Fatalf("submission = %+v, %v", sub, err)
	}
}

// TestAppendJSONString checks the fast path against encoding/json, which it must match
// byte for byte (the values column is compared and queried as JSON text).
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "第2镇", "村级台账!N25", "a\"b", "a\\b", "<&>", "tab\there", "x\u2028y", "x\u2029",
		"\xe2\x80", "\xe2\x80\xa8", "bad\xffutf8", "\u00e2\u0080", "ok \u2027 \u202a", "\x7f"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("pre"), s); string(got) != "pre"+string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got[3:], want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("第2镇\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestEncodedFiling stores the same filing encoded ahead (as collect's workers do), not
// encoded, and with an encoding of another filing (which PutSubmission must ignore): the
// stored filings and values are the same.
func TestEncodedFiling(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	f := testFiling("370811", "2026-11", 6, 3)
	other := testFiling("370811", "2026-11", 2, 1)
	encF, err := EncodeFiling(f)
	if err != nil {
		t.Fatal(err)
	}
	encOther, err := EncodeFiling(other)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, enc := range []*EncodedFiling{nil, encF, encOther} {
		sub, _, err := s.PutSubmission(ctx, &Submission{County: f.County, Period: f.Period, Status: Accepted, Source: SourceImport,
			SHA256: fmt.Sprint("sha-enc-", i), Received: t0.Add(time.Duration(i) * time.Minute), Filing: f, Encoded: enc})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.ID)
	}
	var want []Value
	for i, id := range ids {
		got, err := s.Submission(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Filing, f) {
			t.Errorf("submission %d: filing differs from the one put", i)
		}
		vals, err := s.Values(ctx, id, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != 6*3+3 {
			t.Errorf("submission %d: %d values, want %d", i, len(vals), 6*3+3)
		}
		if i == 0 {
			want = vals
		} else if !reflect.DeepEqual(vals, want) {
			t.Errorf("submission %d: values differ from those of the filing encoded by PutSubmission", i)
		}
	}
}
