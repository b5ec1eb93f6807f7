package bench

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/engine"
)

// BenchmarkOpenModel sends the trivial handler 20 k req/s for 5 s
// in-process (open model, 10 clients) and reports the achieved rate as a
// share of the target, the send lag (actual minus scheduled send time) at
// p50/p99/max, and the sends that left more than 1 ms late. Goals:
// rate-ratio within 1% of 1, lag p99 under 1 ms. The ramp case goes from
// 5 k to 20 k req/s over the 5 s (62.5 k requests scheduled).
//
//	go test -run '^$' -bench OpenModel -benchtime 1x ./bench/
func BenchmarkOpenModel(b *testing.B) {
	const rate, dur = 20_000, 5 * time.Second
	for _, tc := range []struct {
		name   string
		rampTo float64
		want   float64 // requests scheduled
	}{
		{"constant", 0, rate * dur.Seconds()},
		{"ramp5kTo20k", rate, (5_000 + rate) / 2 * dur.Seconds()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			start := float64(rate)
			if tc.rampTo > 0 {
				start = 5_000
			}
			for range b.N {
				rep, err := engine.Run(b.Context(), engine.Plan{
					Method: http.MethodGet, URL: &url.URL{Scheme: "http", Host: "localhost", Path: "/"},
					Duration: dur, Clients: 10, Rate: start, RampTo: tc.rampTo, Timeout: 30 * time.Second,
					Transport: engine.InProcess(trivial),
				})
				require.NoError(b, err)
				// The schedule spans Duration; the run ends with its last response.
				b.ReportMetric(float64(rep.Requests)/tc.want, "rate-ratio")
				b.ReportMetric(float64(rep.Requests)/dur.Seconds(), "req/s")
				b.ReportMetric(float64(rep.SendLag.ValueAtPercentile(50)), "lag-p50-ns")
				b.ReportMetric(float64(rep.SendLag.ValueAtPercentile(99)), "lag-p99-ns")
				b.ReportMetric(float64(rep.MaxLag), "lag-max-ns")
				b.ReportMetric(float64(rep.LateSends), "late-sends")
				b.ReportMetric(float64(rep.Latency.ValueAtPercentile(99)), "p99-ns")
				b.ReportMetric(float64(rep.CPU)/float64(max(rep.Requests, 1)), "cpu-ns/req")
			}
		})
	}
}
