package bench

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/engine"
)

// BenchmarkOpenModel measures what the open model (a paced rate) costs
// next to the closed model, in-process, on the trivial handler with 10
// clients. Each op of constant and ramp5kTo20k runs the closed model for
// 100 k requests and then the open model for 5 s, one after the other, and
// reports both CPU costs and their ratio (cpu-vs-closed: goal at most 1.5),
// so the ratio comes from one run on a shared machine. The open run sends
// 20 k req/s (constant) or 5 k rising to 20 k req/s (ramp5kTo20k, 62.5 k
// requests), and reports:
//
//   - rate-err-%: the achieved rate (requests over the time from the start
//     to the last response) against the target, in percent (goal: within 1)
//   - lag-p50-ns, lag-p99-ns, lag-max-ns: the send lag, actual minus
//     scheduled send time (goal: p99 under 0.5 ms), and late-sends, the
//     sends more than 1 ms late
//   - cpu-ns/req (open) and closed-cpu-ns/req: process CPU (user + system)
//     per request; in-process this includes the handler's
//
// closed alone reports the closed model's cost:
//
//	make bench BENCH=OpenModel PKGS=./bench/
//	go test -run '^$' -bench OpenModel -benchtime 1x -count 3 ./bench/
func BenchmarkOpenModel(b *testing.B) {
	const rate, dur = 20_000, 5 * time.Second
	b.Run("closed", func(b *testing.B) {
		for range b.N {
			b.ReportMetric(closedCPUPerRequest(b), "cpu-ns/req")
		}
	})
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
				closed := closedCPUPerRequest(b)
				rep, err := engine.Run(b.Context(), openPlan(start, tc.rampTo, dur))
				require.NoError(b, err)
				require.Equal(b, int64(tc.want), rep.Requests, "requests sent: every scheduled one")
				cpu := float64(rep.CPU) / float64(max(rep.Requests, 1))
				achieved := float64(rep.Requests) / rep.Elapsed.Seconds()
				b.ReportMetric(100*(achieved/(tc.want/dur.Seconds())-1), "rate-err-%")
				b.ReportMetric(achieved, "req/s")
				b.ReportMetric(float64(rep.SendLag.ValueAtPercentile(50)), "lag-p50-ns")
				b.ReportMetric(float64(rep.SendLag.ValueAtPercentile(99)), "lag-p99-ns")
				b.ReportMetric(float64(rep.MaxLag), "lag-max-ns")
				b.ReportMetric(float64(rep.LateSends), "late-sends")
				b.ReportMetric(float64(rep.Latency.ValueAtPercentile(99)), "p99-ns")
				b.ReportMetric(cpu, "cpu-ns/req")
				b.ReportMetric(closed, "closed-cpu-ns/req")
				b.ReportMetric(cpu/closed, "cpu-vs-closed")
			}
		})
	}
}

// openPlan is the open model on the trivial handler, in-process, 10 clients.
func openPlan(rate, rampTo float64, dur time.Duration) engine.Plan {
	return engine.Plan{
		Method: http.MethodGet, URL: &url.URL{Scheme: "http", Host: "localhost", Path: "/"},
		Duration: dur, Clients: 10, Rate: rate, RampTo: rampTo, Timeout: 30 * time.Second,
		Transport: engine.InProcess(trivial),
	}
}

// closedCPUPerRequest runs the closed model (as fast as possible) for 100 k
// requests with openPlan's handler and clients, and returns its CPU per
// request in nanoseconds.
func closedCPUPerRequest(b *testing.B) float64 {
	p := openPlan(0, 0, 0)
	p.Requests = 100_000
	rep, err := engine.Run(b.Context(), p)
	require.NoError(b, err)
	require.Equal(b, p.Requests, rep.Requests, "closed model: requests")
	return float64(rep.CPU) / float64(rep.Requests)
}
