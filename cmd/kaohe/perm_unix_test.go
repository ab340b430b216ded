//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPrivateFiles: under the usual umask (022), what kaohe creates — the store's
// directory and files, the reports' directories and files, the form template writes, the
// sample config — is the owner's alone; doctor warns about a store others can read.
func TestPrivateFiles(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "state", "kaohe")
	db := filepath.Join(storeDir, "kaohe.db")
	reports := filepath.Join(dir, "out", "reports")
	form := filepath.Join(dir, "form.xlsx")
	cfg := filepath.Join(dir, "etc", "kaohe.toml")
	for _, args := range [][]string{
		{"--config", confirmedConfig(t), "--store", db, "assess", "--period", "2026-11", "--out", reports},
		{"--store", db, "template", "--county", "370811", "--period", "2026-11", "-o", form},
		{"init", cfg},
	} {
		if code, out, errs := kaohe(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	want := map[string]os.FileMode{
		filepath.Join(dir, "state"): 0o700, storeDir: 0o700, db: 0o600, db + ".migrate-lock": 0o600,
		filepath.Join(dir, "out"): 0o700, reports: 0o700, filepath.Join(reports, "2026-11"): 0o700,
		filepath.Join(reports, "2026-11", "370811.pdf"): 0o600, filepath.Join(reports, "2026-11", "summary.pdf"): 0o600,
		filepath.Join(reports, "2026-11", "summary.xlsx"): 0o600,
		form: 0o600, filepath.Join(dir, "etc"): 0o700, cfg: 0o600,
	}
	for p, m := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode().Perm(); got != m {
			t.Errorf("%s: mode %04o, want %04o", strings.TrimPrefix(p, dir), got, m)
		}
	}
	// doctor: quiet about a private store, warns about an open one.
	code, out, errs := kaohe(t, "--store", db, "doctor")
	if code != exitOK || strings.Contains(out, "warn  store") {
		t.Errorf("doctor on a private store: exit %d\n%s%s", code, out, errs)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(storeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errs = kaohe(t, "--store", db, "doctor")
	if code != exitOK || !strings.Contains(out, "warn  store     "+db+" is open to group or others (mode 0644)") ||
		!strings.Contains(out, "warn  store     directory "+storeDir+" is readable") {
		t.Errorf("doctor on an open store: exit %d\n%s%s", code, out, errs)
	}
}
