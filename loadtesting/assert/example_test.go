package assert_test

import (
	"fmt"
	"time"

	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// printT is a loadassert.TestingT that prints failures. In a test, pass t.
type printT struct{}

func (printT) Helper() {}

func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A failed goal reads like a small report. The run here is built by hand so
// that its latencies, and so the output, are fixed; in a test it comes from
// loadtesting.Run.
func ExampleP95Below() {
	res := &loadtesting.Result{
		ID:        "01JDXQ3V",
		Name:      "GET /health/",
		InProcess: true,
		Clients:   10,
		Metrics: loadtesting.Metrics{
			Requests: 500, Succeeded: 498, Failed: 2, ErrorRate: 0.004,
			StatusCodes: map[int]int64{200: 498, 503: 2},
			Latency: loadtesting.Latency{
				P50: 8100 * time.Microsecond, P90: 17900 * time.Microsecond, P95: 23400 * time.Microsecond,
				P99: 41 * time.Millisecond, Max: 97200 * time.Microsecond,
			},
		},
	}
	var t printT
	ok := loadassert.P95Below(t, res, 20*time.Millisecond, "health must stay fast")
	fmt.Println("held:", ok)
	// Output:
	// p95 latency 23.4ms, want < 20ms: health must stay fast
	//     run:     01JDXQ3V "GET /health/" in-process, 500 requests, 10 clients
	//     latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms
	//     errors:  2 (0.40%): 2×503
	//     more:    loadreport results 01JDXQ3V
	// held: false
}

// Error goals list the first few sampled failures.
func ExampleErrorRateBelow() {
	res := &loadtesting.Result{
		ID:        "01JDXR8K",
		Name:      "POST /orders",
		InProcess: true,
		Clients:   4,
		Metrics: loadtesting.Metrics{
			Requests: 100, Succeeded: 96, Failed: 4, ErrorRate: 0.04,
			StatusCodes: map[int]int64{201: 96, 500: 4},
			Latency:     loadtesting.Latency{P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P95: 4 * time.Millisecond, P99: 9 * time.Millisecond, Max: 12 * time.Millisecond},
			Errors: []loadtesting.ErrorSample{
				{Request: 7, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", Body: "db: connection refused", At: 15 * time.Millisecond},
				{Request: 9, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", At: 18 * time.Millisecond},
				{Request: 30, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", At: 61 * time.Millisecond},
				{Request: 31, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", At: 63 * time.Millisecond},
			},
		},
	}
	var t printT
	loadassert.ErrorRateBelow(t, res, 0.01)
	// Output:
	// error rate 4.00% (4 of 100), want < 1.00%
	//     run:     01JDXR8K "POST /orders" in-process, 100 requests, 4 clients
	//     latency: p50 2.00ms  p90 3.00ms  p95 4.00ms  p99 9.00ms  max 12ms
	//     errors:  4 (4.00%): 4×500
	//     sample:  request 7 at 15ms: status: status 500 Internal Server Error: body "db: connection refused"
	//     sample:  request 9 at 18ms: status: status 500 Internal Server Error
	//     sample:  request 30 at 61ms: status: status 500 Internal Server Error
	//              ... 1 more sampled
	//     more:    loadreport results 01JDXR8K
}

// In a streamed run (Config.Stream), the gaps between events have goals of
// their own. The run here is built by hand so that the output is fixed; in
// a test it comes from
//
//	loadtesting.Run(t, h, loadtesting.Config{Path: "/events", Stream: &loadtesting.StreamConfig{Events: 10}})
func ExampleEventGapBelow() {
	res := &loadtesting.Result{
		ID:        "01JDXV00",
		Name:      "GET /events",
		InProcess: true,
		Clients:   4,
		Metrics: loadtesting.Metrics{
			Requests: 20, Succeeded: 20,
			StatusCodes: map[int]int64{200: 20},
			Latency:     loadtesting.Latency{P50: 300 * time.Microsecond, P90: 400 * time.Microsecond, P95: 500 * time.Microsecond, P99: 900 * time.Microsecond, Max: time.Millisecond},
			Stream: &loadtesting.StreamMetrics{
				Streams: 20, Events: 200, EventsPerStream: loadtesting.EventCounts{Min: 10, Mean: 10, Max: 10},
				FirstEvent: loadtesting.Latency{P50: 100 * time.Millisecond, P95: 102 * time.Millisecond},
				Gap:        loadtesting.Latency{P50: 100 * time.Millisecond, P99: 180 * time.Millisecond},
			},
		},
	}
	var t printT
	fmt.Println("held:", loadassert.EventsAtLeast(t, res, 10))
	fmt.Println("held:", loadassert.EventGapBelow(t, res, 99, 150*time.Millisecond, "ticks stay regular"))
	// Output:
	// held: true
	// p99 event gap 180ms, want < 150ms: ticks stay regular
	//     run:     01JDXV00 "GET /events" in-process, 20 requests, 4 clients
	//     latency: p50 300µs  p90 400µs  p95 500µs  p99 900µs  max 1.00ms
	//     streams: 20, events 200 (per stream 10..10), first event p50 100ms  p95 102ms, gap p50 100ms  p99 180ms, ended early 0
	//     errors:  0 (0%)
	//     more:    loadreport results 01JDXV00
	// held: false
}
