//go:build unix && !linux

package bench

// PeakRSS returns the process's peak resident set size in bytes (getrusage's ru_maxrss;
// there is no /proc/self/status here), or 0 when it is not available.
func PeakRSS() int64 { return rusageMaxRSS() }
