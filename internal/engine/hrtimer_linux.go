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
// the process is idle. The open model's pacer goroutine has one.
//
// Both system calls of a sleep (arm the timer, read it) are raw: they never
// block (the descriptor is non-blocking), and a raw call skips the
// runtime's system-call bookkeeping, which wakes the runtime's monitor
// thread whenever it sleeps, as it does while the process is idle between
// sends. Those extra wake-ups had cost more CPU than the sleep itself.
type hrTimer struct {
	f   *os.File
	buf [8]byte
}

func newHRTimer() *hrTimer {
	const clockMonotonic = 1
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
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
		_, _, errno = syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	}); err != nil || errno != 0 {
		return false
	}
	errno = 0
	err = raw.Read(func(fd uintptr) bool {
		for {
			_, _, errno = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&t.buf[0])), uintptr(len(t.buf)))
			if errno != syscall.EINTR {
				break
			}
		}
		return errno != syscall.EAGAIN // false: wait in the poller until the timer fires
	})
	return err == nil && errno == 0
}

func (t *hrTimer) close() { t.f.Close() }
