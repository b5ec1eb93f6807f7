package loadtesting

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/apiload/apiload/internal/engine"
)

// Running is a load run in progress, from Start. Its Progress may be read
// from any goroutine while the run goes on; Wait returns the Result.
type Running struct {
	runner    *engine.Runner
	transport engine.Transport
	cfg       Config // resolved
	target    *url.URL
	inProcess bool
}

// Progress is a snapshot of a run in progress.
type Progress struct {
	// Done counts finished requests; Failed those of them that failed.
	Done, Failed int64
	// Total is the request count bound (0 when the run is bounded by time only).
	Total int64
	// Elapsed is the time since the run started; Duration its time bound (0 if none).
	Elapsed, Duration time.Duration
}

// Start checks cfg and begins its load in the background, as Exec does,
// returning a *ConfigError before anything is sent when cfg is invalid.
// Call Wait for the Result. Start saves nothing; it is for callers that
// show progress while a run goes on (the CLIs' progress bar).
func Start(ctx context.Context, h http.Handler, cfg Config) (*Running, error) {
	c := cfg.resolved()
	target, err := c.validate(h)
	if err != nil {
		return nil, err
	}
	c = c.share()
	if c.Auth != nil {
		extra, err := c.Auth(ctx)
		if err != nil {
			return nil, fmt.Errorf("Auth: %w (no request was sent)", err)
		}
		merged := c.Headers.Clone()
		if merged == nil {
			merged = http.Header{}
		}
		for k, vs := range extra {
			if !httpguts.ValidHeaderFieldName(k) {
				return nil, fmt.Errorf("Auth: header %q is not a valid header name", k)
			}
			for _, v := range vs {
				if !httpguts.ValidHeaderFieldValue(v) {
					return nil, fmt.Errorf("Auth: header %q: value holds a control character (CR, LF or NUL)", k)
				}
			}
			merged[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
		c.Headers = merged
	}
	inProcess := c.BaseURL == ""
	var tr engine.Transport
	if inProcess {
		tr = engine.InProcess(h)
	} else {
		tr = engine.NewHTTP(engine.HTTPOptions{
			Conns: c.Clients, TLS: c.TLS, HTTP2: c.HTTP2, NetHTTP: c.NetHTTP, RoundTripper: c.Transport,
		})
	}
	plan := engine.Plan{
		Method:   c.Method,
		URL:      target,
		Header:   c.Headers,
		Body:     c.Body,
		BodyFunc: c.BodyFunc,
		Requests: c.Requests,
		Duration: c.Duration,
		Clients:  c.Clients,
		Rate:     c.Rate,
		RampTo:   c.RampTo,
		Timeout:  c.Timeout,
		// Cloned: the caller may change its slice while the run goes on.
		ExpectStatus: slices.Clone(c.ExpectStatus),
		Transport:    tr,
	}
	if c.Stream != nil {
		plan.StreamFor, plan.StreamEvents = c.Stream.For, int64(c.Stream.Events)
	}
	return &Running{runner: engine.Start(ctx, plan), transport: tr, cfg: c, target: target, inProcess: inProcess}, nil
}

// Progress returns the counters so far. It is cheap and safe for
// concurrent use.
func (r *Running) Progress() Progress {
	p := r.runner.Progress()
	return Progress{Done: p.Done, Failed: p.Failed, Total: r.cfg.Requests, Elapsed: p.Elapsed, Duration: r.cfg.Duration}
}

// Wait blocks until the run ends and returns its Result. When the run's
// context ended it early, the partial Result comes with the context's
// error. Call it once.
func (r *Running) Wait() (*Result, error) {
	rep, runErr := r.runner.Wait()
	protocol := ProtocolInProcess
	if !r.inProcess {
		protocol = engine.Protocol(r.transport)
	}
	res, err := newResult(r.cfg, r.target, r.inProcess, protocol, rep)
	if err != nil {
		return nil, err
	}
	return res, runErr
}
