package engine

import (
	"net"
	"syscall"
	"time"
	"unsafe"
)

// tcpInfo reads the kernel's TCP_INFO for c.
func tcpInfo(c net.Conn) (syscall.TCPInfo, bool) {
	var info syscall.TCPInfo
	sc, ok := c.(syscall.Conn)
	if !ok {
		return info, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return info, false
	}
	var errno syscall.Errno
	err = raw.Control(func(fd uintptr) {
		size := uint32(syscall.SizeofTCPInfo)
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	})
	return info, err == nil && errno == 0
}

// waitTCP polls c's TCP_INFO until done says so. It waits on an event the
// kernel reports, never for a fixed time: a busy machine only makes it
// poll longer.
func waitTCP(c net.Conn, done func(syscall.TCPInfo) bool) {
	for {
		info, ok := tcpInfo(c)
		if !ok || done(info) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// waitPeerAcked returns once the peer's kernel has acknowledged every byte
// written to c, so the bytes are in its socket, whatever follows.
func waitPeerAcked(c net.Conn) {
	waitTCP(c, func(i syscall.TCPInfo) bool { return i.Unacked == 0 })
}

// waitFINAcked returns once the peer's kernel has acknowledged the FIN
// sent by c.CloseWrite: the peer's socket now reads end of file.
func waitFINAcked(c net.Conn) {
	const finWait1 = 4 // TCP_FIN_WAIT1; after it FIN_WAIT2, CLOSING, TIME_WAIT or CLOSE
	waitTCP(c, func(i syscall.TCPInfo) bool { return i.State != finWait1 })
}
