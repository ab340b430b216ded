package bench

import "os"

// PeakRSS returns the process's peak resident set size (VmHWM) in bytes, or 0 where
// /proc/self/status cannot be read.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return vmHWM(f)
}
