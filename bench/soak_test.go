package bench

import (
	"flag"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// soakFor is how long BenchmarkSoak sends load (-soak, default 60s).
var soakFor = flag.Duration("soak", time.Minute, "how long BenchmarkSoak sends load")

// soakWarmup is how long BenchmarkSoak sends load before it measures the
// starting RSS: long enough for the engine's first allocations (worker
// histograms and counters, goroutine stacks) and for the heap to reach the
// size the garbage collector keeps it at under this load.
const soakWarmup = 5 * time.Second

// soakMaxGrowth is the goal: the RSS at the end of the soak is within 10%
// of the RSS at its start.
const soakMaxGrowth = 1.10

// BenchmarkSoak sends in-process load at full speed (closed model, 10
// clients, through loadtesting.Exec with Config.Duration) for -soak
// (default 60s), after a warm-up of the same load for soakWarmup, and
// reports the process's resident set size (VmRSS) after the warm-up
// (start-rss-MiB) and after the soak (end-rss-MiB), both read after a
// garbage collection with the last Result still held; their ratio
// (end-rss-ratio, goal <= 1.10, checked); the peak during the soak
// (peak-rss-MiB, VmHWM); the heap in use at both points; and the rate.
//
// It takes a minute, so it runs only when -bench names it:
//
//	go test -run '^$' -bench Soak -benchtime 1x ./bench/
//	go test -run '^$' -bench Soak -benchtime 1x ./bench/ -soak 10m
func BenchmarkSoak(b *testing.B) {
	if !strings.Contains(flag.Lookup("test.bench").Value.String(), "Soak") {
		b.Skip("a soak of -soak (default 60s): run it with -bench Soak")
	}
	if _, ok := procStatus("VmRSS"); !ok {
		b.Skip("no /proc/self/status to read VmRSS from")
	}
	load := func(d time.Duration) *loadtesting.Result {
		b.Helper()
		res, err := loadtesting.Exec(b.Context(), trivial, loadtesting.Config{Duration: d, Clients: 10})
		require.NoError(b, err)
		require.NotZero(b, res.Metrics.Requests, "%d requests, %d failed: want some, all succeeding", res.Metrics.Requests, res.Metrics.Failed)
		require.Zero(b, res.Metrics.Failed, "%d requests, %d failed: want some, all succeeding", res.Metrics.Requests, res.Metrics.Failed)
		return res
	}
	// measure collects garbage and reads the RSS and the heap in use.
	measure := func() (rss, heap uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, _ = procStatus("VmRSS")
		return rss, ms.HeapInuse
	}
	const mib = 1 << 20
	for range b.N {
		warm := load(soakWarmup)
		startRSS, startHeap := measure()
		runtime.KeepAlive(warm)

		resetPeakRSS()
		res := load(*soakFor)
		peak, _ := procStatus("VmHWM")
		endRSS, endHeap := measure()
		runtime.KeepAlive(res)

		ratio := float64(endRSS) / float64(startRSS)
		b.ReportMetric(float64(startRSS)/mib, "start-rss-MiB")
		b.ReportMetric(float64(endRSS)/mib, "end-rss-MiB")
		b.ReportMetric(ratio, "end-rss-ratio")
		b.ReportMetric(float64(peak)/mib, "peak-rss-MiB")
		b.ReportMetric(float64(startHeap)/mib, "start-heap-MiB")
		b.ReportMetric(float64(endHeap)/mib, "end-heap-MiB")
		b.ReportMetric(float64(res.Metrics.Requests), "requests")
		b.ReportMetric(res.Metrics.RequestRate, "req/s")
		b.Logf("soak %v after a %v warm-up: %d requests (%.0f req/s); RSS %.1f MiB -> %.1f MiB (x%.3f), peak %.1f MiB; heap %.1f MiB -> %.1f MiB",
			*soakFor, soakWarmup, res.Metrics.Requests, res.Metrics.RequestRate,
			float64(startRSS)/mib, float64(endRSS)/mib, ratio, float64(peak)/mib,
			float64(startHeap)/mib, float64(endHeap)/mib)
		assert.LessOrEqual(b, ratio, soakMaxGrowth, "RSS grew from %.1f MiB to %.1f MiB (x%.3f) over a %v soak, want at most x%.2f",
			float64(startRSS)/mib, float64(endRSS)/mib, ratio, *soakFor, soakMaxGrowth)
	}
}
