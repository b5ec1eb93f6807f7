package engine

import (
	"fmt"
	"net/http"
	"time"
)

// InProcess returns a Transport that calls h.ServeHTTP directly: no socket,
// no serialisation. Responses go to a lean writer that counts bytes and keeps
// only a short body prefix. A panic in h is recovered and reported as a
// *PanicError. It panics if h is nil.
func InProcess(h http.Handler) Transport {
	if h == nil {
		panic("engine: InProcess with a nil handler")
	}
	return inProcess{h: h}
}

type inProcess struct{ h http.Handler }

func (t inProcess) NewSender() Sender { return &inProcessSender{h: t.h} }
func (inProcess) CloseIdle()          {}

type inProcessSender struct {
	h http.Handler
	w leanWriter
}

func (s *inProcessSender) Send(req *http.Request, out *Outcome) (err error) {
	s.w.reset()
	rc, _ := req.Context().(*reqCtx)
	if rc != nil {
		s.w.rc, s.w.obs = rc, rc.stream
		if rc.stream != nil {
			req = req.WithContext(streamHandlerCtx{rc})
		}
	}
	// Make it look like a request a server received.
	req.RequestURI = req.URL.RequestURI()
	req.RemoteAddr = "127.0.0.1:1"
	req.URL.Scheme, req.URL.Host = "", ""
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
		}
		w := &s.w
		if !w.wroteHeader && err == nil {
			w.WriteHeader(http.StatusOK) // as a server sends it when the handler returns
		}
		out.Status, out.Late = w.status, w.late
		if o := w.obs; o != nil && o.opened {
			// What the handler wrote last and never flushed, a server
			// sends as it returns.
			if !o.stopped() {
				w.flushEvents()
			}
			o.closed(err)
		}
		out.BytesIn = w.written
		out.Body = w.prefix
		w.rc, w.obs = nil, nil
	}()
	s.h.ServeHTTP(&s.w, req)
	return nil
}

// leanWriter is an http.ResponseWriter that counts bytes and keeps a short
// body prefix. One is reused by each worker; its header map is cleared
// between requests.
//
// For a streamed request (obs set) it reports the events as the handler
// writes them (see stream.go); once the stream has been read enough, or
// has timed out, Write and FlushError fail with errStreamDone or the
// request context's error, so that the handler returns.
type leanWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	late        bool // the headers came after the request had timed out
	written     int64
	prefix      []byte
	flushes     int

	rc        *reqCtx    // the request's context, nil for requests not from the engine
	obs       *streamObs // set for a streamed request
	unflushed int64      // bytes written since the last Flush
	pending   int        // server-sent events written since the last Flush
}

func (w *leanWriter) reset() {
	if w.header == nil {
		w.header = make(http.Header)
	} else {
		clear(w.header)
	}
	w.status = 0
	w.wroteHeader = false
	w.late = false
	w.written = 0
	w.prefix = w.prefix[:0]
	w.flushes = 0
	w.unflushed, w.pending = 0, 0
}

func (w *leanWriter) Header() http.Header { return w.header }

func (w *leanWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		return // informational responses (103 Early Hints) may precede the final one
	}
	w.status = code
	w.wroteHeader = true
	if w.rc == nil {
		return
	}
	// Headers written after the watchdog timed the request out are no
	// response; headers written before it are, whatever happens next.
	if w.rc.timedOut() {
		w.late = true
		return
	}
	w.rc.status.Store(int32(code))
	if w.obs != nil {
		w.obs.open(time.Now(), code, isEventStream(w.header.Get("Content-Type")), true)
	}
}

// streaming reports whether the request is a stream being read, and
// returns the error a Write gets once it no longer is.
func (w *leanWriter) streaming() (bool, error) {
	o := w.obs
	if o == nil || !o.opened {
		return false, nil
	}
	if o.stopped() {
		if err := w.rc.reason(); err != nil {
			return true, err
		}
		return true, errStreamDone
	}
	return true, nil
}

func (w *leanWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.obs != nil {
		if _, err := w.streaming(); err != nil {
			return 0, err
		}
	}
	w.written += int64(len(p))
	w.prefix = keepPrefix(w.prefix, p)
	if w.obs != nil {
		w.observe(p)
	}
	return len(p), nil
}

// WriteString avoids a conversion for handlers that use io.WriteString.
func (w *leanWriter) WriteString(s string) (int, error) {
	if w.obs != nil {
		return w.Write([]byte(s))
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.written += int64(len(s))
	w.prefix = keepPrefix(w.prefix, s)
	return len(s), nil
}

// observe notes the bytes of p, just written, and the server-sent events
// they complete. A server sends them when the handler flushes (or
// returns), and so they count then: see flushEvents.
func (w *leanWriter) observe(p []byte) {
	o := w.obs
	if !o.opened || len(p) == 0 {
		return
	}
	w.unflushed += int64(len(p))
	if o.sse {
		w.pending += o.scanner.scan(p)
	}
}

// flushEvents reports what was written since the last flush, as a client
// would see it arrive: the server-sent events it completed, or one chunk.
func (w *leanWriter) flushEvents() {
	o := w.obs
	switch {
	case o.sse && w.pending > 0:
		o.add(time.Now(), w.pending)
	case !o.sse && w.unflushed > 0:
		o.add(time.Now(), 1)
	}
	w.unflushed, w.pending = 0, 0
}

// Flush makes streaming handlers (server-sent events) work in-process.
func (w *leanWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush for http.ResponseController: for a streamed request
// it fails once the stream is no longer read, so the handler can stop.
func (w *leanWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.flushes++
	if w.obs == nil {
		return nil
	}
	on, err := w.streaming()
	if !on || err != nil {
		return err
	}
	w.flushEvents()
	return nil
}

func stringify(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// streamHandlerCtx is the context a streamed request's handler gets: the
// request's, without a deadline. A stream's deadline moves with each event
// (Timeout bounds each gap), so no fixed one is true; a server gives its
// handlers none either. A context the handler derives with a timeout of
// its own then keeps it, and the request's still ends when the stream does.
type streamHandlerCtx struct{ *reqCtx }

func (streamHandlerCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
