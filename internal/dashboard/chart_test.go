package dashboard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// histResult returns a result whose histogram holds the given latencies.
func histResult(t *testing.T, lat ...time.Duration) *loadtesting.Result {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	for _, d := range lat {
		require.NoError(t, h.RecordValue(int64(d)))
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	require.NoError(t, err)
	return &loadtesting.Result{ID: "R", Histogram: string(enc)}
}

func TestLatencyChart(t *testing.T) {
	// 900 requests: 1ms .. 900ms, one each.
	lat := make([]time.Duration, 900)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	c := latencyChart(series{Name: "R", Result: histResult(t, lat...)})
	require.NotNil(t, c, "no chart for a histogram with data")
	// 900 requests: up to 99.9%, three nines.
	var xs []string
	for _, tk := range c.XTicks {
		xs = append(xs, tk.Label)
	}
	if diff := cmp.Diff([]string{"0%", "90%", "99%", "99.9%"}, xs); diff != "" {
		t.Errorf("x ticks (-want +got):\n%s", diff)
	}
	assert.Equal(t, "latency (ms)", c.YLabel)
	var ys []string
	for _, tk := range c.YTicks {
		ys = append(ys, tk.Label)
	}
	if diff := cmp.Diff([]string{"0", "500", "1000"}, ys); diff != "" {
		t.Errorf("y ticks (-want +got):\n%s", diff)
	}
	require.Len(t, c.Lines, 1)
	ln := c.Lines[0]
	assert.Equal(t, 3*pointsPerDecade+1, ln.Points, "points")
	// The curve starts bottom left, never goes down (SVG y grows downwards)
	// and ends at the max, top right.
	prevX, prevY := -1.0, c.Bottom+1
	for i, cmd := range strings.FieldsFunc(ln.D, func(r rune) bool { return r == 'M' || r == 'L' }) {
		xy := strings.Split(cmd, ",")
		require.Len(t, xy, 2, "point %d: %q", i, cmd)
		x, err := strconv.ParseFloat(xy[0], 64)
		require.NoError(t, err)
		y, err := strconv.ParseFloat(xy[1], 64)
		require.NoError(t, err)
		require.True(t, x > prevX && y <= prevY,
			"point %d (%v,%v) after (%v,%v): the curve must go right and never down", i, x, y, prevX, prevY)
		prevX, prevY = x, y
	}
	// The axis tops out at 1000ms, so the max, 900ms, is at 90% of its height.
	assert.Equal(t, c.Right, prevX, "the curve ends at the right")
	assert.InDelta(t, c.Bottom-0.9*(c.Bottom-c.Top), prevY, 1, "the curve ends at the max, 90%% of the height")
	var marks []string
	for _, m := range ln.Marks {
		marks = append(marks, m.Title)
	}
	if diff := cmp.Diff([]string{"R: p90 810ms", "R: p99 891ms", "R: p99.9 899ms"}, marks); diff != "" {
		t.Errorf("marks (-want +got):\n%s", diff)
	}
}

func TestLatencyChart_twoRuns(t *testing.T) {
	c := latencyChart(
		series{Name: "base", Result: histResult(t, 100*time.Microsecond, 200*time.Microsecond)},
		series{Name: "empty", Result: &loadtesting.Result{}},
		series{Name: "head", Result: histResult(t, 300*time.Microsecond, 900*time.Microsecond)},
	)
	require.NotNil(t, c)
	require.Len(t, c.Lines, 2, "the run without a histogram is left out")
	assert.NotEqual(t, c.Lines[0].Class, c.Lines[1].Class, "two lines share a colour")
	assert.NotEqual(t, c.Lines[0].LegendY, c.Lines[1].LegendY, "two lines share a legend row")
	assert.Equal(t, "latency (µs)", c.YLabel)
	assert.Equal(t, "latency by percentile of base and head", c.Label)
	// Two requests each: the axis still reaches 99%.
	assert.Len(t, c.XTicks, 3, "x ticks 0%%, 90%%, 99%%")
}

func TestLatencyChart_none(t *testing.T) {
	for name, r := range map[string]*loadtesting.Result{
		"nil":          nil,
		"no histogram": {},
		"corrupt":      {Histogram: "not a histogram"},
		"empty":        histResult(t),
	} {
		assert.Nil(t, latencyChart(series{Name: name, Result: r}), name)
	}
	assert.Nil(t, latencyChart(), "no series")
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{
		0: 1, -3: 1, 0.3: 0.5, 1: 1, 1.1: 2, 2.5: 5, 7: 10, 12: 20, 250: 500, 1e6: 1e6,
	} {
		assert.Equal(t, want, niceStep(raw), "niceStep(%v)", raw)
	}
}

func TestNinesLabel(t *testing.T) {
	var got []string
	for n := range maxNines + 1 {
		got = append(got, ninesLabel(n))
	}
	want := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for n, p := range want {
		v, err := strconv.ParseFloat(strings.TrimSuffix(p, "%"), 64)
		require.NoError(t, err)
		assert.InDelta(t, v, percentileAt(float64(n)), 1e-9, "percentileAt(%d)", n)
	}
}

func TestSparkline(t *testing.T) {
	assert.Nil(t, sparkline("p95", nil), "sparkline of nothing")
	one := sparkline("p95", []sparkPoint{{Value: 5, Title: "a"}})
	require.NotNil(t, one)
	assert.Equal(t, "M100,4", one.D, "one point: a dot at the top middle")
	assert.Equal(t, "a", one.Last.Title)
	s := sparkline("rate", []sparkPoint{{Value: 0}, {Value: 10}, {Value: 5, Title: "last"}})
	require.NotNil(t, s)
	assert.Equal(t, "M4,40L100,4L196,22", s.D)
	assert.Equal(t, "last", s.Last.Title)
	assert.Len(t, s.Points, 3)
	zero := sparkline("rate", []sparkPoint{{Value: 0}, {Value: 0}})
	require.NotNil(t, zero)
	assert.Equal(t, "M4,40L196,40", zero.D, "all zero: a flat line at the bottom")
}

func TestTrends(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(id, method, path string, p95 time.Duration, rate float64) *loadtesting.Result {
		return &loadtesting.Result{ID: id, Method: method, Path: path, StartedAt: now,
			Metrics: loadtesting.Metrics{RequestRate: rate, Latency: loadtesting.Latency{P95: p95}}}
	}
	// Newest first, as stores return them.
	runs := []*loadtesting.Result{
		mk("4", "GET", "/a", 12*time.Millisecond, 90),
		mk("3", "POST", "/a", time.Millisecond, 10),
		mk("2", "GET", "/a", 10*time.Millisecond, 100),
		mk("1", "GET", "/b", time.Millisecond, 5),
	}
	got := trends(runs, 0.1)
	type row struct {
		Key       string
		Runs      int
		Change    string
		Worse     bool
		Regressed string
		Compare   string
		Titles    []string
	}
	var rows []row
	for _, tr := range got {
		r := row{Key: tr.Method + " " + tr.Path, Runs: tr.Runs, Change: tr.P95Change, Worse: tr.Worse,
			Regressed: tr.Regressed, Compare: tr.Compare}
		for _, p := range tr.P95.Points {
			r.Titles = append(r.Titles, p.Title)
		}
		rows = append(rows, r)
	}
	want := []row{
		{"GET /a", 2, "+20.0%", true, "p95", "/compare?base=2&head=4", []string{"2: p95 10ms", "4: p95 12ms"}},
		{"POST /a", 1, "", false, "", "", []string{"3: p95 1.00ms"}},
		{"GET /b", 1, "", false, "", "", []string{"1: p95 1.00ms"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("trends (-want +got):\n%s", diff)
	}
	got = trends(runs, 0.25)
	require.NotEmpty(t, got)
	assert.Equal(t, "+20.0%", got[0].P95Change)
	assert.False(t, got[0].Worse, "+20%% with a 25%% threshold")
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:8089": true, "127.9.9.9:1": true, "[::1]:8089": true, "::1": true,
		"localhost": true, "LocalHost:80": true, "localhost.": true, "a.localhost:80": true,
		"": false, "0.0.0.0:8089": false, "10.0.0.1": false, "[::]:80": false, "example.com": false,
		"localhost.example.com": false, "127.0.0.1.nip.io": false,
	} {
		assert.Equal(t, want, loopbackHost(host), "loopbackHost(%q)", host)
	}
}

func TestCheckID(t *testing.T) {
	for id, ok := range map[string]bool{
		"01JDXQ3V5ZK8N2B7M4C1R9T6WQ": true, "run-1_a.b": true, strings.Repeat("a", 128): true,
		"": false, "a..b": false, "../etc": false, "a/b": false, `a\b`: false, "a b": false, "<x>": false,
		strings.Repeat("a", 129): false, "é": false,
	} {
		if ok {
			assert.NoError(t, checkID(id), "checkID(%q)", id)
		} else {
			assert.Error(t, checkID(id), "checkID(%q)", id)
		}
	}
}
