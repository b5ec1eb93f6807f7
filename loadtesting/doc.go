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
// where loadassert is github.com/apiload/apiload/loadtesting/assert. Name
// load tests ...Load so that `go test -run Load ./...` selects them.
//
// Run calls the handler in-process (no socket) unless Config.BaseURL points
// at a running server. It measures latency percentiles from an HDR
// histogram, throughput, the status distribution and up to 100 sampled
// errors. Exec does the same for code that is not a test.
package loadtesting
