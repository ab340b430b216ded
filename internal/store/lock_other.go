//go:build !unix

package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// lockFile is a no-op where flock is not available: concurrent first opens of a new
// store by several processes are then not guarded (SQLite's own locks still keep the
// file consistent; a losing migration fails and can be retried).
func lockFile(ctx context.Context, path string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}

// processRunning reports whether a process with pid exists. On Windows FindProcess
// opens the process and fails when there is none; elsewhere it cannot tell, and the
// process is taken to be running (leases then run out as usual, a stale serve lock has
// to be removed by hand).
func processRunning(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}

// lockServeFile takes the serve lock at path without flock: the file is created
// exclusively and holds body; one that exists names its holder, and is taken over when
// that holder no longer runs (prev) or the file is empty. release removes the file.
func lockServeFile(path string, body []byte) (prev *Holder, release func() error, err error) {
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			if _, err := f.Write(body); err != nil {
				return nil, nil, errors.Join(fmt.Errorf("serve lock %s: %w", path, err), f.Close(), os.Remove(path))
			}
			if err := f.Close(); err != nil {
				return nil, nil, errors.Join(fmt.Errorf("serve lock %s: %w", path, err), os.Remove(path))
			}
			return prev, func() error { return os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) || attempt >= 3 {
			return nil, nil, fmt.Errorf("serve lock %s: %w", path, err)
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		} else if err != nil {
			return nil, nil, fmt.Errorf("serve lock %s: %w", path, err)
		}
		h, ok := readHolder(b)
		if ok && h.Running() {
			return nil, nil, &LockedError{Path: path, Holder: h}
		}
		if ok {
			prev = &h
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("serve lock %s: taking over a stale lock: %w", path, err)
		}
	}
}
