package engine

import (
	"fmt"
	"net/http"
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
	// Make it look like a request a server received.
	req.RequestURI = req.URL.RequestURI()
	req.RemoteAddr = "127.0.0.1:1"
	req.URL.Scheme, req.URL.Host = "", ""
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
		}
		out.Status = s.w.status
		if !s.w.wroteHeader {
			if err != nil {
				out.Status = 0
			} else {
				out.Status = http.StatusOK
			}
		}
		out.BytesIn = s.w.written
		out.Body = s.w.prefix
	}()
	s.h.ServeHTTP(&s.w, req)
	return nil
}

// leanWriter is an http.ResponseWriter that counts bytes and keeps a short
// body prefix. One is reused by each worker; its header map is cleared
// between requests.
type leanWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	written     int64
	prefix      []byte
	flushes     int
}

func (w *leanWriter) reset() {
	if w.header == nil {
		w.header = make(http.Header)
	} else {
		clear(w.header)
	}
	w.status = 0
	w.wroteHeader = false
	w.written = 0
	w.prefix = w.prefix[:0]
	w.flushes = 0
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
}

func (w *leanWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.written += int64(len(p))
	if room := BodyPrefixLimit - len(w.prefix); room > 0 {
		w.prefix = append(w.prefix, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// WriteString avoids a conversion for handlers that use io.WriteString.
func (w *leanWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.written += int64(len(s))
	if room := BodyPrefixLimit - len(w.prefix); room > 0 {
		w.prefix = append(w.prefix, s[:min(room, len(s))]...)
	}
	return len(s), nil
}

// Flush makes streaming handlers (server-sent events) work in-process.
func (w *leanWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.flushes++
}

func stringify(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}
