package engine

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP_nginx loads a real nginx (Debian's) through both clients, over
// plain http and over TLS (OpenSSL's, which closes an idle connection with
// a close_notify and sends session tickets): a closed-model GET run long
// enough to meet its keep-alive request limit, and an open-model POST run
// slower than its keep-alive timeout, so every request meets a connection
// nginx closed while idle. Neither may count a failure that is the
// client's own.
func TestHTTP_nginx(t *testing.T) {
	plain, secure, pool := startNginx(t)
	tlsConf := &tls.Config{RootCAs: pool}
	clients := []struct {
		name      string
		base      *url.URL
		transport func(conns int) Transport
	}{
		{"lean", plain, HTTP},
		{"net/http", plain, NetHTTP},
		{"lean over TLS", secure, func(conns int) Transport { return NewHTTP(HTTPOptions{Conns: conns, TLS: tlsConf}) }},
		{"net/http over TLS", secure, func(conns int) Transport {
			return NewHTTP(HTTPOptions{Conns: conns, TLS: tlsConf, NetHTTP: true})
		}},
	}
	for _, cl := range clients {
		base := cl.base
		t.Run(cl.name, func(t *testing.T) {
			t.Parallel() // the open-model runs mostly wait: let both wait at once
			t.Run("closed-model GET past keepalive_requests", func(t *testing.T) {
				rep, err := Run(t.Context(), Plan{Method: http.MethodGet, URL: base, Requests: 300, Clients: 4,
					Timeout: 10 * time.Second, Transport: cl.transport(4)})
				require.NoError(t, err)
				assert.Equal(t, map[int]int64{200: 300}, rep.Status, "errors: %+v", rep.Errors)
				assert.Zero(t, rep.Failed)
				// 100 requests per connection at most: at least 3 connections.
				assert.GreaterOrEqual(t, rep.Connections, int64(3))
			})
			t.Run("open-model POST slower than keepalive_timeout", func(t *testing.T) {
				// 0.7/s: each request comes 1.43s after the last, 0.43s after
				// nginx closed the connection it left idle.
				rep, err := Run(t.Context(), Plan{Method: http.MethodPost, URL: base, Body: []byte(`{"a":1}`),
					Requests: 3, Rate: 0.7, Clients: 1, Timeout: 10 * time.Second, Transport: cl.transport(1)})
				require.NoError(t, err)
				assert.Equal(t, map[int]int64{200: 3}, rep.Status, "errors: %+v", rep.Errors)
				assert.Zero(t, rep.Failed)
				assert.GreaterOrEqual(t, rep.Connections, int64(2), "nginx closed no idle connection: the test proves nothing")
			})
		})
	}
}

// nginxPath returns Debian's nginx, or skips the test without it; under
// CI (CI=true) a missing nginx fails the test instead.
func nginxPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx" // not on a user's PATH
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no nginx: the HTTP client's integration test needs Debian's nginx package (.ci/run installs it)")
	}
	t.Skip("no nginx on PATH or in /usr/sbin: install Debian's nginx package to run this test")
	return ""
}

// nginxConf is the test's whole nginx configuration: one process in the
// foreground, everything it writes in a temporary directory, and a
// location answering 200 to any method.
const nginxConf = `daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/client_body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	keepalive_requests 100;
	keepalive_timeout 1s;
	server {
		listen 127.0.0.1:%[2]d;
		location / {
			default_type text/plain;
			return 200 "ok\n";
		}
	}
	server {
		listen 127.0.0.1:%[3]d ssl;
		ssl_certificate %[1]s/cert.pem;
		ssl_certificate_key %[1]s/key.pem;
		location / {
			default_type text/plain;
			return 200 "ok\n";
		}
	}
}
`

// startNginx runs nginx on two free loopback ports until the test ends and
// returns its http:// and https:// URLs and a pool that trusts the latter's
// throwaway certificate. Ports taken between choosing and binding them are
// tried again with others.
func startNginx(t *testing.T) (plain, secure *url.URL, pool *x509.CertPool) {
	t.Helper()
	bin := nginxPath(t)
	dir := t.TempDir()
	cert, pool := testCert(t)
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600))
	for attempt := 0; ; attempt++ {
		port, tlsPort := freePort(t), freePort(t)
		conf := filepath.Join(dir, "nginx.conf")
		require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, port, tlsPort), 0o600))
		var out bytes.Buffer
		cmd := exec.Command(bin, "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", conf)
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		tlsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
		if waitListening(addr, exited) && waitListening(tlsAddr, exited) {
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGTERM) // fast shutdown
				<-exited
			})
			return &url.URL{Scheme: "http", Host: addr, Path: "/health"}, &url.URL{Scheme: "https", Host: tlsAddr, Path: "/health"}, pool
		}
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		if attempt == 2 {
			t.Fatalf("nginx did not start: %s\n%s", out.Bytes(), log)
		}
		t.Logf("nginx did not start on port %d, trying another: %s", port, log)
	}
}

// waitListening waits until addr accepts connections (true) or the
// process ends (false).
func waitListening(addr string, exited <-chan struct{}) bool {
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
