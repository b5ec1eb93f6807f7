package engine

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP_leanTLSVerifyPeerCertificate: a Config.TLS with
// VerifyPeerCertificate has it called on every connection the lean client
// makes, as net/http does: no session cache is added for it, since a
// resumed session skips the callback.
func TestHTTP_leanTLSVerifyPeerCertificate(t *testing.T) {
	cert, pool := testCert(t)
	var resumed atomic.Int64
	serverConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	base := tlsServer(t, serverConf, &resumed, func(c *tls.Conn, br *bufio.Reader) {
		respondThenClose(1, okResp, "")(nil, net.Conn(c), br) // one response per connection
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	var calls atomic.Int64
	conf := &tls.Config{RootCAs: pool, VerifyPeerCertificate: func([][]byte, [][]*x509.Certificate) error {
		calls.Add(1)
		return nil
	}}
	tr := NewHTTP(HTTPOptions{Conns: 1, TLS: conf})
	require.True(t, tr.NewSender().(*httpSender).h1.target(u), "goes through the lean client")
	rep, err := Run(t.Context(), Plan{Method: "GET", URL: u, Requests: 3, Clients: 1, Timeout: 30 * time.Second, Transport: tr})
	require.NoError(t, err)
	assert.Equal(t, map[int]int64{200: 3}, rep.Status, "errors: %+v", rep.Errors)
	assert.Equal(t, int64(3), rep.Connections, "connections opened")
	assert.Equal(t, int64(3), calls.Load(), "VerifyPeerCertificate calls")
	assert.Zero(t, resumed.Load(), "sessions resumed")
}
