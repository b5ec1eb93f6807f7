package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPOptions configures the Transport that NewHTTP returns. Only Conns
// must be set; the other zero values give HTTP's behaviour.
type HTTPOptions struct {
	// Conns is the number of workers: net/http opens at most this many
	// connections per host and keeps as many idle.
	Conns int
	// TLS configures https:// connections. nil means Go's defaults: the
	// server is verified against the system's roots. It is cloned, never
	// modified. Without a ClientSessionCache of its own, the lean client's
	// connections share one, so a re-dialled connection resumes its session.
	TLS *tls.Config
	// HTTP2 offers HTTP/2 as well as HTTP/1.1 in https:// handshakes; the
	// server picks, and net/http's client carries https:// requests.
	// Without it only HTTP/1.1 is offered, and the lean client carries
	// them over crypto/tls, each worker on a connection of its own.
	HTTP2 bool
	// NetHTTP sends every request through net/http's client, instead of
	// the lean HTTP/1.1 client.
	NetHTTP bool
	// RoundTripper, when set, carries every request, wrapped in an
	// http.Client that does not follow redirects; TLS, HTTP2 and NetHTTP
	// are then ignored. It is never closed: its owner closes it. A panic
	// in it fails the request (a transport error) rather than the process.
	RoundTripper http.RoundTripper
}

// HTTP returns a Transport that sends real requests through a lean
// HTTP/1.1 client with one keep-alive connection per worker (see
// docs/PERFORMANCE.md for why), over crypto/tls for https:// targets with
// Go's default TLS settings. It is NewHTTP(HTTPOptions{Conns: conns}).
func HTTP(conns int) Transport {
	return NewHTTP(HTTPOptions{Conns: conns})
}

// NetHTTP is HTTP with net/http's client for every scheme, plain http
// included. It exists to compare the two clients.
func NetHTTP(conns int) Transport {
	return NewHTTP(HTTPOptions{Conns: conns, NetHTTP: true})
}

// NewHTTP returns a Transport that sends real requests as o says. Its
// Protocol method (see Protocol) reports what the responses used.
func NewHTTP(o HTTPOptions) Transport {
	redirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if o.RoundTripper != nil {
		// A redirect is the answer being measured; don't follow it.
		return &httpTransport{client: &http.Client{Transport: o.RoundTripper, CheckRedirect: redirect}, custom: true}
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(o.HTTP2)
	t := &httpTransport{dialer: dialer, lean: !o.NetHTTP}
	if t.lean && !o.HTTP2 {
		t.leanTLS = leanTLSConfig(o.TLS, o.Conns) // https:// through the lean client too
	}
	tr := &http.Transport{
		Proxy:                  nil,              // load goes straight to the target, never through a proxy
		DialContext:            t.dialContext,    // counts the connections
		MaxResponseHeaderBytes: h1MaxHeaderBytes, // as the lean client's
		TLSClientConfig:        tlsConfig(o.TLS, o.HTTP2),
		MaxIdleConns:           o.Conns,
		MaxIdleConnsPerHost:    o.Conns,
		MaxConnsPerHost:        o.Conns,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // measure the bytes the server sends
		Protocols:              protos,
	}
	t.client, t.tr = &http.Client{Transport: tr, CheckRedirect: redirect}, tr
	if !o.HTTP2 {
		t.offered = "HTTP/1.1" // the only protocol these clients speak
	}
	return t
}

// tlsConfig returns a copy of c for net/http. Without HTTP/2 it offers no
// "h2" in ALPN, even if c's NextProtos did: a server that picked it would
// then be spoken to in HTTP/1.1.
func tlsConfig(c *tls.Config, http2 bool) *tls.Config {
	c = c.Clone()
	if c != nil && !http2 {
		c.NextProtos = slices.DeleteFunc(slices.Clone(c.NextProtos), func(p string) bool { return p == "h2" })
	}
	return c
}

// dialContext is net/http's dialer, counting the connections it opens.
func (t *httpTransport) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.dialer.DialContext(ctx, network, addr)
	if err == nil {
		t.conns.Add(1)
	}
	return c, err
}

// connections implements connCounter.
func (t *httpTransport) connections() int64 { return t.conns.Load() }

type httpTransport struct {
	client  *http.Client
	tr      *http.Transport // nil with a caller's RoundTripper
	dialer  *net.Dialer
	lean    bool
	leanTLS *tls.Config  // the lean client's https:// settings; nil sends https:// through net/http
	custom  bool         // client.Transport is the caller's
	conns   atomic.Int64 // connections opened, by either client

	mu      sync.Mutex
	senders []*h1Sender // to close their connections in CloseIdle
	protos  []string    // protocols of the responses received, in order of first sight
	offered string      // the protocol to report when no response said one
}

func (t *httpTransport) NewSender() Sender {
	s := &httpSender{t: t, client: t.client, custom: t.custom}
	if t.lean {
		s.h1 = newH1Sender(t.dialer, &t.conns)
		s.h1.tlsBase = t.leanTLS
		t.mu.Lock()
		t.senders = append(t.senders, s.h1)
		t.mu.Unlock()
	}
	return s
}

func (t *httpTransport) CloseIdle() {
	if t.tr != nil {
		t.tr.CloseIdleConnections()
	}
	t.mu.Lock()
	senders := t.senders
	t.senders = nil
	t.mu.Unlock()
	for _, s := range senders {
		s.shutdown()
	}
}

// saw records that a response came over protocol p.
func (t *httpTransport) saw(p string) {
	if p == "" {
		return
	}
	t.mu.Lock()
	if !slices.Contains(t.protos, p) {
		t.protos = append(t.protos, p)
	}
	t.mu.Unlock()
}

// Protocol reports the protocol of the responses received so far
// ("HTTP/1.1", "HTTP/2.0"), several joined with ", " in sorted order when
// they differed. Before any response it is "HTTP/1.1" when nothing else
// could be spoken, else "".
func (t *httpTransport) Protocol() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.protos) == 0 {
		return t.offered
	}
	return strings.Join(slices.Sorted(slices.Values(t.protos)), ", ")
}

// Protocol returns the protocol that t's requests used, for Transports
// that know it (those from HTTP, NetHTTP and NewHTTP), else "".
func Protocol(t Transport) string {
	if p, ok := t.(interface{ Protocol() string }); ok {
		return p.Protocol()
	}
	return ""
}

// planSender is implemented by Senders that can send a run's requests
// without an *http.Request built for each one.
type planSender interface {
	// preparePlan readies the sender for p's requests. False means it
	// cannot, and the engine uses Send.
	preparePlan(p *Plan) bool
	// sendPlan sends one of p's requests with the given body.
	sendPlan(rc *reqCtx, body []byte, out *Outcome) error
}

type httpSender struct {
	t      *httpTransport
	client *http.Client
	trace  *httptrace.ClientTrace // with a caller's RoundTripper: counts its new connections
	custom bool
	h1     *h1Sender // nil for NetHTTP and a caller's RoundTripper
	proto  string    // the last protocol reported to t
	buf    []byte
	prefix []byte
}

func (s *httpSender) preparePlan(p *Plan) bool {
	if s.h1 == nil || !s.h1.target(p.URL) {
		return false
	}
	s.h1.prepare(p.Method, p.URL, "", p.Header, p.Timeout, p.Body, p.BodyFunc == nil)
	s.sawProto("HTTP/1.1")
	return true
}

func (s *httpSender) sendPlan(rc *reqCtx, body []byte, out *Outcome) error {
	return s.h1.sendPlan(rc, body, out)
}

func (s *httpSender) cancelled(rc *reqCtx) {
	if s.h1 != nil {
		s.h1.cancelled(rc)
	}
}

// sawProto tells the transport about p when it differs from the last
// protocol this sender reported: a string comparison per response.
func (s *httpSender) sawProto(p string) {
	if p != s.proto {
		s.proto = p
		s.t.saw(p)
	}
}

func (s *httpSender) Send(req *http.Request, out *Outcome) (err error) {
	if s.custom {
		// A panic in a caller's RoundTripper (or in the body it returned)
		// fails the request, not the process.
		defer func() {
			if v := recover(); v != nil {
				out.Status, out.BytesIn, out.Body = 0, 0, nil
				err = fmt.Errorf("Transport panicked: %s", stringify(v))
			}
		}()
	}
	if s.h1 != nil && s.h1.target(req.URL) {
		s.sawProto("HTTP/1.1")
		return s.h1.Send(req, out)
	}
	if s.buf == nil {
		s.buf = make([]byte, 32<<10)
	}
	rc, _ := req.Context().(*reqCtx) // before the trace wraps it
	if s.custom {
		// A caller's RoundTripper dials for itself: count the connections
		// it says are new (an http.Transport reports them to httptrace;
		// one that does not shows 0). A connection that sat in its idle
		// pool before its first request reads as reused, so this may
		// count fewer than were opened.
		if s.trace == nil {
			s.trace = &httptrace.ClientTrace{GotConn: func(c httptrace.GotConnInfo) {
				if !c.Reused {
					s.t.conns.Add(1)
				}
			}}
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), s.trace))
	}
	resp, err := s.roundTrip(req)
	if err != nil {
		out.Status, out.BytesIn, out.Body = 0, 0, nil
		if ue, ok := err.(*url.Error); ok {
			// Not `Get "URL": cause`: the run's URL is known, and the
			// cause must survive a report that shortens the message.
			err = ue.Err
		}
		return err
	}
	defer resp.Body.Close()
	s.sawProto(resp.Proto)
	out.Status = resp.StatusCode
	if rc != nil && rc.stream != nil {
		if streamed, err := s.readStream(rc.stream, resp, out); streamed { // stream.go
			return err
		}
	}
	s.prefix = s.prefix[:0]
	var n int64
	for {
		m, rerr := resp.Body.Read(s.buf)
		if m > 0 {
			s.prefix = keepPrefix(s.prefix, s.buf[:m])
			n += int64(m)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			out.BytesIn, out.Body = n, s.prefix
			return rerr
		}
	}
	out.BytesIn, out.Body = n, s.prefix
	return nil
}
