package loadtesting_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// ticking is a server-sent event handler that sends its headers, then an
// event every pace until the client goes away.
func ticking(pace func() time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		rc.Flush() // the headers, at once
		tick := time.NewTicker(pace())
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			fmt.Fprintf(w, "data: %d\n\n", i)
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// near asserts that d is want as an HDR histogram with 3 significant digits
// reports it: within 0.1%.
func near(t *testing.T, want, d time.Duration, msg string) {
	t.Helper()
	assert.InDelta(t, float64(want), float64(d), float64(want)/1000, "%s: %v, want %v", msg, d, want)
}

// TestExec_stream: a streamed run fills Metrics.Stream and Config.Stream,
// and the JSON carries them under metrics.stream and config.stream; a run
// that is not streamed has neither.
func TestExec_stream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := ticking(func() time.Duration { return 100 * time.Millisecond })
		res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
			Requests: 4, Clients: 2, Stream: &loadtesting.StreamConfig{Events: 3},
		})
		require.NoError(t, err)
		m := res.Metrics
		assert.Equal(t, int64(4), m.Succeeded, "succeeded; samples %+v", m.Errors)
		assert.Equal(t, &loadtesting.StreamConfig{Events: 3}, res.Config.Stream, "config")
		require.NotNil(t, m.Stream, "Metrics.Stream")
		st := *m.Stream
		assert.Equal(t, []int64{4, 12, 0}, []int64{st.Streams, st.Events, st.EndedEarly}, "streams, events, ended early")
		assert.Equal(t, loadtesting.EventCounts{Min: 3, Mean: 3, Max: 3}, st.EventsPerStream)
		near(t, 100*time.Millisecond, st.FirstEvent.P50, "first event p50")
		near(t, 100*time.Millisecond, st.Gap.P99, "gap p99")
		near(t, 100*time.Millisecond, st.GapPercentile(50), "gap at percentile 50, from the histogram")
		near(t, 100*time.Millisecond, st.FirstEventPercentile(99.9), "first event at percentile 99.9, from the histogram")
		assert.Contains(t, res.OneLine(), "; streams 4, events 12, first event p50 100ms, gap p50 100ms p99 100ms, ended early 0")
		assert.Equal(t, time.Nanosecond, m.Latency.Max, "latency is the time to the headers (0, recorded as the lowest value, 1ns)")

		data, err := json.Marshal(res)
		require.NoError(t, err)
		var doc struct {
			Config  struct{ Stream map[string]any }
			Metrics struct {
				Stream struct {
					FirstEvent map[string]float64 `json:"first_event"`
					Gap        map[string]float64
				}
			}
		}
		require.NoError(t, json.Unmarshal(data, &doc))
		assert.Equal(t, map[string]any{"events": 3.0}, doc.Config.Stream, "config.stream")
		assert.InDelta(t, 100, doc.Metrics.Stream.FirstEvent["p50_ms"], 0.1, "metrics.stream.first_event.p50_ms")
		assert.InDelta(t, 100, doc.Metrics.Stream.Gap["p99_ms"], 0.1, "metrics.stream.gap.p99_ms")

		plain, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 4})
		require.NoError(t, err)
		assert.Nil(t, plain.Metrics.Stream, "Metrics.Stream of a run not streamed")
		assert.Nil(t, plain.Config.Stream, "Config.Stream of a run not streamed")
		data, err = json.Marshal(plain)
		require.NoError(t, err)
		assert.NotContains(t, string(data), `"stream"`)
	})
}

// TestMerge_stream merges two shards whose streams differ: shard 0's
// handler ticks every 50ms, shard 1's every 100ms, each stream read for
// 240ms. The merged stream metrics are those of all eight streams.
func TestMerge_stream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pace := 50 * time.Millisecond
		h := ticking(func() time.Duration { return pace })
		var shards []*loadtesting.Result
		for i := range 2 {
			res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
				Requests: 8, Clients: 2, RunID: "streams", Shard: loadtesting.Shard{Index: i, Count: 2},
				Stream: &loadtesting.StreamConfig{For: 240 * time.Millisecond},
			})
			require.NoError(t, err)
			require.NotNil(t, res.Metrics.Stream, "shard %d stream metrics", i)
			shards = append(shards, res)
			pace = 100 * time.Millisecond
		}
		require.Equal(t, int64(16), shards[0].Metrics.Stream.Events, "shard 0: 4 streams of 4 events")
		require.Equal(t, int64(8), shards[1].Metrics.Stream.Events, "shard 1: 4 streams of 2 events")

		merged, err := loadtesting.Merge(shards...)
		require.NoError(t, err)
		st := merged.Metrics.Stream
		require.NotNil(t, st, "merged stream metrics")
		assert.Equal(t, []int64{8, 24, 0}, []int64{st.Streams, st.Events, st.EndedEarly}, "streams, events, ended early")
		assert.Equal(t, loadtesting.EventCounts{Min: 2, Mean: 3, Max: 4}, st.EventsPerStream)
		// 12 gaps of 50ms and 4 of 100ms; first events 4 at 50ms, 4 at 100ms.
		near(t, 50*time.Millisecond, st.Gap.P50, "gap p50")
		near(t, 50*time.Millisecond, st.Gap.P75, "gap p75")
		near(t, 100*time.Millisecond, st.Gap.P90, "gap p90")
		near(t, 50*time.Millisecond, st.Gap.Min, "gap min")
		near(t, 100*time.Millisecond, st.Gap.Max, "gap max")
		near(t, 50*time.Millisecond, st.FirstEvent.P50, "first event p50")
		near(t, 100*time.Millisecond, st.FirstEvent.P95, "first event p95")
		near(t, 100*time.Millisecond, st.GapPercentile(90), "merged gap histogram at 90")

		// A shard whose stream histograms were lost cannot be merged exactly.
		broken := *shards[1]
		bst := *broken.Metrics.Stream
		bst.GapHistogram = ""
		broken.Metrics.Stream = &bst
		_, err = loadtesting.Merge(shards[0], &broken)
		assert.ErrorContains(t, err, "merge: result streams.1: stream metrics without a gap histogram: cannot merge exactly")
	})
}
