package helpert

import (
	"time"

	"github.com/apiload/apiload/loadtesting"
)

// Health is the hand-built run from STYLE.md's failure example: 500
// requests, 2 of them 503, p95 23.4ms. Its latencies are exact because it
// has no histogram: the assertions read Metrics.Latency. Each call returns
// a fresh copy to change.
func Health() *loadtesting.Result {
	return &loadtesting.Result{
		ID:        "01JDXQ3V",
		Name:      "GET /health/",
		Method:    "GET",
		Path:      "/health/",
		URL:       "/health/",
		Clients:   10,
		InProcess: true,
		Metrics: loadtesting.Metrics{
			Requests: 500, Succeeded: 498, Failed: 2, ErrorRate: 0.004,
			Throughput:  1234.4,
			StatusCodes: map[int]int64{200: 498, 503: 2},
			Latency: loadtesting.Latency{
				P50: 8100 * time.Microsecond, P75: 12 * time.Millisecond, P90: 17900 * time.Microsecond,
				P95: 23400 * time.Microsecond, P99: 41 * time.Millisecond, P999: 80 * time.Millisecond,
				Max: 97200 * time.Microsecond,
			},
			Errors: []loadtesting.ErrorSample{
				{Request: 17, Status: 503, Kind: "status", Message: "status 503 Service Unavailable", Body: "busy\n", At: 41 * time.Millisecond},
				{Request: 301, Status: 503, Kind: "status", Message: "status 503 Service Unavailable", At: 250 * time.Millisecond},
			},
		},
	}
}

// Ticker is a hand-built streamed run: 20 streams of 5 to 10 events, one
// ended early; first event p95 30ms, gap p99 110ms. It has no histograms,
// so the assertions read the summaries. Each call returns a fresh copy.
func Ticker() *loadtesting.Result {
	r := Health()
	r.ID, r.Name = "01JDXV00", "GET /events"
	r.Metrics.Requests, r.Metrics.Succeeded, r.Metrics.Failed, r.Metrics.ErrorRate = 20, 19, 1, 0.05
	r.Metrics.StatusCodes = map[int]int64{200: 20}
	r.Metrics.Errors = []loadtesting.ErrorSample{
		{Request: 4, Status: 200, Kind: loadtesting.KindStream, Message: "stream ended by the server after 5 events, before 10 events", At: time.Second},
	}
	r.Metrics.Stream = &loadtesting.StreamMetrics{
		Streams: 20, Events: 195, EventsPerStream: loadtesting.EventCounts{Min: 5, Mean: 9.75, Max: 10}, EndedEarly: 1,
		FirstEvent: loadtesting.Latency{P50: 12 * time.Millisecond, P95: 30 * time.Millisecond, P99: 31 * time.Millisecond},
		Gap:        loadtesting.Latency{P50: 100 * time.Millisecond, P95: 104 * time.Millisecond, P99: 110 * time.Millisecond},
	}
	return r
}
