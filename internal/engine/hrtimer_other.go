//go:build !linux

package engine

import "time"

// hrTimer is only available on Linux; elsewhere pacers use Go's timers.
type hrTimer struct{}

func newHRTimer() *hrTimer                  { return nil }
func (*hrTimer) sleep(d time.Duration) bool { return false }
func (*hrTimer) close()                     {}
