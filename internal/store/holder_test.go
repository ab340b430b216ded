package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deadHolder is a holder of this host whose process has exited: the test binary run
// once, doing nothing.
func deadHolder(t *testing.T) Holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	h := Holder{Host: Self().Host, PID: cmd.ProcessState.Pid(), PIDNS: Self().PIDNS, Nonce: "0123456789abcdef", Since: t0}
	if h.Running() {
		t.Skipf("pid %d was reused at once", h.PID)
	}
	return h
}

func TestHolder(t *testing.T) {
	me := Self()
	if me != Self() || me.PID != os.Getpid() || me.Host == "" || len(me.Nonce) != 16 || strings.ContainsAny(me.Host, " \t") {
		t.Fatalf("Self() = %+v", me)
	}
	if h, ok := ParseHolder(me.ID()); !ok || h.Host != me.Host || h.PID != me.PID || h.Nonce != me.Nonce || h.PIDNS != me.PIDNS {
		t.Fatalf("ParseHolder(%q) = %+v, %v", me.ID(), h, ok)
	}
	for _, bad := range []string{"", "host", "host x nonce", "host 0 n", "a b c d e"} {
		if _, ok := ParseHolder(bad); ok {
			t.Errorf("ParseHolder(%q) ok", bad)
		}
	}
	if !me.Running() {
		t.Error("this process is not running")
	}
	if earlier := (Holder{Host: me.Host, PID: me.PID, PIDNS: me.PIDNS, Nonce: "ffffffffffffffff"}); earlier.Running() {
		t.Error("an earlier life of this pid (another nonce) is running")
	}
	if other := (Holder{Host: me.Host + "-elsewhere", PID: 1 << 22, Nonce: "x"}); !other.Running() {
		t.Error("a holder on another host is taken for dead")
	}
	dead := deadHolder(t)
	if dead.Running() {
		t.Errorf("exited pid %d running", dead.PID)
	}
	if other := dead; me.PIDNS != "" {
		other.PIDNS = "another-namespace"
		if !other.Running() {
			t.Error("a holder in another pid namespace is taken for dead")
		}
	}
}

// TestServeLock: a second serve is refused, naming the holder; release lets the next one
// in; a lock left by a dead process is taken over, naming it.
func TestServeLock(t *testing.T) {
	storePath := filepath.Join(t.TempDir(), "kaohe.db")
	l, err := LockServe(storePath)
	if err != nil {
		t.Fatal(err)
	}
	if l.Previous != nil {
		t.Errorf("fresh lock took over %+v", l.Previous)
	}
	fi, err := os.Stat(ServeLockPath(storePath))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("lock file mode %v: readable by others", perm)
	}
	_, err = LockServe(storePath)
	var le *LockedError
	if !errors.Is(err, ErrServeLocked) || !errors.As(err, &le) {
		t.Fatalf("second lock: %v", err)
	}
	if me := Self(); le.Holder.PID != me.PID || le.Holder.Host != me.Host || !le.Holder.Since.Equal(me.Since) {
		t.Errorf("holder named %+v, want %+v", le.Holder, me)
	}
	for _, want := range []string{"pid ", Self().Host, "since ", ServeLockPath(storePath)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err, want)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	l2, err := LockServe(storePath)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if l2.Previous != nil {
		t.Errorf("a released lock was taken for stale: %+v", l2.Previous)
	}
	if err := l2.Release(); err != nil {
		t.Fatal(err)
	}

	// A dead process's lock (it never released it).
	dead := deadHolder(t)
	b, _ := json.Marshal(dead)
	if err := os.WriteFile(ServeLockPath(storePath), b, 0o600); err != nil {
		t.Fatal(err)
	}
	l3, err := LockServe(storePath)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l3.Release()
	if l3.Previous == nil || l3.Previous.PID != dead.PID || l3.Previous.Host != dead.Host {
		t.Errorf("Previous = %+v, want %+v", l3.Previous, dead)
	}
	got, err := os.ReadFile(ServeLockPath(storePath))
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := readHolder(got); !ok || h.PID != os.Getpid() || h.Nonce != Self().Nonce {
		t.Errorf("lock file after takeover: %q", got)
	}
}

// TestReleaseDead: mails claimed by a holder that no longer runs are due again at once,
// unclaimed; those of a running holder (this process, or one on another host) and those
// sent, failed or deferred are left alone.
func TestReleaseDead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if _, _, err := s.Enqueue(ctx, &Outgoing{Key: k, To: []string{"x@y"}, NextAttempt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	dead := deadHolder(t)
	s.holder = dead.ID() // play the dead process: it claims a, b, c
	claimed, err := s.ClaimDue(ctx, t0, 5*time.Minute, 3)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim = %+v, %v", claimed, err)
	}
	if err := s.MarkSent(ctx, claimed[0].ID, t0); err != nil { // a went out before it died
		t.Fatal(err)
	}
	s.holder = Holder{Host: "elsewhere", PID: 77, Nonce: "n"}.ID() // d: a sender on another host
	if got, err := s.ClaimDue(ctx, t0, 5*time.Minute, 1); err != nil || len(got) != 1 || got[0].Key != "d" {
		t.Fatalf("claim d = %+v, %v", got, err)
	}
	s.holder = Self().ID() // e: this process
	if got, err := s.ClaimDue(ctx, t0, 5*time.Minute, 1); err != nil || len(got) != 1 || got[0].Key != "e" {
		t.Fatalf("claim e = %+v, %v", got, err)
	}
	now := t0.Add(10 * time.Second)
	if due, err := s.ClaimDue(ctx, now, time.Minute, 10); err != nil || len(due) != 0 {
		t.Fatalf("claimable before release: %+v, %v", due, err)
	}
	n, holders, err := s.ReleaseDead(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(holders) != 1 || holders[0].PID != dead.PID {
		t.Fatalf("released %d from %+v; want b and c from pid %d", n, holders, dead.PID)
	}
	due, err := s.ClaimDue(ctx, now, time.Minute, 10)
	if err != nil || len(due) != 2 || due[0].Key != "b" || due[1].Key != "c" {
		t.Fatalf("due after release = %+v, %v; want b and c", due, err)
	}
	for _, o := range due {
		if o.MessageID != OutgoingMessageID(o.Key, "") {
			t.Errorf("%s: Message-ID %s changed", o.Key, o.MessageID)
		}
	}
	if n, _, err := s.ReleaseDead(ctx, now); err != nil || n != 0 {
		t.Errorf("second release: %d, %v (this process holds b and c now)", n, err)
	}
	sent, err := s.Outbox(ctx, OutSent, "")
	if err != nil || len(sent) != 1 || sent[0].Key != "a" {
		t.Errorf("sent = %+v, %v", sent, err)
	}
}

// TestRunLogKeeping: LogRun, the per-period queries and pruning (old rows only).
func TestRunLogKeeping(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	day := 24 * time.Hour
	add := func(job, period string, started time.Time, outcome, cause string) int64 {
		t.Helper()
		id, err := s.LogRun(ctx, Run{Job: job, Period: period, Started: started, Finished: started.Add(time.Second),
			Outcome: outcome, Cause: cause, Counts: map[string]int{"n": 1}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	add("dispatch", "2025-10", t0.Add(-500*day), RunOK, "")
	add("dispatch", "2026-10", t0.Add(-30*day), RunOK, "")
	add("assess", "2026-11", t0.Add(-2*day), RunFailed, "")
	catchUp := add("assess", "2026-11", t0.Add(-day), RunOK, RunCatchUp)
	if _, err := s.LogRun(ctx, Run{Job: "x", Outcome: RunRunning}); !errors.Is(err, ErrInvalid) {
		t.Errorf("LogRun of a running run: %v", err)
	}
	rs, err := s.JobRuns(ctx, "assess", "2026-11")
	if err != nil || len(rs) != 2 || rs[0].ID != catchUp || rs[0].Cause != RunCatchUp || rs[1].Outcome != RunFailed ||
		rs[0].Holder != Self().ID() || rs[0].Counts["n"] != 1 || !rs[0].Finished.Equal(t0.Add(-day+time.Second)) {
		t.Fatalf("JobRuns = %+v, %v", rs, err)
	}
	for _, tt := range []struct {
		job, period string
		want        bool
	}{{"dispatch", "2026-11", true}, {"dispatch", "2026-10", true}, {"dispatch", "2025-10", false}, {"assess", "2026-11", false}, {"assess", "2026-12", true}} {
		if got, err := s.RanBefore(ctx, tt.job, tt.period); err != nil || got != tt.want {
			t.Errorf("RanBefore(%s, %s) = %v, %v", tt.job, tt.period, got, err)
		}
	}
	n, err := s.PruneRuns(ctx, t0.Add(-400*day))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the one row 500 days old", n, err)
	}
	all, err := s.Runs(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("left %d rows, %v", len(all), err)
	}
	for _, r := range all {
		if r.Started.Before(t0.Add(-400 * day)) {
			t.Errorf("old run %+v kept", r)
		}
	}
}
