package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"time"
)

// The lean HTTP/1.1 client over crypto/tls, for https:// targets when
// HTTP/2 is not offered and no Transport of the caller's is set.
//
// A tls.Conn runs over a tlsSock, which holds the records the tls.Conn
// writes until its next read. That read then goes through the connection's
// connIO like a plain request: one write(2) of the request's records, a
// wait for the socket to become readable and one read(2), with no read
// that fails with EAGAIN first; the client's last handshake flight goes out
// in the same write as the first request. An idle connection is checked
// the plain way, by peeking at the TCP socket under the TLS stream before
// the request is written: a close_notify alert, the FIN or any other byte
// nobody asked for means the server closed it (or is out of step), and the
// request goes on a new connection, nothing written. tlsIO also remembers
// a close_notify that crypto/tls read with a response's last record. A
// post-handshake message that a server sends to an idle connection (a late
// session ticket, a key update) reads as such bytes too: it costs a new
// connection, never a failure.
//
// Every sender of a transport shares one client session cache, so a
// re-dialled connection resumes its TLS session (one round trip, no
// certificate verification) instead of a full handshake.

// h1IO is how the lean client writes a request and reads its response on
// one connection: connIO on a plain socket, tlsIO over crypto/tls.
type h1IO interface {
	io.Reader
	// send arranges for wire to be written before the next Read. With
	// idle set, the connection has carried a response and sat idle since:
	// the Read first checks it is still open, and fails with
	// errIdleClosed, nothing written, when it is not.
	send(wire []byte, idle bool) error
}

// errTLSHandshakeTimeout is a handshake that did not finish within
// h1HandshakeTimeout (or the request's deadline), in net/http's words.
var errTLSHandshakeTimeout = errors.New("TLS handshake timeout")

// h1HandshakeTimeout bounds a TLS handshake, as net/http's
// TLSHandshakeTimeout does in the transport NewHTTP builds.
const h1HandshakeTimeout = 10 * time.Second

// leanTLSConfig returns the configuration of the lean client's https://
// connections: a clone of c (nil means Go's defaults) offering HTTP/1.1
// only, with a client session cache of its own when c has none. conns
// sizes the cache. c is never modified. A c with VerifyPeerCertificate gets
// no cache: crypto/tls does not call it on a resumed session, and the
// caller asked for it on every connection (net/http adds no cache either).
func leanTLSConfig(c *tls.Config, conns int) *tls.Config {
	c = tlsConfig(c, false)
	if c == nil {
		c = &tls.Config{}
	}
	if c.ClientSessionCache == nil && c.VerifyPeerCertificate == nil {
		c.ClientSessionCache = tls.NewLRUClientSessionCache(max(conns, 64))
	}
	return c
}

// defaultPort is the port of a URL of scheme that names none.
func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// prepareTLS readies the TLS configuration of u's connections (none for
// http://). It reports whether that changed, so that a connection made
// under the old one must not be reused.
func (s *h1Sender) prepareTLS(u *url.URL) (changed bool) {
	if u.Scheme != "https" {
		changed = s.tlsConf != nil
		s.tlsConf = nil
		return changed
	}
	name := u.Hostname()
	if s.tlsConf != nil && s.tlsName == name {
		return false
	}
	c := s.tlsBase.Clone() // shares the session cache
	if c.ServerName == "" {
		c.ServerName = name // as net/http does; an IP address is verified, not sent
	}
	s.tlsConf, s.tlsName = c, name
	return true
}

// newIO returns the reader and writer of c, a connection just dialled: a
// connIO, or for https:// a tlsIO once the handshake is done. The
// handshake is bounded by h1HandshakeTimeout and ctx's deadline, through
// c's deadline, which it leaves set (and s.deadline saying so) for do to
// move.
func (s *h1Sender) newIO(ctx context.Context, c net.Conn) (h1IO, error) {
	if s.tlsConf == nil {
		return newConnIO(c), nil
	}
	d := time.Now().Add(h1HandshakeTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	s.deadline = d
	c.SetDeadline(d)
	sock := &tlsSock{Conn: c, cio: newConnIO(c)}
	tc := tls.Client(sock, s.tlsConf)
	if err := tc.Handshake(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errTLSHandshakeTimeout
		}
		return nil, err // crypto/tls's errors say "tls:", as net/http's client shows them
	}
	return &tlsIO{tc: tc, sock: sock}, nil
}

// tlsIO is the lean client's reader and writer for a TLS connection.
type tlsIO struct {
	tc   *tls.Conn
	sock *tlsSock
	// err is what tc's last Read returned with or instead of data: io.EOF
	// when the server's close_notify came with a response's last record.
	err error
	// idle says the request being sent went on a connection that sat idle.
	idle bool
}

func (t *tlsIO) send(wire []byte, idle bool) error {
	if idle && t.err != nil {
		return errIdleClosed
	}
	t.sock.check, t.sock.tried = idle, false
	t.idle = idle
	// tc writes to sock, which keeps the records for the next Read: this
	// fails only when tc already has (a closed or broken connection).
	if _, err := t.tc.Write(wire); err != nil {
		return &nothingWrittenError{err}
	}
	return nil
}

func (t *tlsIO) Read(p []byte) (int, error) {
	n, err := t.tc.Read(p)
	if t.idle && !t.sock.tried && (n > 0 || err != nil) {
		// tc answered from records it had already read from the socket
		// with the last response (a TCP read takes every record waiting):
		// bytes nobody asked for, and the request, still in sock.out, was
		// never sent. The connection is out of step, like a plain one with
		// bytes buffered after a response.
		t.sock.out = t.sock.out[:0]
		t.err = errIdleClosed
		return 0, errIdleClosed
	}
	if err != nil {
		t.err = err
	}
	return n, err
}

// tlsSock is the TCP connection under a tls.Conn. Writes are kept until
// the next Read, which sends them through cio, peeking first when check
// is set (connIO.send).
type tlsSock struct {
	net.Conn // the TCP connection: deadlines, addresses, Close
	cio      *connIO
	out      []byte // records written since the last Read
	check    bool   // the connection was idle: peek before writing out
	tried    bool   // Read was called since the request was sent (tlsIO.send)
}

func (s *tlsSock) Write(p []byte) (int, error) {
	s.out = append(s.out, p...)
	return len(p), nil
}

func (s *tlsSock) Read(p []byte) (int, error) {
	s.tried = true
	if len(s.out) > 0 {
		err := s.cio.send(s.out, s.check)
		s.check = false
		if err != nil {
			s.out = s.out[:0]
			return 0, err
		}
	}
	n, err := s.cio.Read(p)
	s.out = s.out[:0]
	return n, err
}
