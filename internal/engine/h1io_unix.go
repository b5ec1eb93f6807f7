//go:build unix

package engine

import (
	"io"
	"net"
	"os"
	"syscall"
)

// connIO is the lean client's reader for one connection. It writes a
// request and then waits for the socket to become readable before the
// first read, all inside one syscall.RawConn.Read: net.Conn's Read would
// first try a read that fails with EAGAIN (the response is never there
// yet), costing a system call per request. Registering for readiness
// before the write means no wake-up can be missed.
type connIO struct {
	conn    net.Conn
	raw     syscall.RawConn // nil when the conn has no file descriptor
	pending []byte          // request to write before the next read
	check   bool            // first make sure the server has not closed the connection
	peek    [1]byte
	p       []byte
	n       int
	err     error
	step    func(fd uintptr) bool // io.step, bound once so Read allocates nothing
}

func newConnIO(c net.Conn) *connIO {
	io := &connIO{conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			io.raw = raw
		}
	}
	io.step = io.doStep
	return io
}

// send arranges for wire to be written by the next Read, or writes it now
// when the connection has no descriptor to drive by hand. With idle set,
// the connection has sat idle after a response, and the write first peeks
// at the socket without waiting: end of file, an error or bytes nobody
// asked for mean the server closed it (or is out of step), and the Read
// fails with errIdleClosed, nothing written. Where there is no descriptor
// the peek is skipped; the caller's retry rule still applies.
func (c *connIO) send(wire []byte, idle bool) error {
	if c.raw == nil {
		return writeAll(c.conn, wire)
	}
	c.pending, c.check = wire, idle
	return nil
}

// writeAll writes wire to conn, telling a write that failed before any
// byte left (a nothingWrittenError) from one that failed part way.
func writeAll(conn net.Conn, wire []byte) error {
	n, err := conn.Write(wire)
	if err != nil && n == 0 {
		return &nothingWrittenError{err}
	}
	return err
}

func (c *connIO) Read(p []byte) (int, error) {
	if c.raw == nil {
		return c.conn.Read(p)
	}
	c.p, c.n, c.err = p, 0, nil
	if err := c.raw.Read(c.step); err != nil {
		c.pending, c.p = nil, nil
		return 0, err
	}
	c.p = nil
	return c.n, c.err
}

func (c *connIO) doStep(fd uintptr) bool {
	if w := c.pending; w != nil {
		c.pending = nil
		if c.check {
			c.check = false
			if !c.open(int(fd)) {
				c.err = errIdleClosed
				return true
			}
		}
		whole := len(w)
		for len(w) > 0 {
			n, err := sockWrite(int(fd), w)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				// The socket buffer is full (a large body): let net.Conn
				// wait for room and write the rest.
				if _, err := c.conn.Write(w); err != nil {
					c.err = err
					return true
				}
				return false
			case err != nil:
				c.err = os.NewSyscallError("write", err)
				if len(w) == whole {
					c.err = &nothingWrittenError{c.err}
				}
				return true
			}
			w = w[n:]
		}
		return false // wait for the response
	}
	for {
		n, err := sockRead(int(fd), c.p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false
		case err != nil:
			c.err = os.NewSyscallError("read", err)
		case n == 0:
			c.err = io.EOF
		default:
			c.n = n
		}
		return true
	}
}

// open reports whether an idle connection is still open: a peek that
// would block finds nothing to read, as a live idle connection has.
func (c *connIO) open(fd int) bool {
	for {
		_, err := sockPeek(fd, c.peek[:])
		if err == syscall.EINTR {
			continue
		}
		return err == syscall.EAGAIN
	}
}
