package engine

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkHTTP_hugeBody has a raw-TCP server on loopback send a 100 MB
// body per request, through each client, and shows that the body is
// counted, never buffered: it reports the bytes allocated per request and
// the process's peak resident set size during the runs (VmHWM, reset
// before them where the kernel allows), next to the body's size.
//
//	go test -run '^$' -bench HTTP_hugeBody -benchtime 5x ./internal/engine/
func BenchmarkHTTP_hugeBody(b *testing.B) {
	const size = 100 << 20
	for _, cl := range []struct {
		name      string
		transport func() Transport
	}{
		{"lean", func() Transport { return HTTP(1) }},
		{"net-http", func() Transport { return NetHTTP(1) }},
	} {
		b.Run(cl.name, func(b *testing.B) {
			u, err := url.Parse(rawServer(b, func(c net.Conn, br *bufio.Reader) { hugeBody(size)(nil, c, br) }))
			require.NoError(b, err)
			b.SetBytes(size)
			runtime.GC()
			os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM; Linux only
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for range b.N {
				rep, err := Run(b.Context(), Plan{Method: http.MethodGet, URL: u, Requests: 1, Clients: 1,
					Timeout: time.Minute, Transport: cl.transport()})
				require.NoError(b, err)
				require.Equal(b, int64(size), rep.BytesIn, "bytes in %d, failed %d: want %d and none", rep.BytesIn, rep.Failed, size)
				require.Zero(b, rep.Failed, "bytes in %d, failed %d: want %d and none", rep.BytesIn, rep.Failed, size)
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MiB/op")
			b.ReportMetric(float64(size)/(1<<20), "body-MiB")
			if hwm, ok := vmHWM(); ok {
				b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MiB")
			}
		})
	}
}

// vmHWM returns the process's peak resident set size, from /proc.
func vmHWM() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
