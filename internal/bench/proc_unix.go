//go:build unix

package bench

import (
	"time"

	"golang.org/x/sys/unix"
)

// CPUTime returns the user and system CPU time the process has used (0 where getrusage
// fails). On a machine shared with other work it is a steadier measure than wall time.
func CPUTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
