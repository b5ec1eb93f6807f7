//go:build linux

package main

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// sleep blocks for d on a one-shot timerfd read through the runtime's
// poller, so it ends within microseconds of d. time.Sleep ends up to a
// millisecond late when the process is otherwise idle (the poller's wait
// is rounded to milliseconds) and on time when other events wake it: the
// 10 ms handler's latency then depended on how the generator spaced its
// requests, which is what compare.sh must not measure. It falls back to
// time.Sleep when a timerfd cannot be had.
func sleep(d time.Duration) {
	const clockMonotonic = 1
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		time.Sleep(d)
		return
	}
	f := os.NewFile(fd, "sleep")
	defer f.Close()
	spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(int64(max(d, 1)))} // no interval, one expiry
	if _, _, errno := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		time.Sleep(d)
		return
	}
	var buf [8]byte
	if _, err := f.Read(buf[:]); err != nil {
		time.Sleep(d)
	}
}
