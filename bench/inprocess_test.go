package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apiload/apiload/loadtesting"
)

// trivial is the handler every in-process benchmark drives.
var trivial = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok"))
})

// BenchmarkInProcess compares, side by side in one run, a raw loop calling
// ServeHTTP with httptest.NewRecorder on GOMAXPROCS goroutines against
// apiload driving the same handler with as many clients. Compare the two
// req/s metrics: apiload's should be at least 70% of raw.
func BenchmarkInProcess(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	b.Run("raw", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				trivial.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
	b.Run("apiload", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		res, err := loadtesting.Exec(b.Context(), trivial, loadtesting.Config{Requests: int64(b.N), Clients: procs})
		require.NoError(b, err)
		require.Equal(b, int64(b.N), res.Metrics.Succeeded, "requests succeeded of %d", b.N)
		b.ReportMetric(res.Metrics.RequestRate, "req/s")
		b.ReportMetric(float64(res.Metrics.Latency.P99), "p99-ns")
		b.ReportMetric(float64(res.Metrics.GeneratorCPUPerRequest), "cpu-ns/req")
	})
	b.Run("vegeta", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		n := vegetaInProcess(trivial, b.N, procs)
		require.Equal(b, b.N, n, "requests succeeded of %d", b.N)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
}

// BenchmarkInProcessRatio runs the raw loop, apiload and vegeta's library
// attacker (over an in-process RoundTripper) on the same handler, one
// after the other in rounds of a fixed number of requests, and reports the
// median rates and apiload's ratios to the other two. Each op is 5 rounds.
func BenchmarkInProcessRatio(b *testing.B) {
	const n, rounds = 300_000, 5
	procs := runtime.GOMAXPROCS(0)
	var raw, api, veg []float64
	for range b.N {
		for range rounds {
			raw = append(raw, rate(n, func() { rawLoop(trivial, n, procs) }))
			api = append(api, rate(n, func() {
				res, err := loadtesting.Exec(b.Context(), trivial, loadtesting.Config{Requests: n, Clients: procs})
				require.NoError(b, err, "apiload")
				require.Equal(b, int64(n), res.Metrics.Succeeded, "apiload: requests succeeded")
			}))
			veg = append(veg, rate(n, func() {
				got := vegetaInProcess(trivial, n, procs)
				require.Equal(b, n, got, "vegeta: requests succeeded of %d", n)
			}))
		}
	}
	r, a, v := median(raw), median(api), median(veg)
	b.ReportMetric(r, "raw-req/s")
	b.ReportMetric(a, "apiload-req/s")
	b.ReportMetric(v, "vegeta-req/s")
	b.ReportMetric(a/r, "apiload/raw")
	b.ReportMetric(a/v, "apiload/vegeta")
}

func rate(n int, f func()) float64 {
	start := time.Now()
	f()
	return float64(n) / time.Since(start).Seconds()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rawLoop is testing.B.RunParallel's loop without the harness: procs
// goroutines call ServeHTTP with a new httptest.ResponseRecorder n times in all.
func rawLoop(h http.Handler, n, procs int) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	var wg sync.WaitGroup
	for i := range procs {
		share := n / procs
		if i < n%procs {
			share++
		}
		wg.Go(func() {
			for range share {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
	wg.Wait()
}

// roundTripper calls the handler in-process, as vegeta would be set up to
// load a handler without a socket.
type roundTripper struct{ h http.Handler }

func (t roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// vegetaInProcess sends n requests through vegeta's attacker at its
// maximum rate with workers workers, and returns how many got a 200.
func vegetaInProcess(h http.Handler, n, workers int) int {
	atk := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: roundTripper{h}}),
		vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)),
	)
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: "http://localhost/"})
	ok, seen := 0, 0
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, 0, "inprocess") {
		if seen < n && res.Code == http.StatusOK {
			ok++
		}
		seen++
		if seen == n {
			atk.Stop() // then drain what is in flight
		}
	}
	return ok
}

// BenchmarkMemory runs 1e5 and 1e6 in-process requests and reports the
// peak heap in use during each run and the heap in use after it (after a
// GC, with the Result still held): neither may grow with the count.
func BenchmarkMemory(b *testing.B) {
	for _, n := range []int64{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			var peak, end uint64
			for range b.N {
				runtime.GC()
				var res *loadtesting.Result
				p, err := peakHeap(func() (err error) {
					res, err = loadtesting.Exec(b.Context(), trivial, loadtesting.Config{Requests: n, Clients: 10})
					return err
				})
				require.NoError(b, err)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				runtime.KeepAlive(res)
				peak, end = max(peak, p), max(end, ms.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(end)/(1<<20), "end-heap-MiB")
		})
	}
}

// peakHeap runs f while sampling HeapInuse every 5ms and returns the peak.
func peakHeap(f func() error) (uint64, error) {
	var ms runtime.MemStats
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	err := f()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	return max(peak, ms.HeapInuse), err
}
