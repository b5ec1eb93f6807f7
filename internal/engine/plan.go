package engine

import (
	"net/http"
	"net/url"
	"slices"
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
	// ExpectStatus lists the statuses that count as a success; empty means
	// 200..399 (see Succeeded). It is not modified.
	ExpectStatus []int

	// StreamFor and StreamEvents, when either is positive, make each
	// request read its response as a stream (Config.Stream's For and
	// Events): see Streaming. 0 means no bound of that kind.
	StreamFor    time.Duration
	StreamEvents int64

	// Transport sends the requests.
	Transport Transport
}

// Streaming reports whether p's requests read their responses as streams
// of events: until StreamFor has passed since the headers arrived, or until
// StreamEvents events came, whichever is first. Timeout then bounds the wait
// for the headers and each wait for the next event, not the whole request.
func (p *Plan) Streaming() bool { return p.StreamFor > 0 || p.StreamEvents > 0 }

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
