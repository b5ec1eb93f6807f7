package selfsigned

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNew_handshake checks that a server presenting a new certificate is
// trusted by a client holding only that certificate, for 127.0.0.1, and
// that a client certificate made the same way is accepted by a server that
// trusts it.
func TestNew_handshake(t *testing.T) {
	server, err := New("server", time.Hour, x509.ExtKeyUsageServerAuth)
	require.NoError(t, err)
	client, err := New("client", time.Hour, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	assert.Equal(t, "server", server.Leaf.Subject.CommonName)
	assert.Empty(t, client.Leaf.IPAddresses, "a client certificate names no address")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	serverConf := &tls.Config{Certificates: []tls.Certificate{server.TLS},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: client.Pool()}
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		tc := tls.Server(c, serverConf)
		defer tc.Close()
		if err := tc.Handshake(); err != nil {
			done <- err
			return
		}
		_, err = io.WriteString(tc, "ok")
		done <- err
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: server.Pool(), Certificates: []tls.Certificate{client.TLS}})
	require.NoError(t, err, "the client trusts the server's certificate for 127.0.0.1")
	defer conn.Close()
	got, err := io.ReadAll(conn)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(got))
	assert.NoError(t, <-done, "the server accepts the client certificate")
}
