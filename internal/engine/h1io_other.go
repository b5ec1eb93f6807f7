//go:build !unix

package engine

import "net"

// connIO is the lean client's reader for one connection: here, net.Conn's.
type connIO struct{ conn net.Conn }

func newConnIO(c net.Conn) *connIO { return &connIO{conn: c} }

// send writes the request.
func (c *connIO) send(wire []byte) error {
	_, err := c.conn.Write(wire)
	return err
}

func (c *connIO) Read(p []byte) (int, error) { return c.conn.Read(p) }
