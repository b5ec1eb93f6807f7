package engine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP_leanClient runs the engine over the lean HTTP/1.1 client against
// real servers on loopback and checks what it counted.
func TestHTTP_leanClient(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	tests := []struct {
		name       string
		h          http.HandlerFunc
		mod        func(*Plan)
		wantStatus map[int]int64
		wantBytes  int64 // per request
		wantBody   string
		wantFailed int64
	}{
		{name: "small body", h: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
			wantStatus: map[int]int64{200: 20}, wantBytes: 2, wantBody: ""},
		{name: "big body", h: func(w http.ResponseWriter, r *http.Request) { w.Write(big) },
			wantStatus: map[int]int64{200: 20}, wantBytes: int64(len(big))},
		{name: "chunked", h: func(w http.ResponseWriter, r *http.Request) {
			for i := range 5 {
				fmt.Fprintf(w, "chunk %d;", i)
				w.(http.Flusher).Flush()
			}
		}, wantStatus: map[int]int64{200: 20}, wantBytes: 40},
		{name: "big chunked", h: func(w http.ResponseWriter, r *http.Request) {
			for range 4 {
				w.Write(big[:300_000])
				w.(http.Flusher).Flush()
			}
		}, wantStatus: map[int]int64{200: 20}, wantBytes: 1_200_000},
		{name: "connection close", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}, wantStatus: map[int]int64{200: 20}, wantBytes: 3},
		{name: "no content", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			wantStatus: map[int]int64{204: 20}},
		{name: "not modified", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(304)
		}, wantStatus: map[int]int64{304: 20}},
		{name: "head", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
		}, mod: func(p *Plan) { p.Method = http.MethodHead }, wantStatus: map[int]int64{200: 20}},
		{name: "early hints then created", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(103)
			w.WriteHeader(201)
			io.WriteString(w, "made")
		}, wantStatus: map[int]int64{201: 20}, wantBytes: 4},
		{name: "errors keep a body prefix", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			w.Write(big[:2000])
		}, wantStatus: map[int]int64{503: 20}, wantBytes: 2000, wantBody: string(big[:BodyPrefixLimit]), wantFailed: 20},
		{name: "post body reaches the server", h: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if string(b) != `{"a":1}` || r.ContentLength != 7 || r.Header.Get("X-Test") != "yes" {
				w.WriteHeader(400)
			}
		}, mod: func(p *Plan) {
			p.Method, p.Body, p.Header = http.MethodPost, []byte(`{"a":1}`), http.Header{"X-Test": {"yes"}}
		}, wantStatus: map[int]int64{200: 20}},
		{name: "body func", h: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		}, mod: func(p *Plan) {
			p.Method = http.MethodPut
			p.BodyFunc = func(n int64) ([]byte, error) { return []byte("abc"), nil }
		}, wantStatus: map[int]int64{200: 20}, wantBytes: 3},
		{name: "post body larger than the socket buffer", h: func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprint(w, n)
		}, mod: func(p *Plan) { p.Method, p.Body, p.Requests = http.MethodPost, bytes.Repeat(big, 8), 6 },
			wantStatus: map[int]int64{200: 6}, wantBytes: 7},
		{name: "empty post sends content-length 0", h: func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Content-Length") != "0" {
				w.WriteHeader(411)
			}
		}, mod: func(p *Plan) { p.Method = http.MethodPost }, wantStatus: map[int]int64{200: 20}},
		{name: "slow handler times out", h: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, mod: func(p *Plan) { p.Timeout = 50 * time.Millisecond; p.Requests = 4 },
			wantStatus: map[int]int64{0: 4}, wantFailed: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/path?q=1")
			p := Plan{Method: http.MethodGet, URL: u, Requests: 20, Clients: 3, Timeout: 5 * time.Second, Transport: HTTP(3)}
			if tt.mod != nil {
				tt.mod(&p)
			}
			rep, err := Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, rep.Status, "status; errors %+v", rep.Errors)
			assert.Equal(t, tt.wantFailed, rep.Failed, "failed; errors %+v", rep.Errors)
			assert.Equal(t, tt.wantBytes*rep.Requests, rep.BytesIn, "bytes in")
			if tt.wantBody != "" && assert.NotEmpty(t, rep.Errors, "no sample bodies, want the first %d bytes", BodyPrefixLimit) {
				assert.Equal(t, tt.wantBody, rep.Errors[0].Body, "sample body, want the first %d bytes", BodyPrefixLimit)
			}
			if tt.name == "slow handler times out" {
				for _, e := range rep.Errors {
					assert.Equal(t, KindTimeout, e.Kind, "sample %+v, want kind timeout", e)
				}
			}
		})
	}
}

// rawServer serves each connection with serve, on loopback.
func rawServer(t testing.TB, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				serve(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/"
}

// readRequest reads one request head and its Content-Length body.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return req, err
}

func TestHTTP_leanClientAgainstRawServers(t *testing.T) {
	tests := []struct {
		name       string
		serve      func(c net.Conn, br *bufio.Reader)
		requests   int64
		wantStatus map[int]int64
		wantBytes  int64
	}{
		{"server closes idle connections after each response", func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			time.Sleep(5 * time.Millisecond) // the client may already have sent its next request
		}, 30, map[int]int64{200: 30}, 60},
		{"HTTP/1.0 without keep-alive", func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc")
		}, 10, map[int]int64{200: 10}, 30},
		{"HTTP/1.0 with keep-alive", func(c net.Conn, br *bufio.Reader) {
			for {
				if _, err := readRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc")
			}
		}, 10, map[int]int64{200: 10}, 30},
		{"body delimited by close", func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\nuntil the end")
		}, 10, map[int]int64{200: 10}, 130},
		{"chunked with extensions and trailers", func(c net.Conn, br *bufio.Reader) {
			for {
				if _, err := readRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+
					"4;ext=1\r\nabcd\r\nA \r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n")
			}
		}, 10, map[int]int64{200: 10}, 140},
		{"100 continue then 200", func(c net.Conn, br *bufio.Reader) {
			for {
				if _, err := readRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
			}
		}, 10, map[int]int64{200: 10}, 10},
		{"garbage status line", func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "SPDY/9 what\r\n\r\n")
		}, 5, map[int]int64{0: 5}, 0},
		{"truncated body", func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
		}, 5, map[int]int64{200: 5}, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(rawServer(t, tt.serve))
			rep, err := Run(t.Context(), Plan{Method: http.MethodGet, URL: u, Requests: tt.requests, Clients: 2,
				Timeout: 5 * time.Second, Transport: HTTP(2)})
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, rep.Status, "status; errors %+v", rep.Errors)
			assert.Equal(t, tt.wantBytes, rep.BytesIn, "bytes; errors %+v", rep.Errors)
		})
	}
}

func TestHTTP_cancelInterruptsRequestInFlight(t *testing.T) {
	var started atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select { // held until the run is over, unless the client goes away
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for handlers
	u, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for started.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	// The server never answers, so Run returns only if the cancel interrupts
	// the requests in flight (a regression hangs here).
	rep, err := Run(ctx, Plan{Method: http.MethodGet, URL: u, Requests: 10, Clients: 2, Timeout: 30 * time.Second, Transport: HTTP(2)})
	assert.True(t, err == context.Canceled, "err %v, want context.Canceled", err)
	assert.Zero(t, rep.Requests, "requests, want 0: cancelled requests are not measurements")
}

func TestH1Sender_sendWithPlainContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" || r.Host != "example.test" {
			w.WriteHeader(400)
		}
		io.WriteString(w, r.URL.RequestURI())
	}))
	defer srv.Close()
	tr := HTTP(1)
	defer tr.CloseIdle()
	s := tr.NewSender()
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("u", "p")
	u.Path, u.RawQuery = "/a b", "x=1"
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	req.Host = "example.test"
	var out Outcome
	for range 3 {
		require.NoError(t, s.Send(req, &out))
		assert.Equal(t, 200, out.Status, "status")
		assert.Equal(t, "/a%20b?x=1", string(out.Body), "body")
		assert.EqualValues(t, 10, out.BytesIn, "bytes")
	}
}

// TestReadResponse checks the parser on raw responses, one row each.
func TestReadResponse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		head      bool
		want      h1Response
		wantBody  string
		wantErr   string
		wantStart bool
	}{
		{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			want: h1Response{200, true, 5}, wantBody: "hello"},
		{name: "bare LF lines", in: "HTTP/1.1 201 Created\nContent-Length: 1\n\nx",
			want: h1Response{201, true, 1}, wantBody: "x"},
		{name: "no reason phrase", in: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
			want: h1Response{404, true, 0}},
		{name: "header names any case", in: "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   3  \r\nCONNECTION: Close\r\n\r\nabc",
			want: h1Response{200, false, 3}, wantBody: "abc"},
		{name: "chunked beats content-length, then the connection closes", in: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			want: h1Response{200, false, 3}, wantBody: "abc"},
		{name: "unknown transfer coding reads to close", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzzz",
			want: h1Response{200, false, 4}, wantBody: "zzzz"},
		{name: "head ignores content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", head: true,
			want: h1Response{200, true, 0}},
		{name: "101 ends the connection", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
			want: h1Response{101, false, 0}},
		{name: "folded header line", in: "HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\nContent-Length: 1\r\n\r\nz",
			want: h1Response{200, true, 1}, wantBody: "z"},
		{name: "prefix is capped", in: "HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n" + strings.Repeat("y", 600),
			want: h1Response{200, true, 600}, wantBody: strings.Repeat("y", BodyPrefixLimit)},
		{name: "header line longer than the read buffer", in: "HTTP/1.1 200 OK\r\nContent-Security-Policy: " + strings.Repeat("a", 20_000) + "\r\nContent-Length: 1\r\n\r\nz",
			want: h1Response{200, true, 1}, wantBody: "z"},
		{name: "reason phrase longer than the read buffer", in: "HTTP/1.1 200 " + strings.Repeat("O", 40_000) + "\r\nContent-Length: 1\r\n\r\nz",
			want: h1Response{200, true, 1}, wantBody: "z"},
		{name: "header block just under 1 MiB", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", h1MaxHeaderBytes-100) + "\r\nContent-Length: 1\r\n\r\nz",
			want: h1Response{200, true, 1}, wantBody: "z"},
		{name: "long trailer", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nT: " + strings.Repeat("t", 30_000) + "\r\n\r\n",
			want: h1Response{200, true, 1}, wantBody: "z"},
		{name: "header block over 1 MiB", in: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("f", 1000)+"\r\n", 1100) + "\r\n",
			wantErr: "exceed the limit of 1048576 bytes", wantStart: true},
		{name: "one header line over 1 MiB", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", h1MaxHeaderBytes) + "\r\n\r\n",
			wantErr: "exceed the limit of 1048576 bytes", wantStart: true},
		{name: "long content-length line", in: "HTTP/1.1 200 OK\r\nContent-Length: " + strings.Repeat(" ", 20_000) + "1\r\n\r\nz",
			wantErr: "Content-Length header longer than 16384 bytes", wantStart: true},
		{name: "chunk size line over 4096 bytes", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", 5000) + "\r\nz\r\n0\r\n\r\n",
			wantErr: "chunk size line longer than 4096 bytes", wantStart: true},
		{name: "empty input", in: "", wantErr: "EOF"},
		{name: "truncated status line", in: "HTTP/1.1 20", wantErr: "unexpected EOF", wantStart: true},
		{name: "bad version", in: "HTTP/2.0 200 OK\r\n\r\n", wantErr: "status line", wantStart: true},
		{name: "status too small", in: "HTTP/1.1 099 Low\r\n\r\n", wantErr: "status line", wantStart: true},
		{name: "status with letters", in: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: "status line", wantStart: true},
		{name: "bad content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: "Content-Length", wantStart: true},
		{name: "conflicting content-lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", wantErr: "Content-Length", wantStart: true},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", wantErr: "header line", wantStart: true},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "chunk size", wantStart: true},
		{name: "chunk missing CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", wantErr: "chunk end", wantStart: true},
		{name: "chunked cut short", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", wantErr: "unexpected EOF", wantStart: true},
		{name: "too many 1xx", in: strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 7), wantErr: "1xx", wantStart: true},
		{name: "headers never end", in: "HTTP/1.1 200 OK\r\nA: b\r\n", wantErr: "unexpected EOF", wantStart: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prefix []byte
			got, started, err := readResponse(bufio.NewReaderSize(strings.NewReader(tt.in), h1ReadBuffer), tt.head, &prefix)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.wantStart, started, "started")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantBody, string(prefix), "body")
			assert.True(t, started, "started")
		})
	}
}

// FuzzReadResponse feeds arbitrary bytes to the parser: it must not panic,
// must keep at most BodyPrefixLimit bytes, and where net/http reads the
// same bytes as one complete response it must agree on status and length.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 500 Oops\r\n\r\nbody to close",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		var prefix []byte
		got, _, err := readResponse(bufio.NewReaderSize(bytes.NewReader(in), h1ReadBuffer), head, &prefix)
		require.LessOrEqual(t, len(prefix), BodyPrefixLimit, "prefix %d bytes, body %d", len(prefix), got.bytes)
		require.GreaterOrEqual(t, got.bytes, int64(0), "prefix %d bytes, body %d", len(prefix), got.bytes)
		require.LessOrEqual(t, int64(len(prefix)), got.bytes, "prefix %d bytes, body %d", len(prefix), got.bytes)
		if err != nil {
			return
		}
		require.GreaterOrEqual(t, got.status, 100, "status %d accepted", got.status)
		require.LessOrEqual(t, got.status, 999, "status %d accepted", got.status)
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		resp, herr := http.ReadResponse(bufio.NewReader(bytes.NewReader(in)), &http.Request{Method: method})
		if herr != nil {
			return // net/http is stricter in places (header names, versions)
		}
		n, berr := io.Copy(io.Discard, resp.Body)
		if berr != nil || resp.StatusCode < 200 {
			return
		}
		require.Equal(t, resp.StatusCode, got.status, "net/http read status %d with %d body bytes; readResponse %d with %d", resp.StatusCode, n, got.status, got.bytes)
		require.Equal(t, n, got.bytes, "net/http read status %d with %d body bytes; readResponse %d with %d", resp.StatusCode, n, got.status, got.bytes)
	})
}
