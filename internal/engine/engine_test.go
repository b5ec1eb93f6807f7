package engine

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func plan(h http.Handler, mod func(*Plan)) Plan {
	p := Plan{
		Method:    http.MethodGet,
		URL:       &url.URL{Scheme: "http", Host: "localhost", Path: "/"},
		Requests:  100,
		Clients:   4,
		Timeout:   time.Second,
		Transport: InProcess(h),
	}
	if mod != nil {
		mod(&p)
	}
	return p
}

// The tests below that are about time run in a synctest bubble: the clock
// is fake, moves only when every goroutine of the run waits, and so every
// latency, lag and count is exact on any machine, however busy.

func TestRun_abandonsHandlerThatIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var stuck, returned atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stuck.Add(1) <= 2 {
				<-release // ignores r.Context(); held until the run is over
				returned.Add(1)
			}
		})
		// The stuck handlers are released only after Run returns, so Run
		// returning at all proves it abandoned them (a regression deadlocks
		// the bubble, which synctest reports).
		rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Timeout = 30 * time.Millisecond; p.Clients = 2 }))
		stillStuck := returned.Load() == 0
		close(release) // synctest.Test waits for the abandoned goroutines to end
		require.NoError(t, err)
		require.True(t, stillStuck, "a stuck handler returned before the run ended; the test no longer proves abandonment")
		assert.Equal(t, int64(100), rep.Requests)
		assert.Equal(t, int64(2), rep.Failed)
		assert.Equal(t, map[int]int64{0: 2, 200: 98}, rep.Status)
		require.Len(t, rep.Errors, 2)
		for _, e := range rep.Errors {
			assert.Equal(t, KindTimeout, e.Kind)
		}
		// The watchdog ticks every Timeout/20 (1.5ms) and abandons a handler
		// a grace of 2 ticks (3ms) past its deadline, at the tick at 33ms;
		// the other 98 requests take no time.
		assertRecorded(t, append(times(98, 0), times(2, 33*time.Millisecond)...), rep.Latency, "latencies")
		assert.Equal(t, 33*time.Millisecond, rep.Elapsed)
	})
}

func TestRunner_progressCountsAsItGoes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		var n atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) > 10 {
				<-gate
			}
			if n.Load()%2 == 0 {
				w.WriteHeader(http.StatusBadGateway)
			}
		})
		r := Start(t.Context(), plan(h, func(p *Plan) { p.Clients = 1; p.Requests = 20 }))
		time.Sleep(5 * time.Millisecond) // returns once the 11th request waits at the gate, 5ms in
		assert.Equal(t, Progress{Done: 10, Failed: 5, Elapsed: 5 * time.Millisecond}, r.Progress())
		close(gate)
		rep, err := r.Wait()
		require.NoError(t, err)
		assert.Equal(t, int64(20), rep.Requests)
		assert.Equal(t, 5*time.Millisecond, rep.Elapsed)
	})
}

func TestRun_openModel(t *testing.T) {
	sleeper := func(d time.Duration) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(d) })
	}
	tests := []struct {
		name        string
		h           http.Handler
		mod         func(*Plan)
		wantLate    int64
		wantMaxLag  time.Duration
		wantLatency []time.Duration
		wantElapsed time.Duration
	}{
		// One client and a 10ms handler at 1000/s: request i is due at i ms
		// but leaves at 10i ms, 9i ms late, and answers 9i+10 ms after it was due.
		{"slow handler falls behind", sleeper(10 * time.Millisecond),
			func(p *Plan) { p.Clients, p.Requests, p.Rate = 1, 10, 1000 },
			9, 81 * time.Millisecond, span(10, 10*time.Millisecond, 9*time.Millisecond), 100 * time.Millisecond},
		// A fast handler at a modest rate keeps to the schedule: the last of
		// 20 requests at 200/s is due (and sent) at 95ms.
		{"fast handler keeps to the schedule", okHandler(),
			func(p *Plan) { p.Clients, p.Requests, p.Rate = 2, 20, 200 },
			0, 0, times(20, 0), 95 * time.Millisecond},
		// 1ms handler, 2 clients at 1000/s: each send is due as the previous
		// one is in flight, and two clients keep up.
		{"two clients share the load", sleeper(time.Millisecond),
			func(p *Plan) { p.Clients, p.Requests, p.Rate = 2, 10, 1000 },
			0, 0, times(10, time.Millisecond), 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rep, err := Run(t.Context(), plan(tt.h, tt.mod))
				require.NoError(t, err)
				p := plan(okHandler(), tt.mod)
				assert.Equal(t, p.Requests, rep.Requests)
				assert.Equal(t, p.Requests, rep.SendLag.TotalCount(), "send lags recorded")
				assert.Equal(t, tt.wantLate, rep.LateSends, "late sends")
				assert.Equal(t, tt.wantMaxLag, rep.MaxLag, "max lag")
				assertRecorded(t, tt.wantLatency, rep.Latency, "latencies")
				assert.Equal(t, tt.wantElapsed, rep.Elapsed)
			})
		})
	}
}

// times returns n copies of d.
func times(n int, d time.Duration) []time.Duration { return slices.Repeat([]time.Duration{d}, n) }

// span returns n durations from first, step apart.
func span(n int, first, step time.Duration) []time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = first + time.Duration(i)*step
	}
	return ds
}

// assertRecorded checks that h holds exactly the values want, at the
// histogram's precision (the engine records 0 as 1ns, its lowest value).
func assertRecorded(t *testing.T, want []time.Duration, h *hdrhistogram.Histogram, msg string) {
	t.Helper()
	w := NewHistogram()
	for _, d := range want {
		require.NoError(t, w.RecordValue(max(int64(d), histLowest)))
	}
	assert.Equal(t, bars(w), bars(h), msg)
}

// bars lists h's non-empty buckets: from, to (ns) and count.
func bars(h *hdrhistogram.Histogram) []hdrhistogram.Bar {
	var out []hdrhistogram.Bar
	for _, b := range h.Distribution() {
		if b.Count > 0 {
			out = append(out, b)
		}
	}
	return out
}

func TestRun_cancelDuringRateWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		// The first request is sent at once; the next is due an hour later.
		r := Start(ctx, plan(okHandler(), func(p *Plan) { p.Rate = 1.0 / 3600; p.Requests = 10 }))
		time.Sleep(time.Minute)
		require.Equal(t, int64(1), r.Progress().Done)
		cancel()
		// Wait returns only if the cancel ends the pacer's wait; a regression
		// would sit out the hour, and the test would see Elapsed of an hour.
		rep, err := r.Wait()
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, int64(1), rep.Requests, "only the first request (sent at once)")
		assert.Equal(t, time.Minute, rep.Elapsed)
	})
}

// TestRun_cancelEndsRequestsInFlightAtOnce cancels the run from inside the
// 20th request, while the other clients may be starting theirs: every
// request that waits for its context, however close to the cancel it
// started, ends at that instant of fake time, not at a later watchdog tick.
func TestRun_cancelEndsRequestsInFlightAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var arrived atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := arrived.Add(1)
			if n == 20 {
				cancel()
			}
			if n >= 20 {
				<-r.Context().Done()
			}
		})
		rep, err := Run(ctx, plan(h, func(p *Plan) { p.Requests, p.Clients, p.Timeout = 1_000_000, 4, 30*time.Second }))
		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, rep.Elapsed, "the run's length: the cancel ended it at once")
		// The 19 answered before the 20th, less up to 3 cut short on the
		// other clients: cut-short requests are not measurements.
		assert.GreaterOrEqual(t, rep.Requests, int64(16))
		assert.LessOrEqual(t, rep.Requests, int64(19))
		assert.Zero(t, rep.Failed)
	})
}

func TestRun_durationBoundsTheClosedModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(3 * time.Millisecond) })
		// No request count: only the Duration can end the run. Two clients
		// each finish a request every 3ms; the one under way at 100ms ends
		// at 102ms, after which no new one starts.
		rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Requests, p.Duration, p.Clients = 0, 100*time.Millisecond, 2 }))
		require.NoError(t, err)
		assert.Equal(t, int64(2*34), rep.Requests)
		assert.Equal(t, 102*time.Millisecond, rep.Elapsed)
		assertRecorded(t, times(2*34, 3*time.Millisecond), rep.Latency, "latencies")
	})
}

func TestLeanWriter(t *testing.T) {
	tests := []struct {
		name       string
		h          http.HandlerFunc
		wantStatus int
		wantBytes  int64
		wantBody   string
	}{
		{"implicit 200", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) }, 200, 2, "hi"},
		{"no write at all", func(w http.ResponseWriter, r *http.Request) {}, 200, 0, ""},
		{"explicit status once", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(418)
			w.WriteHeader(500)
		}, 418, 0, ""},
		{"early hints then 201", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(103)
			w.WriteHeader(201)
		}, 201, 0, ""},
		{"flush for streams", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			w.Write([]byte("data: 1\n\n"))
		}, 200, 9, "data: 1\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := InProcess(tt.h).NewSender()
			req, err := http.NewRequest(http.MethodGet, "http://localhost/", nil)
			require.NoError(t, err)
			var out Outcome
			require.NoError(t, s.Send(req, &out))
			assert.Equal(t, tt.wantStatus, out.Status)
			assert.Equal(t, tt.wantBytes, out.BytesIn)
			assert.Equal(t, tt.wantBody, string(out.Body))
		})
	}
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
}
