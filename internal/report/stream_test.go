package report_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// streamed is a streamed run of an SSE route: 20 streams read for 2s or 10
// events, two of which the server ended early.
func streamed() *loadtesting.Result {
	r := health("01JPA0000000000000000000ST", time.Hour)
	r.Name, r.Path, r.URL = "GET /events/worker/stream", "/events/worker/stream", "http://127.0.0.1:8000/events/worker/stream"
	r.Config = loadtesting.RunConfig{Requests: 20, Timeout: 3 * time.Second,
		Stream: &loadtesting.StreamConfig{For: 2 * time.Second, Events: 10}}
	r.Clients = 20
	r.Metrics = loadtesting.Metrics{
		Requests: 20, Succeeded: 18, Failed: 2, ErrorRate: 0.1, Throughput: 9, RequestRate: 10,
		Latency:     loadtesting.Latency{P50: 412 * time.Microsecond, P95: 980 * time.Microsecond, P99: 1200 * time.Microsecond, Max: 1200 * time.Microsecond},
		StatusCodes: map[int]int64{200: 20},
		Errors: []loadtesting.ErrorSample{
			{Request: 3, Status: 200, Kind: loadtesting.KindStream, Message: "stream ended after 4 events", At: 420 * time.Millisecond},
			{Request: 11, Status: 200, Kind: loadtesting.KindStream, Message: "stream ended after 6 events", At: 630 * time.Millisecond},
		},
		Stream: &loadtesting.StreamMetrics{
			Streams: 20, Events: 190,
			EventsPerStream: loadtesting.EventCounts{Min: 4, Mean: 9.5, Max: 10},
			FirstEvent:      loadtesting.Latency{P50: 101 * time.Millisecond, P95: 104 * time.Millisecond, P99: 109 * time.Millisecond, Max: 110 * time.Millisecond},
			Gap:             loadtesting.Latency{P50: 100 * time.Millisecond, P95: 102 * time.Millisecond, P99: 105 * time.Millisecond, Max: 107 * time.Millisecond},
			EndedEarly:      2,
		},
	}
	return r
}

// TestResults_stream checks the Stream section of a streamed run's report
// (and its golden file), and that a run that was not streamed shows none of
// it.
func TestResults_stream(t *testing.T) {
	tests := []struct {
		name    string
		run     *loadtesting.Result
		color   bool
		want    []string // substrings of the report
		notWant []string
		golden  string // "" means no golden file
	}{
		{"streamed", streamed(), false, []string{
			"Latency (to the response headers)\n",
			"\nStream\n",
			"Streams      20\n",
			"Events       190 (per stream: min 4, mean 9.50, max 10)\n",
			"Ended early  2 (each is a failure of kind stream)\n",
			"             P50    P95    P99    MAX\n",
			"First event  101ms  104ms  109ms  110ms\n",
			"Gap          100ms  102ms  105ms  107ms\n",
			"Timeout   3.00s (for the headers, and for each gap between events)\n",
			"Stream    each response read for 2.00s or 10 events, whichever comes first\n",
		}, nil, "results_stream"},
		{"streamed, colour", streamed(), true, []string{"\x1b[31m2 (each is a failure of kind stream)\x1b[0m"}, nil, ""},
		{"streamed, none ended early", func() *loadtesting.Result {
			r := streamed()
			r.Metrics.Stream.EndedEarly = 0
			return r
		}(), true, []string{"Ended early  0\n"}, nil, ""},
		{"not streamed", health("01JPA0000000000000000000BB", time.Hour), false, []string{"\nLatency\n"},
			[]string{"Stream", "First event", "Gap", "Ended early", "to the response headers", "each gap"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.Results(&buf, tt.run, opts(tt.color)))
			for _, w := range tt.want {
				assert.Contains(t, buf.String(), w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, buf.String(), w)
			}
			if tt.golden != "" {
				golden(t, tt.golden, buf.Bytes())
			}
		})
	}
}

// TestStreamConfig checks the words for each kind of Config.Stream.
func TestStreamConfig(t *testing.T) {
	tests := []struct {
		c    *loadtesting.StreamConfig
		want string
	}{
		{nil, ""},
		{&loadtesting.StreamConfig{For: 2 * time.Second}, "for 2.00s"},
		{&loadtesting.StreamConfig{Events: 1}, "until 1 event"},
		{&loadtesting.StreamConfig{Events: 10}, "until 10 events"},
		{&loadtesting.StreamConfig{For: 500 * time.Millisecond, Events: 3}, "for 500ms or 3 events, whichever comes first"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, report.StreamConfig(tt.c), "StreamConfig(%+v)", tt.c)
	}
}

// TestJSON_stream checks that --json output carries a streamed run's
// metrics.stream, with latencies in milliseconds, and a run that was not
// streamed has no metrics.stream at all.
func TestJSON_stream(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, streamed()))
	var got struct {
		Config struct {
			Stream map[string]any `json:"stream"`
		} `json:"config"`
		Metrics struct {
			Stream map[string]any `json:"stream"`
		} `json:"metrics"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	s := got.Metrics.Stream
	require.NotNil(t, s, "metrics.stream in\n%s", buf.String())
	want := map[string]any{
		"streams": 20.0, "events": 190.0, "ended_early": 2.0,
		"events_per_stream":  map[string]any{"min": 4.0, "mean": 9.5, "max": 10.0},
		"first_event.p50_ms": 101.0, "first_event.p99_ms": 109.0, "gap.p95_ms": 102.0,
	}
	flat := map[string]any{
		"streams": s["streams"], "events": s["events"], "ended_early": s["ended_early"],
		"events_per_stream":  s["events_per_stream"],
		"first_event.p50_ms": s["first_event"].(map[string]any)["p50_ms"],
		"first_event.p99_ms": s["first_event"].(map[string]any)["p99_ms"],
		"gap.p95_ms":         s["gap"].(map[string]any)["p95_ms"],
	}
	if diff := cmp.Diff(want, flat); diff != "" {
		t.Errorf("metrics.stream (-want +got):\n%s", diff)
	}
	assert.Equal(t, map[string]any{"for_ms": 2000.0, "events": 10.0}, got.Config.Stream, "config.stream")

	buf.Reset()
	require.NoError(t, report.JSON(&buf, health("01JPA0000000000000000000BB", time.Hour)))
	assert.NotContains(t, buf.String(), `"stream"`, "a run that was not streamed")
}
