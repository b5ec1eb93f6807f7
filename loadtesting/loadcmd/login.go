package loadcmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/apiload/apiload/loadtesting"
)

// loginFunc is the hook WithLogin sets.
type loginFunc func(ctx context.Context, user string) (token string, err error)

// authAs returns what `run --auth-as USER` sets as the run's Config.Auth:
// a hook that calls login once, before the load, with the run's target in
// its context (for Do), and returns "Authorization: Bearer <token>". h is
// the app's handler, the target of in-process runs.
func (login loginFunc) authAs(h http.Handler) func(user string, cfg loadtesting.Config) func(context.Context) (http.Header, error) {
	return func(user string, cfg loadtesting.Config) func(context.Context) (http.Header, error) {
		t := loginTarget{baseURL: cfg.BaseURL, tls: cfg.TLS}
		if cfg.BaseURL == "" {
			t.handler = h
		}
		return func(ctx context.Context) (http.Header, error) {
			token, err := login(context.WithValue(ctx, targetKey{}, t), user)
			if err != nil {
				return nil, fmt.Errorf("login refused: %w", err)
			}
			if token == "" {
				return nil, errors.New("the login hook returned no token")
			}
			return http.Header{"Authorization": {"Bearer " + token}}, nil
		}
	}
}

type targetKey struct{}

// loginTarget is where a run's load goes, made known to its login hook.
type loginTarget struct {
	handler http.Handler // set for in-process runs
	baseURL string       // set for runs over HTTP
	tls     *tls.Config  // the run's TLS settings, for https:// runs
}

// Do sends req to the target of the run in progress: the app's handler for
// an --in-process run, else the run's base URL (with the run's TLS
// settings: --ca-cert, --client-cert, --insecure). Call it from the login
// hook (WithLogin) so the token comes from the server the load goes to;
// req's URL is a path such as "/api/v1/auth/login" and its context is the
// one the hook was given. It fails when that context does not come from a
// login hook. The caller closes the response body.
func Do(req *http.Request) (*http.Response, error) {
	t, ok := req.Context().Value(targetKey{}).(loginTarget)
	if !ok {
		return nil, errors.New("loadcmd.Do: not called from a run's login hook: no target in the request's context")
	}
	if t.handler != nil {
		rec := httptest.NewRecorder()
		t.handler.ServeHTTP(rec, req)
		return rec.Result(), nil
	}
	base, err := url.Parse(t.baseURL)
	if err != nil {
		return nil, err
	}
	r2 := req.Clone(req.Context())
	r2.URL = base.ResolveReference(&url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery})
	r2.Host = ""
	r2.RequestURI = ""
	client := &http.Client{Timeout: 30 * time.Second}
	if t.tls != nil {
		// The run's TLS settings, on a transport that keeps no connection
		// open once the login is answered.
		client.Transport = &http.Transport{TLSClientConfig: t.tls.Clone(), DisableKeepAlives: true}
	}
	return client.Do(r2)
}
