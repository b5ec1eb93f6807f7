package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestSelfSigned checks that the certificate -tls writes is trusted, with
// cert.pem alone as the CA, for every loopback name, and that its key file
// is private.
func TestSelfSigned(t *testing.T) {
	dir := t.TempDir()
	cert, err := selfSigned(dir)
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes), "cert.pem holds no certificate")
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	require.NoError(t, err)

	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		t.Run(name, func(t *testing.T) {
			_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name})
			assert.NoError(t, err)
		})
	}
	info, err := os.Stat(filepath.Join(dir, "key.pem"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "key.pem's mode")
}

// TestTLSProtocols serves routes() as -tls does and checks
// that a client offering h2 gets HTTP/2 and one offering only HTTP/1.1 gets
// HTTP/1.1, both trusting cert.pem.
func TestTLSProtocols(t *testing.T) {
	dir := t.TempDir()
	cert, err := selfSigned(dir)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: routes()}
	ln = withTLS(srv, ln, cert)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		assert.ErrorIs(t, <-served, http.ErrServerClosed)
	})
	url := "https://" + ln.Addr().String() + "/"
	pemBytes, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))

	tests := []struct {
		name  string
		http2 bool
		want  string
	}{
		{name: "http1", http2: false, want: "HTTP/1.1"},
		{name: "h2", http2: true, want: "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			protos := new(http.Protocols)
			protos.SetHTTP1(true)
			protos.SetHTTP2(tt.http2)
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: protos}
			t.Cleanup(tr.CloseIdleConnections)
			resp, err := (&http.Client{Transport: tr}).Get(url)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Proto)
			assert.Equal(t, "ok", string(body))
		})
	}
}

// TestSleepRoute checks that GET /sleep answers "ok" no sooner than it was
// asked to sleep, on the precise timer and on Go's (timer=go), and rejects
// a bad ms.
func TestSleepRoute(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		wantStatus int
		minElapsed time.Duration
	}{
		{name: "precise timer", query: "ms=3", wantStatus: http.StatusOK, minElapsed: 3 * time.Millisecond},
		{name: "Go's timer", query: "ms=3&timer=go", wantStatus: http.StatusOK, minElapsed: 3 * time.Millisecond},
		{name: "zero", query: "ms=0", wantStatus: http.StatusOK},
		{name: "negative", query: "ms=-1", wantStatus: http.StatusBadRequest},
		{name: "not a number", query: "ms=ten", wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			start := time.Now()
			routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sleep?"+tt.query, nil))
			elapsed := time.Since(start)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.GreaterOrEqual(t, elapsed, tt.minElapsed, "a timer never fires early")
			if tt.wantStatus == http.StatusOK {
				assert.Equal(t, "ok", rec.Body.String())
			}
		})
	}
}
