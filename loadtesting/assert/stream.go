package assert

import (
	"fmt"
	"time"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// FirstEventBelow asserts that, in a streamed run (Config.Stream), the time
// from a request's send to its stream's first event at percentile p
// (0..100, e.g. 95) is below limit. It fails on a run that was not
// streamed, and on one whose streams received no event.
func FirstEventBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return streamPercentileBelow(t, r, "first event", p, limit, msgAndArgs,
		(*loadtesting.StreamMetrics).FirstEventPercentile, func(m *loadtesting.StreamMetrics) loadtesting.Latency { return m.FirstEvent })
}

// EventGapBelow asserts that, in a streamed run (Config.Stream), the gap
// between consecutive events of a stream at percentile p (0..100, e.g. 99)
// is below limit. It fails on a run that was not streamed, and on one
// whose streams never received two events.
func EventGapBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return streamPercentileBelow(t, r, "event gap", p, limit, msgAndArgs,
		(*loadtesting.StreamMetrics).GapPercentile, func(m *loadtesting.StreamMetrics) loadtesting.Latency { return m.Gap })
}

// EventsAtLeast asserts that, in a streamed run (Config.Stream), every
// stream received at least n events (StreamMetrics.EventsPerStream.Min).
// Requests that opened no stream (no headers, or a status that is no
// success) are not streams: check them with NoErrors. It fails on a run
// that was not streamed, and on one that opened no stream.
func EventsAtLeast(t TestingT, r *loadtesting.Result, n int64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	goal := fmt.Sprintf("events per stream at least %d", n)
	if !streamed(t, r, goal, msgAndArgs) {
		return false
	}
	m := r.Metrics.Stream
	if m.Streams == 0 {
		return failWithSamples(t, r, goal+": no stream was opened", msgAndArgs)
	}
	if m.EventsPerStream.Min >= n {
		return true
	}
	return failWithSamples(t, r, fmt.Sprintf("fewest events in a stream %d, want at least %d", m.EventsPerStream.Min, n), msgAndArgs)
}

// streamed reports whether r holds a run that sent requests and streamed
// them; when not, it fails t saying which.
func streamed(t TestingT, r *loadtesting.Result, goal string, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, goal, msgAndArgs) {
		return false
	}
	if r.Metrics.Stream == nil {
		return fail(t, r, goal+": the run was not streamed (set Config.Stream, or --stream-for/--stream-events)", msgAndArgs)
	}
	return true
}

func streamPercentileBelow(t TestingT, r *loadtesting.Result, what string, p float64, limit time.Duration, msgAndArgs []any,
	fromHist func(*loadtesting.StreamMetrics, float64) time.Duration, summary func(*loadtesting.StreamMetrics) loadtesting.Latency) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	name := fmt.Sprintf("p%s %s", pname(p), what)
	if p < 0 || p > 100 || p != p {
		return fail(t, r, fmt.Sprintf("percentile %v: must be between 0 and 100", p), msgAndArgs)
	}
	if !streamed(t, r, name, msgAndArgs) {
		return false
	}
	got := fromHist(r.Metrics.Stream, p)
	if got == 0 {
		var ok bool
		if got, ok = summaryAt(summary(r.Metrics.Stream), p); !ok {
			return failWithSamples(t, r, fmt.Sprintf("%s: none measured (no stream received enough events)", name), msgAndArgs)
		}
	}
	if got < limit {
		return true
	}
	return fail(t, r, fmt.Sprintf("%s %s, want < %s", name, format.Duration(got), format.Duration(limit)), msgAndArgs)
}
