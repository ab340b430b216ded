//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/store"
)

// TestServeLock: a second serve on a store is refused (exit 1) naming the holder; a
// lock left by a dead process is taken over, logged, and released on exit.
func TestServeLock(t *testing.T) {
	t.Setenv("KAOHE_FORM_SECRET", "serve-lock-test-secret")
	db := filepath.Join(t.TempDir(), "kaohe.db")
	holder, err := store.LockServe(db) // the first serve
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := kaohe(t, "serve", "--store", db)
	if code != exitUser {
		t.Fatalf("second serve: exit %d, want %d; stderr:\n%s", code, exitUser, errs)
	}
	me := store.Self()
	for _, want := range []string{"another kaohe serve runs on this store", "pid " + strconv.Itoa(me.PID), me.Host, "since " + me.Since.Format(time.RFC3339)} {
		if !strings.Contains(errs, want) {
			t.Errorf("message does not name %q:\n%s", want, errs)
		}
	}
	// One-shot commands beside it are allowed.
	if code, _, errs := kaohe(t, "runs", "--store", db); code != exitOK {
		t.Errorf("runs beside serve: exit %d\n%s", code, errs)
	}
	if err := holder.Release(); err != nil {
		t.Fatal(err)
	}

	// A serve killed without releasing: its lock file names a dead pid.
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(store.Holder{Host: me.Host, PID: dead.ProcessState.Pid(), PIDNS: me.PIDNS, Nonce: "dead", Since: me.Since})
	if err := os.WriteFile(store.ServeLockPath(db), b, 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := kaohe(t, "serve", "--store", db)
		done <- result{code, out, errs}
	}()
	// Serve runs once the lock file names this process (its signal handler is set by then).
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(store.ServeLockPath(db))
		var h store.Holder
		if json.Unmarshal(b, &h) == nil && h.PID == me.PID && h.Nonce == me.Nonce {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("serve exited %d before taking the lock:\n%s", r.code, r.errs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not take over the stale lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if r.code != exitOK && r.code != exitInterrupted {
		t.Errorf("serve: exit %d\n%s", r.code, r.errs)
	}
	if !strings.Contains(r.errs, "took over a stale serve lock") || !strings.Contains(r.errs, "pid "+strconv.Itoa(dead.ProcessState.Pid())) {
		t.Errorf("takeover not logged:\n%s", r.errs)
	}
	if b, err := os.ReadFile(store.ServeLockPath(db)); err != nil || len(b) != 0 {
		t.Errorf("lock file after exit: %q, %v; want released (empty)", b, err)
	}
}
