package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// BenchmarkMemory10M sends 100 k and then 10 M in-process requests with 10
// clients and reports the process's peak resident set size during the 10 M
// run (VmHWM, reset before the run where the kernel allows), the heap in use
// after each run (after a GC, Result held) and the ratio of the two.
// Goals: peak-rss-MiB < 64 and end-heap-ratio <= 1.5. One op takes about
// 10 s; run it on its own:
//
//	go test -run '^$' -bench Memory10M -benchtime 1x ./bench/
func BenchmarkMemory10M(b *testing.B) {
	for range b.N {
		small := endHeap(b, 100_000)
		resetPeakRSS()
		big := endHeap(b, 10_000_000)
		rss, _ := procStatus("VmHWM")
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
		b.ReportMetric(float64(small)/(1<<20), "end-heap-100k-MiB")
		b.ReportMetric(float64(big)/(1<<20), "end-heap-10M-MiB")
		b.ReportMetric(float64(big)/float64(small), "end-heap-ratio")
	}
}

func endHeap(b *testing.B, n int64) uint64 {
	runtime.GC()
	res, err := loadtesting.Exec(b.Context(), trivial, loadtesting.Config{Requests: n, Clients: 10})
	require.NoError(b, err)
	require.Equal(b, n, res.Metrics.Succeeded, "requests succeeded of %d", n)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(res)
	return ms.HeapInuse
}

// resetPeakRSS sets VmHWM back to the current RSS (Linux: write "5" to
// /proc/self/clear_refs). Elsewhere, or when refused, the peak counts from
// the process's start.
func resetPeakRSS() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatus returns a field of /proc/self/status in bytes ("VmHWM", "VmRSS").
func procStatus(field string) (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		fields := bytes.Fields(rest) // "12345 kB"
		if len(fields) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}
