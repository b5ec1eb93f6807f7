//go:build unix && (!linux || race)

package engine

import "syscall"

// sockRead and sockWrite: see h1sys_linux.go.
func sockRead(fd int, p []byte) (int, error)  { return syscall.Read(fd, p) }
func sockWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
