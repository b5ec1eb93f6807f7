package engine

import (
	"net/http"
	"net/url"
	"slices"
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
	// ExpectStatus lists the statuses that count as a success; empty means
	// 200..399 (see Succeeded). It is not modified.
	ExpectStatus []int

	// Transport sends the requests.
	Transport Transport
}

// Succeeded is the one rule for which responses count as a success: a
// status in expect when expect is not empty, else a status in 200..399 (as
// vegeta and k6 count it). A request with no response (status 0) counts
// only if expect lists 0.
func Succeeded(status int, expect []int) bool {
	if len(expect) > 0 {
		return slices.Contains(expect, status)
	}
	return status >= 200 && status < 400
}
