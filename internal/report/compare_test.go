package report_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// run builds a result with the given latencies (p50, p95, p99), throughput
// and failed/total counts.
func run(id string, p50, p95, p99 time.Duration, throughput float64, failed, requests int64) *loadtesting.Result {
	r := &loadtesting.Result{
		Schema: loadtesting.SchemaVersion, ID: id, Name: "GET /api/v1/checkout", Method: "GET",
		Path: "/api/v1/checkout", StartedAt: now,
	}
	r.Metrics.Requests = requests
	r.Metrics.Failed = failed
	r.Metrics.Succeeded = requests - failed
	if requests > 0 {
		r.Metrics.ErrorRate = float64(failed) / float64(requests)
	}
	r.Metrics.Throughput = throughput
	r.Metrics.Latency = loadtesting.Latency{P50: p50, P95: p95, P99: p99}
	return r
}

const ms = time.Millisecond
const us = time.Microsecond

// want is what a test expects of one row; a nil delta expects an undefined one.
type want struct {
	delta     *float64
	noise     bool
	regressed bool
	improved  bool
}

func d(v float64) *float64 { return &v }

func TestCompare(t *testing.T) {
	base := run("A", 8100*us, 23400*us, 41*ms, 400, 2, 500)
	tests := []struct {
		name  string
		base  *loadtesting.Result
		head  *loadtesting.Result
		max   float64
		rows  map[string]want // only the rows the case is about
		regrs bool
	}{
		{
			name: "identical runs are noise everywhere",
			base: base, head: base, max: 0.1,
			rows: map[string]want{
				"p50": {d(0), true, false, false}, "p95": {d(0), true, false, false}, "p99": {d(0), true, false, false},
				"throughput": {d(0), true, false, false}, "error_rate": {d(0), true, false, false},
			},
		},
		{
			name: "p95 up 22% is a regression at 10%",
			base: base, head: run("B", 8100*us, 28548*us, 41*ms, 400, 2, 500), max: 0.1,
			rows:  map[string]want{"p95": {d(0.22), false, true, false}, "p50": {d(0), true, false, false}},
			regrs: true,
		},
		{
			name: "p95 up 8% is a change but not a regression at 10%",
			base: base, head: run("B", 8100*us, 25272*us, 41*ms, 400, 2, 500), max: 0.1,
			rows: map[string]want{"p95": {d(0.08), false, false, false}},
		},
		{
			name: "p99 up 4% is within noise",
			base: base, head: run("B", 8100*us, 23400*us, 42640*us, 400, 2, 500), max: 0,
			rows: map[string]want{"p99": {d(0.04), true, false, false}},
		},
		{
			name: "noise wins over a threshold below it",
			base: base, head: run("B", 8100*us, 23400*us, 42640*us, 400, 2, 500), max: 0.01,
			rows: map[string]want{"p99": {d(0.04), true, false, false}},
		},
		{
			name: "latency improvement is not a regression",
			base: base, head: run("B", 4050*us, 11700*us, 20500*us, 400, 2, 500), max: 0,
			rows: map[string]want{"p50": {d(-0.5), false, false, true}, "p95": {d(-0.5), false, false, true}},
		},
		{
			name: "microsecond changes are noise however large relatively",
			base: run("A", 5*us, 8*us, 10*us, 400, 0, 500), head: run("B", 12*us, 16*us, 19*us, 400, 0, 500), max: 0.1,
			rows: map[string]want{"p50": {d(1.4), true, false, false}, "p95": {d(1), true, false, false}, "p99": {d(0.9), true, false, false}},
		},
		{
			name: "zero base latency: undefined delta, regression when head grew",
			base: run("A", 0, 0, 0, 0, 0, 0), head: run("B", ms, 2*ms, 3*ms, 400, 0, 500), max: 0.1,
			rows: map[string]want{
				"p50": {nil, false, true, false}, "p99": {nil, false, true, false},
				"throughput": {nil, false, false, true}, "error_rate": {d(0), true, false, false},
			},
			regrs: true,
		},
		{
			name: "zero on both sides: no change, no NaN",
			base: run("A", 0, 0, 0, 0, 0, 0), head: run("B", 0, 0, 0, 0, 0, 0), max: 0.1,
			rows: map[string]want{
				"p50": {d(0), true, false, false}, "throughput": {d(0), true, false, false}, "error_rate": {d(0), true, false, false},
			},
		},
		{
			name: "throughput down 20% is a regression",
			base: base, head: run("B", 8100*us, 23400*us, 41*ms, 320, 2, 500), max: 0.1,
			rows:  map[string]want{"throughput": {d(-0.2), false, true, false}},
			regrs: true,
		},
		{
			name: "throughput up 20% is an improvement",
			base: base, head: run("B", 8100*us, 23400*us, 41*ms, 480, 2, 500), max: 0.1,
			rows: map[string]want{"throughput": {d(0.2), false, false, true}},
		},
		{
			name: "throughput to zero is a regression",
			base: base, head: run("B", 8100*us, 23400*us, 41*ms, 0, 500, 500), max: 0.1,
			rows:  map[string]want{"throughput": {d(-1), false, true, false}, "error_rate": {d(0.996), false, true, false}},
			regrs: true,
		},
		{
			name: "one error more in 500 is not significant",
			base: run("A", ms, ms, ms, 400, 0, 500), head: run("B", ms, ms, ms, 400, 1, 500), max: 0,
			rows: map[string]want{"error_rate": {d(0.002), true, false, false}},
		},
		{
			name: "error rate up 20 points is a regression at 10%",
			base: run("A", ms, ms, ms, 400, 0, 500), head: run("B", ms, ms, ms, 400, 100, 500), max: 0.1,
			rows:  map[string]want{"error_rate": {d(0.2), false, true, false}},
			regrs: true,
		},
		{
			name: "error rate 0% to 5%: significant, a regression at 10%",
			base: run("A", ms, ms, ms, 400, 0, 500), head: run("B", ms, ms, ms, 400, 25, 500), max: 0.1,
			rows:  map[string]want{"error_rate": {d(0.05), false, true, false}},
			regrs: true,
		},
		{
			name: "error rate 20% to 21.6%: significant but within 10% of the base rate",
			base: run("A", ms, ms, ms, 400, 2000, 10000), head: run("B", ms, ms, ms, 400, 2160, 10000), max: 0.1,
			rows: map[string]want{"error_rate": {d(0.016), false, false, false}},
		},
		{
			name: "error rate 20% to 23%: significant and beyond 10% of the base rate",
			base: run("A", ms, ms, ms, 400, 2000, 10000), head: run("B", ms, ms, ms, 400, 2300, 10000), max: 0.1,
			rows:  map[string]want{"error_rate": {d(0.03), false, true, false}},
			regrs: true,
		},
		{
			name: "error rate up 5 points: a regression at 1%",
			base: run("A", ms, ms, ms, 400, 0, 500), head: run("B", ms, ms, ms, 400, 25, 500), max: 0.01,
			rows:  map[string]want{"error_rate": {d(0.05), false, true, false}},
			regrs: true,
		},
		{
			name: "error rate down is an improvement",
			base: run("A", ms, ms, ms, 400, 100, 500), head: run("B", ms, ms, ms, 400, 0, 500), max: 0,
			rows: map[string]want{"error_rate": {d(-0.2), false, false, true}},
		},
		{
			name: "a negative threshold counts as 0",
			base: base, head: run("B", 8100*us, 25272*us, 41*ms, 400, 2, 500), max: -1,
			rows:  map[string]want{"p95": {d(0.08), false, true, false}},
			regrs: true,
		},
		{
			name: "nil runs measured nothing",
			base: nil, head: nil, max: 0.1,
			rows: map[string]want{"p50": {d(0), true, false, false}, "error_rate": {d(0), true, false, false}},
		},
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := report.Compare(tt.base, tt.head, tt.max)
			var metrics []string
			for _, r := range c.Rows {
				metrics = append(metrics, r.Metric)
			}
			require.Equal(t, []string{"p50", "p95", "p99", "throughput", "error_rate"}, metrics, "rows")
			for _, r := range c.Rows {
				w, ok := tt.rows[r.Metric]
				if !ok {
					continue
				}
				got := want{r.Delta, r.Noise, r.Regressed, r.Improved()}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{}), approx); diff != "" {
					t.Errorf("row %s (-want +got):\n%s", r.Metric, diff)
				}
			}
			assert.Equal(t, tt.regrs, c.Regressed, "Regressed")
			assert.Equal(t, tt.regrs, len(c.Regressions()) > 0, "Regressions() = %v", c.Regressions())
			// No NaN or Inf anywhere: the JSON must encode, and the text must not say so.
			data, err := json.Marshal(c)
			require.NoError(t, err, "json")
			var buf bytes.Buffer
			require.NoError(t, report.RenderCompare(&buf, c, opts(false)))
			for _, bad := range []string{"NaN", "Inf"} {
				assert.NotContains(t, buf.String(), bad, "text")
				assert.NotContains(t, string(data), bad, "JSON")
			}
			for _, r := range c.Rows {
				if r.Delta != nil {
					assert.False(t, math.IsNaN(*r.Delta) || math.IsInf(*r.Delta, 0), "row %s: delta %v", r.Metric, *r.Delta)
				}
			}
		})
	}
}

func TestCompare_JSON(t *testing.T) {
	c := report.Compare(run("A", 8100*us, 23400*us, 41*ms, 400, 2, 500), run("B", 8100*us, 28548*us, 41*ms, 400, 2, 500), 0.1)
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, c))
	var top map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &top))
	for _, key := range []string{"base", "head", "max_regression", "rows", "regressed"} {
		assert.Contains(t, top, key, "JSON: %s", buf.String())
	}
	var rows struct {
		Rows []map[string]any `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rows))
	require.Len(t, rows.Rows, 5)
	row := rows.Rows[1]
	for _, key := range []string{"metric", "unit", "base", "head", "delta", "delta_kind", "within_noise", "regressed"} {
		assert.Contains(t, row, key, "row JSON")
	}
	assert.Equal(t, "p95", row["metric"])
	assert.Equal(t, true, row["regressed"])
	var back report.Comparison
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	if diff := cmp.Diff(c, back, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestRenderCompare(t *testing.T) {
	base := run("01JPA5Q8ZS3V9W6D7C2B1N0M4K", 8100*us, 23400*us, 41*ms, 406.7, 2, 500)
	tests := []struct {
		name  string
		head  *loadtesting.Result
		max   float64
		color bool
	}{
		{"compare_improvement", run("01JPA6R2M4T7X9Y1Z3A5B7C9D1", 7900*us, 18200*us, 30*ms, 470, 0, 500), 0.1, false},
		{"compare_regression", run("01JPA6R2M4T7X9Y1Z3A5B7C9D1", 8200*us, 30100*us, 44900*us, 310, 60, 500), 0.1, false},
		{"compare_regression_color", run("01JPA6R2M4T7X9Y1Z3A5B7C9D1", 8200*us, 30100*us, 44900*us, 310, 60, 500), 0.1, true},
		{"compare_noise", run("01JPA6R2M4T7X9Y1Z3A5B7C9D1", 8150*us, 23900*us, 40*ms, 400, 3, 500), 0.1, false},
		{"compare_zero_base", run("01JPA6R2M4T7X9Y1Z3A5B7C9D1", 8150*us, 23900*us, 40*ms, 400, 3, 500), 0.05, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			if tt.name == "compare_zero_base" {
				b = run("01JPA5Q8ZS3V9W6D7C2B1N0M4K", 0, 0, 0, 0, 0, 0)
			}
			var buf bytes.Buffer
			require.NoError(t, report.RenderCompare(&buf, report.Compare(b, tt.head, tt.max), opts(tt.color)))
			golden(t, tt.name, buf.Bytes())
			assert.Equal(t, tt.color, strings.Contains(buf.String(), "\x1b["), "ANSI codes in output")
		})
	}
}

func TestRenderCompare_marksRegressions(t *testing.T) {
	c := report.Compare(run("A", 8100*us, 23400*us, 41*ms, 400, 2, 500), run("B", 8100*us, 30100*us, 41*ms, 400, 2, 500), 0.1)
	var plain, colored bytes.Buffer
	require.NoError(t, report.RenderCompare(&plain, c, opts(false)))
	require.NoError(t, report.RenderCompare(&colored, c, opts(true)))
	for _, line := range strings.Split(plain.String(), "\n") {
		assert.Equal(t, strings.HasPrefix(line, "p95"), strings.Contains(line, "(regressed)"), "line %q marked", line)
	}
	assert.Contains(t, colored.String(), "\x1b[31m+28.6% (regressed)\x1b[0m", "regression in red")
	for _, want := range []string{"500", "requests"} {
		assert.Contains(t, plain.String(), want, "sample size")
	}
}

func TestPercentText(t *testing.T) {
	tests := []struct {
		ratio float64
		want  string
	}{
		{0.1, "10%"},
		{0.025, "2.5%"},
		{0.07, "7%"},
		{0, "0%"},
		{1.23456789, "123.4568%"},
		// Rounding 1e306 to 4 decimals overflowed to "+Inf%", which
		// --max-regression then refused to read back.
		{1e306, "1" + strings.Repeat("0", 308) + "%"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, report.PercentText(tt.ratio), "PercentText(%v)", tt.ratio)
	}
}
