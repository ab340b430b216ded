//go:build !unix && !windows

package bench

import "time"

// CPUTime returns 0: there is no getrusage on this system.
func CPUTime() time.Duration { return 0 }

// PeakRSS returns 0: there is no getrusage or /proc on this system.
func PeakRSS() int64 { return 0 }
