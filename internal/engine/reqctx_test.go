package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun_runDeadlineIsNoTimeout: a run whose own context has a deadline
// ends the requests in flight when it passes, and those are not
// measurements, streamed or not, whatever the transport: never timeouts
// of the requests (the run's cause, context.DeadlineExceeded, is the
// value a request's own timeout has).
func TestRun_runDeadlineIsNoTimeout(t *testing.T) {
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	cases := []struct {
		name string
		h    http.Handler
		mod  func(*Plan)
	}{
		{"streamed", streamer{pace: 5 * time.Millisecond}, func(p *Plan) { p.StreamFor = time.Hour }},
		{"not streamed", hang, func(*Plan) {}},
	}
	transports := []struct {
		name string
		tr   func(int) Transport
	}{{"in-process", nil}, overSocket[0], overSocket[1]}
	for _, c := range cases {
		for _, tr := range transports {
			t.Run(c.name+"/"+tr.name, func(t *testing.T) {
				var opened atomic.Int64
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					opened.Add(1)
					c.h.ServeHTTP(w, r)
				})
				p := plan(h, func(p *Plan) {
					p.Requests, p.Clients, p.Timeout = 4, 4, time.Hour
					c.mod(p)
				})
				if tr.tr != nil {
					srv := httptest.NewServer(h)
					t.Cleanup(srv.Close)
					u, err := url.Parse(srv.URL)
					require.NoError(t, err)
					p.URL, p.Transport = u, tr.tr(4)
				}
				ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
				defer cancel()
				rep, err := Run(ctx, p)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Zero(t, rep.Failed, "requests ended by the run's deadline are not failures: %+v", rep.Errors)
				assert.Zero(t, rep.Requests, "nor measurements")
			})
		}
	}
}

// TestStream_handlerContext: an in-process stream's handler gets a context
// with no deadline (a stream's moves with each event), so a timeout it
// derives for itself keeps its length; and once the stream was read
// enough, the context's Err is context.Canceled, as the contract says.
func TestStream_handlerContext(t *testing.T) {
	t.Run("a derived timeout keeps its length", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, has := r.Context().Deadline()
				if has {
					panic("a streamed request's context has a deadline")
				}
				ctx, cancel := context.WithTimeout(r.Context(), 32*time.Millisecond)
				defer cancel()
				streamer{pace: 5 * time.Millisecond}.ServeHTTP(w, r.WithContext(ctx))
			})
			rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamFor, p.Timeout = 1, 1, time.Second, 10*time.Millisecond }))
			require.NoError(t, err)
			assert.Equal(t, int64(1), rep.Stream.EndedEarly, "the handler's own 32ms ended the stream: %+v", rep.Errors)
			assert.Equal(t, int64(7), rep.Stream.Events, "events at 0, 5, ... 30ms")
		})
	})
	t.Run("read enough: Canceled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var got error
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				streamer{pace: 5 * time.Millisecond}.ServeHTTP(w, r)
				got = r.Context().Err()
			})
			rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamEvents = 1, 1, 3 }))
			require.NoError(t, err)
			assert.Equal(t, int64(1), rep.Succeeded)
			assert.True(t, errors.Is(got, context.Canceled), "the handler's context ended with %v", got)
		})
	})
}

// TestReqCtx_stoppedAfterFuncsForgotten: contexts derived from a request's
// and cancelled leave nothing behind on it, however many there were (a
// stream's handler may derive one per event).
func TestReqCtx_stoppedAfterFuncsForgotten(t *testing.T) {
	rc := &reqCtx{parent: context.Background(), deadline: time.Now().Add(time.Hour)}
	for range 1000 {
		ctx, cancel := context.WithTimeout(rc, time.Hour)
		cancel()
		<-ctx.Done()
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Empty(t, rc.afters)
}

// TestStream_lateEventEndsTheContext: an in-process event that comes after
// its gap's Timeout ends the request's context as a timeout at once, not at
// the watchdog's next tick, so the handler learns why its stream ended.
func TestStream_lateEventEndsTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got error
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			io.WriteString(w, "data: 0\n\n")
			fl.Flush()
			time.Sleep(102 * time.Millisecond) // past the 100ms gap, before the watchdog's tick at 105ms
			io.WriteString(w, "data: 1\n\n")
			fl.Flush()
			got = r.Context().Err()
		})
		rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamFor, p.Timeout = 1, 1, time.Second, 100*time.Millisecond }))
		require.NoError(t, err)
		assert.ErrorIs(t, got, context.DeadlineExceeded, "the handler's context after its late event")
		require.Len(t, rep.Errors, 1)
		assert.Equal(t, KindTimeout, rep.Errors[0].Kind)
		assert.Equal(t, map[int]int64{200: 1}, rep.Status)
	})
}
