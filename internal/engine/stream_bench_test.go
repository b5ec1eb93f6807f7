package engine

import (
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkStream_openStreams holds 1,000 server-sent event streams open at
// once in-process and reports the memory each costs while open, B/stream:
// the live heap and goroutine stacks with every stream open (each has had
// its headers and a first event, and its handler waits for the next one),
// less those before the run, over 1,000. It counts everything a stream
// holds: the worker's goroutine (in which the handler runs), its request,
// response writer and context, and the handler's own state.
//
//	go test -run '^$' -bench Stream_openStreams -benchtime 5x ./internal/engine
func BenchmarkStream_openStreams(b *testing.B) {
	const streams = 1000
	var total float64
	for b.Loop() {
		var open atomic.Int64
		gate := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			rc := http.NewResponseController(w)
			io.WriteString(w, "data: 1\n\n")
			rc.Flush()
			open.Add(1)
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, "data: 2\n\n")
			rc.Flush()
		})
		var before, during runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r := Start(b.Context(), plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamEvents = streams, streams, 2 }))
		for open.Load() < streams {
			runtime.Gosched()
		}
		runtime.GC()
		runtime.ReadMemStats(&during)
		close(gate)
		rep, err := r.Wait()
		if err != nil || rep.Succeeded != streams || rep.Stream.Events != 2*streams {
			b.Fatalf("run: %v; %d of %d streams succeeded with %d events; samples %+v", err, rep.Succeeded, streams, rep.Stream.Events, rep.Errors)
		}
		live := func(m *runtime.MemStats) float64 { return float64(m.HeapAlloc + m.StackInuse) }
		total += (live(&during) - live(&before)) / streams
	}
	b.ReportMetric(total/float64(b.N), "B/stream")
}
