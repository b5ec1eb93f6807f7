// Package require checks a load run's Result against goals and stops the
// test at the first broken one. It has every function of package
// loadtesting/assert, with the same arguments and the same failure report;
// after the report, each calls t.FailNow. This is the split testify users
// know from its assert and require packages: assert when the test should go
// on and report every broken goal, require when what follows makes no sense
// once the goal is broken.
//
// Its name matches testify's require, so import it under another name:
//
//	import loadrequire "github.com/apiload/apiload/loadtesting/require"
//
// As with testing.T's FailNow, call these functions only from the
// goroutine running the test.
package require

import (
	"time"

	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// TestingT is what the functions need of a test: a way to report a failure
// and a way to stop. It is testify's require.TestingT, so *testing.T,
// *testing.B, testing.TB, a testify suite's s.T(), testify's
// *assert.CollectT and Ginkgo's GinkgoT() all satisfy it. When the value
// also has a Helper method (testing.TB does), the functions call it, so a
// failure is reported at the line of the test that called them.
type TestingT interface {
	Errorf(format string, args ...any)
	FailNow()
}

// tHelper is the optional part of a TestingT: testing.TB's Helper. Each
// function checks for it itself, because Helper marks the function that
// calls it.
type tHelper interface {
	Helper()
}

// P50Below requires that the run's median latency is below limit.
func P50Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.P50Below(t, r, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// P95Below requires that the run's 95th percentile latency is below limit.
func P95Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.P95Below(t, r, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// P99Below requires that the run's 99th percentile latency is below limit.
func P99Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.P99Below(t, r, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// PercentileBelow requires that the latency at percentile p (0..100, e.g.
// 99.9) is below limit.
func PercentileBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.PercentileBelow(t, r, p, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// ErrorRateBelow requires that the share of failed requests (0..1) is
// below limit.
func ErrorRateBelow(t TestingT, r *loadtesting.Result, limit float64, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.ErrorRateBelow(t, r, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// NoErrors requires that requests were sent and every one succeeded.
func NoErrors(t TestingT, r *loadtesting.Result, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.NoErrors(t, r, msgAndArgs...) {
		t.FailNow()
	}
}

// ThroughputAbove requires that successful responses per second exceed
// limit.
func ThroughputAbove(t TestingT, r *loadtesting.Result, limit float64, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.ThroughputAbove(t, r, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// StatusCodesIn requires that requests were sent and every response had
// one of codes, e.g. StatusCodesIn(t, res, []int{200, 404}). Requests that
// got no response (status 0) count as outside the set, and so does every
// status when codes is empty.
func StatusCodesIn(t TestingT, r *loadtesting.Result, codes []int, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.StatusCodesIn(t, r, codes, msgAndArgs...) {
		t.FailNow()
	}
}
