//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive advisory lock on path (created if needed), waiting until
// ctx is done. The lock goes away with the process, so a crash never leaves it behind.
func lockFile(ctx context.Context, path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateFile)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return nil, errors.Join(fmt.Errorf("flock %s: %w", path, err), f.Close())
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), f.Close())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return func() error {
		return errors.Join(syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close())
	}, nil
}

// processRunning reports whether a process with pid exists (signal 0: EPERM means it
// does, under another user).
func processRunning(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// lockServeFile takes the serve lock at path with flock, without waiting: the kernel
// drops it with the process, so a lock file whose flock can be taken is stale whatever it
// says (prev is then the holder it names, if any). The file then holds body until
// release empties it; it is never removed, so two processes cannot lock two inodes.
func lockServeFile(path string, body []byte) (prev *Holder, release func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		b, _ := io.ReadAll(f)
		h, _ := readHolder(b)
		return nil, nil, errors.Join(&LockedError{Path: path, Holder: h}, f.Close())
	}
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("flock %s: %w", path, err), f.Close())
	}
	fail := func(err error) (*Holder, func() error, error) {
		return nil, nil, errors.Join(fmt.Errorf("serve lock %s: %w", path, err), f.Close())
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return fail(err)
	}
	if h, ok := readHolder(b); ok {
		prev = &h
	}
	if err := f.Truncate(0); err != nil {
		return fail(err)
	}
	if _, err := f.WriteAt(body, 0); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	return prev, func() error {
		return errors.Join(f.Truncate(0), syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close())
	}, nil
}
