package report

import (
	"math"
	"time"

	"github.com/apiload/apiload/loadtesting"
)

// This file is the one home of "is this a regression": Compare judges a head
// run against a base run, and Row.Regressed and Row.Improved carry the
// verdict to every surface (loadreport compare, the dashboard's compare view
// and its trend cards). Rendering lives in compare.go.

// What counts as noise when two single runs are compared. With one run on
// each side there is no spread to test against, so for latency and
// throughput these are fixed floors, not statistics; the error rate, a
// proportion with known counts, gets a real significance test.
const (
	// NoiseRatio: a relative change of latency or throughput smaller than
	// this (5%) is within noise.
	NoiseRatio = 0.05
	// NoiseLatency: a latency change smaller than this (10µs, the order of
	// goroutine scheduling jitter) is within noise, however large relative
	// to a tiny base.
	NoiseLatency = 10 * time.Microsecond
	// NoiseZ: an error-rate change is within noise when a two-proportion
	// z-test on the failed/total counts gives |z| below this (1.96, i.e. not
	// significant at the 5% level).
	NoiseZ = 1.96
)

// Metric names in Row.Metric, in the order Compare returns them.
const (
	MetricP50        = "p50"
	MetricP95        = "p95"
	MetricP99        = "p99"
	MetricThroughput = "throughput"
	MetricErrorRate  = "error_rate"
)

// Delta kinds in Row.DeltaKind.
const (
	// DeltaRelative: Delta is (head-base)/base; 0.095 means +9.5%.
	DeltaRelative = "relative"
	// DeltaAbsolute: Delta is head-base in the row's unit; for the error
	// rate (a ratio) 0.004 means +0.4 percentage points.
	DeltaAbsolute = "absolute"
)

// Comparison is a head run measured against a base run. It is
// JSON-serialisable (snake_case keys) for `loadreport compare --json`.
type Comparison struct {
	// Base and Head identify the two runs; Requests is each side's sample size.
	Base RunInfo `json:"base"`
	Head RunInfo `json:"head"`
	// MaxRegression is the threshold the rows were judged against, as a
	// ratio (0.1 = 10%); for the error rate it is in percentage points (0.1
	// = 10 pt).
	MaxRegression float64 `json:"max_regression"`
	// Rows are p50, p95, p99, throughput and error rate, in that order.
	Rows []Row `json:"rows"`
	// Regressed is true when any row regressed.
	Regressed bool `json:"regressed"`
}

// RunInfo identifies one side of a Comparison.
type RunInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	StartedAt time.Time `json:"started_at"`
	Requests  int64     `json:"requests"`
}

// Row compares one metric.
type Row struct {
	// Metric is one of MetricP50, MetricP95, MetricP99, MetricThroughput,
	// MetricErrorRate.
	Metric string `json:"metric"`
	// Unit of Base and Head: "ms" for latency, "req/s" for throughput
	// (successful responses per second), "ratio" (0..1) for the error rate.
	Unit string  `json:"unit"`
	Base float64 `json:"base"`
	Head float64 `json:"head"`
	// Delta is the change from base to head, of kind DeltaKind. It is nil
	// when a relative change is undefined because base is 0 (and head is
	// not); it is never NaN or infinite.
	Delta     *float64 `json:"delta"`
	DeltaKind string   `json:"delta_kind"`
	// Noise is true when the change is within noise (see NoiseRatio,
	// NoiseLatency, NoiseZ). A change within noise never counts as a
	// regression, so the effective threshold is never below the noise.
	Noise bool `json:"within_noise"`
	// Regressed is true when head is worse than base by more than
	// Comparison.MaxRegression and not within noise: higher latency, lower
	// throughput, or a significantly higher error rate.
	Regressed bool `json:"regressed"`
}

// Compare measures head against base with the regression threshold
// maxRegression (a ratio: 0.1 means 10%; negative counts as 0). For latency
// (p50, p95, p99) higher is worse and the change is relative; for
// throughput lower is worse and the change is relative; the error rate's
// change is shown in percentage points, and regresses when it is
// statistically significant and larger than maxRegression of the base rate
// (the base floored at 1 pt, so a rise from 0% counts). A nil run counts as
// one that measured nothing.
func Compare(base, head *loadtesting.Result, maxRegression float64) Comparison {
	if base == nil {
		base = &loadtesting.Result{}
	}
	if head == nil {
		head = &loadtesting.Result{}
	}
	if maxRegression < 0 || math.IsNaN(maxRegression) {
		maxRegression = 0
	}
	bm, hm := base.Metrics, head.Metrics
	c := Comparison{
		Base:          info(base),
		Head:          info(head),
		MaxRegression: maxRegression,
		Rows: []Row{
			latencyRow(MetricP50, bm.Latency.P50, hm.Latency.P50, maxRegression),
			latencyRow(MetricP95, bm.Latency.P95, hm.Latency.P95, maxRegression),
			latencyRow(MetricP99, bm.Latency.P99, hm.Latency.P99, maxRegression),
			throughputRow(bm.Throughput, hm.Throughput, maxRegression),
			errorRateRow(bm, hm, maxRegression),
		},
	}
	for _, r := range c.Rows {
		c.Regressed = c.Regressed || r.Regressed
	}
	return c
}

func info(r *loadtesting.Result) RunInfo {
	return RunInfo{ID: r.ID, Name: r.Name, StartedAt: r.StartedAt, Requests: r.Metrics.Requests}
}

// Regressions returns the rows that regressed.
func (c Comparison) Regressions() []Row {
	var out []Row
	for _, r := range c.Rows {
		if r.Regressed {
			out = append(out, r)
		}
	}
	return out
}

func ptr(v float64) *float64 { return &v }

// relative returns (head-base)/base, or nil when base is 0 and head is not.
func relative(base, head float64) *float64 {
	switch {
	case base == head:
		return ptr(0)
	case base == 0:
		return nil
	}
	return ptr((head - base) / base)
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func latencyRow(metric string, base, head time.Duration, maxReg float64) Row {
	b, h := msOf(base), msOf(head)
	r := Row{Metric: metric, Unit: "ms", Base: b, Head: h, Delta: relative(b, h), DeltaKind: DeltaRelative}
	diff := head - base
	r.Noise = diff.Abs() < NoiseLatency || (r.Delta != nil && math.Abs(*r.Delta) < NoiseRatio)
	if !r.Noise && diff > 0 {
		// Worse: a nil Delta (base 0) is an unbounded increase.
		r.Regressed = r.Delta == nil || *r.Delta > maxReg
	}
	return r
}

func throughputRow(base, head, maxReg float64) Row {
	b, h := finite(base), finite(head)
	r := Row{Metric: MetricThroughput, Unit: "req/s", Base: b, Head: h, Delta: relative(b, h), DeltaKind: DeltaRelative}
	// From nothing to something is an improvement, never noise to hide.
	r.Noise = r.Delta != nil && math.Abs(*r.Delta) < NoiseRatio
	if !r.Noise && r.Delta != nil && *r.Delta < 0 {
		r.Regressed = -*r.Delta > maxReg
	}
	return r
}

func errorRateRow(base, head loadtesting.Metrics, maxReg float64) Row {
	b, h := errorRate(base), errorRate(head)
	d := h - b
	r := Row{Metric: MetricErrorRate, Unit: "ratio", Base: b, Head: h, Delta: ptr(d), DeltaKind: DeltaAbsolute}
	r.Noise = d == 0 || !significant(base.Failed, base.Requests, head.Failed, head.Requests)
	if !r.Noise && d > 0 {
		// Relative to the base rate, as for the other rows, but with the
		// base floored at one percentage point so that a rise from 0% still
		// counts: with 10%, 0% -> 0.2% (if significant) or 5% -> 6% regress,
		// 5% -> 5.4% does not.
		r.Regressed = d > maxReg*max(b, errorRateFloor)
	}
	return r
}

// errorRateFloor is the smallest base error rate the error-rate threshold
// is taken relative to: one percentage point.
const errorRateFloor = 0.01

// errorRate is Failed/Requests, from the counts when there are any.
func errorRate(m loadtesting.Metrics) float64 {
	if m.Requests > 0 {
		return float64(m.Failed) / float64(m.Requests)
	}
	return finite(m.ErrorRate)
}

// significant reports whether two failure proportions differ at the 5%
// level by a two-proportion z-test with pooled variance. Without requests
// on both sides nothing is significant.
func significant(f1, n1, f2, n2 int64) bool {
	if n1 <= 0 || n2 <= 0 {
		return false
	}
	p1, p2 := float64(f1)/float64(n1), float64(f2)/float64(n2)
	pool := float64(f1+f2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return p1 != p2
	}
	return math.Abs(p2-p1)/se >= NoiseZ
}

// msOf is d in milliseconds, the unit of a latency row.
func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Improved reports whether head did better than base on the row's metric
// beyond noise: lower latency, higher throughput or a lower error rate.
// Regressed and Improved are the one rule both CLIs and the dashboard use to
// judge a change; neither is true for a change within noise.
func (r Row) Improved() bool {
	if r.Noise || r.Head == r.Base {
		return false
	}
	if r.Metric == MetricThroughput {
		return r.Head > r.Base
	}
	return r.Head < r.Base
}
