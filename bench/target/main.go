// Command target is the server that bench/compare.sh loads: GET / answers
// "ok" at once, GET /sleep?ms=N answers after sleeping N milliseconds, on
// a timer precise to microseconds on Linux (sleep_linux.go; add timer=go
// for Go's time.Sleep, which may end up to a millisecond late). It listens
// on loopback only and prints its base URL on the first line of stdout.
//
// With -tls it serves HTTPS instead, offering HTTP/2 and HTTP/1.1 through
// ALPN, with a throwaway self-signed certificate (ECDSA P-256, valid for
// 127.0.0.1, ::1 and localhost, for one day) made at start. The certificate
// and its key are written as cert.pem and key.pem into -cert-dir, or into a
// new temporary directory that is removed when the target stops; the second
// line of stdout is the path of cert.pem, for a client's CA file (apiload's
// --ca-cert):
//
//	target -tls
//	https://127.0.0.1:40123
//	/tmp/target-tls-123/cert.pem
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/apiload/apiload/internal/selfsigned"
)

func main() {
	os.Exit(run())
}

func run() int {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	useTLS := flag.Bool("tls", false, "serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with a throwaway self-signed certificate")
	certDir := flag.String("cert-dir", "", "with -tls: write cert.pem and key.pem here (default: a temporary directory removed at exit)")
	flag.Parse()
	if *certDir != "" && !*useTLS {
		fmt.Fprintln(os.Stderr, "target: -cert-dir needs -tls")
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		return 1
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "target: %s is not a loopback address\n", ip)
		return 2
	}
	srv := &http.Server{Handler: routes(), ReadHeaderTimeout: 10 * time.Second}
	scheme, certFile := "http", ""
	if *useTLS {
		dir := *certDir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "target-tls-"); err != nil {
				fmt.Fprintln(os.Stderr, "target:", err)
				return 1
			}
			defer os.RemoveAll(dir)
		}
		cert, err := selfSigned(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "target: -cert-dir %q: %v\n", dir, err)
			return 1
		}
		ln = withTLS(srv, ln, cert)
		scheme, certFile = "https", filepath.Join(dir, "cert.pem")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("%s://%s\n", scheme, ln.Addr())
	if certFile != "" {
		fmt.Println(certFile)
	}
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "target:", err)
		return 1
	}
	return 0
}

func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if err != nil || ms < 0 || ms > 10_000 {
			http.Error(w, "ms: want 0..10000", http.StatusBadRequest)
			return
		}
		if d := time.Duration(ms) * time.Millisecond; r.URL.Query().Get("timer") == "go" {
			time.Sleep(d) // as before round two: up to 1 ms late, by how requests arrive
		} else {
			sleep(d)
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
	return mux
}

// withTLS makes srv serve HTTP/2 and HTTP/1.1, chosen by ALPN, over TLS
// with cert, and returns ln wrapped to do the handshakes.
func withTLS(srv *http.Server, ln net.Listener, cert tls.Certificate) net.Listener {
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	return tls.NewListener(ln, srv.TLSConfig)
}

// selfSigned makes a fresh self-signed certificate for loopback, writes it
// and its key as cert.pem and key.pem into dir, and returns it. The
// certificate is its own CA, so a client can trust it with cert.pem alone.
func selfSigned(dir string) (tls.Certificate, error) {
	c, err := selfsigned.New("apiload bench target", 24*time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), c.CertPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), c.KeyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	return c.TLS, nil
}
