//go:build unix && !linux

package bench

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// PeakRSS returns the process's peak resident set size in bytes (getrusage's ru_maxrss;
// there is no /proc/self/status here), or 0 when it is not available.
func PeakRSS() int64 { return rusageMaxRSS() }

// rusageMaxRSS is getrusage's peak resident set size in bytes (ru_maxrss is in bytes on
// Darwin, in kilobytes elsewhere), or 0 when getrusage fails.
func rusageMaxRSS() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) << 10
}
