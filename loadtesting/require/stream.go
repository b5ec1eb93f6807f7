package require

import (
	"time"

	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// FirstEventBelow requires that, in a streamed run (Config.Stream), the
// time from a request's send to its stream's first event at percentile p
// (0..100) is below limit. It fails on a run that was not streamed.
func FirstEventBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.FirstEventBelow(t, r, p, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// EventGapBelow requires that, in a streamed run (Config.Stream), the gap
// between consecutive events at percentile p (0..100) is below limit. It
// fails on a run that was not streamed.
func EventGapBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.EventGapBelow(t, r, p, limit, msgAndArgs...) {
		t.FailNow()
	}
}

// EventsAtLeast requires that, in a streamed run (Config.Stream), every
// stream received at least n events. It fails on a run that was not
// streamed, and on one that opened no stream.
func EventsAtLeast(t TestingT, r *loadtesting.Result, n int64, msgAndArgs ...any) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !loadassert.EventsAtLeast(t, r, n, msgAndArgs...) {
		t.FailNow()
	}
}
