package engine

import (
	"net/http"
	"net/url"
	"time"
)

// Plan is a fully resolved run: every default filled in and every value
// checked by the caller. The engine does not validate it again.
//
// Its fields mean what loadtesting.Config's fields of the same name mean
// (Method, Body, BodyFunc, Requests, Duration, Clients, Rate, RampTo,
// Timeout), once resolved; the comments here say only what differs.
type Plan struct {
	// Method, URL and Header describe the request: URL with the path's
	// placeholders filled and the query joined, Header (Config's Headers
	// with what Auth returned) never modified.
	Method string
	URL    *url.URL
	Header http.Header
	// BodyFunc, when set, supplies request n's payload instead of Body.
	Body     []byte
	BodyFunc func(n int64) ([]byte, error)

	// Requests is 0 for no count bound (Duration is then set): Config's
	// default is filled in already.
	Requests int64
	Duration time.Duration
	// Clients is the number of workers (no more than Requests of them run).
	Clients int
	Rate    float64
	RampTo  float64
	Timeout time.Duration
	// Success reports whether a status counts as a success; nil means
	// DefaultSuccess.
	Success func(status int) bool

	// Transport sends the requests.
	Transport Transport
}

// DefaultSuccess is the success rule when none is configured: 200..399.
func DefaultSuccess(status int) bool { return status >= 200 && status < 400 }
