package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/loadtesting"
)

// sseSilent answers 200 with the headers of server-sent events at once, then
// sends no event until the client goes away: every request of a run that
// reads bodies to their end times out after the headers.
var sseSilent = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
	<-r.Context().Done()
})

// stuck never answers until the client goes away.
var stuck = http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })

// TestRun_streamHint runs both `run` commands on a route that streams and
// one that never answers, with and without --stream-for: the one-line hint
// to stream goes to stderr exactly when requests timed out after a 2xx
// answer in a run that was not streamed, and never otherwise.
func TestRun_streamHint(t *testing.T) {
	const hint = "hint: requests timed out after the server answered 200: the route seems to stream (server-sent events or chunks); " +
		"read each response as a stream with --stream-for 2s or --stream-events 10\n"
	sseSrv := httptest.NewServer(sseSilent)
	t.Cleanup(sseSrv.Close)
	stuckSrv := httptest.NewServer(stuck)
	t.Cleanup(stuckSrv.Close)
	load := []string{"-n", "2", "-c", "2", "--timeout", "100ms", "--json"}
	tests := []struct {
		name     string
		run      func(t *testing.T, args ...string) outcome
		args     []string
		streamed bool // whether the flags ask for a stream
	}{
		{"app, in-process, SSE", inProcess(sseSilent), []string{"/events", "--in-process"}, false},
		{"app, in-process, SSE, --stream-for", inProcess(sseSilent), []string{"/events", "--in-process", "--stream-for", "50ms"}, true},
		{"app, in-process, SSE, --stream-events", inProcess(sseSilent), []string{"/events", "--in-process", "--stream-events", "3"}, true},
		{"app, in-process, no answer", inProcess(stuck), []string{"/stuck", "--in-process"}, false},
		{"URL, SSE", loadreportRun, []string{sseSrv.URL + "/events"}, false},
		{"URL, SSE, --stream-for", loadreportRun, []string{sseSrv.URL + "/events", "--stream-for", "50ms"}, true},
		{"URL, no answer", loadreportRun, []string{stuckSrv.URL + "/stuck"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.run(t, append(tt.args, load...)...)
			require.Equal(t, 0, o.code, "exit status\n%v", o)
			var res loadtesting.Result
			require.NoError(t, json.Unmarshal([]byte(o.stdout), &res), "--json\n%v", o)
			// The engine records the status of a response whose headers
			// came before its body timed out: then, and only then, the
			// hint applies.
			answered := false
			for _, e := range res.Metrics.Errors {
				if e.Kind == loadtesting.KindTimeout && e.Status == http.StatusOK {
					answered = true
				}
			}
			if answered && !tt.streamed {
				assert.Equal(t, hint, o.stderr, "stderr: the hint, once")
			} else {
				assert.NotContains(t, o.stderr, "hint:", "stderr")
			}
			if !tt.streamed {
				assert.NotContains(t, o.stdout, `"stream"`, "--json of a run that was not streamed")
			}
		})
	}
}

// inProcess runs an app's `run PATH` with handler h.
func inProcess(h http.Handler) func(t *testing.T, args ...string) outcome {
	return func(t *testing.T, args ...string) outcome {
		return appRun(t, cli.RunTarget{Handler: h}, "none", false, args...)
	}
}

// loadreportRun runs loadreport's `run URL`.
func loadreportRun(t *testing.T, args ...string) outcome {
	return loadreport(t, false, append([]string{"run", "--store", "none"}, args...)...)
}

// TestResults_stream checks that `loadreport results` shows a stored
// streamed run's stream metrics, and --json carries them as metrics.stream.
func TestResults_stream(t *testing.T) {
	s := seed(t, fileStore(t))
	st, err := loadtesting.OpenStore(s.url)
	require.NoError(t, err)
	defer st.Close()
	streamed := *s.ok
	streamed.ID = s.ok.ID[:20] + "STREAM"
	streamed.Config.Stream = &loadtesting.StreamConfig{Events: 10}
	streamed.Metrics.Stream = &loadtesting.StreamMetrics{
		Streams: 200, Events: 2000, EventsPerStream: loadtesting.EventCounts{Min: 10, Mean: 10, Max: 10},
		FirstEvent: loadtesting.Latency{P50: 5 * time.Millisecond, P95: 7 * time.Millisecond, P99: 9 * time.Millisecond},
		Gap:        loadtesting.Latency{P50: 20 * time.Millisecond, P95: 21 * time.Millisecond, P99: 22 * time.Millisecond},
	}
	require.NoError(t, st.Save(t.Context(), &streamed))

	o := loadreport(t, false, "results", streamed.ID, "--store", s.url)
	require.Equal(t, 0, o.code, "exit status\n%v", o)
	for _, want := range []string{
		"Latency (to the response headers)", "\nStream\n", "Streams      200\n", "Events       2000 (per stream: min 10, mean 10, max 10)\n",
		"Ended early  0\n", "First event  5.00ms  7.00ms  9.00ms", "Gap          20ms    21ms    22ms", "Stream    each response read until 10 events",
	} {
		assert.Contains(t, o.stdout, want)
	}
	o = loadreport(t, false, "results", s.ok.ID, "--store", s.url)
	require.Equal(t, 0, o.code, "exit status\n%v", o)
	assert.NotContains(t, o.stdout, "Stream", "a run that was not streamed")

	o = loadreport(t, false, "results", streamed.ID, "--store", s.url, "--json")
	require.Equal(t, 0, o.code, "exit status\n%v", o)
	var got struct {
		Metrics struct {
			Stream *loadtesting.StreamMetrics `json:"stream"`
		} `json:"metrics"`
	}
	require.NoError(t, json.Unmarshal([]byte(o.stdout), &got))
	require.NotNil(t, got.Metrics.Stream, "metrics.stream in\n%s", o.stdout)
	assert.Equal(t, int64(2000), got.Metrics.Stream.Events, "metrics.stream.events")
	assert.Contains(t, o.stdout, `"p99_ms": 22`, "gap p99 in milliseconds")
}
