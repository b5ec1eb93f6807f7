package assert_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	tassert "github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/internal/helpert"
	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// fakeT records what an assertion did to its TestingT, in order.
type fakeT struct {
	calls  []string // "Helper" or "Errorf"
	errors []string // each Errorf, formatted
}

func (f *fakeT) Helper() { f.calls = append(f.calls, "Helper") }

func (f *fakeT) Errorf(format string, args ...any) {
	f.calls = append(f.calls, "Errorf")
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// call runs an assertion against a fresh fakeT and turns a panic into a
// test failure, so one panicking row does not hide the others.
func call(t *testing.T, assertion func(loadassert.TestingT) bool) (ok bool, f *fakeT) {
	t.Helper()
	f = &fakeT{}
	defer func() {
		if v := recover(); v != nil {
			tassert.Fail(t, "assertion panicked", "%v", v)
		}
	}()
	return assertion(f), f
}

// checkCalls checks the contract every assertion keeps: Helper first, then
// exactly one Errorf on failure and none on success.
func checkCalls(t *testing.T, f *fakeT, ok bool) {
	t.Helper()
	if tassert.NotEmpty(t, f.calls, "no call to Helper or Errorf") {
		tassert.Equal(t, "Helper", f.calls[0], "calls %q: want Helper first", f.calls)
	}
	wantErrors := 0
	if !ok {
		wantErrors = 1
	}
	tassert.Len(t, f.errors, wantErrors, "ok = %v: want %d Errorf calls", ok, wantErrors)
}

// runs are real load runs through loadtesting.Exec, shared by the rows.
type runs struct {
	ok       *loadtesting.Result // 200 requests, all 200 OK
	flaky    *loadtesting.Result // 200 requests, every 4th a 503: error rate 0.25
	slow     *loadtesting.Result // 20 requests, each sleeping 2ms
	expected *loadtesting.Result // 20 requests, all 404, with ExpectStatus 404
	zero     *loadtesting.Result // cancelled before the first request
	stream   *loadtesting.Result // 10 streams of 3 server-sent events each
}

func execRuns(t *testing.T) runs {
	t.Helper()
	exec := func(h http.HandlerFunc, cfg loadtesting.Config) *loadtesting.Result {
		t.Helper()
		res, err := loadtesting.Exec(t.Context(), h, cfg)
		require.NoError(t, err, "Exec(%+v)", cfg)
		return res
	}
	var n atomic.Int64
	r := runs{
		ok: exec(func(w http.ResponseWriter, _ *http.Request) {},
			loadtesting.Config{Name: "ok", Requests: 200, Clients: 4}),
		flaky: exec(func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1)%4 == 0 {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
			}
		}, loadtesting.Config{Name: "flaky", Requests: 200, Clients: 4}),
		slow: exec(func(w http.ResponseWriter, _ *http.Request) { time.Sleep(2 * time.Millisecond) },
			loadtesting.Config{Name: "slow", Requests: 20, Clients: 4}),
		expected: exec(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) },
			loadtesting.Config{Name: "expected", Requests: 20, Clients: 4, ExpectStatus: []int{404}}),
	}
	r.stream = exec(sseEvents(3), loadtesting.Config{Name: "stream", Requests: 10, Clients: 2, Stream: &loadtesting.StreamConfig{Events: 3}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	zero, err := loadtesting.Exec(ctx, http.NotFoundHandler(), loadtesting.Config{Name: "zero", Requests: 10})
	require.ErrorIs(t, err, context.Canceled, "Exec with a cancelled context")
	require.NotNil(t, zero, "Exec with a cancelled context: want a Result")
	r.zero = zero

	// The rows below rely on these counts; check them once here.
	for _, c := range []struct {
		name           string
		res            *loadtesting.Result
		requests, fail int64
	}{
		{"ok", r.ok, 200, 0}, {"flaky", r.flaky, 200, 50}, {"slow", r.slow, 20, 0},
		{"expected", r.expected, 20, 0}, {"zero", r.zero, 0, 0}, {"stream", r.stream, 10, 0},
	} {
		require.Equal(t, c.requests, c.res.Metrics.Requests, "%s run: requests", c.name)
		require.Equal(t, c.fail, c.res.Metrics.Failed, "%s run: failed", c.name)
	}
	require.InDelta(t, 0.25, r.flaky.Metrics.ErrorRate, 1e-9, "flaky run: error rate")
	require.Len(t, r.flaky.Metrics.Errors, 50, "flaky run: error samples")
	require.GreaterOrEqual(t, r.slow.Percentile(50), 2*time.Millisecond, "slow run: p50 below the handler's 2ms sleep")
	require.NotNil(t, r.stream.Metrics.Stream, "stream run: stream metrics")
	require.Equal(t, int64(30), r.stream.Metrics.Stream.Events, "stream run: events")
	return r
}

// sseEvents is a handler that sends n server-sent events at once, then
// waits for the client to go away.
func sseEvents(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range n {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
		}
		<-r.Context().Done()
	}
}

// manyErrors is a hand-built run with five sampled failures, two without a
// response, and a long body.
func manyErrors() *loadtesting.Result {
	r := helpert.Health()
	r.ID = "01JDXR8K"
	r.Name = "POST /orders"
	r.InProcess = false
	r.URL = "https://api.example.com/orders"
	r.Clients = 4
	r.Metrics.Requests, r.Metrics.Succeeded, r.Metrics.Failed, r.Metrics.ErrorRate = 100, 95, 5, 0.05
	r.Metrics.StatusCodes = map[int]int64{0: 2, 201: 95, 500: 3}
	r.Metrics.Errors = []loadtesting.ErrorSample{
		{Request: 3, Kind: "timeout", Message: "no response within timeout 1s", At: 1 * time.Second},
		{Request: 5, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", Body: strings.Repeat("x", 200), At: 1200 * time.Millisecond},
		{Request: 8, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", At: 1300 * time.Millisecond},
		{Request: 13, Status: 500, Kind: "status", Message: "status 500 Internal Server Error", At: 1400 * time.Millisecond},
		{Request: 21, Kind: "timeout", Message: "no response within timeout 1s", At: 2 * time.Second},
	}
	return r
}

// withHistogram is a hand-built run whose histogram holds 1ms, 2ms, ...
// 100ms, so percentile p is about p milliseconds. Its Metrics.Latency is
// left zero: the assertions must read the histogram.
func withHistogram(t *testing.T) *loadtesting.Result {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3) // the engine's geometry
	for i := 1; i <= 100; i++ {
		require.NoError(t, h.RecordValue(int64(time.Duration(i)*time.Millisecond)))
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	require.NoError(t, err)
	return &loadtesting.Result{
		ID: "01JDXS00", Name: "GET /hist", InProcess: true, Clients: 1, Histogram: string(enc),
		Metrics: loadtesting.Metrics{Requests: 100, Succeeded: 100, StatusCodes: map[int]int64{200: 100}},
	}
}

func TestAssertions(t *testing.T) {
	r := execRuns(t)
	hand, many, hist := helpert.Health(), manyErrors(), withHistogram(t)
	noLatency := helpert.Health()
	noLatency.Metrics.Latency = loadtesting.Latency{}
	noResponse := helpert.Health()
	noResponse.Metrics.StatusCodes = map[int]int64{0: 2, 200: 498}

	// report is the lines every failure about run res carries, bar the
	// headline and the samples.
	report := func(res *loadtesting.Result) []string {
		mode := "in-process"
		if !res.InProcess {
			mode = res.URL
		}
		return []string{
			fmt.Sprintf("\n    run:     %s %q %s, %d requests, %d clients\n", res.ID, res.Name, mode, res.Metrics.Requests, res.Clients),
			"\n    latency: p50 " + format.Duration(res.Metrics.Latency.P50) + "  p90 ",
			fmt.Sprintf("\n    errors:  %d (", res.Metrics.Failed),
			"\n    more:    loadreport results " + res.ID,
		}
	}
	// samples are the lines of a run's first three error samples.
	samples := func(res *loadtesting.Result) []string {
		var lines []string
		for _, e := range res.Metrics.Errors[:min(3, len(res.Metrics.Errors))] {
			lines = append(lines, fmt.Sprintf("    sample:  request %d at %s: %s: %s", e.Request, format.Duration(e.At), e.Kind, e.Message))
		}
		return lines
	}
	join := func(parts ...[]string) []string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	const (
		nilResult = "no request was sent (the load result is nil: did the run fail to start?)"
		noRun     = "\n    run:     none (load result is nil)"
		empty     = "no request was sent (an empty run meets no goal)"
	)

	tests := []struct {
		name      string
		assertion func(loadassert.TestingT) bool
		wantOK    bool
		want      []string // substrings of the failure message
		notWant   []string // substrings the failure message must not have
	}{
		// P50Below
		{
			name:      "P50Below real run sleeping 2ms, limit 1s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, r.slow, time.Second) },
			wantOK:    true,
		},
		{
			name:      "P50Below real run sleeping 2ms, limit 1ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, r.slow, time.Millisecond) },
			want: join([]string{
				"p50 latency " + format.Duration(r.slow.Percentile(50)) + ", want < 1.00ms\n",
				// The headline's value and the latency line agree.
				"latency: p50 " + format.Duration(r.slow.Metrics.Latency.P50) + "  ",
				"errors:  0 (0%)\n",
			}, report(r.slow)),
			notWant: []string{"sample:", "more sampled"},
		},
		{
			name:      "P50Below hand-built, limit above",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hand, 8200*time.Microsecond) },
			wantOK:    true,
		},
		{
			name:      "P50Below hand-built, limit equal fails (strictly below)",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hand, 8100*time.Microsecond) },
			want:      join([]string{"p50 latency 8.10ms, want < 8.10ms\n"}, report(hand)),
		},
		{
			name:      "P50Below histogram wins over empty summary, pass",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hist, 51*time.Millisecond) },
			wantOK:    true,
		},
		{
			name:      "P50Below histogram wins over empty summary, fail",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hist, 49*time.Millisecond) },
			want:      join([]string{"p50 latency 50ms, want < 49ms\n"}, report(hist)),
		},
		{
			name:      "P50Below zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, r.zero, time.Second) },
			want:      join([]string{"p50 latency: " + empty + "\n"}, report(r.zero)),
		},
		{
			name:      "P50Below nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P50Below(t, nil, time.Second) },
			want:      []string{nilResult, noRun},
		},

		// P95Below
		{
			name:      "P95Below real run, limit 1s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, r.ok, time.Second) },
			wantOK:    true,
		},
		{
			name:      "P95Below hand-built, limit 30ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, 30*time.Millisecond) },
			wantOK:    true,
		},
		{
			name:      "P95Below hand-built, limit 20ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, 20*time.Millisecond) },
			want: join([]string{
				"p95 latency 23.4ms, want < 20ms\n",
				"latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms\n",
				"errors:  2 (0.40%): 2×503\n",
			}, report(hand)),
			notWant: []string{"sample:", "more sampled"},
		},
		{
			name:      "P95Below no histogram and no latency summary fails",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, noLatency, time.Hour) },
			want:      join([]string{"p95 latency: the result has no latency histogram\n"}, report(noLatency)),
		},
		{
			name:      "P95Below zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, r.zero, time.Second) },
			want:      []string{"p95 latency: " + empty + "\n"},
		},
		{
			name:      "P95Below nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, nil, time.Second) },
			want:      []string{nilResult, noRun},
		},

		// P99Below
		{
			name:      "P99Below real run, limit 1s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, r.flaky, time.Second) },
			wantOK:    true,
		},
		{
			name:      "P99Below real run sleeping 2ms, limit 1µs",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, r.slow, time.Microsecond) },
			want:      join([]string{"p99 latency " + format.Duration(r.slow.Percentile(99)) + ", want < 1.00µs\n"}, report(r.slow)),
		},
		{
			name:      "P99Below hand-built, limit 50ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hand, 50*time.Millisecond) },
			wantOK:    true,
		},
		{
			name:      "P99Below hand-built, limit 40ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hand, 40*time.Millisecond) },
			want:      join([]string{"p99 latency 41ms, want < 40ms\n"}, report(hand)),
		},
		{
			name:      "P99Below histogram, limit 98ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hist, 98*time.Millisecond) },
			want:      []string{"p99 latency 99ms, want < 98ms\n"},
		},
		{
			name:      "P99Below zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, r.zero, time.Second) },
			want:      []string{"p99 latency: " + empty + "\n"},
		},
		{
			name:      "P99Below nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, nil, time.Second) },
			want:      []string{nilResult, noRun},
		},

		// PercentileBelow
		{
			name: "PercentileBelow 99.9 hand-built, limit 100ms",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.PercentileBelow(t, hand, 99.9, 100*time.Millisecond)
			},
			wantOK: true,
		},
		{
			name: "PercentileBelow 99.9 hand-built, limit 50ms",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.PercentileBelow(t, hand, 99.9, 50*time.Millisecond)
			},
			want: join([]string{"p999 latency 80ms, want < 50ms\n"}, report(hand)),
		},
		{
			name:      "PercentileBelow 75 hand-built reads the summary",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 75, 10*time.Millisecond) },
			want:      []string{"p75 latency 12ms, want < 10ms\n"},
		},
		{
			name:      "PercentileBelow 42 histogram, limit 43ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hist, 42, 43*time.Millisecond) },
			wantOK:    true,
		},
		{
			name:      "PercentileBelow 42 histogram, limit 40ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hist, 42, 40*time.Millisecond) },
			want:      join([]string{"p42 latency 42ms, want < 40ms\n"}, report(hist)),
		},
		{
			name:      "PercentileBelow 42 without histogram fails",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 42, time.Hour) },
			want:      join([]string{"p42 latency: the result has no latency histogram\n"}, report(hand)),
		},
		{
			name:      "PercentileBelow 99.9 real run, limit 1s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, r.ok, 99.9, time.Second) },
			wantOK:    true,
		},
		{
			name:      "PercentileBelow 90 real run sleeping 2ms, limit 1ms",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, r.slow, 90, time.Millisecond) },
			want:      join([]string{"p90 latency " + format.Duration(r.slow.Percentile(90)) + ", want < 1.00ms\n"}, report(r.slow)),
		},
		{
			name:      "PercentileBelow 150 is not a percentile",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 150, time.Hour) },
			want:      join([]string{"percentile 150: must be between 0 and 100\n"}, report(hand)),
		},
		{
			name:      "PercentileBelow -1 is not a percentile",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, r.ok, -1, time.Hour) },
			want:      []string{"percentile -1: must be between 0 and 100\n"},
		},
		{
			name:      "PercentileBelow NaN is not a percentile",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, math.NaN(), time.Hour) },
			want:      []string{"percentile NaN: must be between 0 and 100\n"},
		},
		{
			name:      "PercentileBelow 150 with a nil result names both",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, nil, 150, time.Hour) },
			want:      []string{"percentile 150: must be between 0 and 100\n", noRun},
		},
		{
			name:      "PercentileBelow zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, r.zero, 99.9, time.Second) },
			want:      join([]string{"p999 latency: " + empty + "\n"}, report(r.zero)),
		},
		{
			name:      "PercentileBelow nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, nil, 50, time.Second) },
			want:      []string{nilResult, noRun},
		},

		// ErrorRateBelow
		{
			name:      "ErrorRateBelow real run without errors",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, r.ok, 0.01) },
			wantOK:    true,
		},
		{
			name:      "ErrorRateBelow real run at 25%, limit 30%",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, r.flaky, 0.3) },
			wantOK:    true,
		},
		{
			name:      "ErrorRateBelow real run at 25%, limit 25% fails (strictly below)",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, r.flaky, 0.25) },
			want: join([]string{
				"error rate 25.0% (50 of 200), want < 25.0%\n",
				"errors:  50 (25.0%): 50×503\n",
				`: status: status 503 Service Unavailable: body "overloaded\n"`,
				"             ... 47 more sampled\n",
			}, report(r.flaky), samples(r.flaky)),
			notWant: []string{fmt.Sprintf("sample:  request %d ", r.flaky.Metrics.Errors[3].Request)},
		},
		{
			name:      "ErrorRateBelow real run at 25%, limit 1%",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, r.flaky, 0.01) },
			want:      join([]string{"error rate 25.0% (50 of 200), want < 1.00%\n"}, report(r.flaky), samples(r.flaky)),
		},
		{
			name:      "ErrorRateBelow hand-built with two samples lists both",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, hand, 0.001) },
			want:      join([]string{"error rate 0.40% (2 of 500), want < 0.10%\n"}, report(hand), samples(hand)),
			notWant:   []string{"more sampled"},
		},
		{
			name:      "ErrorRateBelow zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, r.zero, 0.5) },
			want:      join([]string{"error rate: " + empty + "\n"}, report(r.zero)),
		},
		{
			name:      "ErrorRateBelow nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, nil, 0.5) },
			want:      []string{nilResult, noRun},
		},

		// NoErrors
		{
			name:      "NoErrors real run without errors",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, r.ok) },
			wantOK:    true,
		},
		{
			name:      "NoErrors real run of 404s that ExpectStatus allows",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, r.expected) },
			wantOK:    true,
		},
		{
			name:      "NoErrors real run at 25%",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, r.flaky) },
			want: join([]string{
				"50 of 200 requests failed (25.0%), want none\n",
				"             ... 47 more sampled\n",
			}, report(r.flaky), samples(r.flaky)),
		},
		{
			name:      "NoErrors hand-built with five samples lists three",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, many) },
			want: join([]string{
				"5 of 100 requests failed (5.00%), want none\n",
				"errors:  5 (5.00%): 2×no response, 3×500\n",
				`: body "` + strings.Repeat("x", 120) + `…"` + "\n",
				"             ... 2 more sampled\n",
			}, report(many), samples(many)),
			notWant: []string{"request 13 ", "request 21 "},
		},
		{
			name:      "NoErrors zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, r.zero) },
			want:      join([]string{"no errors: " + empty + "\n"}, report(r.zero)),
			notWant:   []string{"sample:"},
		},
		{
			name:      "NoErrors nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, nil) },
			want:      []string{nilResult, noRun},
		},

		// ThroughputAbove
		{
			name:      "ThroughputAbove real run, limit 1/s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, r.ok, 1) },
			wantOK:    true,
		},
		{
			name:      "ThroughputAbove real run with no requests, even with a negative limit",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, r.zero, -1) },
			want:      join([]string{"throughput: " + empty + "\n"}, report(r.zero)),
		},
		{
			name:      "ThroughputAbove hand-built, limit 1000/s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, hand, 1000) },
			wantOK:    true,
		},
		{
			name:      "ThroughputAbove hand-built, limit 2000/s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, hand, 2000) },
			want:      join([]string{"throughput 1234 successes/s, want > 2000\n"}, report(hand)),
			notWant:   []string{"sample:"},
		},
		{
			name:      "ThroughputAbove nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, nil, 1) },
			want:      []string{nilResult, noRun},
		},

		// StatusCodesIn
		{
			name:      "StatusCodesIn real run of 200s",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.ok, []int{200}) },
			wantOK:    true,
		},
		{
			name:      "StatusCodesIn real run of 200s and 503s, both allowed",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.flaky, []int{200, 503}) },
			wantOK:    true,
		},
		{
			name:      "StatusCodesIn real run of 200s and 503s, 200 allowed",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.flaky, []int{200}) },
			want: join([]string{
				"statuses outside [200]: 50×503\n",
				"             ... 47 more sampled\n",
			}, report(r.flaky), samples(r.flaky)),
		},
		{
			name:      "StatusCodesIn real run of expected 404s, 200 allowed",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.expected, []int{200}) },
			want:      join([]string{"statuses outside [200]: 20×404\n", "errors:  0 (0%)\n"}, report(r.expected)),
			notWant:   []string{"sample:"},
		},
		{
			name:      "StatusCodesIn hand-built with no response, 200 allowed",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, noResponse, []int{200}) },
			want:      join([]string{"statuses outside [200]: 2×no response\n"}, report(noResponse), samples(noResponse)),
		},
		{
			name:      "StatusCodesIn hand-built, several outside",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, many, []int{200, 204}) },
			want:      join([]string{"statuses outside [200 204]: 2×no response, 95×201, 3×500\n"}, report(many), samples(many)),
		},
		{
			name:      "StatusCodesIn no codes allows nothing",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.ok, nil) },
			want:      []string{"statuses outside []: 200×200\n"},
		},
		{
			name:      "StatusCodesIn zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.zero, []int{200}) },
			want:      join([]string{"statuses in [200]: " + empty + "\n"}, report(r.zero)),
		},
		{
			name:      "StatusCodesIn nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, nil, []int{200}) },
			want:      []string{nilResult, noRun},
		},

		// msgAndArgs
		{
			name: "message with format and args",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.P95Below(t, hand, 20*time.Millisecond, "fmt %d", 1)
			},
			want: []string{"p95 latency 23.4ms, want < 20ms: fmt 1\n"},
		},
		{
			name: "plain message",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.ErrorRateBelow(t, r.flaky, 0.1, "checkout must not shed load")
			},
			want: []string{"error rate 25.0% (50 of 200), want < 10.0%: checkout must not shed load\n"},
		},
		{
			name:      "message that is not a string",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, many, 42) },
			want:      []string{"want none: 42\n"},
		},
		{
			name: "message on P50Below",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.P50Below(t, hand, time.Millisecond, "p50 %s", "msg")
			},
			want: []string{"want < 1.00ms: p50 msg\n"},
		},
		{
			name:      "message on P99Below",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hand, time.Millisecond, "p99 msg") },
			want:      []string{"want < 1.00ms: p99 msg\n"},
		},
		{
			name: "message on PercentileBelow with a bad percentile",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.PercentileBelow(t, hand, 150, time.Millisecond, "bad %s", "msg")
			},
			want: []string{"between 0 and 100: bad msg\n"},
		},
		{
			name:      "message on ThroughputAbove",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, hand, 1e4, "tput %d", 2) },
			want:      []string{"want > 10000: tput 2\n"},
		},
		{
			name: "message on StatusCodesIn",
			assertion: func(t loadassert.TestingT) bool {
				return loadassert.StatusCodesIn(t, r.flaky, []int{200}, "only %s", "200 OK")
			},
			want: []string{"statuses outside [200]: ", "503", ": only 200 OK\n", "             ... 47 more sampled\n"},
		},
		{
			name:      "message on StatusCodesIn with zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, r.zero, []int{200}, "zero") },
			want:      []string{"statuses in [200]: " + empty + ": zero\n"},
		},
		{
			name:      "message on zero requests",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P99Below(t, r.zero, time.Second, "zero") },
			want:      []string{"p99 latency: " + empty + ": zero\n"},
		},
		{
			name:      "message on a nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, nil, time.Second, "run %q", "health") },
			want:      []string{"p95 latency: " + nilResult + `: run "health"` + noRun},
		},
		{
			name:      "message on a passing assertion is not formatted",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, time.Hour, "%d %d", 1) },
			wantOK:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, f := call(t, tt.assertion)
			tassert.Equal(t, tt.wantOK, ok, "messages:\n%s", strings.Join(f.errors, "\n---\n"))
			checkCalls(t, f, ok)
			if len(f.errors) == 0 {
				return
			}
			msg := f.errors[0]
			for _, w := range tt.want {
				tassert.Contains(t, msg, w)
			}
			for _, nw := range tt.notWant {
				tassert.NotContains(t, msg, nw)
			}
		})
	}
}

// TestFailureReport checks whole failure messages for hand-built runs,
// so the layout itself is pinned, not just its parts.
func TestFailureReport(t *testing.T) {
	hand, many := helpert.Health(), manyErrors()
	tests := []struct {
		name      string
		assertion func(loadassert.TestingT) bool
		want      string
	}{
		{
			name:      "latency goal, as in STYLE.md",
			assertion: func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, 20*time.Millisecond) },
			want: `p95 latency 23.4ms, want < 20ms
    run:     01JDXQ3V "GET /health/" in-process, 500 requests, 10 clients
    latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms
    errors:  2 (0.40%): 2×503
    more:    loadreport results 01JDXQ3V`,
		},
		{
			name:      "error goal over HTTP with samples and a message",
			assertion: func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, many, 0.01, "orders %s", "v2") },
			want: `error rate 5.00% (5 of 100), want < 1.00%: orders v2
    run:     01JDXR8K "POST /orders" https://api.example.com/orders, 100 requests, 4 clients
    latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms
    errors:  5 (5.00%): 2×no response, 3×500
    sample:  request 3 at 1.00s: timeout: no response within timeout 1s
    sample:  request 5 at 1.20s: status: status 500 Internal Server Error: body "` + strings.Repeat("x", 120) + `…"
    sample:  request 8 at 1.30s: status: status 500 Internal Server Error
             ... 2 more sampled
    more:    loadreport results 01JDXR8K`,
		},
		{
			// 119 ASCII bytes then "é" (2 bytes): a cut at 120 bytes would
			// split it and %q would show "\xc3".
			name: "body cut at a rune boundary",
			assertion: func(t loadassert.TestingT) bool {
				r := manyErrors()
				r.Metrics.Errors = r.Metrics.Errors[1:2]
				r.Metrics.Errors[0].Body = strings.Repeat("x", 119) + "été"
				return loadassert.NoErrors(t, r)
			},
			want: `5 of 100 requests failed (5.00%), want none
    run:     01JDXR8K "POST /orders" https://api.example.com/orders, 100 requests, 4 clients
    latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms
    errors:  5 (5.00%): 2×no response, 3×500
    sample:  request 5 at 1.20s: status: status 500 Internal Server Error: body "` + strings.Repeat("x", 119) + `…"
    more:    loadreport results 01JDXR8K`,
		},
		{
			name:      "nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, nil, "fmt %d", 1) },
			want:      "no errors: no request was sent (the load result is nil: did the run fail to start?): fmt 1\n    run:     none (load result is nil)",
		},
		{
			name: "empty run",
			assertion: func(t loadassert.TestingT) bool {
				r := &loadtesting.Result{ID: "01JDXT00", Name: "GET /empty", InProcess: true, Clients: 10}
				return loadassert.NoErrors(t, r, "health")
			},
			want: `no errors: no request was sent (an empty run meets no goal): health
    run:     01JDXT00 "GET /empty" in-process, 0 requests, 10 clients
    latency: p50 0s  p90 0s  p95 0s  p99 0s  max 0s
    errors:  0 (0%)
    more:    loadreport results 01JDXT00`,
		},
		{
			name:      "bad percentile and nil result",
			assertion: func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, nil, 150, time.Second) },
			want:      "percentile 150: must be between 0 and 100\n    run:     none (load result is nil)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, f := call(t, tt.assertion)
			require.False(t, ok, "assertion passed, want a failure")
			checkCalls(t, f, ok)
			tassert.Equal(t, []string{tt.want}, f.errors, "failure message")
		})
	}
}

// TestAssertions_realTestingT runs passing assertions against a real
// *testing.T, so the fake's contract matches testing.TB's.
func TestAssertions_realTestingT(t *testing.T) {
	res := loadtesting.Run(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		loadtesting.Config{Requests: 50, Clients: 2})
	ok := loadassert.P50Below(t, res, time.Second) &&
		loadassert.P95Below(t, res, time.Second) &&
		loadassert.P99Below(t, res, time.Second) &&
		loadassert.PercentileBelow(t, res, 99.9, time.Second) &&
		loadassert.ErrorRateBelow(t, res, 0.01) &&
		loadassert.NoErrors(t, res) &&
		loadassert.ThroughputAbove(t, res, 1) &&
		loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
	tassert.True(t, ok, "a passing assertion returned false")
}

// TestAssertions_emptyRun calls every exported assertion on runs that sent
// no request and checks that each one fails, without panicking, saying so.
// TestAssertions_emptyRun_coversEveryAssertion keeps the list complete.
func TestAssertions_emptyRun(t *testing.T) {
	r := execRuns(t)
	hand := &loadtesting.Result{ID: "01JDXT00", Name: "GET /empty", InProcess: true, Clients: 10}
	empties := []struct {
		name    string
		res     *loadtesting.Result
		runLine string
	}{
		{"cancelled before the first request", r.zero, fmt.Sprintf("\n    run:     %s %q in-process, 0 requests, %d clients\n", r.zero.ID, r.zero.Name, r.zero.Clients)},
		{"hand-built with zero requests", hand, "\n    run:     01JDXT00 \"GET /empty\" in-process, 0 requests, 10 clients\n"},
		{"nil", nil, "\n    run:     none (load result is nil)"},
	}
	for _, a := range everyAssertion {
		name := funcName(a.fn)
		healthy := r.ok
		if a.streamed {
			healthy = r.stream
		}
		t.Run(name+"/passes on a healthy run", func(t *testing.T) {
			ok, f := call(t, func(lt loadassert.TestingT) bool { return callAssertion(lt, a.fn, healthy, a.args) })
			tassert.True(t, ok, "the arguments %v must pass on a healthy run, so that only emptiness fails; messages: %q", a.args, f.errors)
			checkCalls(t, f, ok)
		})
		for _, e := range empties {
			t.Run(name+"/"+e.name, func(t *testing.T) {
				ok, f := call(t, func(lt loadassert.TestingT) bool { return callAssertion(lt, a.fn, e.res, a.args) })
				tassert.False(t, ok, "an empty run passed")
				checkCalls(t, f, ok)
				if len(f.errors) == 1 {
					tassert.Contains(t, f.errors[0], ": no request was sent (")
					tassert.Contains(t, f.errors[0], e.runLine)
				}
			})
		}
	}
}

// everyAssertion lists each exported assertion with arguments (after t and
// the Result) that a healthy run meets: a streamed one for the assertions
// about streams.
var everyAssertion = []struct {
	fn       any
	args     []any
	streamed bool
}{
	{loadassert.P50Below, []any{time.Hour}, false},
	{loadassert.P95Below, []any{time.Hour}, false},
	{loadassert.P99Below, []any{time.Hour}, false},
	{loadassert.PercentileBelow, []any{99.9, time.Hour}, false},
	{loadassert.ErrorRateBelow, []any{0.5}, false},
	{loadassert.NoErrors, nil, false},
	{loadassert.ThroughputAbove, []any{1.0}, false},
	{loadassert.StatusCodesIn, []any{[]int{http.StatusOK}}, false},
	{loadassert.FirstEventBelow, []any{99.0, time.Hour}, true},
	{loadassert.EventGapBelow, []any{99.0, time.Hour}, true},
	{loadassert.EventsAtLeast, []any{int64(3)}, true},
}

// callAssertion calls fn(t, r, args...) by reflection.
func callAssertion(t loadassert.TestingT, fn any, r *loadtesting.Result, args []any) bool {
	in := []reflect.Value{reflect.ValueOf(t), reflect.ValueOf(r)}
	for _, a := range args {
		in = append(in, reflect.ValueOf(a))
	}
	return reflect.ValueOf(fn).Call(in)[0].Bool()
}

// funcName is the name fn was declared with, e.g. "P95Below".
func funcName(fn any) string {
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	return full[strings.LastIndex(full, ".")+1:]
}

// TestAssertions_emptyRun_coversEveryAssertion parses the package's source
// and checks that everyAssertion lists every exported function, so a new
// assertion cannot skip the empty-run check.
func TestAssertions_emptyRun_coversEveryAssertion(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var exported []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				exported = append(exported, fd.Name.Name)
			}
		}
	}
	require.NotEmpty(t, exported, "no exported function found in %v", files)
	var listed []string
	for _, a := range everyAssertion {
		listed = append(listed, funcName(a.fn))
	}
	slices.Sort(exported)
	slices.Sort(listed)
	tassert.Equal(t, exported, listed, "everyAssertion must list every exported function of package assert")
}
