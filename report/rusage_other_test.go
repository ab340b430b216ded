//go:build !unix

package report

import (
	"testing"
	"time"
)

// cpuTime is not measured on this platform; the benchmarks then report 0 cpu-ms/op.
func cpuTime(testing.TB) time.Duration { return 0 }
