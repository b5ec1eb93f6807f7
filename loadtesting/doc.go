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
package loadtesting
