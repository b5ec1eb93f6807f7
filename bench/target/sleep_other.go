//go:build !linux

package main

import "time"

// sleep blocks for d (see sleep_linux.go for why it is not always
// time.Sleep).
func sleep(d time.Duration) { time.Sleep(d) }
