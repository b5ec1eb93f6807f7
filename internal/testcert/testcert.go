// Package testcert gives this module's tests throwaway TLS material: HTTPS
// servers on loopback (one that demands a client certificate included),
// client certificates, and PEM files of both for the CLIs' flags. Keys are
// made fresh for each test (ECDSA P-256, quick to generate); nothing is
// committed.
//
// It is a normal package so that tests in several packages can share it, but
// it is for tests only: only _test.go files import it, and it imports testing.
//
//	srv := testcert.NewServer(t, h, testcert.Options{HTTP2: true})
//	ca := testcert.ServerCAFile(t, srv) // for --ca-cert
//	cfg.TLS = &tls.Config{RootCAs: testcert.ServerPool(srv)}
package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apiload/apiload/internal/selfsigned"
)

// Options configures NewServer.
type Options struct {
	// HTTP2 offers HTTP/2 as well as HTTP/1.1.
	HTTP2 bool
	// ClientCA, when set, makes the server demand a client certificate
	// signed by it (tls.RequireAndVerifyClientCert).
	ClientCA *Client
}

// NewServer starts an HTTPS server for h on 127.0.0.1 with httptest's own
// self-signed certificate (valid for 127.0.0.1), closed when t ends.
func NewServer(t testing.TB, h http.Handler, o Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = o.HTTP2
	// Refused handshakes are what some tests are about: don't log them.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.ClientCA != nil {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: o.ClientCA.Pool()}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// ServerPool returns a pool holding srv's certificate, to trust it.
func ServerPool(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

// ServerCAFile writes srv's certificate as PEM into a new temporary file
// and returns its path, for --ca-cert.
func ServerCAFile(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	return WriteFile(t, "server-ca.pem", pemBlock("CERTIFICATE", srv.Certificate().Raw))
}

// Client is a self-signed client certificate and its key.
type Client struct {
	// CertPEM and KeyPEM are the certificate and its private key as PEM.
	CertPEM, KeyPEM []byte
	cert            *x509.Certificate
}

// NewClient makes a client certificate for common name cn, valid for an
// hour, that is its own CA.
func NewClient(t testing.TB, cn string) *Client {
	t.Helper()
	c, err := selfsigned.New(cn, time.Hour, x509.ExtKeyUsageClientAuth)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return &Client{CertPEM: c.CertPEM, KeyPEM: c.KeyPEM, cert: c.Leaf}
}

// Pool returns a pool holding c, for a server's ClientCAs.
func (c *Client) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.cert)
	return pool
}

// TLS returns c as a certificate to present, for tls.Config.Certificates.
func (c *Client) TLS(t testing.TB) tls.Certificate {
	t.Helper()
	cert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatalf("testcert: key pair: %v", err)
	}
	return cert
}

// Files writes c's certificate and key into a new temporary directory and
// returns their paths, for --client-cert and --client-key.
func (c *Client) Files(t testing.TB) (cert, key string) {
	t.Helper()
	return WriteFile(t, "client.pem", c.CertPEM), WriteFile(t, "client-key.pem", c.KeyPEM)
}

// WriteFile writes data to name in a new temporary directory and returns
// its path.
func WriteFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return path
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
