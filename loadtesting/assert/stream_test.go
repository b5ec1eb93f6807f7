package assert_test

import (
	"testing"
	"time"

	tassert "github.com/stretchr/testify/assert"

	"github.com/apiload/apiload/internal/helpert"
	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

func TestStreamAssertions(t *testing.T) {
	r := execRuns(t)
	tick := helpert.Ticker()
	silent := helpert.Ticker() // streams opened, no event came
	silent.Metrics.Stream = &loadtesting.StreamMetrics{Streams: 20}
	closed := helpert.Ticker() // no stream opened: every request failed before its headers
	closed.Metrics.Stream = &loadtesting.StreamMetrics{}

	tests := []struct {
		name      string
		assertion func(loadassert.TestingT) bool
		wantOK    bool
		want      []string // substrings of the failure message
	}{
		{"FirstEventBelow holds", func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, tick, 95, 31*time.Millisecond) }, true, nil},
		{"FirstEventBelow broken", func(t loadassert.TestingT) bool {
			return loadassert.FirstEventBelow(t, tick, 95, 30*time.Millisecond, "ticker")
		}, false, []string{
			"p95 first event 30ms, want < 30ms: ticker\n",
			"\n    streams: 20, events 195 (per stream 5..10), first event p50 12ms  p95 30ms, gap p50 100ms  p99 110ms, ended early 1\n",
		}},
		{"FirstEventBelow real run", func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, r.stream, 50, time.Hour) }, true, nil},
		{"FirstEventBelow not streamed", func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, r.ok, 50, time.Hour) }, false, []string{
			"p50 first event: the run was not streamed (set Config.Stream, or --stream-for/--stream-events)\n",
		}},
		{"FirstEventBelow no event", func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, silent, 50, time.Hour) }, false, []string{
			"p50 first event: none measured (no stream received enough events)\n",
			"sample:  request 4 at 1.00s: stream: stream ended by the server",
		}},
		{"FirstEventBelow bad percentile", func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, tick, -1, time.Hour) }, false, []string{
			"percentile -1: must be between 0 and 100\n",
		}},
		{"EventGapBelow holds", func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, tick, 99, 111*time.Millisecond) }, true, nil},
		{"EventGapBelow broken", func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, tick, 50, 90*time.Millisecond) }, false, []string{
			"p50 event gap 100ms, want < 90ms\n",
		}},
		{"EventGapBelow percentile not in the summary", func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, tick, 42, time.Hour) }, false, []string{
			"p42 event gap: none measured",
		}},
		{"EventGapBelow real run", func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, r.stream, 99, time.Hour) }, true, nil},
		{"EventGapBelow not streamed", func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, helpert.Health(), 99, time.Hour) }, false, []string{
			"p99 event gap: the run was not streamed",
			"\n    run:     01JDXQ3V \"GET /health/\" in-process, 500 requests, 10 clients\n",
		}},
		{"EventsAtLeast holds", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, tick, 5) }, true, nil},
		{"EventsAtLeast broken", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, tick, 6, "each stream") }, false, []string{
			"fewest events in a stream 5, want at least 6: each stream\n",
			"sample:  request 4 at 1.00s: stream: stream ended by the server after 5 events, before 10 events",
		}},
		{"EventsAtLeast real run", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, r.stream, 3) }, true, nil},
		{"EventsAtLeast real run broken", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, r.stream, 4) }, false, []string{
			"fewest events in a stream 3, want at least 4\n",
		}},
		{"EventsAtLeast no stream opened", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, closed, 0) }, false, []string{
			"events per stream at least 0: no stream was opened\n",
		}},
		{"EventsAtLeast not streamed", func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, r.ok, 1) }, false, []string{
			"events per stream at least 1: the run was not streamed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, f := call(t, tt.assertion)
			tassert.Equal(t, tt.wantOK, ok, "messages: %q", f.errors)
			checkCalls(t, f, ok)
			if len(f.errors) == 1 {
				for _, w := range tt.want {
					tassert.Contains(t, f.errors[0], w)
				}
			}
		})
	}
}

func TestStreamAssertions_errorsLineWithoutFailedStatus(t *testing.T) {
	ok, f := call(t, func(lt loadassert.TestingT) bool { return loadassert.EventsAtLeast(lt, helpert.Ticker(), 6) })
	tassert.False(t, ok)
	if tassert.Len(t, f.errors, 1) {
		tassert.Contains(t, f.errors[0], "\n    errors:  1 (5.00%)\n", "a failure whose status counts as a success lists no status")
	}
}
