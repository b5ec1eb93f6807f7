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
// (unless RouteOptions.NoProbe); a 401 or 403 answer marks it as needing
// auth, and a Content-Type of text/event-stream as a stream.
const (
	// probeTimeout bounds the wait for a probed handler's status.
	probeTimeout = 2 * time.Second
	// probeGrace bounds the wait for a probed handler to return once its
	// request context is cancelled.
	probeGrace = time.Second
	// probeValue fills the placeholders of a probed path.
	probeValue = "1"
)

// probeAnswer is what a probe learned of a route's answer.
type probeAnswer struct {
	// status is the status the handler sent (200 if it returned without
	// one); 0 when no probe was sent or the handler panicked.
	status int
	// contentType is the Content-Type the handler had set when its status
	// became known (or when it returned); "" if none or unknown.
	contentType string
}

// auth reports whether the answer says the route needs credentials.
func (a probeAnswer) auth() bool { return isAuthStatus(a.status) }

// stream reports whether the answer is a server-sent-events stream: a
// Content-Type of text/event-stream, whatever its parameters.
func (a probeAnswer) stream() bool {
	media, _, _ := strings.Cut(a.contentType, ";")
	return strings.EqualFold(strings.TrimSpace(media), "text/event-stream")
}

// probe sends one GET without credentials to path (placeholders filled)
// through h and returns what it answered. When router is set, the probe is
// only sent if router would serve it with route.
func probe(h http.Handler, router *mux.Router, route *mux.Route, path string) probeAnswer {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost"+fillForProbe(path), nil)
	if err != nil {
		return probeAnswer{} // a path template that is no URL path
	}
	req.RequestURI = req.URL.RequestURI()
	req.RemoteAddr = "192.0.2.1:1234"
	if router != nil {
		var m mux.RouteMatch
		if !router.Match(req, &m) || m.Route != route || m.MatchErr != nil {
			return probeAnswer{} // GET would be answered by another route or not at all
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
		return w.answer(true, panicked)
	case <-w.known:
	case <-ctx.Done():
	}
	cancel()
	grace := time.NewTimer(probeGrace)
	defer grace.Stop()
	select {
	case panicked := <-returned:
		return w.answer(true, panicked)
	case <-grace.C: // the handler ignores its context; leave it running
		return w.answer(false, false)
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
// final status), Write or Flush records the status and the Content-Type,
// signals known and cancels the request context; later writes and flushes
// fail.
type probeWriter struct {
	header http.Header // used by the handler goroutine only, until it returns
	known  chan struct{}
	cancel context.CancelFunc

	mu          sync.Mutex
	status      int
	contentType string
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
	w.contentType = w.header.Get("Content-Type") // record runs on the handler's goroutine
	close(w.known)
	w.cancel()
}

// answer is what the probe learned. returned says the handler has returned
// (so its header may be read), panicked that it panicked. A handler that
// returned without sending a status answered 200, as net/http would answer
// for it, with the Content-Type it set.
func (w *probeWriter) answer(returned, panicked bool) probeAnswer {
	if panicked {
		return probeAnswer{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 {
		return probeAnswer{status: w.status, contentType: w.contentType}
	}
	a := probeAnswer{status: http.StatusOK}
	if returned {
		a.contentType = w.header.Get("Content-Type")
	}
	return a
}
