package loadtesting_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// shardSpec describes a hand-built shard Result.
type shardSpec struct {
	index     int
	start     time.Duration // after base
	dur       time.Duration
	latencies []time.Duration
	statuses  map[int]int64
	errors    int // error samples to add, At 1ms apart
	cpu       time.Duration
}

var mergeBase = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// encodeLatencies returns the encoded histogram of ls, as the engine makes it.
func encodeLatencies(t testing.TB, ls []time.Duration) string {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	for _, l := range ls {
		require.NoError(t, h.RecordValue(int64(l)))
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	require.NoError(t, err)
	return string(enc)
}

// shardResult builds shard sp of run "R" with count shards.
func shardResult(t testing.TB, count int, sp shardSpec) *loadtesting.Result {
	t.Helper()
	var requests, failed int64
	for code, n := range sp.statuses {
		requests += n
		if code == 0 || code >= 400 {
			failed += n
		}
	}
	r := &loadtesting.Result{
		Schema: loadtesting.SchemaVersion, ID: fmt.Sprintf("ID%d", sp.index), Name: "GET /x", Method: "GET", Path: "/x",
		URL: "http://127.0.0.1:1/x", StartedAt: mergeBase.Add(sp.start), Duration: sp.dur, Clients: 4, Protocol: "HTTP/1.1",
		Config: loadtesting.RunConfig{Requests: requests, Timeout: time.Second, Headers: http.Header{"A": {"b"}}},
		Metrics: loadtesting.Metrics{
			Requests: requests, Succeeded: requests - failed, Failed: failed, StatusCodes: sp.statuses,
			BytesIn: 10 * requests, BytesOut: requests, Connections: 4, LateSends: 1,
			GeneratorCPU: sp.cpu, GeneratorCores: 2,
		},
		Histogram: encodeLatencies(t, sp.latencies),
		RunID:     "R",
		Shard:     &loadtesting.Shard{Index: sp.index, Count: count},
	}
	for i := range sp.errors {
		r.Metrics.Errors = append(r.Metrics.Errors, loadtesting.ErrorSample{Request: int64(i), Status: 503, Kind: loadtesting.KindStatus, At: time.Duration(i) * time.Millisecond})
	}
	return r
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestMerge(t *testing.T) {
	// 300 latencies, 1ms..300ms, dealt to 3 shards round-robin.
	var all []time.Duration
	split := make([][]time.Duration, 3)
	for i := range 300 {
		l := ms(i+1) + time.Duration(i*7919%1000)*time.Microsecond
		all = append(all, l)
		split[i%3] = append(split[i%3], l)
	}
	whole := hdrhistogram.New(1, int64(time.Hour), 3)
	for _, l := range all {
		require.NoError(t, whole.RecordValue(int64(l)))
	}
	shards := []*loadtesting.Result{
		shardResult(t, 3, shardSpec{index: 0, start: 0, dur: 2 * time.Second, latencies: split[0], statuses: map[int]int64{200: 99, 503: 1}, errors: 1, cpu: ms(300)}),
		shardResult(t, 3, shardSpec{index: 1, start: time.Second, dur: 2 * time.Second, latencies: split[1], statuses: map[int]int64{200: 100}, cpu: ms(300)}),
		shardResult(t, 3, shardSpec{index: 2, start: 500 * time.Millisecond, dur: time.Second, latencies: split[2], statuses: map[int]int64{200: 98, 0: 2}, errors: 2, cpu: ms(300)}),
	}
	before, err := json.Marshal(shards)
	require.NoError(t, err)

	got, err := loadtesting.Merge(shards...)
	require.NoError(t, err)

	after, err := json.Marshal(shards)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after), "Merge modified its arguments")

	assert.Equal(t, "R", got.ID)
	assert.Equal(t, "R", got.RunID)
	assert.Nil(t, got.Shard)
	assert.Equal(t, mergeBase, got.StartedAt)
	assert.Equal(t, 3*time.Second, got.Duration)
	assert.Equal(t, 12, got.Clients)
	assert.Equal(t, "HTTP/1.1", got.Protocol)
	assert.Equal(t, int64(300), got.Config.Requests)
	m := got.Metrics
	assert.Equal(t, int64(300), m.Requests)
	assert.Equal(t, int64(297), m.Succeeded)
	assert.Equal(t, int64(3), m.Failed)
	assert.InDelta(t, 0.01, m.ErrorRate, 1e-12)
	assert.InDelta(t, 99.0, m.Throughput, 1e-9)
	assert.InDelta(t, 100.0, m.RequestRate, 1e-9)
	assert.Equal(t, map[int]int64{0: 2, 200: 297, 503: 1}, m.StatusCodes)
	assert.Equal(t, int64(3000), m.BytesIn)
	assert.Equal(t, int64(300), m.BytesOut)
	assert.Equal(t, int64(12), m.Connections)
	assert.Equal(t, int64(3), m.LateSends)
	assert.Equal(t, ms(900), m.GeneratorCPU)
	assert.Equal(t, ms(3), m.GeneratorCPUPerRequest)
	assert.Equal(t, 6, m.GeneratorCores)
	assert.InDelta(t, 0.05, m.GeneratorBusy, 1e-12)
	// Error samples in shard order, At counted from the merged start.
	assert.Equal(t, []time.Duration{0, ms(500), ms(501)}, []time.Duration{m.Errors[0].At, m.Errors[1].At, m.Errors[2].At})

	// Every percentile is the percentile of all the requests.
	ps := []float64{99.9, 99.99, 99.999}
	for p := 1; p <= 99; p++ {
		ps = append(ps, float64(p))
	}
	for _, p := range ps {
		assert.Equal(t, time.Duration(whole.ValueAtPercentile(p)), got.Percentile(p), "p%v", p)
	}
	wantLat := loadtesting.Latency{
		Min: time.Duration(whole.Min()), Mean: time.Duration(whole.Mean()), StdDev: time.Duration(whole.StdDev()),
		P50: time.Duration(whole.ValueAtPercentile(50)), P75: time.Duration(whole.ValueAtPercentile(75)),
		P90: time.Duration(whole.ValueAtPercentile(90)), P95: time.Duration(whole.ValueAtPercentile(95)),
		P99: time.Duration(whole.ValueAtPercentile(99)), P999: time.Duration(whole.ValueAtPercentile(99.9)),
		Max: time.Duration(whole.Max()),
	}
	if diff := cmp.Diff(wantLat, m.Latency); diff != "" {
		t.Errorf("merged latency (-want +got):\n%s", diff)
	}
	_, n := got.Percentiles(50)
	assert.Equal(t, int64(300), n)

	// The merged Result round-trips through JSON.
	data, err := json.Marshal(got)
	require.NoError(t, err)
	var back loadtesting.Result
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, got.Percentile(99), back.Percentile(99))
}

func TestMerge_errorSamplesCapped(t *testing.T) {
	a := shardResult(t, 2, shardSpec{index: 0, dur: time.Second, latencies: []time.Duration{ms(1)}, statuses: map[int]int64{503: 80}, errors: 80})
	b := shardResult(t, 2, shardSpec{index: 1, dur: time.Second, latencies: []time.Duration{ms(1)}, statuses: map[int]int64{503: 80}, errors: 80})
	got, err := loadtesting.Merge(a, b)
	require.NoError(t, err)
	assert.Len(t, got.Metrics.Errors, 100)
	assert.Equal(t, int64(160), got.Metrics.Failed)
}

func TestMerge_errors(t *testing.T) {
	mk := func(index int, edit func(*loadtesting.Result)) *loadtesting.Result {
		r := shardResult(t, 2, shardSpec{index: index, dur: time.Second, latencies: []time.Duration{ms(1)}, statuses: map[int]int64{200: 1}})
		if edit != nil {
			edit(r)
		}
		return r
	}
	tests := []struct {
		name    string
		shards  []*loadtesting.Result
		wantErr string
	}{
		{"none", nil, "merge: no results"},
		{"nil result", []*loadtesting.Result{mk(0, nil), nil}, "result 1 is nil"},
		{"other run", []*loadtesting.Result{mk(0, nil), mk(1, func(r *loadtesting.Result) { r.RunID = "S" })},
			`result ID0 is of run "R", result ID1 of run "S"`},
		{"other path", []*loadtesting.Result{mk(0, nil), mk(1, func(r *loadtesting.Result) { r.Path = "/y" })},
			"results ID0 and ID1 have different configurations (path /x and /y)"},
		{"other headers", []*loadtesting.Result{mk(0, nil), mk(1, func(r *loadtesting.Result) { r.Config.Headers = nil })},
			"results ID0 and ID1 have different configurations (config headers map[A:[b]] and map[])"},
		{"other shard count", []*loadtesting.Result{mk(0, nil), mk(1, func(r *loadtesting.Result) { r.Shard.Count = 3 })},
			"(shard count 2 and 3)"},
		{"same shard twice", []*loadtesting.Result{mk(1, nil), mk(1, func(r *loadtesting.Result) { r.ID = "other" })},
			`results ID1 and other are both shard 1 of run "R"`},
		{"bad histogram", []*loadtesting.Result{mk(0, nil), mk(1, func(r *loadtesting.Result) { r.Histogram = "!!" })},
			"merge: result ID1: histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadtesting.Merge(tt.shards...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestExec_shards runs each shard of a run in-process and merges them.
func TestExec_shards(t *testing.T) {
	tests := []struct {
		name         string
		cfg          loadtesting.Config
		count        int
		wantRequests []int64   // each shard's Metrics.Requests
		wantRate     []float64 // each shard's Config.Rate
	}{
		{"requests, remainder over the first shards", loadtesting.Config{Requests: 11, Clients: 2}, 3, []int64{4, 4, 3}, []float64{0, 0, 0}},
		{"requests, even split", loadtesting.Config{Requests: 9, Clients: 2}, 3, []int64{3, 3, 3}, []float64{0, 0, 0}},
		{"one shard is the whole run", loadtesting.Config{Requests: 5}, 1, []int64{5}, []float64{0}},
		// In a synctest bubble each shard sends exactly what it schedules:
		// 300/s over 100ms is 30 requests, 10 per shard at 100/s.
		{"rate split, full duration", loadtesting.Config{Rate: 300, Duration: 100 * time.Millisecond, Clients: 2}, 3, []int64{10, 10, 10}, []float64{100, 100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var shards []*loadtesting.Result
				var total int64
				for i := range tt.count {
					cfg := tt.cfg
					cfg.RunID, cfg.Shard = "run-1", loadtesting.Shard{Index: i, Count: tt.count}
					res, err := loadtesting.Exec(t.Context(), okHandler, cfg)
					require.NoError(t, err)
					assert.Equal(t, fmt.Sprintf("run-1.%d", i), res.ID)
					assert.Equal(t, "run-1", res.RunID)
					assert.Equal(t, &loadtesting.Shard{Index: i, Count: tt.count}, res.Shard)
					assert.Equal(t, tt.wantRequests[i], res.Metrics.Requests, "shard %d requests", i)
					assert.InDelta(t, tt.wantRate[i], res.Config.Rate, 1e-9, "shard %d rate", i)
					total += res.Metrics.Requests

					data, err := json.Marshal(res)
					require.NoError(t, err)
					assert.Contains(t, string(data), fmt.Sprintf(`"run_id":"run-1","shard":{"index":%d,"count":%d}`, i, tt.count))
					shards = append(shards, res)
				}
				merged, err := loadtesting.Merge(shards...)
				require.NoError(t, err)
				assert.Equal(t, "run-1", merged.ID)
				assert.Equal(t, total, merged.Metrics.Requests)
				assert.Equal(t, map[int]int64{http.StatusNoContent: total}, merged.Metrics.StatusCodes)
				assert.InDelta(t, tt.cfg.Rate, merged.Config.Rate, 1e-9)
			})
		})
	}
}

func TestResultJSON_notSharded(t *testing.T) {
	res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 1})
	require.NoError(t, err)
	data, err := json.Marshal(res)
	require.NoError(t, err)
	assert.NotContains(t, string(data), `"run_id"`)
	assert.NotContains(t, string(data), `"shard"`)
}
