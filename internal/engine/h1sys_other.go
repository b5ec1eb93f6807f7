//go:build unix && (!linux || race)

package engine

import "syscall"

// sockRead, sockWrite and sockPeek: see h1sys_linux.go.
func sockRead(fd int, p []byte) (int, error)  { return syscall.Read(fd, p) }
func sockWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }

func sockPeek(fd int, p []byte) (int, error) {
	n, _, err := syscall.Recvfrom(fd, p, syscall.MSG_PEEK)
	return n, err
}
