package loadtesting

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

// Limits of the unauthenticated probe: RoutesWith sends one GET without
// credentials to each GET and ANY route not already marked as needing auth
// (unless RouteOptions.NoProbe), and a 401 or 403 answer marks it.
const (
	// probeTimeout bounds the wait for a probed handler's status.
	probeTimeout = 2 * time.Second
	// probeGrace bounds the wait for a probed handler to return once its
	// request context is cancelled.
	probeGrace = time.Second
	// probeValue fills the placeholders of a probed path.
	probeValue = "1"
)

// probeAuth sends one GET without credentials to path (placeholders filled)
// through h and reports whether it answered 401 or 403. When router is set,
// the probe is only sent if router would serve it with route.
func probeAuth(h http.Handler, router *mux.Router, route *mux.Route, path string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost"+fillForProbe(path), nil)
	if err != nil {
		return false // a path template that is no URL path
	}
	req.RequestURI = req.URL.RequestURI()
	req.RemoteAddr = "192.0.2.1:1234"
	if router != nil {
		var m mux.RouteMatch
		if !router.Match(req, &m) || m.Route != route || m.MatchErr != nil {
			return false // GET would be answered by another route or not at all
		}
	}

	w := &probeWriter{header: make(http.Header), known: make(chan struct{}), cancel: cancel}
	returned := make(chan bool, 1) // true if the handler panicked
	go func() {
		panicked := true
		defer func() {
			if panicked {
				recover()
			}
			returned <- panicked
		}()
		h.ServeHTTP(w, req)
		panicked = false
	}()

	select {
	case panicked := <-returned:
		return !panicked && isAuthStatus(w.result())
	case <-w.known:
	case <-ctx.Done():
	}
	cancel()
	grace := time.NewTimer(probeGrace)
	defer grace.Stop()
	select {
	case panicked := <-returned:
		return !panicked && isAuthStatus(w.result())
	case <-grace.C: // the handler ignores its context; leave it running
		return isAuthStatus(w.result())
	}
}

func isAuthStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}

// fillForProbe replaces each placeholder of path with probeValue, or with
// "a" when the placeholder's pattern rejects probeValue but accepts "a".
func fillForProbe(path string) string {
	return placeholderRE.ReplaceAllStringFunc(path, func(m string) string {
		_, pattern, ok := strings.Cut(m[1:len(m)-1], ":")
		if !ok {
			return probeValue
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil || re.MatchString(probeValue) || !re.MatchString("a") {
			return probeValue
		}
		return "a"
	})
}

// errProbeDone is what a probed handler's writes return once its status is
// known: the probe reads nothing more.
var errProbeDone = errors.New("loadtesting: route probe has its status; response discarded")

// probeWriter is the ResponseWriter of a probe. The first WriteHeader (of a
// final status), Write or Flush records the status, signals known and
// cancels the request context; later writes and flushes fail.
type probeWriter struct {
	header http.Header // used by the handler goroutine only
	known  chan struct{}
	cancel context.CancelFunc

	mu     sync.Mutex
	status int
}

func (w *probeWriter) Header() http.Header { return w.header }

func (w *probeWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return // informational; the final status follows
	}
	w.record(code)
}

func (w *probeWriter) Write([]byte) (int, error) {
	w.record(http.StatusOK)
	return 0, errProbeDone
}

// Flush and FlushError serve http.Flusher and http.ResponseController.
func (w *probeWriter) Flush() { w.record(http.StatusOK) }

func (w *probeWriter) FlushError() error {
	w.record(http.StatusOK)
	return errProbeDone
}

func (w *probeWriter) record(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 {
		return
	}
	w.status = code
	close(w.known)
	w.cancel()
}

// result is the recorded status; 200 if the handler sent none, as net/http
// would answer for a handler that returns without writing.
func (w *probeWriter) result() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
