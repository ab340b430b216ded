//go:build !unix

package store

import "context"

// lockFile is a no-op where flock is not available: concurrent first opens of a new
// store by several processes are then not guarded (SQLite's own locks still keep the
// file consistent; a losing migration fails and can be retried).
func lockFile(ctx context.Context, path string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
