//go:build linux && !race

package engine

import (
	"syscall"
	"unsafe"
)

// sockRead and sockWrite are read(2) and write(2) on the lean client's
// non-blocking socket, issued with RawSyscall: they never block, so there
// is nothing for the runtime to hand the P off for. More to the point,
// syscall.Read and syscall.Write go through entersyscall, which wakes
// sysmon whenever it is parked because every P was idle. A generator that
// waits on the network idles its P between bursts of responses many times
// a second, so each burst's first read woke sysmon, which then polled every
// 20 µs until the next idle: on a pinned CPU that was about as many context
// switches as the generator's own (perf stat -e context-switches).
//
// Under the race detector the plain calls are kept (h1sys_other.go): they
// tell it that what a handler wrote before its response happens before
// the client reads that response, which RawSyscall would not.
func sockRead(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func sockWrite(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// sockPeek is recv(2) with MSG_PEEK: what read would return, left in the
// socket.
func sockPeek(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
		syscall.MSG_PEEK, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
