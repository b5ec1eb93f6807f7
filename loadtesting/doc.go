// Package loadtesting load-tests HTTP handlers from inside go test.
//
// A load test sits next to the handlers it measures:
//
//	func TestHealthLoad(t *testing.T) {
//		res := loadtesting.Run(t, app.Router(), loadtesting.Config{
//			Path:     "/health/",
//			Requests: 500,
//			Clients:  10,
//		})
//		loadassert.P95Below(t, res, 20*time.Millisecond)
//		loadassert.ErrorRateBelow(t, res, 0.01)
//	}
//
// where loadassert is github.com/apiload/apiload/loadtesting/assert, whose
// checks report and let the test go on; github.com/apiload/apiload/loadtesting/require
// has the same checks, each stopping the test. Both take testify's shape of
// test handle, so they work in testify suites and with Ginkgo's GinkgoT().
// Name load tests ...Load so that `go test -run Load ./...` selects them.
//
// Run calls the handler in-process (no socket) unless Config.BaseURL points
// at a running server. It measures latency percentiles from an HDR
// histogram, throughput, the status distribution and up to 100 sampled
// errors. Exec does the same for code that is not a test.
//
// An endpoint that streams (server-sent events, or a body flushed in
// chunks) is measured as a stream with Config.Stream: each request reads
// its stream for Stream.For or up to Stream.Events events, which counts as
// a success, and Metrics.Stream holds the time to the first event and the
// gaps between events:
//
//	res := loadtesting.Run(t, app.Router(), loadtesting.Config{
//		Path:   "/events/worker/stream",
//		Stream: &loadtesting.StreamConfig{Events: 10},
//	})
//	loadassert.EventsAtLeast(t, res, 10)
//	loadassert.EventGapBelow(t, res, 99, 200*time.Millisecond)
package loadtesting
