package bench

import (
	"time"

	"golang.org/x/sys/windows"
)

// CPUTime returns the user and kernel CPU time the process has used (0 where
// GetProcessTimes fails).
func CPUTime() time.Duration {
	var creation, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user); err != nil {
		return 0
	}
	// Filetime counts 100 ns intervals; as durations, not dates.
	ticks := func(f windows.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration((ticks(kernel) + ticks(user)) * 100)
}

// PeakRSS returns 0: the peak working set is not read on Windows, and the bench reports
// 0 MiB there.
func PeakRSS() int64 { return 0 }
