package engine

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apiload/apiload/internal/selfsigned"
)

// testCert returns a throwaway self-signed certificate for 127.0.0.1 and a
// pool that trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c, err := selfsigned.New("apiload test", time.Hour, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	require.NoError(t, err)
	return c.TLS, c.Pool()
}

// tlsServer is rawServer over TLS with conf: serve gets each connection
// once its handshake is done, and the https:// URL is returned. resumed
// counts the handshakes that resumed a session.
func tlsServer(t testing.TB, conf *tls.Config, resumed *atomic.Int64, serve func(c *tls.Conn, br *bufio.Reader)) string {
	t.Helper()
	u := rawServer(t, func(c net.Conn, _ *bufio.Reader) {
		tc := tls.Server(c, conf)
		if err := tc.Handshake(); err != nil {
			return
		}
		if tc.ConnectionState().DidResume && resumed != nil {
			resumed.Add(1)
		}
		serve(tc, bufio.NewReader(tc))
	})
	return "https" + strings.TrimPrefix(u, "http")
}

// closeIdleTLS is closeIdle over TLS: a close_notify alert, then the FIN.
func (sc *script) closeIdleTLS(tc *tls.Conn, br *bufio.Reader) {
	tc.CloseWrite()
	tcp := tc.NetConn().(*net.TCPConn)
	tcp.CloseWrite()
	if sc.lean {
		waitFINAcked(tcp)
	} else {
		io.Copy(io.Discard, br)
	}
	tcp.Close()
	sc.idleClosed <- struct{}{}
}

// TestHTTP_parityTLS runs the scripted servers of TestHTTP_parity that mean
// the same over TLS through the lean client over crypto/tls and through
// net/http's, and fails where either gets the outcome wrong or the two
// disagree on a status, a failure's kind, the body bytes or the
// connections opened (Metrics.Connections).
func TestHTTP_parityTLS(t *testing.T) {
	const tenMB = 10 << 20
	closeIdleAfter10ms := func(sc *script, c *tls.Conn, br *bufio.Reader) {
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, okResp)
		time.Sleep(10 * time.Millisecond)
		sc.closeIdleTLS(c, br)
	}
	plain := func(f func(*script, net.Conn, *bufio.Reader)) func(*script, *tls.Conn, *bufio.Reader) {
		return func(sc *script, c *tls.Conn, br *bufio.Reader) { f(sc, c, br) }
	}
	tests := []struct {
		name     string
		serve    func(sc *script, c *tls.Conn, br *bufio.Reader)
		method   string        // default GET
		body     string        // request body
		requests int64         // default 3
		timeout  time.Duration // default 30s
		gated    bool          // request n > 0 waits for sc.idleClosed
		untrust  bool          // the client is not given the server's certificate
		stall    bool          // the server reads the ClientHello and never answers it (serve is unused)
		want     parityOutcome
		conns    [2]int64 // connections opened by the lean client, by net/http's
	}{
		{name: "keep-alive with content-length", serve: plain(respondEach(okResp)),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{1, 1}},
		{name: "untrusted certificate", serve: plain(respondEach(okResp)), untrust: true, requests: 1,
			want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTransport}}, conns: [2]int64{1, 1}},

		// Hostile servers.
		{name: "never answers the ClientHello", stall: true, requests: 1, timeout: parityTimeo,
			want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTimeout}}, conns: [2]int64{1, 1}},
		{name: "accepts and never answers", serve: func(_ *script, c *tls.Conn, br *bufio.Reader) {
			io.Copy(io.Discard, br)
		}, requests: 1, timeout: parityTimeo,
			want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTimeout}}, conns: [2]int64{1, 1}},
		{name: "resets the connection mid-body", serve: func(_ *script, c *tls.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"+strings.Repeat("x", 100))
			tcp := c.NetConn().(*net.TCPConn)
			waitPeerAcked(tcp) // the 100 bytes are the client's before the reset
			tcp.SetLinger(0)
			tcp.Close()
		}, requests: 2,
			want:  parityOutcome{Status: map[int]int64{200: 2}, Kinds: []string{KindTransport, KindTransport}, BytesIn: 200},
			conns: [2]int64{2, 2}},
		{name: "answers with invalid HTTP", serve: plain(respondThenClose(1, "SPDY/9 what\r\n\r\n", "")), requests: 2,
			want:  parityOutcome{Status: map[int]int64{0: 2}, Kinds: []string{KindTransport, KindTransport}},
			conns: [2]int64{2, 2}},
		{name: "sends a 10 MB body", serve: plain(hugeBody(tenMB)), requests: 1,
			want: parityOutcome{Status: map[int]int64{200: 1}, BytesIn: tenMB}, conns: [2]int64{1, 1}},
		{name: "closes after every response without Connection: close", serve: plain(respondThenClose(1, okResp, "")), requests: 5,
			want: parityOutcome{Status: map[int]int64{200: 5}, BytesIn: 10}, conns: [2]int64{5, 5}},

		// Connection reuse.
		{name: "closes the idle connection after 10ms, GET", serve: closeIdleAfter10ms, requests: 2, gated: true,
			want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 4}, conns: [2]int64{2, 2}},
		{name: "closes the idle connection after 10ms, POST", serve: closeIdleAfter10ms,
			method: http.MethodPost, body: `{"a":1}`, requests: 2, gated: true,
			want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 4}, conns: [2]int64{2, 2}},
		{name: "POST with a 1 MiB body", serve: plain(respondEach(okResp)), method: http.MethodPost,
			body: strings.Repeat("p", 1<<20), requests: 2,
			want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 4}, conns: [2]int64{1, 1}},
		{name: "keep-alive limit of 3 requests, the last saying Connection: close",
			serve:    plain(respondThenClose(3, okResp, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")),
			requests: 7, want: parityOutcome{Status: map[int]int64{200: 7}, BytesIn: 14}, conns: [2]int64{3, 3}},
		{name: "half-closes with the response's last bytes", serve: func(_ *script, c *tls.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, okResp); err != nil {
				return
			}
			c.CloseWrite()
			c.NetConn().(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, br) // until the client closes
		}, want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{3, 3}},
		{name: "keep-alive limit of 3 requests, closed without a word", serve: plain(respondThenClose(3, okResp, "")),
			requests: 7, want: parityOutcome{Status: map[int]int64{200: 7}, BytesIn: 14}, conns: [2]int64{3, 3}},

		// Framing, one case: the parser is the plain client's.
		{name: "chunked with extensions and trailers",
			serve: plain(respondEach("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"4;ext=1\r\nabcd\r\nA;name=\"quoted\"\r\n0123456789\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n")),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 42}, conns: [2]int64{1, 1}},
	}
	cert, pool := testCert(t)
	serverConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	clients := []struct {
		name    string
		lean    bool
		netHTTP bool
	}{
		{"lean", true, false},
		{"net/http", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2]parityOutcome
			for i, cl := range clients {
				t.Run(cl.name, func(t *testing.T) {
					t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) }) // runs last
					sc := &script{lean: cl.lean, idleClosed: make(chan struct{}, 16)}
					base := tlsServer(t, serverConf, nil, func(c *tls.Conn, br *bufio.Reader) { tt.serve(sc, c, br) })
					if tt.stall {
						base = "https" + strings.TrimPrefix(rawServer(t, func(_ net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) }), "http")
					}
					u, err := url.Parse(base)
					require.NoError(t, err)
					conf := &tls.Config{RootCAs: pool}
					if tt.untrust {
						conf = &tls.Config{RootCAs: x509.NewCertPool()}
					}
					tr := NewHTTP(HTTPOptions{Conns: 1, TLS: conf, NetHTTP: cl.netHTTP})
					h1 := tr.NewSender().(*httpSender).h1
					require.Equal(t, cl.lean, h1 != nil && h1.target(u), "goes through the lean client")
					p := Plan{Method: tt.method, URL: u, Requests: tt.requests, Clients: 1, Timeout: tt.timeout, Transport: tr}
					got[i] = runParity(t, p, tt.body, tt.gated, sc, tt.want, tt.conns[i])
				})
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("the clients disagree (-lean +net/http):\n%s", diff)
			}
		})
	}
}

// TestHTTP_leanTLS checks that the lean client presents the client
// certificate of its TLS settings when the server asks for one, fails
// without one as net/http does, and that its re-dialled connections resume
// their TLS session.
func TestHTTP_leanTLS(t *testing.T) {
	cert, pool := testCert(t)
	tests := []struct {
		name        string
		clientCert  bool
		wantStatus  map[int]int64
		wantResumed int64
		wantErr     string // in every failure's message
	}{
		{name: "with a client certificate", clientCert: true, wantStatus: map[int]int64{200: 4}, wantResumed: 3},
		{name: "without the client certificate asked for", wantStatus: map[int]int64{0: 4}, wantErr: "tls: certificate required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resumed atomic.Int64
			serverConf := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
			u, err := url.Parse(tlsServer(t, serverConf, &resumed, func(c *tls.Conn, br *bufio.Reader) {
				respondThenClose(1, okResp, "")(nil, c, br) // a new connection, and handshake, per request
			}))
			require.NoError(t, err)
			conf := &tls.Config{RootCAs: pool}
			if tt.clientCert {
				conf.Certificates = []tls.Certificate{cert}
			}
			tr := NewHTTP(HTTPOptions{Conns: 1, TLS: conf})
			require.True(t, tr.NewSender().(*httpSender).h1.target(u), "goes through the lean client")
			rep, err := Run(t.Context(), Plan{Method: http.MethodGet, URL: u, Requests: 4, Clients: 1, Timeout: 30 * time.Second, Transport: tr})
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, rep.Status)
			assert.Equal(t, int64(4), rep.Connections, "connections opened")
			assert.Equal(t, tt.wantResumed, resumed.Load(), "handshakes that resumed a session")
			for _, e := range rep.Errors {
				assert.Contains(t, e.Message, tt.wantErr)
			}
		})
	}
}

// TestH1Sender_switchesScheme sends through one lean sender to a plain
// server, a TLS server and the plain one again: each switch must dial anew
// with the right settings, never reuse the other's connection.
func TestH1Sender_switchesScheme(t *testing.T) {
	cert, pool := testCert(t)
	plain := rawServer(t, func(c net.Conn, br *bufio.Reader) { respondEach(okResp)(nil, c, br) })
	secure := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}}, nil, func(c *tls.Conn, br *bufio.Reader) {
		respondEach("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")(nil, c, br)
	})
	tr := NewHTTP(HTTPOptions{Conns: 1, TLS: &tls.Config{RootCAs: pool}})
	t.Cleanup(tr.CloseIdle)
	s := tr.NewSender()
	tests := []struct {
		url  string
		want string
	}{
		{plain, "ok"},
		{secure, "secure"},
		{secure, "secure"},
		{plain, "ok"},
		{secure, "secure"},
	}
	for i, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
		require.NoError(t, err)
		var out Outcome
		require.NoError(t, s.Send(req, &out), "request %d to %s", i, tt.url)
		assert.Equal(t, 200, out.Status, "request %d", i)
		assert.Equal(t, tt.want, string(out.Body), "request %d", i)
	}
	assert.Equal(t, int64(4), tr.(connCounter).connections(), "connections: one per switch, the repeated https request reuses its own")
}
