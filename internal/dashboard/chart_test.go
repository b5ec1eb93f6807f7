package dashboard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apiload/apiload/loadtesting"
)

// histResult returns a result whose histogram holds the given latencies.
func histResult(t *testing.T, lat ...time.Duration) *loadtesting.Result {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	for _, d := range lat {
		if err := h.RecordValue(int64(d)); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return &loadtesting.Result{ID: "R", Histogram: string(enc)}
}

func TestLatencyChart(t *testing.T) {
	// 900 requests: 1ms .. 900ms, one each.
	lat := make([]time.Duration, 900)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	c := latencyChart(series{Name: "R", Result: histResult(t, lat...)})
	if c == nil {
		t.Fatal("no chart for a histogram with data")
	}
	// 900 requests: up to 99.9%, three nines.
	var xs []string
	for _, tk := range c.XTicks {
		xs = append(xs, tk.Label)
	}
	if diff := cmp.Diff([]string{"0%", "90%", "99%", "99.9%"}, xs); diff != "" {
		t.Errorf("x ticks (-want +got):\n%s", diff)
	}
	if c.YLabel != "latency (ms)" {
		t.Errorf("y label %q, want latency (ms)", c.YLabel)
	}
	var ys []string
	for _, tk := range c.YTicks {
		ys = append(ys, tk.Label)
	}
	if diff := cmp.Diff([]string{"0", "500", "1000"}, ys); diff != "" {
		t.Errorf("y ticks (-want +got):\n%s", diff)
	}
	if len(c.Lines) != 1 {
		t.Fatalf("%d lines, want 1", len(c.Lines))
	}
	ln := c.Lines[0]
	if want := 3*pointsPerDecade + 1; ln.Points != want {
		t.Errorf("%d points, want %d", ln.Points, want)
	}
	// The curve starts bottom left, never goes down (SVG y grows downwards)
	// and ends at the max, top right.
	prevX, prevY := -1.0, c.Bottom+1
	for i, cmd := range strings.FieldsFunc(ln.D, func(r rune) bool { return r == 'M' || r == 'L' }) {
		xy := strings.Split(cmd, ",")
		x, _ := strconv.ParseFloat(xy[0], 64)
		y, _ := strconv.ParseFloat(xy[1], 64)
		if x <= prevX || y > prevY {
			t.Fatalf("point %d (%v,%v) after (%v,%v): the curve must go right and never down", i, x, y, prevX, prevY)
		}
		prevX, prevY = x, y
	}
	// The axis tops out at 1000ms, so the max, 900ms, is at 90% of its height.
	if wantY := c.Bottom - 0.9*(c.Bottom-c.Top); prevX != c.Right || prevY < wantY-1 || prevY > wantY+1 {
		t.Errorf("curve ends at (%v,%v), want the max at the right, (%v,%v)", prevX, prevY, c.Right, wantY)
	}
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
	if c == nil || len(c.Lines) != 2 {
		t.Fatalf("chart %+v: want two lines (the run without a histogram left out)", c)
	}
	if c.Lines[0].Class == c.Lines[1].Class || c.Lines[0].LegendY == c.Lines[1].LegendY {
		t.Errorf("two lines share a colour or a legend row: %+v", c.Lines)
	}
	if c.YLabel != "latency (µs)" || c.Label != "latency by percentile of base and head" {
		t.Errorf("labels %q, %q", c.YLabel, c.Label)
	}
	// Two requests each: the axis still reaches 99%.
	if n := len(c.XTicks); n != 3 {
		t.Errorf("%d x ticks, want 3 (0%%, 90%%, 99%%)", n)
	}
}

func TestLatencyChart_none(t *testing.T) {
	for name, r := range map[string]*loadtesting.Result{
		"nil":          nil,
		"no histogram": {},
		"corrupt":      {Histogram: "not a histogram"},
		"empty":        histResult(t),
	} {
		if c := latencyChart(series{Name: name, Result: r}); c != nil {
			t.Errorf("%s: got a chart, want none", name)
		}
	}
	if c := latencyChart(); c != nil {
		t.Errorf("no series: got a chart")
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{
		0: 1, -3: 1, 0.3: 0.5, 1: 1, 1.1: 2, 2.5: 5, 7: 10, 12: 20, 250: 500, 1e6: 1e6,
	} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
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
		v, _ := strconv.ParseFloat(strings.TrimSuffix(p, "%"), 64)
		if diff := cmp.Diff(v, percentileAt(float64(n)), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
			t.Errorf("percentileAt(%d) (-want +got):\n%s", n, diff)
		}
	}
}

func TestSparkline(t *testing.T) {
	if s := sparkline("p95", nil); s != nil {
		t.Errorf("sparkline of nothing: %+v", s)
	}
	one := sparkline("p95", []sparkPoint{{Value: 5, Title: "a"}})
	if one.D != "M100,4" || one.Last.Title != "a" {
		t.Errorf("one point: %+v, want a dot at the top middle", one)
	}
	s := sparkline("rate", []sparkPoint{{Value: 0}, {Value: 10}, {Value: 5, Title: "last"}})
	if want := "M4,40L100,4L196,22"; s.D != want {
		t.Errorf("path %q, want %q", s.D, want)
	}
	if s.Last.Title != "last" || len(s.Points) != 3 {
		t.Errorf("points %+v", s.Points)
	}
	zero := sparkline("rate", []sparkPoint{{Value: 0}, {Value: 0}})
	if zero.D != "M4,40L196,40" {
		t.Errorf("all zero: %q, want a flat line at the bottom", zero.D)
	}
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
		Key    string
		Runs   int
		Change string
		Worse  bool
		Titles []string
	}
	var rows []row
	for _, tr := range got {
		r := row{Key: tr.Method + " " + tr.Path, Runs: tr.Runs, Change: tr.P95Change, Worse: tr.Worse}
		for _, p := range tr.P95.Points {
			r.Titles = append(r.Titles, p.Title)
		}
		rows = append(rows, r)
	}
	want := []row{
		{"GET /a", 2, "+20.0%", true, []string{"2: p95 10ms", "4: p95 12ms"}},
		{"POST /a", 1, "", false, []string{"3: p95 1.00ms"}},
		{"GET /b", 1, "", false, []string{"1: p95 1.00ms"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("trends (-want +got):\n%s", diff)
	}
	if got := trends(runs, 0.25); !strings.HasPrefix(got[0].P95Change, "+20") || got[0].Worse {
		t.Errorf("+20%% with a 25%% threshold: %+v, want not worse", got[0])
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:8089": true, "127.9.9.9:1": true, "[::1]:8089": true, "::1": true,
		"localhost": true, "LocalHost:80": true, "localhost.": true, "a.localhost:80": true,
		"": false, "0.0.0.0:8089": false, "10.0.0.1": false, "[::]:80": false, "example.com": false,
		"localhost.example.com": false, "127.0.0.1.nip.io": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCheckID(t *testing.T) {
	for id, ok := range map[string]bool{
		"01JDXQ3V5ZK8N2B7M4C1R9T6WQ": true, "run-1_a.b": true, strings.Repeat("a", 128): true,
		"": false, "a..b": false, "../etc": false, "a/b": false, `a\b`: false, "a b": false, "<x>": false,
		strings.Repeat("a", 129): false, "é": false,
	} {
		if err := checkID(id); (err == nil) != ok {
			t.Errorf("checkID(%q) = %v, want ok %v", id, err, ok)
		}
	}
}
