package engine

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestHTTP_leanTLSHeldRecords checks the idle check of the lean client over
// TLS when the bytes nobody asked for are already inside the tls.Conn: the
// server sends each response and then a stray one as two TLS records in one
// TCP segment (TCP_CORK), so the client's read of the first takes both, and
// the second is in crypto/tls's buffer, where neither the socket peek nor
// the bufio.Reader sees it. Each next request must go on a new connection,
// never be answered by the stray record. (net/http's client is left out:
// its background reader sees the stray response or not depending on when
// it runs, and then either drops the connection or takes the stray
// response for the next request's.)
func TestHTTP_leanTLSHeldRecords(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) }) // runs last
	cert, pool := testCert(t)
	conf := &tls.Config{Certificates: []tls.Certificate{cert}}
	const stray = "HTTP/1.1 299 stale\r\nContent-Length: 5\r\n\r\nstale"
	base := tlsServer(t, conf, nil, func(tc *tls.Conn, br *bufio.Reader) {
		raw, err := tc.NetConn().(*net.TCPConn).SyscallConn()
		if err != nil {
			return
		}
		cork := func(on int) {
			raw.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, on) })
		}
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			cork(1)
			io.WriteString(tc, okResp) // one record
			io.WriteString(tc, stray)  // another
			cork(0)                    // both leave in one segment
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	tr := NewHTTP(HTTPOptions{Conns: 1, TLS: &tls.Config{RootCAs: pool}})
	require.True(t, tr.NewSender().(*httpSender).h1.target(u), "goes through the lean client")
	rep, err := Run(t.Context(), Plan{Method: "GET", URL: u, Requests: 3, Clients: 1, Timeout: 30 * time.Second, Transport: tr})
	require.NoError(t, err)
	assert.Equal(t, map[int]int64{200: 3}, rep.Status, "errors: %+v", rep.Errors)
	assert.Equal(t, int64(3), rep.Connections, "connections opened")
}
