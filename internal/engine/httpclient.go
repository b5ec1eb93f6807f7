package engine

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTP returns a Transport that sends real requests. Plain http:// targets
// go through a lean HTTP/1.1 client with one keep-alive connection per
// worker (see docs/PERFORMANCE.md for why); https:// targets, and so
// HTTP/2, go through one shared http.Client whose pool keeps up to conns
// idle connections per host.
func HTTP(conns int) Transport {
	t := newHTTPTransport(conns)
	t.lean = true
	return t
}

// NetHTTP is HTTP with net/http's client for every scheme, plain http
// included. It exists to compare the two clients.
func NetHTTP(conns int) Transport {
	return newHTTPTransport(conns)
}

func newHTTPTransport(conns int) *httpTransport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &httpTransport{dialer: dialer}
	tr := &http.Transport{
		Proxy:                  nil, // load goes straight to the target, never through a proxy
		DialContext:            t.dialContext,
		MaxResponseHeaderBytes: h1MaxHeaderBytes, // as the lean client's
		MaxIdleConns:           conns,
		MaxIdleConnsPerHost:    conns,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // measure the bytes the server sends
		ForceAttemptHTTP2:      true,
	}
	t.client = &http.Client{
		Transport: tr,
		// A redirect is the answer being measured; don't follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.tr = tr
	return t
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
	client *http.Client
	tr     *http.Transport
	dialer *net.Dialer
	lean   bool
	conns  atomic.Int64 // connections opened, by either client

	mu      sync.Mutex
	senders []*h1Sender // to close their connections in CloseIdle
}

func (t *httpTransport) NewSender() Sender {
	s := &httpSender{client: t.client}
	if t.lean {
		s.h1 = newH1Sender(t.dialer, &t.conns)
		t.mu.Lock()
		t.senders = append(t.senders, s.h1)
		t.mu.Unlock()
	}
	return s
}

func (t *httpTransport) CloseIdle() {
	t.tr.CloseIdleConnections()
	t.mu.Lock()
	senders := t.senders
	t.senders = nil
	t.mu.Unlock()
	for _, s := range senders {
		s.shutdown()
	}
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
	client *http.Client
	h1     *h1Sender // nil for NetHTTP
	buf    []byte
	prefix []byte
}

func (s *httpSender) preparePlan(p *Plan) bool {
	if s.h1 == nil || !h1Target(p.URL) {
		return false
	}
	s.h1.prepare(p.Method, p.URL, "", p.Header, p.Timeout, p.Body, p.BodyFunc == nil)
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

func (s *httpSender) Send(req *http.Request, out *Outcome) error {
	if s.h1 != nil && h1Target(req.URL) {
		return s.h1.Send(req, out)
	}
	if s.buf == nil {
		s.buf = make([]byte, 32<<10)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		out.Status, out.BytesIn, out.Body = 0, 0, nil
		return err
	}
	defer resp.Body.Close()
	out.Status = resp.StatusCode
	s.prefix = s.prefix[:0]
	var n int64
	for {
		m, rerr := resp.Body.Read(s.buf)
		if m > 0 {
			if room := BodyPrefixLimit - len(s.prefix); room > 0 {
				s.prefix = append(s.prefix, s.buf[:min(room, m)]...)
			}
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
