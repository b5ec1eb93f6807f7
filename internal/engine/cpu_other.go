//go:build !unix

package engine

import "time"

// processCPU returns 0: getrusage is not available here.
func processCPU() time.Duration { return 0 }
