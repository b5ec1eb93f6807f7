package engine

import (
	"net/http"
	"net/url"
	"time"
)

// Plan is a fully resolved run: every default filled in and every value
// checked by the caller. The engine does not validate it again.
type Plan struct {
	// Method, URL and Header describe the request. Header is not modified.
	Method string
	URL    *url.URL
	Header http.Header
	// Body is sent with every request unless BodyFunc is set, in which case
	// BodyFunc(n) supplies request n's payload.
	Body     []byte
	BodyFunc func(n int64) ([]byte, error)

	// Requests bounds the run by count; 0 means unbounded (Duration must then be set).
	Requests int64
	// Duration bounds the run by time; 0 means unbounded.
	Duration time.Duration
	// Clients is the number of workers, and so the cap on requests in flight.
	Clients int
	// Rate is the open model's send rate in requests per second; 0 selects the closed model.
	Rate float64
	// RampTo, with Rate > 0 and Duration > 0, makes the send rate change
	// linearly from Rate at the start to RampTo at Duration (requests per
	// second; it may be lower than Rate). 0 keeps the rate constant.
	RampTo float64
	// Timeout bounds each request from the moment it is sent.
	Timeout time.Duration
	// Success reports whether a status counts as a success.
	Success func(status int) bool

	// Transport sends the requests.
	Transport Transport
}

// DefaultSuccess is the success rule when none is configured: 200..399.
func DefaultSuccess(status int) bool { return status >= 200 && status < 400 }
