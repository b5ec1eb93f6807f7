package engine

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// h1Sender is a lean HTTP/1.1 client for http:// targets, and for https://
// ones over crypto/tls when it has a TLS configuration (h1tls.go): one
// keep-alive connection per worker, the request head serialised once per
// run, and a response parser that reads only the status line, the headers
// that frame the body (Content-Length, Transfer-Encoding, Connection) and
// the body, which it counts and keeps the first BodyPrefixLimit bytes of.
//
// Timeouts use the connection's deadline, moved forward only when it falls
// outside [request deadline, request deadline + slack], so a busy worker
// sets it about once per slack rather than once per request. Cancellation
// of the run reaches a request in flight through reqCtx's onCancel hook,
// which expires the connection's deadline at once; no goroutine or channel
// is made per request.
type h1Sender struct {
	dialer *net.Dialer
	conns  *atomic.Int64 // the transport's count of connections opened

	mu     sync.Mutex // guards conn against abort from the watchdog
	conn   net.Conn
	cur    atomic.Pointer[reqCtx] // the request in flight, for abort
	closed atomic.Bool            // conn was closed by shutdown

	cio      h1IO
	br       *bufio.Reader
	wbuf     []byte
	prefix   []byte
	reused   bool      // conn has carried a response already
	deadline time.Time // the deadline set on conn
	slack    time.Duration

	// TLS for https:// targets (h1tls.go): tlsBase is the transport's
	// configuration, nil when the lean client may not speak TLS; tlsConf
	// is the prepared target's, with its ServerName.
	tlsBase *tls.Config
	tlsConf *tls.Config
	tlsName string // the host name tlsConf was made for

	// From prepare: the request head, everything before Content-Length.
	addr       string
	head       []byte
	headReq    bool // HEAD: the response never has a body
	replayable bool // safe to resend once on a stale keep-alive connection
	method     string
	alwaysCL   bool   // send Content-Length even for an empty body (POST, PUT, PATCH)
	fixed      []byte // the whole request, when every request carries the same body
}

// h1ReadBuffer is the size of each connection's read buffer. A status or
// header line longer than it is read in pieces: only the headers that frame
// the body (Content-Length, Transfer-Encoding, Connection) must fit.
const h1ReadBuffer = 16 << 10

// h1MaxHeaderBytes bounds a response's status line and header block
// together. net/http's client is given the same limit (httpclient.go).
const h1MaxHeaderBytes = 1 << 20

// h1MaxChunkLine bounds a chunk size line, extensions included, as
// net/http's chunked reader does.
const h1MaxChunkLine = 4096

// h1Max1xx bounds informational responses before the final one.
const h1Max1xx = 5

// newH1Sender returns a sender dialling with d, counting each connection
// it opens in conns.
func newH1Sender(d *net.Dialer, conns *atomic.Int64) *h1Sender {
	return &h1Sender{dialer: d, conns: conns}
}

// target reports whether u can go through the lean client: plain http,
// or https when the sender has a TLS configuration.
func (s *h1Sender) target(u *url.URL) bool {
	if u == nil || u.Host == "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https" && s.tlsBase != nil
}

// prepare serialises the head of every request of a run. timeout sets the
// deadline slack: Timeout/20, between 1ms and 50ms. When fixed is true,
// every request carries body, and the whole request is serialised now.
func (s *h1Sender) prepare(method string, u *url.URL, host string, h http.Header, timeout time.Duration, body []byte, fixed bool) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), defaultPort(u.Scheme))
	}
	if host == "" {
		host = u.Host
	}
	tlsChanged := s.prepareTLS(u) // always: it readies the target's TLS settings
	if s.addr != "" && s.addr != addr || tlsChanged {
		s.closeConn()
	}
	s.addr = addr
	s.headReq = method == http.MethodHead
	s.alwaysCL = method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	// net/http's rule for re-sending a request whose bytes may have
	// reached the server: an idempotent method, or a header marking it so.
	s.replayable = method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions ||
		method == http.MethodTrace || h.Values("Idempotency-Key") != nil || h.Values("X-Idempotency-Key") != nil
	s.method = method
	s.slack = min(max(timeout/20, time.Millisecond), 50*time.Millisecond)
	s.fixed = nil

	b := s.head[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = appendHeaderValue(b, host)
	b = append(b, "\r\n"...)
	if _, ok := h["User-Agent"]; !ok {
		b = append(b, "User-Agent: apiload\r\n"...)
	}
	if u.User != nil && h.Get("Authorization") == "" {
		pw, _ := u.User.Password()
		b = append(b, "Authorization: Basic "...)
		b = append(b, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw))...)
		b = append(b, "\r\n"...)
	}
	for name, vs := range h {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue // framing is ours to write
		}
		for _, v := range vs {
			if name == "User-Agent" && v == "" {
				continue // net/http's way to send none
			}
			b = append(b, name...)
			b = append(b, ": "...)
			b = appendHeaderValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	s.head = b
	if fixed {
		s.fixed = append([]byte(nil), s.request(body)...)
	}
}

// appendHeaderValue appends v with CR and LF replaced by spaces, as
// net/http does, so a value can never start a header of its own.
func appendHeaderValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// Send sends any plain-http request; the engine's own requests go through
// sendPlan, which skips building the head again.
func (s *h1Sender) Send(req *http.Request, out *Outcome) error {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			out.Status, out.BytesIn, out.Body = 0, 0, nil
			return err
		}
	}
	ctx := req.Context()
	timeout := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	s.prepare(req.Method, req.URL, req.Host, req.Header, timeout, nil, false)
	if rc, ok := ctx.(*reqCtx); !ok || rc.onCancel == nil {
		// Not a context whose cancellation reaches us through onCancel:
		// watch it the ordinary way.
		stop := context.AfterFunc(ctx, s.abortConn)
		defer stop()
	}
	return s.do(ctx, body, out)
}

// sendPlan sends one request of the prepared run with the given body.
func (s *h1Sender) sendPlan(rc *reqCtx, body []byte, out *Outcome) error {
	return s.do(rc, body, out)
}

// cancelled implements canceler: the watchdog calls it when the run is
// cancelled under rc.
func (s *h1Sender) cancelled(rc *reqCtx) {
	if s.cur.Load() == rc {
		s.abortConn()
	}
}

// abortConn makes the connection's pending reads and writes fail now.
func (s *h1Sender) abortConn() {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.SetDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
}

func (s *h1Sender) closeConn() {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	s.mu.Unlock()
	s.reused = false
	s.deadline = time.Time{}
}

// shutdown closes the connection from another goroutine (the transport's
// CloseIdle, after the run); the worker drops it before its next request.
func (s *h1Sender) shutdown() {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
		s.closed.Store(true)
	}
	s.mu.Unlock()
}

func (s *h1Sender) dial(ctx context.Context) error {
	c, err := s.dialer.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	if s.conns != nil {
		s.conns.Add(1)
	}
	s.mu.Lock()
	s.conn = c
	s.mu.Unlock()
	s.reused = false
	s.deadline = time.Time{}
	cio, err := s.newIO(ctx, c) // over TLS, shakes hands (h1tls.go)
	if err != nil {
		s.closeConn()
		return err
	}
	s.cio = cio
	if s.br == nil {
		s.br = bufio.NewReaderSize(s.cio, h1ReadBuffer)
	} else {
		s.br.Reset(s.cio)
	}
	return nil
}

// request returns the bytes to write for body: the prepared head, the
// framing and the body.
func (s *h1Sender) request(body []byte) []byte {
	if s.fixed != nil {
		return s.fixed
	}
	b := append(s.wbuf[:0], s.head...)
	if len(body) > 0 || s.alwaysCL {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	s.wbuf = b
	return b
}

// errStaleConn marks a failure on a reused keep-alive connection before any
// byte of the response arrived: the server had closed it. A request that
// may be re-sent is, once, on a new connection; this error is what the
// others get.
var errStaleConn = errors.New("keep-alive connection closed by the server before a response")

// do sends one request and reads its response. A reused connection is
// first checked for a close by the server (connIO.send):
// if it was closed, the request goes on a new connection and nothing is
// counted but the connection. When a reused connection fails before any
// byte of the response, the request is sent once more on a new connection
// under net/http's rules (Transport's shouldRetryRequest): always when none
// of it was written, otherwise when it is replayable (s.replayable).
func (s *h1Sender) do(ctx context.Context, body []byte, out *Outcome) error {
	out.Status, out.BytesIn, out.Body = 0, 0, nil
	rc, _ := ctx.(*reqCtx)
	if rc != nil {
		s.cur.Store(rc)
		defer s.cur.Store(nil)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		s.closed.Store(false)
		s.closeConn()
	}
	deadline, hasDeadline := ctx.Deadline()
	wire := s.request(body)
	for attempt := 0; ; attempt++ {
		if s.conn != nil && s.br.Buffered() > 0 {
			s.closeConn() // bytes nobody asked for: the connection is out of step
		}
		if s.conn == nil {
			if err := s.dial(ctx); err != nil {
				return err
			}
		}
		reused := s.reused
		if hasDeadline && (s.deadline.Before(deadline) || s.deadline.After(deadline.Add(s.slack))) {
			s.deadline = deadline.Add(s.slack)
			s.conn.SetDeadline(s.deadline)
		} else if !hasDeadline && !s.deadline.IsZero() {
			s.deadline = time.Time{}
			s.conn.SetDeadline(s.deadline)
		}
		// Written by the first read, which then waits for the answer; on a
		// reused connection, only once it is known to be still open. The
		// check costs a system call, but it cannot be skipped however
		// recently the connection was used: a server that half-closes
		// with its response's last bytes leaves an end of file whose
		// readiness the read of that response already used up, so a
		// request written to it would wait, unanswered, for its timeout.
		err := s.cio.send(wire, reused)
		started := false
		var keep bool
		if err == nil {
			s.prefix = s.prefix[:0]
			var r h1Response
			if rc != nil && rc.stream != nil {
				r, started, err = s.readStream(rc.stream, &s.prefix) // stream.go
			} else {
				r, started, err = readResponse(s.br, s.headReq, &s.prefix)
			}
			out.Status, out.BytesIn, out.Body = r.status, r.bytes, s.prefix
			keep = r.keepAlive
		}
		if err == nil {
			if keep {
				s.reused = true
			} else {
				s.closeConn()
			}
			return nil
		}
		s.closeConn()
		if cerr := ctx.Err(); cerr != nil && cerr != context.DeadlineExceeded {
			return cerr
		}
		if !reused || started || attempt > 0 {
			return err
		}
		var nw *nothingWrittenError
		switch {
		case errors.Is(err, errIdleClosed) || errors.As(err, &nw) && staleConnError(err):
			// Nothing of the request reached the server: always safe.
		case !staleConnError(err):
			return err
		case !s.replayable:
			return fmt.Errorf("%w; not re-sent: %s is not idempotent (an Idempotency-Key header allows it)", errStaleConn, s.method)
		}
		out.Status, out.BytesIn, out.Body = 0, 0, nil
	}
}

// errIdleClosed is how connIO.send reports a reused connection that the
// server closed (or wrote to unasked) while it sat idle. Nothing was
// written: the request goes on a new connection.
var errIdleClosed = errors.New("keep-alive connection closed by the server while idle")

// nothingWrittenError is a write that failed before any byte of the
// request left.
type nothingWrittenError struct{ err error }

func (e *nothingWrittenError) Error() string { return e.err.Error() }
func (e *nothingWrittenError) Unwrap() error { return e.err }

// staleConnError reports whether err is how a connection the server has
// already closed fails: end of file, reset or broken pipe.
func staleConnError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// h1Response is what readResponse learned of one response.
type h1Response struct {
	status    int
	keepAlive bool  // the connection may carry another request
	bytes     int64 // body bytes, after removing chunked framing
}

// protocolError is a response that is not valid HTTP/1.x.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "malformed HTTP response: " + e.msg }

func malformed(msg string, line []byte) error {
	if len(line) > 64 {
		line = line[:64]
	}
	return &protocolError{msg + " " + strconv.Quote(string(line))}
}

// readResponse reads one HTTP/1.x response from br, skipping informational
// (1xx) responses before it. headReq says the request was HEAD, whose
// response has no body. Up to BodyPrefixLimit body bytes are appended to
// *prefix. started reports whether any byte of the response was read. An
// error before the body comes with a zero r: a response cut short in its
// head is no response.
func readResponse(br *bufio.Reader, headReq bool, prefix *[]byte) (r h1Response, started bool, err error) {
	r, f, started, err := readHead(br)
	if err != nil {
		return h1Response{}, started, err
	}
	return readFramedBody(br, r, f, headReq, prefix)
}

// readHead reads a response's status line and headers, skipping
// informational (1xx) responses before the final one. r holds the final
// status and whether the headers allow keep-alive; f says how the body is
// framed. started reports whether any byte of the response was read.
func readHead(br *bufio.Reader) (r h1Response, f framing, started bool, err error) {
	for informational := 0; ; informational++ {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			started = true
		}
		long := err == bufio.ErrBufferFull
		if err != nil && !long {
			return h1Response{}, framing{}, started, lineError(err, "status line", line)
		}
		status, minor, ok := parseStatusLine(line)
		if !ok {
			return h1Response{}, framing{}, started, malformed("status line", line)
		}
		total := len(line)
		if long { // a long reason phrase, read past
			if err := skipLine(br, &total); err != nil {
				return h1Response{}, framing{}, started, err
			}
		}
		if f, err = readHeaders(br, minor, total); err != nil {
			return h1Response{}, framing{}, started, err
		}
		if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
			if informational >= h1Max1xx {
				return h1Response{}, framing{}, started, &protocolError{"too many 1xx informational responses"}
			}
			continue
		}
		return h1Response{status: status, keepAlive: f.keepAlive}, f, started, nil
	}
}

// noBody reports whether a response with status to a request (HEAD when
// headReq) has no body, whatever its headers say.
func noBody(status int, headReq bool) bool {
	return headReq || status < 200 || status == http.StatusNoContent || status == http.StatusNotModified
}

// readFramedBody reads the body of the response whose head readHead
// returned as r and f, to its end, and returns r with the body's size and
// whether the connection can carry another request. started is true: the
// head was read.
func readFramedBody(br *bufio.Reader, r h1Response, f framing, headReq bool, prefix *[]byte) (_ h1Response, started bool, err error) {
	switch {
	case noBody(r.status, headReq):
		if r.status == http.StatusSwitchingProtocols {
			r.keepAlive = false // the connection now speaks another protocol
		}
	case f.chunked:
		r.bytes, err = readChunked(br, prefix)
	case f.contentLength >= 0:
		r.bytes, err = readBody(br, f.contentLength, prefix)
	default:
		r.bytes, err = readBody(br, -1, prefix) // until the server closes
		r.keepAlive = false
	}
	return r, true, err
}

// errHeaderTooLarge is a response whose status line and headers together
// exceed h1MaxHeaderBytes.
var errHeaderTooLarge = errors.New("response headers exceed the limit of " + strconv.Itoa(h1MaxHeaderBytes) + " bytes (1 MiB, net/http's too)")

// skipLine reads past the rest of a line longer than br's buffer, adding
// its length to *total, which may not exceed h1MaxHeaderBytes.
func skipLine(br *bufio.Reader, total *int) error {
	for {
		line, err := br.ReadSlice('\n')
		*total += len(line)
		if *total > h1MaxHeaderBytes {
			return errHeaderTooLarge
		}
		switch err {
		case nil:
			return nil
		case bufio.ErrBufferFull:
		default:
			return eofIsUnexpected(err)
		}
	}
}

func lineError(err error, what string, line []byte) error {
	switch {
	case err == bufio.ErrBufferFull:
		return &protocolError{what + " longer than " + strconv.Itoa(h1ReadBuffer) + " bytes"}
	case err == io.EOF && len(line) > 0:
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseStatusLine parses "HTTP/1.x NNN reason\r\n".
func parseStatusLine(line []byte) (status, minor int, ok bool) {
	line = trimEOL(line)
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ' {
		return 0, 0, false
	}
	if len(line) > 12 && line[12] != ' ' {
		return 0, 0, false
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return 0, 0, false
	}
	return status, int(line[7] - '0'), true
}

func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line
}

// framing is what the headers say about the body and the connection.
type framing struct {
	contentLength int64 // -1 when absent
	chunked       bool
	keepAlive     bool
	eventStream   bool // Content-Type is text/event-stream (for streamed runs)
}

// readHeaders reads the header block after a status line of total bytes.
// A header line longer than br's buffer is read past unless it is one of
// those that frame the body, which must fit.
func readHeaders(br *bufio.Reader, minor, total int) (framing, error) {
	h := headerScan{framing: framing{contentLength: -1, keepAlive: minor >= 1}, minor: minor}
	for {
		line, err := br.ReadSlice('\n')
		long := err == bufio.ErrBufferFull
		if err != nil && !long {
			return h.framing, eofIsUnexpected(lineError(err, "header line", line))
		}
		total += len(line)
		if total > h1MaxHeaderBytes {
			return h.framing, errHeaderTooLarge
		}
		line = trimEOL(line)
		if len(line) == 0 {
			break
		}
		// A line starting with a space or tab is obsolete line folding: it
		// continues a header we don't read.
		if line[0] != ' ' && line[0] != '\t' {
			colon := indexByte(line, ':')
			if colon <= 0 {
				return h.framing, malformed("header line", line)
			}
			name, value := line[:colon], trimSpace(line[colon+1:])
			if long && framingHeader(name) {
				return h.framing, &protocolError{string(name) + " header longer than " + strconv.Itoa(h1ReadBuffer) + " bytes"}
			}
			if err := h.parse(name, value); err != nil {
				return h.framing, err
			}
		}
		if long {
			if err := skipLine(br, &total); err != nil {
				return h.framing, err
			}
		}
	}
	f := h.framing
	if h.otherTE {
		f.chunked, f.contentLength = false, -1 // read until close
	} else if f.chunked {
		if f.contentLength >= 0 {
			// Both: chunked wins, and the connection is not trusted
			// with another request (RFC 9112, 6.3).
			h.closeConn = true
		}
		f.contentLength = -1
	}
	if h.closeConn {
		f.keepAlive = false
	} else if h.minor == 0 && h.keepAliveToken {
		f.keepAlive = true
	}
	return f, nil
}

// framingHeader reports whether name is a header readHeaders reads.
func framingHeader(name []byte) bool {
	return equalFold(name, "content-length") || equalFold(name, "transfer-encoding") || equalFold(name, "connection")
}

// headerScan is what readHeaders has learned so far.
type headerScan struct {
	framing
	minor                              int // HTTP/1.minor
	otherTE, closeConn, keepAliveToken bool
}

// parse notes what one header line says about framing.
func (h *headerScan) parse(name, value []byte) error {
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseContentLength(value)
		if !ok || (h.contentLength >= 0 && n != h.contentLength) {
			return malformed("Content-Length", value)
		}
		h.contentLength = n
	case equalFold(name, "transfer-encoding") && h.minor >= 1: // HTTP/1.0 has no transfer codings
		// The last coding decides the framing (RFC 9112, 6.3).
		last := value
		if i := lastIndexByte(value, ','); i >= 0 {
			last = trimSpace(value[i+1:])
		}
		h.chunked = equalFold(last, "chunked")
		h.otherTE = !h.chunked
	case len(name) == len("content-type") && equalFold(name, "content-type"):
		h.eventStream = isEventStream(value)
	case equalFold(name, "connection"):
		// Token by token in place: splitting into strings allocated on
		// every response (most servers send Connection: keep-alive), and
		// about 17 bytes per byte of a line of commas.
		for rest := value; len(rest) > 0; {
			tok := rest
			if i := indexByte(rest, ','); i >= 0 {
				tok, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			tok = trimSpace(tok)
			h.closeConn = h.closeConn || equalFold(tok, "close")
			h.keepAliveToken = h.keepAliveToken || equalFold(tok, "keep-alive")
		}
	}
	return nil
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// readBody reads n body bytes, or to end of file when n < 0, keeping a
// prefix. It returns how many it read.
func readBody(br *bufio.Reader, n int64, prefix *[]byte) (int64, error) {
	var read int64
	for n < 0 || read < n {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if n < 0 && err == io.EOF {
					return read, nil
				}
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return read, err
			}
		}
		k := br.Buffered()
		if n >= 0 {
			k = int(min(int64(k), n-read))
		}
		b, _ := br.Peek(k) // buffered already: no read
		*prefix = keepPrefix(*prefix, b)
		br.Discard(k)
		read += int64(k)
	}
	return read, nil
}

// readChunked reads a chunked body through its trailers.
func readChunked(br *bufio.Reader, prefix *[]byte) (int64, error) {
	var total int64
	for {
		size, err := readChunkSize(br)
		if err != nil {
			return total, err
		}
		if size == 0 {
			return total, readTrailers(br)
		}
		n, err := readBody(br, size, prefix)
		total += n
		if err != nil {
			return total, err
		}
		if err := readChunkEnd(br); err != nil {
			return total, err
		}
	}
}

// readChunkSize reads a chunk's size line ("hex[;ext]"); 0 is the last
// chunk, which the trailers follow.
func readChunkSize(br *bufio.Reader) (int64, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, eofIsUnexpected(lineError(err, "chunk size line", line))
	}
	if len(line) >= h1MaxChunkLine {
		return 0, &protocolError{"chunk size line longer than " + strconv.Itoa(h1MaxChunkLine) + " bytes"}
	}
	size, ok := parseChunkSize(trimEOL(line))
	if !ok {
		return 0, malformed("chunk size", line)
	}
	return size, nil
}

// readChunkEnd reads the line break after a chunk's data.
func readChunkEnd(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return eofIsUnexpected(lineError(err, "chunk end", line))
	}
	if len(trimEOL(line)) != 0 {
		return malformed("chunk end", line)
	}
	return nil
}

// readTrailers reads a chunked body's trailers through the empty line that
// ends them; they are bounded as headers are.
func readTrailers(br *bufio.Reader) error {
	trailers := 0
	for {
		line, err := br.ReadSlice('\n')
		trailers += len(line)
		switch {
		case trailers > h1MaxHeaderBytes:
			return errHeaderTooLarge
		case err == bufio.ErrBufferFull:
			if err := skipLine(br, &trailers); err != nil {
				return err
			}
			continue
		case err != nil:
			return eofIsUnexpected(lineError(err, "trailer line", line))
		}
		if len(trimEOL(line)) == 0 {
			return nil
		}
	}
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseChunkSize parses "hex[;ext]", allowing whitespace before the ';'.
func parseChunkSize(line []byte) (int64, bool) {
	if i := indexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | int64(c)
	}
	return n, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold compares b with the lower-case ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
