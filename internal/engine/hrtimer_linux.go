//go:build linux

package engine

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// hrTimer is a one-shot timerfd read through the runtime's poller: the
// kernel's high-resolution timer ends the poller's wait when it fires,
// instead of the millisecond-rounded timeout that Go's own timers get when
// the process is idle. One per open-model worker.
type hrTimer struct {
	f   *os.File
	buf [8]byte
}

func newHRTimer() *hrTimer {
	const clockMonotonic = 1
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil
	}
	return &hrTimer{f: os.NewFile(fd, "apiload-pacer")}
}

// sleep blocks for d (> 0). It reports false when the timer failed, and the
// caller must wait another way.
func (t *hrTimer) sleep(d time.Duration) bool {
	spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(int64(max(d, 1)))} // no interval, one expiry
	raw, err := t.f.SyscallConn()
	if err != nil {
		return false
	}
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	}); err != nil || errno != 0 {
		return false
	}
	_, err = t.f.Read(t.buf[:])
	return err == nil
}

func (t *hrTimer) close() { t.f.Close() }
