package engine

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// script is what a scripted server shares with the test.
type script struct {
	// lean is true when the client under test is the lean one, which
	// looks at an idle connection only when it next uses it; net/http's
	// notices a close at once and closes its end.
	lean bool
	// idleClosed is signalled by a server that closed an idle connection,
	// once the client has seen the close (see closeIdle).
	idleClosed chan struct{}
}

// closeIdle closes c, on which the client is idle, and signals
// sc.idleClosed once the client has seen it: for the lean client, once its
// kernel acknowledged the FIN (its socket reads end of file); for net/http,
// once it closed its end in turn.
func (sc *script) closeIdle(c net.Conn, br *bufio.Reader) {
	c.(*net.TCPConn).CloseWrite()
	if sc.lean {
		waitFINAcked(c)
	} else {
		io.Copy(io.Discard, br)
	}
	c.Close()
	sc.idleClosed <- struct{}{}
}

// parityOutcome is what both clients must agree on.
type parityOutcome struct {
	Status  map[int]int64
	Kinds   []string // failure kinds, sorted
	BytesIn int64
}

// respondEach answers every request on the connection with resp.
func respondEach(resp string) func(*script, net.Conn, *bufio.Reader) {
	return func(_ *script, c net.Conn, br *bufio.Reader) {
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, resp); err != nil {
				return
			}
		}
	}
}

// respondThenClose answers k requests with resp, then closes the
// connection; last, when set, replaces resp on the k-th answer.
func respondThenClose(k int, resp, last string) func(*script, net.Conn, *bufio.Reader) {
	return func(_ *script, c net.Conn, br *bufio.Reader) {
		for i := 1; i <= k; i++ {
			if _, err := readRequest(br); err != nil {
				return
			}
			r := resp
			if i == k && last != "" {
				r = last
			}
			if _, err := io.WriteString(c, r); err != nil {
				return
			}
		}
	}
}

// hugeBody sends a response with a body of n bytes from a small buffer.
func hugeBody(n int64) func(*script, net.Conn, *bufio.Reader) {
	return func(_ *script, c net.Conn, br *bufio.Reader) {
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.FormatInt(n, 10)+"\r\n\r\n")
			for left := n; left > 0; {
				k := min(left, int64(len(chunk)))
				if _, err := c.Write(chunk[:k]); err != nil {
					return
				}
				left -= k
			}
		}
	}
}

const (
	okResp      = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	parityTimeo = 300 * time.Millisecond
)

// TestHTTP_parity runs one table of raw-TCP servers, the well-behaved,
// the odd and the hostile, through the lean HTTP/1.1 client and net/http's,
// and fails where either gets the outcome wrong or the two disagree on a
// status, a failure's kind or the body bytes counted. Each client sends the
// case's requests one at a time on one connection at most, so the
// connections each opens are exact too.
func TestHTTP_parity(t *testing.T) {
	const hundredMB = 100 << 20
	bigHeader := func(n int) string { return "X-Big: " + strings.Repeat("b", n) + "\r\n" }
	tests := []struct {
		name     string
		serve    func(sc *script, c net.Conn, br *bufio.Reader)
		method   string        // default GET
		body     string        // request body
		requests int64         // default 3
		timeout  time.Duration // default 30s
		gated    bool          // request n > 0 waits for sc.idleClosed
		want     parityOutcome
		conns    [2]int64 // connections opened by the lean client, by net/http's
	}{
		{name: "keep-alive with content-length", serve: respondEach(okResp),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{1, 1}},

		// Hostile servers.
		{name: "drips its headers one byte per 100ms", serve: func(_ *script, c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			for _, b := range []byte(okResp) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}, requests: 1, timeout: parityTimeo,
			want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTimeout}}, conns: [2]int64{1, 1}},
		{name: "accepts and never answers", serve: func(_ *script, c net.Conn, br *bufio.Reader) {
			io.Copy(io.Discard, br)
		}, requests: 1, timeout: parityTimeo,
			want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTimeout}}, conns: [2]int64{1, 1}},
		{name: "resets the connection mid-body", serve: func(_ *script, c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"+strings.Repeat("x", 100))
			waitPeerAcked(c) // the 100 bytes are the client's before the reset
			c.(*net.TCPConn).SetLinger(0)
		}, requests: 2,
			want:  parityOutcome{Status: map[int]int64{200: 2}, Kinds: []string{KindTransport, KindTransport}, BytesIn: 200},
			conns: [2]int64{2, 2}},
		{name: "answers with invalid HTTP", serve: respondThenClose(1, "SPDY/9 what\r\n\r\n", ""), requests: 2,
			want:  parityOutcome{Status: map[int]int64{0: 2}, Kinds: []string{KindTransport, KindTransport}},
			conns: [2]int64{2, 2}},
		{name: "sends a 100 MB body", serve: hugeBody(hundredMB), requests: 1,
			want: parityOutcome{Status: map[int]int64{200: 1}, BytesIn: hundredMB}, conns: [2]int64{1, 1}},
		{name: "closes after every response without Connection: close", serve: respondThenClose(1, okResp, ""), requests: 5,
			want: parityOutcome{Status: map[int]int64{200: 5}, BytesIn: 10}, conns: [2]int64{5, 5}},

		// Connection reuse.
		{name: "closes the idle connection after 10ms, GET", serve: func(sc *script, c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, okResp)
			time.Sleep(10 * time.Millisecond)
			sc.closeIdle(c, br)
		}, requests: 2, gated: true,
			want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 4}, conns: [2]int64{2, 2}},
		{name: "closes the idle connection after 10ms, POST", serve: func(sc *script, c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, okResp)
			time.Sleep(10 * time.Millisecond)
			sc.closeIdle(c, br)
		}, method: http.MethodPost, body: `{"a":1}`, requests: 2, gated: true,
			want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 4}, conns: [2]int64{2, 2}},
		{name: "keep-alive limit of 3 requests, the last saying Connection: close",
			serve:    respondThenClose(3, okResp, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
			requests: 7, want: parityOutcome{Status: map[int]int64{200: 7}, BytesIn: 14}, conns: [2]int64{3, 3}},
		{name: "half-closes with the response's last bytes", serve: func(_ *script, c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, okResp); err != nil {
				return
			}
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, br) // until the client closes
		}, want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{3, 3}},
		{name: "keep-alive limit of 3 requests, closed without a word", serve: respondThenClose(3, okResp, ""),
			requests: 7, want: parityOutcome{Status: map[int]int64{200: 7}, BytesIn: 14}, conns: [2]int64{3, 3}},

		// Framing.
		{name: "100 Continue and 103 Early Hints before the response",
			serve: respondEach("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
				"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade"),
			want: parityOutcome{Status: map[int]int64{201: 3}, BytesIn: 12}, conns: [2]int64{1, 1}},
		{name: "HEAD with a Content-Length and no body", method: http.MethodHead,
			serve: respondEach("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
			want:  parityOutcome{Status: map[int]int64{200: 3}}, conns: [2]int64{1, 1}},
		{name: "204 without a body", serve: respondEach("HTTP/1.1 204 No Content\r\n\r\n"),
			want: parityOutcome{Status: map[int]int64{204: 3}}, conns: [2]int64{1, 1}},
		{name: "304 with a Content-Length and no body", serve: respondEach("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"),
			want: parityOutcome{Status: map[int]int64{304: 3}}, conns: [2]int64{1, 1}},
		{name: "chunked with extensions and trailers",
			serve: respondEach("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"4;ext=1\r\nabcd\r\nA;name=\"quoted\"\r\n0123456789\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 42}, conns: [2]int64{1, 1}},
		{name: "HTTP/1.0 response, then close", serve: respondThenClose(1, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", ""),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 9}, conns: [2]int64{3, 3}},
		{name: "HTTP/1.0 body delimited by close", serve: respondThenClose(1, "HTTP/1.0 200 OK\r\n\r\nuntil the end", ""),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 39}, conns: [2]int64{3, 3}},
		{name: "HTTP/1.0 with keep-alive", serve: respondEach("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc"),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 9}, conns: [2]int64{1, 1}},
		{name: "a 20 KB header line", serve: respondEach("HTTP/1.1 200 OK\r\n" + bigHeader(20_000) + "Content-Length: 2\r\n\r\nok"),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{1, 1}},
		{name: "a 900 KB header line", serve: respondEach("HTTP/1.1 200 OK\r\n" + bigHeader(900_000) + "Content-Length: 2\r\n\r\nok"),
			want: parityOutcome{Status: map[int]int64{200: 3}, BytesIn: 6}, conns: [2]int64{1, 1}},
		{name: "2 MiB of headers", serve: respondEach("HTTP/1.1 200 OK\r\n" + strings.Repeat(bigHeader(1000), 2100) + "Content-Length: 2\r\n\r\nok"),
			requests: 1, want: parityOutcome{Status: map[int]int64{0: 1}, Kinds: []string{KindTransport}}, conns: [2]int64{1, 1}},
		// net/http drops the Content-Length before anyone sees it, so only
		// the lean client can close the connection afterwards.
		{name: "Content-Length and chunked: read as chunked",
			serve:    respondEach("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
			requests: 2, want: parityOutcome{Status: map[int]int64{200: 2}, BytesIn: 6}, conns: [2]int64{2, 1}},
	}
	clients := []struct {
		name      string
		lean      bool
		transport func() Transport
	}{
		{"lean", true, func() Transport { return HTTP(1) }},
		{"net/http", false, func() Transport { return NetHTTP(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2]parityOutcome
			for i, cl := range clients {
				t.Run(cl.name, func(t *testing.T) {
					t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) }) // runs last
					sc := &script{lean: cl.lean, idleClosed: make(chan struct{}, 16)}
					u, err := url.Parse(rawServer(t, func(c net.Conn, br *bufio.Reader) { tt.serve(sc, c, br) }))
					require.NoError(t, err)
					p := Plan{Method: tt.method, URL: u, Requests: tt.requests, Clients: 1, Timeout: tt.timeout, Transport: cl.transport()}
					got[i] = runParity(t, p, tt.body, tt.gated, sc, tt.want, tt.conns[i])
				})
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("the clients disagree (-lean +net/http):\n%s", diff)
			}
		})
	}
}

// runParity runs p, a parity case's plan with its Method, Requests and
// Timeout left 0 for the defaults (GET, 3, 30s), sending body with each
// request; with gated, request n > 0 waits for sc.idleClosed. It checks the
// outcome against want and the connections opened against conns, and
// returns the outcome for comparing the two clients.
func runParity(t *testing.T, p Plan, body string, gated bool, sc *script, want parityOutcome, conns int64) parityOutcome {
	t.Helper()
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	if p.Requests == 0 {
		p.Requests = 3
	}
	if p.Timeout == 0 {
		p.Timeout = 30 * time.Second
	}
	p.BodyFunc = func(n int64) ([]byte, error) {
		if gated && n > 0 {
			<-sc.idleClosed
		}
		if body == "" {
			return nil, nil
		}
		return []byte(body), nil
	}
	rep, err := Run(t.Context(), p)
	require.NoError(t, err)
	got := parityOutcome{Status: rep.Status, BytesIn: rep.BytesIn}
	for _, e := range rep.Errors {
		got.Kinds = append(got.Kinds, e.Kind)
	}
	slices.Sort(got.Kinds)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcome (-want +got):\n%s\nerrors: %+v", diff, rep.Errors)
	}
	assert.Equal(t, conns, rep.Connections, "connections opened")
	return got
}
