package engine

import (
	"net/http"
)

// BodyPrefixLimit is how many bytes of a response body are kept for error samples.
const BodyPrefixLimit = 512

// keepPrefix appends to prefix what of p still fits in BodyPrefixLimit
// bytes: the start of a response body, kept for error samples.
func keepPrefix[T string | []byte](prefix []byte, p T) []byte {
	if room := BodyPrefixLimit - len(prefix); room > 0 {
		prefix = append(prefix, p[:min(room, len(p))]...)
	}
	return prefix
}

// Outcome is what a Sender reports about one response.
type Outcome struct {
	// Status is the response status code (0 when there was no response).
	Status int
	// BytesIn counts response body bytes.
	BytesIn int64
	// Body holds the first BodyPrefixLimit bytes of the body. The slice is
	// owned by the Sender and reused by its next Send.
	Body []byte
	// Late is set when the headers came only after the request had timed
	// out: Status is then no response's. The in-process transport sets it;
	// the others get no headers once their deadline has passed.
	Late bool
}

// Transport creates the per-worker Senders of a run. Implementations must
// be safe for concurrent use.
type Transport interface {
	// NewSender returns a Sender used by a single worker goroutine.
	NewSender() Sender
	// CloseIdle releases idle resources (connections) after a run.
	CloseIdle()
}

// Sender sends one request at a time; it is used by one goroutine only,
// so it may reuse buffers between calls.
type Sender interface {
	// Send performs req and fills out. The returned error describes a failure
	// to get a response (a transport error or a recovered handler panic).
	Send(req *http.Request, out *Outcome) error
}

// PanicError is returned by the in-process transport when the handler panicked.
type PanicError struct {
	// Value is what the handler panicked with.
	Value any
}

func (e *PanicError) Error() string {
	return "handler panicked: " + stringify(e.Value)
}

// connCounter is implemented by Transports that open connections: it
// returns how many they have opened so far, counting each once.
type connCounter interface {
	connections() int64
}
