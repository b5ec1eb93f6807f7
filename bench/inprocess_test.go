package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

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
		if err != nil {
			b.Fatal(err)
		}
		if res.Metrics.Succeeded != int64(b.N) {
			b.Fatalf("%d of %d succeeded", res.Metrics.Succeeded, b.N)
		}
		b.ReportMetric(res.Metrics.RequestRate, "req/s")
		b.ReportMetric(float64(res.Metrics.Latency.P99), "p99-ns")
	})
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
				if err != nil {
					b.Fatal(err)
				}
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
