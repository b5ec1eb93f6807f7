package engine

import (
	"io"
	"net"
	"net/http"
	"time"
)

// HTTP returns a Transport that sends real requests through one shared
// http.Client whose connection pool keeps up to conns idle keep-alive
// connections per host, so each worker reuses its connection.
func HTTP(conns int) Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 nil, // load goes straight to the target, never through a proxy
		DialContext:           dialer.DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // measure the bytes the server sends
		ForceAttemptHTTP2:     true,
	}
	return &httpTransport{
		client: &http.Client{
			Transport: tr,
			// A redirect is the answer being measured; don't follow it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		tr: tr,
	}
}

type httpTransport struct {
	client *http.Client
	tr     *http.Transport
}

func (t *httpTransport) NewSender() Sender {
	return &httpSender{client: t.client, buf: make([]byte, 32<<10)}
}

func (t *httpTransport) CloseIdle() { t.tr.CloseIdleConnections() }

type httpSender struct {
	client *http.Client
	buf    []byte
	prefix []byte
}

func (s *httpSender) Send(req *http.Request, out *Outcome) error {
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
