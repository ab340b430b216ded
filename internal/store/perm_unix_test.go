//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPrivateByDefault: under the usual umask (022), a new store's directory is 0700 and
// its database, WAL, shared-memory and lock files 0600; an existing store keeps its modes.
func TestPrivateByDefault(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "var", "kaohe")
	path := filepath.Join(dir, "kaohe.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A write, so the WAL has content while the store is open.
	if err := s.SyncCounties(context.Background(), []County{{Code: "370811", Name: "任城区", Emails: []string{"a@b.c"}}}); err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if m := mode(d); m != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, m)
		}
	}
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".migrate-lock"} {
		if m := mode(f); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(f), m)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// An existing store is opened as it is: its modes are the operator's choice (doctor
	// warns about them).
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	s, err = Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := mode(path); m != 0o640 {
		t.Errorf("existing store: mode %o, want 640 kept", m)
	}
}
