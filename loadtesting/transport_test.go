package loadtesting_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/testcert"
	"github.com/apiload/apiload/loadtesting"
)

// protoRecorder answers 200 and records the protocols of the requests it
// served and the connections they came on.
type protoRecorder struct {
	mu     sync.Mutex
	protos map[string]int
	conns  map[string]bool // by remote address
}

func (h *protoRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.protos == nil {
		h.protos, h.conns = map[string]int{}, map[string]bool{}
	}
	h.protos[r.Proto]++
	h.conns[r.RemoteAddr] = true
	h.mu.Unlock()
	io.WriteString(w, "ok")
}

func (h *protoRecorder) seen() (protos map[string]int, conns int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.protos, len(h.conns)
}

// TestExec_protocol checks which protocol each kind of target uses by
// default and with HTTP2, as the server saw it and as Result.Protocol
// records it.
func TestExec_protocol(t *testing.T) {
	const requests, clients = 60, 4
	tests := []struct {
		name     string
		tls      bool // an HTTPS server that offers HTTP/2, else plain HTTP
		edit     func(*loadtesting.Config)
		want     string
		maxConns int // connections the server may see; 0: not checked
	}{
		{name: "in-process", want: loadtesting.ProtocolInProcess},
		{name: "http, lean client", edit: func(c *loadtesting.Config) {}, want: "HTTP/1.1", maxConns: clients},
		{name: "http, NetHTTP", edit: func(c *loadtesting.Config) { c.NetHTTP = true }, want: "HTTP/1.1", maxConns: clients},
		{name: "https offering HTTP/2: HTTP/1.1 by default", tls: true, edit: func(c *loadtesting.Config) {}, want: "HTTP/1.1", maxConns: clients},
		{name: "https with HTTP2", tls: true, edit: func(c *loadtesting.Config) { c.HTTP2 = true }, want: "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &protoRecorder{}
			cfg := loadtesting.Config{Requests: requests, Clients: clients}
			var target http.Handler = h
			if tt.edit != nil {
				target = nil
				var srv *httptest.Server
				if tt.tls {
					srv = testcert.NewServer(t, h, testcert.Options{HTTP2: true})
					cfg.TLS = &tls.Config{RootCAs: testcert.ServerPool(srv)}
				} else {
					srv = httptest.NewServer(h)
					t.Cleanup(srv.Close)
				}
				cfg.BaseURL = srv.URL
				tt.edit(&cfg)
			}
			res, err := loadtesting.Exec(t.Context(), target, cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Protocol)
			assert.Equal(t, int64(requests), res.Metrics.Succeeded, "errors: %v", res.Metrics.Errors)
			protos, conns := h.seen()
			if tt.want != loadtesting.ProtocolInProcess {
				assert.Equal(t, map[string]int{tt.want: requests}, protos, "protocols the server saw")
				assert.Contains(t, res.OneLine(), cfg.BaseURL+"/ over "+tt.want)
			}
			if tt.maxConns > 0 {
				assert.LessOrEqual(t, conns, tt.maxConns, "connections the server saw")
			}
		})
	}
}

// TestExec_TLS runs against HTTPS servers with a self-signed certificate,
// one of them demanding a client certificate: each succeeds with the
// right Config.TLS, and without it every request fails with a transport
// error naming the cause.
func TestExec_TLS(t *testing.T) {
	client := testcert.NewClient(t, "load-generator")
	plain := testcert.NewServer(t, okHandler, testcert.Options{})
	mutual := testcert.NewServer(t, okHandler, testcert.Options{ClientCA: client})
	stranger := testcert.NewClient(t, "stranger")

	tests := []struct {
		name    string
		srv     *httptest.Server
		tls     *tls.Config
		wantErr string // in every error sample; "" means every request succeeds
	}{
		{"self-signed, no TLS config", plain, nil, "x509: certificate signed by unknown authority"},
		{"self-signed, InsecureSkipVerify", plain, &tls.Config{InsecureSkipVerify: true}, ""},
		{"self-signed, RootCAs", plain, &tls.Config{RootCAs: testcert.ServerPool(plain)}, ""},
		{"client certificate", mutual, &tls.Config{RootCAs: testcert.ServerPool(mutual), Certificates: []tls.Certificate{client.TLS(t)}}, ""},
		{"client certificate missing", mutual, &tls.Config{RootCAs: testcert.ServerPool(mutual)}, "certificate required"},
		{"client certificate not trusted", mutual, &tls.Config{RootCAs: testcert.ServerPool(mutual), Certificates: []tls.Certificate{stranger.TLS(t)}}, "tls: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadtesting.Config{BaseURL: tt.srv.URL, Requests: 20, Clients: 2, TLS: tt.tls}
			res, err := loadtesting.Exec(t.Context(), nil, cfg)
			require.NoError(t, err)
			if tt.wantErr == "" {
				assert.Equal(t, int64(20), res.Metrics.Succeeded, "errors: %v", res.Metrics.Errors)
				assert.Equal(t, "HTTP/1.1", res.Protocol)
				return
			}
			assert.Equal(t, int64(20), res.Metrics.Failed)
			require.NotEmpty(t, res.Metrics.Errors)
			for _, e := range res.Metrics.Errors {
				assert.Equal(t, loadtesting.KindTransport, e.Kind)
				assert.Contains(t, e.Message, tt.wantErr)
			}
		})
	}

	t.Run("Config.TLS is not modified", func(t *testing.T) {
		c := &tls.Config{RootCAs: testcert.ServerPool(plain), NextProtos: []string{"h2", "http/1.1"}}
		res, err := loadtesting.Exec(t.Context(), nil, loadtesting.Config{BaseURL: plain.URL, Requests: 4, Clients: 2, TLS: c})
		require.NoError(t, err)
		assert.Equal(t, int64(4), res.Metrics.Succeeded, "errors: %v", res.Metrics.Errors)
		assert.Equal(t, []string{"h2", "http/1.1"}, c.NextProtos)
	})
}

// countingTransport counts the requests it carries to next.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestExec_customTransport checks that Config.Transport carries every
// request, redirects included (not followed), and that its errors and
// panics are transport failures, not a crash.
func TestExec_customTransport(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ok", okHandler)
	mux.Handle("/moved", http.RedirectHandler("/ok", http.StatusFound))
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	secure := testcert.NewServer(t, mux, testcert.Options{HTTP2: true})

	t.Run("counting", func(t *testing.T) {
		tests := []struct {
			name       string
			url, path  string
			next       *http.Transport
			wantStatus map[int]int64
			wantProto  string
		}{
			{"http", plain.URL, "/ok", &http.Transport{}, map[int]int64{204: 50}, "HTTP/1.1"},
			{"redirect is not followed", plain.URL, "/moved", &http.Transport{}, map[int]int64{302: 50}, "HTTP/1.1"},
			{"https, its own TLS and HTTP/2", secure.URL, "/ok",
				&http.Transport{TLSClientConfig: &tls.Config{RootCAs: testcert.ServerPool(secure)}, ForceAttemptHTTP2: true},
				map[int]int64{204: 50}, "HTTP/2.0"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Cleanup(tt.next.CloseIdleConnections)
				rt := &countingTransport{next: tt.next}
				res, err := loadtesting.Exec(t.Context(), nil, loadtesting.Config{
					BaseURL: tt.url, Path: tt.path, Requests: 50, Clients: 5, Transport: rt})
				require.NoError(t, err)
				assert.Equal(t, int64(50), rt.n.Load(), "requests the Transport carried")
				assert.Equal(t, tt.wantStatus, res.Metrics.StatusCodes, "errors: %v", res.Metrics.Errors)
				assert.Equal(t, tt.wantProto, res.Protocol)
				// Its connections, counted from what it reports to httptrace.
				assert.GreaterOrEqual(t, res.Metrics.Connections, int64(1), "connections the Transport reported")
			})
		}
	})

	failing := []struct {
		name    string
		rt      roundTripFunc
		wantMsg string
	}{
		{"error", func(*http.Request) (*http.Response, error) { return nil, errors.New("proxy said no") }, "proxy said no"},
		{"panic", func(*http.Request) (*http.Response, error) { panic("instrumentation bug") }, "Transport panicked: instrumentation bug"},
		{"nil response", func(*http.Request) (*http.Response, error) { return nil, nil }, "nil *Response"},
	}
	for _, tt := range failing {
		t.Run(tt.name, func(t *testing.T) {
			res, err := loadtesting.Exec(t.Context(), nil, loadtesting.Config{
				BaseURL: plain.URL, Requests: 30, Clients: 3, Transport: tt.rt})
			require.NoError(t, err)
			assert.Equal(t, int64(30), res.Metrics.Failed)
			assert.Equal(t, map[int]int64{0: 30}, res.Metrics.StatusCodes)
			assert.Empty(t, res.Protocol, "no response said which protocol")
			require.NotEmpty(t, res.Metrics.Errors)
			for _, e := range res.Metrics.Errors {
				assert.Equal(t, loadtesting.KindTransport, e.Kind)
				assert.Contains(t, e.Message, tt.wantMsg)
			}
		})
	}
}

// TestKinds pins the failure kinds to the strings the JSON holds.
func TestKinds(t *testing.T) {
	got := []string{loadtesting.KindStatus, loadtesting.KindTimeout, loadtesting.KindPanic, loadtesting.KindTransport, loadtesting.KindPayload}
	assert.Equal(t, []string{"status", "timeout", "panic", "transport", "payload"}, got)
}

// Example_failureKinds counts a run's sampled failures by kind, as a
// program that reacts to them would.
func Example_failureKinds() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); string(body) == "panic" {
			panic("bad input")
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	res, err := loadtesting.Exec(context.Background(), h, loadtesting.Config{
		Method: "POST", Requests: 6, Clients: 1,
		BodyFunc: func(i int64) ([]byte, error) {
			switch i % 3 {
			case 0:
				return nil, errors.New("no fixture for this request")
			case 1:
				return []byte("panic"), nil
			}
			return []byte("{}"), nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range res.Metrics.Errors {
		switch e.Kind {
		case loadtesting.KindPayload, loadtesting.KindPanic, loadtesting.KindStatus:
			kinds[e.Kind]++
		case loadtesting.KindTimeout, loadtesting.KindTransport:
			kinds["no response"]++
		}
	}
	fmt.Println(kinds)
	// Output: map[panic:2 payload:2 status:2]
}
