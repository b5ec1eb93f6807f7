package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The fuzz tests below run their seeds (the f.Add calls and the files in
// testdata/fuzz/<name>/) with every `go test`; to search for new inputs,
// run one at a time, e.g.
//
//	go test -run '^$' -fuzz '^FuzzH1Response$' -fuzztime 30s ./internal/engine
//
// or all of them with `make fuzz`. FuzzReadResponse (h1_test.go) checks
// what the parser reads against net/http; these check how it behaves on
// bytes from a hostile or broken server: it never panics, never spins, and
// allocates at most about as much as it is sent.

// h1Seeds are responses a server may send, well-formed and not.
var h1Seeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
	"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n",
	"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 500 Oops\r\n\r\nbody to close",
	"HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nConnection: ,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,close\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\nshort",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nab",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
	"HTTP/1.1 200 OK\r\nX-A: 1\r\n\tfolded\r\nContent-Length: 1\r\n\r\nz",
	"HTTP/1.1 200 OK\nContent-Length: 1\n\nz",
	"HTTP/1.1 200 OK\r\n",
	"HTTP/1.1 200",
	"SSH-2.0-OpenSSH_9.6\r\n",
	"",
}

// chunkReader returns at most n bytes per Read (all that is left when n
// is 0), as a socket delivers a response in segments, and counts its calls.
type chunkReader struct {
	b     []byte
	n     int
	reads int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.reads++
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := len(r.b)
	if r.n > 0 {
		k = min(k, r.n)
	}
	k = copy(p, r.b[:k])
	r.b = r.b[k:]
	return k, nil
}

// parsed is what readResponse made of one input.
type parsed struct {
	resp    h1Response
	started bool
	err     error
	prefix  []byte
}

// parseChunked runs readResponse over in, delivered n bytes per Read, and
// returns what it read, how many Reads it made, and how many bytes it
// allocated (the reader and its buffer are made before counting).
func parseChunked(in []byte, n int, head bool) (p parsed, reads int, allocated uint64) {
	r := &chunkReader{b: in, n: n}
	br := bufio.NewReaderSize(r, h1ReadBuffer)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p.resp, p.started, p.err = readResponse(br, head, &p.prefix)
	runtime.ReadMemStats(&after)
	return p, r.reads, after.TotalAlloc - before.TotalAlloc
}

// FuzzH1Response feeds arbitrary bytes, as a server's response arriving
// in segments of any size, through the lean client's parser. It must not
// panic; it must finish in a number of Reads bounded by the input (no spin
// on a response that never ends); it must allocate no more than a constant
// plus about the input's size, whatever lengths the response claims; and
// what it reads must not depend on how the bytes were segmented.
func FuzzH1Response(f *testing.F) {
	for _, s := range h1Seeds {
		f.Add([]byte(s), uint8(0), false)
		f.Add([]byte(s), uint8(1), true)
		f.Add([]byte(s), uint8(7), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, segment uint8, head bool) {
		whole, _, _ := parseChunked(in, 0, head)
		got, reads, allocated := parseChunked(in, int(segment), head)

		bounds := "prefix %d bytes, body %d bytes, want 0 <= prefix <= min(body, %d)"
		require.LessOrEqual(t, len(got.prefix), BodyPrefixLimit, bounds, len(got.prefix), got.resp.bytes, BodyPrefixLimit)
		require.GreaterOrEqual(t, got.resp.bytes, int64(0), bounds, len(got.prefix), got.resp.bytes, BodyPrefixLimit)
		require.LessOrEqual(t, int64(len(got.prefix)), got.resp.bytes, bounds, len(got.prefix), got.resp.bytes, BodyPrefixLimit)
		if got.err == nil {
			require.GreaterOrEqual(t, got.resp.status, 100, "status %d accepted", got.resp.status)
			require.LessOrEqual(t, got.resp.status, 999, "status %d accepted", got.resp.status)
		}
		// Each Read hands over at least one byte until the end; a few more
		// calls see the end. More means a loop that makes no progress.
		require.LessOrEqual(t, reads, len(in)+4, "%d Reads for %d bytes", reads, len(in))
		// The parser's own allocations: error text and header tokens. A
		// claimed length (Content-Length, chunk size) must never size one.
		require.LessOrEqual(t, allocated, uint64(32<<10+2*len(in)), "allocated %d bytes parsing %d bytes", allocated, len(in))
		same := "in %d-byte segments: %+v started %v prefix %q err %v;\nin one piece: %+v started %v prefix %q err %v"
		msg := []any{same, segment, got.resp, got.started, got.prefix, got.err, whole.resp, whole.started, whole.prefix, whole.err}
		require.Equal(t, whole.resp, got.resp, msg...)
		require.Equal(t, whole.started, got.started, msg...)
		require.Equal(t, string(whole.prefix), string(got.prefix), msg...)
		require.Equal(t, whole.err == nil, got.err == nil, msg...)
	})
}

// h1FuzzHang is how long FuzzH1Exchange waits for an answer before it
// calls the exchange hung.
const h1FuzzHang = 10 * time.Second

// scriptedServer answers every request on loopback with the same bytes,
// whatever they are, then closes the connection. It reads the whole
// request head first, so the close is a FIN, never a reset that could cut
// the response short. (A half-close is a case of TestHTTP_parity.)
type scriptedServer struct {
	ln   net.Listener
	resp atomic.Pointer[[]byte]
	wg   sync.WaitGroup
}

func startScriptedServer(f *testing.F) *scriptedServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(f, err)
	s := &scriptedServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	f.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *scriptedServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for { // the request head; the fuzz sends GET and HEAD, without a body
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	if p := s.resp.Load(); p != nil {
		c.Write(*p)
	}
}

// FuzzH1Exchange sends two requests through the lean client (h1Sender)
// to a server on loopback that answers each with the fuzzed bytes, so the
// parser runs behind the real socket code, keep-alive reuse, the check for
// bytes nobody asked for, and the retry on a stale connection. Nothing may
// panic or hang, every answer is a status in 100..999 or an error, and the
// first answer is what readResponse makes of the bytes.
//
// Each request has a deadline of h1FuzzHang, far beyond the microseconds
// an exchange on loopback takes: it turns a hang into a failure that the
// fuzzer records as a crasher, where the test binary's own timeout would
// lose the input.
func FuzzH1Exchange(f *testing.F) {
	for _, s := range h1Seeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(h1Seeds[0]), true)
	srv := startScriptedServer(f)
	url := "http://" + srv.ln.Addr().String() + "/fuzz"
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		srv.resp.Store(&in)
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		ctx, cancel := context.WithTimeout(t.Context(), h1FuzzHang)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		require.NoError(t, err)
		s := newH1Sender(&net.Dialer{}, new(atomic.Int64))
		defer s.closeConn()
		want, _, _ := parseChunked(in, 0, head)
		for i := range 2 {
			var out Outcome
			err := s.Send(req, &out)
			if err == nil {
				require.GreaterOrEqual(t, out.Status, 100, "request %d: status %d accepted", i+1, out.Status)
				require.LessOrEqual(t, out.Status, 999, "request %d: status %d accepted", i+1, out.Status)
			}
			require.LessOrEqual(t, len(out.Body), BodyPrefixLimit, "request %d: kept %d body bytes of %d", i+1, len(out.Body), out.BytesIn)
			require.LessOrEqual(t, int64(len(out.Body)), out.BytesIn, "request %d: kept %d body bytes of %d", i+1, len(out.Body), out.BytesIn)
			require.NotErrorIs(t, err, context.DeadlineExceeded, "request %d: no answer within %v (a hang)", i+1, h1FuzzHang)
			require.NoError(t, ctx.Err(), "request %d: no answer within %v (a hang): %v", i+1, h1FuzzHang, err)
			var pe *protocolError
			if err != nil {
				require.True(t, errors.As(err, &pe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errStaleConn),
					"request %d: err %v, want a malformed response, an end of file or a stale connection", i+1, err)
			}
			if i > 0 {
				continue // the second answer depends on what had arrived when it was sent
			}
			same := "over the socket: status %d, %d bytes, body %q, err %v;\nreadResponse: status %d, %d bytes, body %q, err %v"
			msg := []any{same, out.Status, out.BytesIn, out.Body, err, want.resp.status, want.resp.bytes, want.prefix, want.err}
			require.Equal(t, want.err == nil, err == nil, msg...)
			require.Equal(t, want.resp.status, out.Status, msg...)
			require.Equal(t, want.resp.bytes, out.BytesIn, msg...)
			require.Equal(t, string(want.prefix), string(out.Body), msg...)
		}
	})
}
