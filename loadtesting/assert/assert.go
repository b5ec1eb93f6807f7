// Package assert checks a load run's Result against goals, in the style of
// testify: each function reports a failure with t.Errorf (so one test
// reports every broken goal), returns whether the goal held, and accepts an
// optional message with arguments. Package loadtesting/require has the same
// functions, each stopping the test after the report.
//
// Its name matches testify's assert, so import it under another name:
//
//	import loadassert "github.com/apiload/apiload/loadtesting/assert"
//
// A failure reads like a small report: the measured value, the limit, the
// run's latency and errors, and how to see more.
//
// Every assertion fails on a run that sent no request (a nil Result, or
// one with Metrics.Requests == 0): an empty run measured nothing, so it
// meets no goal, not even NoErrors or StatusCodesIn.
package assert

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// TestingT is what the assertions need of a test: a way to report a
// failure. It is testify's assert.TestingT, so *testing.T, *testing.B,
// testing.TB, a testify suite's s.T(), testify's *assert.CollectT and
// Ginkgo's GinkgoT() all satisfy it. When the value also has a Helper method
// (testing.TB does), the assertions call it, so a failure is reported at the
// line of the test that called the assertion.
type TestingT interface {
	Errorf(format string, args ...any)
}

// tHelper is the optional part of a TestingT: testing.TB's Helper. Each
// function checks for it itself, because Helper marks the function that
// calls it.
type tHelper interface {
	Helper()
}

// maxShownSamples is how many error samples a failure message lists.
const maxShownSamples = 3

// P50Below asserts that the run's median latency is below limit.
func P50Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return percentileBelow(t, r, 50, limit, msgAndArgs)
}

// P95Below asserts that the run's 95th percentile latency is below limit.
func P95Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return percentileBelow(t, r, 95, limit, msgAndArgs)
}

// P99Below asserts that the run's 99th percentile latency is below limit.
func P99Below(t TestingT, r *loadtesting.Result, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return percentileBelow(t, r, 99, limit, msgAndArgs)
}

// PercentileBelow asserts that the latency at percentile p (0..100, e.g.
// 99.9) is below limit.
func PercentileBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if p < 0 || p > 100 || p != p {
		return fail(t, r, fmt.Sprintf("percentile %v: must be between 0 and 100", p), msgAndArgs)
	}
	return percentileBelow(t, r, p, limit, msgAndArgs)
}

func percentileBelow(t TestingT, r *loadtesting.Result, p float64, limit time.Duration, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, fmt.Sprintf("p%s latency", pname(p)), msgAndArgs) {
		return false
	}
	got, ok := latencyAt(r, p)
	if !ok {
		return fail(t, r, fmt.Sprintf("p%s latency: the result has no latency histogram", pname(p)), msgAndArgs)
	}
	if got < limit {
		return true
	}
	return fail(t, r, fmt.Sprintf("p%s latency %s, want < %s", pname(p), format.Duration(got), format.Duration(limit)), msgAndArgs)
}

// ErrorRateBelow asserts that the share of failed requests (0..1) is below limit.
func ErrorRateBelow(t TestingT, r *loadtesting.Result, limit float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, "error rate", msgAndArgs) {
		return false
	}
	if r.Metrics.ErrorRate < limit {
		return true
	}
	return failWithSamples(t, r, fmt.Sprintf("error rate %s (%d of %d), want < %s",
		format.Percent(r.Metrics.ErrorRate), r.Metrics.Failed, r.Metrics.Requests, format.Percent(limit)), msgAndArgs)
}

// NoErrors asserts that requests were sent and every one succeeded.
func NoErrors(t TestingT, r *loadtesting.Result, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, "no errors", msgAndArgs) {
		return false
	}
	if r.Metrics.Failed == 0 {
		return true
	}
	return failWithSamples(t, r, fmt.Sprintf("%d of %d requests failed (%s), want none",
		r.Metrics.Failed, r.Metrics.Requests, format.Percent(r.Metrics.ErrorRate)), msgAndArgs)
}

// ThroughputAbove asserts that successful responses per second exceed limit.
func ThroughputAbove(t TestingT, r *loadtesting.Result, limit float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, "throughput", msgAndArgs) {
		return false
	}
	if r.Metrics.Throughput > limit {
		return true
	}
	return fail(t, r, fmt.Sprintf("throughput %s successes/s, want > %s", format.Rate(r.Metrics.Throughput), format.Rate(limit)), msgAndArgs)
}

// StatusCodesIn asserts that requests were sent and every response had one
// of codes, e.g. StatusCodesIn(t, res, []int{200, 404}). Requests that got
// no response (status 0) count as outside the set, and so does every
// status when codes is empty.
func StatusCodesIn(t TestingT, r *loadtesting.Result, codes []int, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !sent(t, r, fmt.Sprintf("statuses in %v", codes), msgAndArgs) {
		return false
	}
	bad := format.Statuses(r.Metrics.StatusCodes, func(c int) bool { return !slices.Contains(codes, c) })
	if bad == "" {
		return true
	}
	return failWithSamples(t, r, fmt.Sprintf("statuses outside %v: %s", codes, bad), msgAndArgs)
}

// latencyAt returns the latency at percentile p from r's histogram. A
// Result without a readable histogram (one built by hand, or stored without
// it) falls back to the summary in Metrics.Latency for the percentiles it
// holds. ok is false when neither source has the value, so a missing
// histogram never reads as a latency of 0 that passes every goal.
func latencyAt(r *loadtesting.Result, p float64) (d time.Duration, ok bool) {
	if d := r.Percentile(p); d > 0 {
		return d, true
	}
	return summaryAt(r.Metrics.Latency, p)
}

// summaryAt returns the percentile p of a Latency summary, when it holds
// that percentile and is not empty.
func summaryAt(l loadtesting.Latency, p float64) (d time.Duration, ok bool) {
	if l == (loadtesting.Latency{}) {
		return 0, false
	}
	switch p {
	case 50:
		return l.P50, true
	case 75:
		return l.P75, true
	case 90:
		return l.P90, true
	case 95:
		return l.P95, true
	case 99:
		return l.P99, true
	case 99.9:
		return l.P999, true
	case 100:
		return l.Max, true
	}
	return 0, false
}

func pname(p float64) string {
	s := fmt.Sprint(p)
	return strings.ReplaceAll(s, ".", "")
}

// sent reports whether r holds a run that sent at least one request. When
// it does not (r is nil, or the run ended before its first request), it
// fails t with a message naming goal, and the run line, and returns false:
// an empty run measured nothing, so it meets no goal.
func sent(t TestingT, r *loadtesting.Result, goal string, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	switch {
	case r == nil:
		return fail(t, nil, goal+": no request was sent (the load result is nil: did the run fail to start?)", msgAndArgs)
	case r.Metrics.Requests == 0:
		return fail(t, r, goal+": no request was sent (an empty run meets no goal)", msgAndArgs)
	}
	return true
}

func fail(t TestingT, r *loadtesting.Result, headline string, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if r == nil {
		t.Errorf("%s", withMessage(headline, msgAndArgs)+"\n    run:     none (load result is nil)")
		return false
	}
	t.Errorf("%s", withMessage(headline, msgAndArgs)+"\n"+report(r, 0))
	return false
}

func failWithSamples(t TestingT, r *loadtesting.Result, headline string, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	t.Errorf("%s", withMessage(headline, msgAndArgs)+"\n"+report(r, maxShownSamples))
	return false
}

// withMessage appends the caller's message, formatted as testify does.
func withMessage(headline string, msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return headline
	}
	var msg string
	if f, ok := msgAndArgs[0].(string); ok && len(msgAndArgs) > 1 {
		msg = fmt.Sprintf(f, msgAndArgs[1:]...)
	} else {
		msg = fmt.Sprint(msgAndArgs...)
	}
	return headline + ": " + msg
}

// report is the indented block under a failure's headline.
func report(r *loadtesting.Result, samples int) string {
	m := r.Metrics
	l := m.Latency
	mode := "in-process"
	if !r.InProcess {
		mode = r.URL
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    run:     %s %q %s, %d requests, %d clients\n", r.ID, r.Name, mode, m.Requests, r.Clients)
	fmt.Fprintf(&b, "    latency: p50 %s  p90 %s  p95 %s  p99 %s  max %s\n",
		format.Duration(l.P50), format.Duration(l.P90), format.Duration(l.P95), format.Duration(l.P99), format.Duration(l.Max))
	if st := m.Stream; st != nil {
		fmt.Fprintf(&b, "    streams: %d, events %d (per stream %d..%d), first event p50 %s  p95 %s, gap p50 %s  p99 %s, ended early %d\n",
			st.Streams, st.Events, st.EventsPerStream.Min, st.EventsPerStream.Max,
			format.Duration(st.FirstEvent.P50), format.Duration(st.FirstEvent.P95),
			format.Duration(st.Gap.P50), format.Duration(st.Gap.P99), st.EndedEarly)
	}
	fmt.Fprintf(&b, "    errors:  %d (%s)", m.Failed, format.Percent(m.ErrorRate))
	// Failures with a successful status (a timeout after the headers, a
	// stream ended early) show in the samples, not here.
	if fs := failedStatuses(r); m.Failed > 0 && fs != "" {
		fmt.Fprintf(&b, ": %s", fs)
	}
	b.WriteString("\n")
	// samples is 0 when the headline is not about errors: the summary line
	// above is enough, and "... N more sampled" would follow nothing.
	for _, e := range m.Errors[:min(len(m.Errors), samples)] {
		fmt.Fprintf(&b, "    sample:  request %d at %s: %s: %s", e.Request, format.Duration(e.At), e.Kind, e.Message)
		if e.Body != "" {
			fmt.Fprintf(&b, ": body %q", truncate(e.Body, 120))
		}
		b.WriteString("\n")
	}
	if samples > 0 && len(m.Errors) > samples {
		fmt.Fprintf(&b, "             ... %d more sampled\n", len(m.Errors)-samples)
	}
	fmt.Fprintf(&b, "    more:    loadreport results %s", r.ID)
	return b.String()
}

// failedStatuses summarises the failures by status: those the run's rule
// did not count as a success, and no response.
func failedStatuses(r *loadtesting.Result) string {
	return format.Statuses(r.Metrics.StatusCodes, func(c int) bool { return c == 0 || !r.Succeeded(c) })
}

// truncate cuts s to at most n bytes, at a rune boundary so that a body in
// UTF-8 does not end in half a character, and marks the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
