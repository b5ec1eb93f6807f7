//go:build !unix

package engine

import "net"

// connIO is the lean client's reader for one connection: here, net.Conn's.
type connIO struct{ conn net.Conn }

func newConnIO(c net.Conn) *connIO { return &connIO{conn: c} }

// send writes the request. Without a descriptor to peek at, an idle
// connection is not checked first; the caller's retry rule still applies.
func (c *connIO) send(wire []byte, idle bool) error {
	n, err := c.conn.Write(wire)
	if err != nil && n == 0 {
		return &nothingWrittenError{err}
	}
	return err
}

func (c *connIO) Read(p []byte) (int, error) { return c.conn.Read(p) }
