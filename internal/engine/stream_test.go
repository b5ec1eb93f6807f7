package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// streamer is a handler that streams events as its fields say.
type streamer struct {
	plain   bool          // Content-Type text/plain, each event a flushed chunk; else text/event-stream
	status  int           // default 200
	first   time.Duration // wait before the first event
	pace    time.Duration // wait between events
	events  int           // events to send; 0 means until the client goes away
	hold    bool          // after the events, wait for the client to go away instead of returning
	noFlush bool          // flush the headers, then write the events without flushing them
	event   func(i int) string
}

func (s streamer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ct := "text/event-stream"
	if s.plain {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(cmpOr(s.status, http.StatusOK))
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	ctx := r.Context()
	wait := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	if s.first > 0 && !wait(s.first) {
		return
	}
	var tick <-chan time.Time
	if s.pace > 0 {
		// A ticker keeps the pace even when a tick is served late.
		t := time.NewTicker(s.pace)
		defer t.Stop()
		tick = t.C
	}
	for i := 0; s.events == 0 || i < s.events; i++ {
		if i > 0 && tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
		ev := fmt.Sprintf("data: %d\n\n", i)
		switch {
		case s.event != nil:
			ev = s.event(i)
		case s.plain:
			ev = fmt.Sprintf("chunk %d;", i)
		}
		if _, err := io.WriteString(w, ev); err != nil {
			return
		}
		if !s.noFlush {
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
	if s.hold {
		<-ctx.Done()
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// malformedSSE is an event wrapped in lines a client must skip: a field
// of no meaning, a retry that is no number, a comment, and an event with
// no data (which dispatches nothing).
func malformedSSE(i int) string {
	return fmt.Sprintf("garbage\nretry: soon\n: comment\nevent: nothing\n\n\r\ndata: %d\r\n\r\n", i)
}

// streamWant is what a streamed run must report.
type streamWant struct {
	succeeded, failed int64
	status            map[int]int64
	kinds             map[string]int
	message           string // a substring of every sample's message
	streams, events   int64
	minEv, maxEv      int64
	endedEarly        int64
}

func checkStream(t *testing.T, w streamWant, rep *Report) {
	t.Helper()
	assert.Equal(t, w.succeeded, rep.Succeeded, "succeeded; samples %+v", rep.Errors)
	assert.Equal(t, w.failed, rep.Failed, "failed; samples %+v", rep.Errors)
	assert.Equal(t, w.status, rep.Status, "statuses")
	kinds := map[string]int{}
	for _, e := range rep.Errors {
		kinds[e.Kind]++
		if w.message != "" {
			assert.Contains(t, e.Message, w.message, "sample %+v", e)
		}
	}
	if w.kinds == nil {
		w.kinds = map[string]int{}
	}
	assert.Equal(t, w.kinds, kinds, "failures by kind")
	if !assert.NotNil(t, rep.Stream, "stream report") {
		return
	}
	st := rep.Stream
	assert.Equal(t, w.streams, st.Streams, "streams")
	assert.Equal(t, w.events, st.Events, "events")
	assert.Equal(t, w.minEv, st.MinEvents, "fewest events in a stream")
	assert.Equal(t, w.maxEv, st.MaxEvents, "most events in a stream")
	assert.Equal(t, w.endedEarly, st.EndedEarly, "ended early")
}

// TestStream_inProcess streams through handlers in-process, in a synctest
// bubble, where every time is exact: the gaps are the handler's pace, the
// first event its delay, and the latency (the time to the headers) 0.
func TestStream_inProcess(t *testing.T) {
	tests := []struct {
		name   string
		h      http.Handler
		mod    func(*Plan)
		want   streamWant
		first  []time.Duration // every first-event time, exactly
		gaps   []time.Duration // every gap, exactly
		lat    []time.Duration // every latency, exactly (nil: not checked)
		sample string          // a sample body, when it matters
	}{
		{name: "paced events until Events",
			h:   streamer{first: 100 * time.Millisecond, pace: 100 * time.Millisecond},
			mod: func(p *Plan) { p.StreamEvents = 5 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 20, minEv: 5, maxEv: 5},
			first: times(4, 100*time.Millisecond), gaps: times(16, 100*time.Millisecond), lat: times(4, 0)},
		{name: "a delayed first event",
			h:   streamer{first: 250 * time.Millisecond, pace: 50 * time.Millisecond},
			mod: func(p *Plan) { p.StreamEvents = 3 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 12, minEv: 3, maxEv: 3},
			first: times(4, 250*time.Millisecond), gaps: times(8, 50*time.Millisecond)},
		{name: "For ends the stream",
			h:   streamer{first: 100 * time.Millisecond, pace: 100 * time.Millisecond},
			mod: func(p *Plan) { p.StreamFor = 450 * time.Millisecond },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 16, minEv: 4, maxEv: 4},
			first: times(4, 100*time.Millisecond), gaps: times(12, 100*time.Millisecond)},
		{name: "For and Events, Events first",
			h:   streamer{pace: 100 * time.Millisecond},
			mod: func(p *Plan) { p.StreamFor, p.StreamEvents = time.Hour, 2 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 8, minEv: 2, maxEv: 2},
			first: times(4, 0), gaps: times(4, 100*time.Millisecond)},
		{name: "the handler returns early",
			h:   streamer{pace: 10 * time.Millisecond, events: 2},
			mod: func(p *Plan) { p.StreamEvents = 5 },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindStream: 4},
				message: "stream ended by the server after 2 events, before 5 events",
				streams: 4, events: 8, minEv: 2, maxEv: 2, endedEarly: 4},
			first: times(4, 0), gaps: times(4, 10*time.Millisecond), sample: "data: 0\n\ndata: 1\n\n"},
		{name: "the handler returns early, For",
			h:   streamer{events: 1},
			mod: func(p *Plan) { p.StreamFor = 2 * time.Second },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindStream: 4},
				message: "after 1 events, before 2s", streams: 4, events: 4, minEv: 1, maxEv: 1, endedEarly: 4},
			first: times(4, 0)},
		{name: "events never flushed: a timeout with the status",
			h:   streamer{pace: 10 * time.Millisecond, noFlush: true},
			mod: func(p *Plan) { p.StreamEvents, p.Timeout = 5, 200*time.Millisecond },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindTimeout: 4},
				message: "no event within timeout 200ms after the headers", streams: 4},
			lat: times(4, 0)},
		{name: "a gap longer than Timeout",
			h:   streamer{first: 100 * time.Millisecond, pace: 100 * time.Millisecond, events: 2, hold: true},
			mod: func(p *Plan) { p.StreamEvents, p.Timeout = 5, 300*time.Millisecond },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindTimeout: 4},
				message: "no event within timeout 300ms after event 2", streams: 4, events: 8, minEv: 2, maxEv: 2},
			first: times(4, 100*time.Millisecond), gaps: times(4, 100*time.Millisecond)},
		{name: "no headers: a timeout with no status",
			h:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }),
			mod: func(p *Plan) { p.StreamEvents, p.Timeout = 5, 200*time.Millisecond },
			want: streamWant{failed: 4, status: map[int]int64{0: 4}, kinds: map[string]int{KindTimeout: 4},
				message: "took longer than timeout 200ms"}},
		{name: "malformed lines are skipped",
			h:    streamer{pace: 10 * time.Millisecond, event: malformedSSE},
			mod:  func(p *Plan) { p.StreamEvents = 3 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4}, streams: 4, events: 12, minEv: 3, maxEv: 3},
			gaps: times(8, 10*time.Millisecond)},
		{name: "chunks of a body that is not SSE",
			h:     streamer{plain: true, first: 20 * time.Millisecond, pace: 20 * time.Millisecond},
			mod:   func(p *Plan) { p.StreamEvents = 3 },
			want:  streamWant{succeeded: 4, status: map[int]int64{200: 4}, streams: 4, events: 12, minEv: 3, maxEv: 3},
			first: times(4, 20*time.Millisecond), gaps: times(8, 20*time.Millisecond)},
		{name: "chunks: an empty flush is none, the rest at return is one",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "a")
				w.(http.Flusher).Flush()
				w.(http.Flusher).Flush()
				time.Sleep(30 * time.Millisecond)
				io.WriteString(w, "b")
			}),
			mod: func(p *Plan) { p.StreamEvents = 10 },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindStream: 4},
				streams: 4, events: 8, minEv: 2, maxEv: 2, endedEarly: 4},
			gaps: times(4, 30*time.Millisecond)},
		{name: "a status that is no success is no stream",
			h:    streamer{status: http.StatusServiceUnavailable, events: 1},
			mod:  func(p *Plan) { p.StreamEvents = 3 },
			want: streamWant{failed: 4, status: map[int]int64{503: 4}, kinds: map[string]int{KindStatus: 4}}},
		{name: "ExpectStatus says what streams",
			h:    streamer{status: http.StatusAccepted, pace: 10 * time.Millisecond},
			mod:  func(p *Plan) { p.StreamEvents, p.ExpectStatus = 2, []int{http.StatusAccepted} },
			want: streamWant{succeeded: 4, status: map[int]int64{202: 4}, streams: 4, events: 8, minEv: 2, maxEv: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rep, err := Run(t.Context(), plan(tt.h, func(p *Plan) {
					p.Requests, p.Clients = 4, 2
					tt.mod(p)
				}))
				require.NoError(t, err)
				checkStream(t, tt.want, rep)
				if tt.first != nil {
					assertRecorded(t, tt.first, rep.Stream.FirstEvent, "first-event times")
				}
				if tt.gaps != nil {
					assertRecorded(t, tt.gaps, rep.Stream.Gap, "gaps")
				}
				if tt.lat != nil {
					assertRecorded(t, tt.lat, rep.Latency, "latencies (the time to the headers)")
				}
				if tt.sample != "" && assert.NotEmpty(t, rep.Errors) {
					assert.Equal(t, tt.sample, rep.Errors[0].Body, "sample body")
				}
			})
		})
	}
}

// TestRun_timeoutAfterHeadersKeepsStatus: in a run that is not streamed, a
// response whose headers came before the timeout keeps its status; one
// whose headers came after it has none.
func TestRun_timeoutAfterHeadersKeepsStatus(t *testing.T) {
	tests := []struct {
		name    string
		h       http.HandlerFunc
		status  map[int]int64
		message string
	}{
		{"headers, then a body that never ends",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}, map[int]int64{200: 4}, "the headers came, but the body did not end within timeout 50ms"},
		{"headers written after the deadline",
			func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(53 * time.Millisecond) // past the watchdog's tick after the deadline, before it abandons
				w.WriteHeader(http.StatusOK)
			}, map[int]int64{0: 4}, "response took longer than timeout 50ms"},
		{"headers, then the handler ignores its context",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				<-r.Context().Value(releaseKey{}).(chan struct{}) // until the run is over
			}, map[int]int64{202: 4}, "handler still running after timeout 50ms; abandoned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				t.Cleanup(func() { close(release) }) // in the bubble, before synctest waits for the abandoned handlers
				ctx := context.WithValue(t.Context(), releaseKey{}, release)
				rep, err := Run(ctx, plan(tt.h, func(p *Plan) { p.Requests, p.Clients, p.Timeout = 4, 2, 50*time.Millisecond }))
				require.NoError(t, err)
				assert.Equal(t, tt.status, rep.Status, "statuses")
				assert.Equal(t, int64(4), rep.Failed, "failed")
				for _, e := range rep.Errors {
					assert.Equal(t, KindTimeout, e.Kind, "sample %+v", e)
					assert.Contains(t, e.Message, tt.message, "sample %+v", e)
				}
				assert.Nil(t, rep.Stream, "a run that is not streamed has no stream report")
			})
		})
	}
}

// TestStream_inProcessHandlerThatWillNotStop: a handler that ignores its
// context and its failed Writes after its stream was read enough is
// abandoned a Timeout after its last event, and counted as a timeout.
func TestStream_inProcessHandlerThatWillNotStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) }) // in the bubble, before synctest waits for the abandoned handlers
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for i := 0; ; i++ {
				fmt.Fprintf(w, "data: %d\n\n", i) // errors ignored
				w.(http.Flusher).Flush()
				select {
				case <-release:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
		rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamEvents, p.Timeout = 2, 2, 2, 100*time.Millisecond }))
		require.NoError(t, err)
		assert.Equal(t, int64(2), rep.Failed, "failed")
		assert.Equal(t, map[int]int64{200: 2}, rep.Status, "statuses")
		for _, e := range rep.Errors {
			assert.Equal(t, KindTimeout, e.Kind, "sample %+v", e)
			assert.Contains(t, e.Message, "stream closed by the client, but the handler still ran timeout 100ms later", "sample %+v", e)
		}
		// The last event at 10ms, then Timeout, then the grace (Timeout/10).
		assert.Equal(t, 120*time.Millisecond, rep.Elapsed, "the run's length on the fake clock")
	})
}

// releaseKey holds, in a run's context, a channel closed when the test ends.
type releaseKey struct{}

// overSocket are the clients that carry a run over a real socket.
var overSocket = []struct {
	name string
	tr   func(int) Transport
}{{"lean", HTTP}, {"net/http", NetHTTP}}

// TestStream_overSocket streams from a real server on 127.0.0.1 through
// both clients. Counts are exact; times are checked loosely, as the
// machine may be busy: the gaps' median within 10% of the server's pace
// (a ticker, which keeps its pace when a tick is late), the first event no
// sooner than the server's delay.
func TestStream_overSocket(t *testing.T) {
	const pace = 20 * time.Millisecond
	tests := []struct {
		name      string
		h         http.Handler
		mod       func(*Plan)
		want      streamWant
		gapMedian time.Duration // 0: not checked
		firstMin  time.Duration // 0: not checked
		conns     int64         // connections opened; 0: not checked
	}{
		{name: "paced events until Events",
			h:   streamer{first: pace, pace: pace},
			mod: func(p *Plan) { p.StreamEvents = 8 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 32, minEv: 8, maxEv: 8},
			// A stream stopped part way leaves its connection half read:
			// each is closed, never reused.
			gapMedian: pace, firstMin: pace, conns: 4},
		{name: "a delayed first event",
			h:   streamer{first: 100 * time.Millisecond, pace: pace},
			mod: func(p *Plan) { p.StreamEvents = 2 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4},
				streams: 4, events: 8, minEv: 2, maxEv: 2},
			firstMin: 100 * time.Millisecond},
		{name: "For ends the stream",
			h:    streamer{pace: 10 * time.Millisecond},
			mod:  func(p *Plan) { p.StreamFor = 300 * time.Millisecond },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4}, streams: 4}},
		{name: "the server ends the stream early",
			h:   streamer{pace: 5 * time.Millisecond, events: 2},
			mod: func(p *Plan) { p.StreamEvents = 5 },
			want: streamWant{failed: 4, status: map[int]int64{200: 4}, kinds: map[string]int{KindStream: 4},
				message: "stream ended by the server after 2 events, before 5 events",
				streams: 4, events: 8, minEv: 2, maxEv: 2, endedEarly: 4},
			conns: 2}, // a stream read to its end leaves its connection reusable
		{name: "events never flushed: a timeout with the status",
			h: streamer{pace: 10 * time.Millisecond, noFlush: true},
			// A Timeout of 1s gives the watchdog a grace of 100ms before it
			// abandons a worker that did not come back from its timed-out
			// read: ample, however busy the machine.
			mod: func(p *Plan) { p.Requests, p.StreamEvents, p.Timeout = 2, 5, time.Second },
			want: streamWant{failed: 2, status: map[int]int64{200: 2}, kinds: map[string]int{KindTimeout: 2},
				message: "no event within timeout 1s after the headers", streams: 2}},
		{name: "malformed lines are skipped",
			h:    streamer{pace: 5 * time.Millisecond, event: malformedSSE},
			mod:  func(p *Plan) { p.StreamEvents = 4 },
			want: streamWant{succeeded: 4, status: map[int]int64{200: 4}, streams: 4, events: 16, minEv: 4, maxEv: 4}},
		{name: "chunks of a body that is not SSE",
			h:         streamer{plain: true, pace: pace},
			mod:       func(p *Plan) { p.StreamEvents = 5 },
			want:      streamWant{succeeded: 4, status: map[int]int64{200: 4}, streams: 4, events: 20, minEv: 5, maxEv: 5},
			gapMedian: pace},
		{name: "a status that is no success is no stream",
			h:    streamer{status: http.StatusServiceUnavailable, events: 1},
			mod:  func(p *Plan) { p.StreamEvents = 3 },
			want: streamWant{failed: 4, status: map[int]int64{503: 4}, kinds: map[string]int{KindStatus: 4}}},
	}
	for _, c := range overSocket {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(tt.h)
				defer srv.Close()
				u, err := url.Parse(srv.URL + "/events")
				require.NoError(t, err)
				p := Plan{Method: http.MethodGet, URL: u, Requests: 4, Clients: 2, Timeout: 5 * time.Second, Transport: c.tr(2)}
				tt.mod(&p)
				rep, err := Run(t.Context(), p)
				require.NoError(t, err)
				if tt.name == "For ends the stream" {
					// How many events fit in For depends on the machine's
					// load: only that each stream got some is certain.
					tt.want.events, tt.want.minEv, tt.want.maxEv = rep.Stream.Events, rep.Stream.MinEvents, rep.Stream.MaxEvents
					assert.Positive(t, rep.Stream.MinEvents, "events per stream")
				}
				checkStream(t, tt.want, rep)
				if tt.gapMedian > 0 {
					assert.InDelta(t, float64(tt.gapMedian), float64(rep.Stream.Gap.ValueAtPercentile(50)), float64(tt.gapMedian)/10,
						"median gap %v, want within 10%% of the server's pace %v", time.Duration(rep.Stream.Gap.ValueAtPercentile(50)), tt.gapMedian)
				}
				if tt.conns > 0 {
					assert.Equal(t, tt.conns, rep.Connections, "connections opened")
				}
				if tt.firstMin > 0 {
					assert.GreaterOrEqual(t, time.Duration(rep.Stream.FirstEvent.Min()), tt.firstMin, "first event sooner than the server sent it")
				}
			})
		}
	}
}

// TestRun_timeoutAfterHeadersKeepsStatus_overSocket: over a socket too, a
// response whose headers came and whose body never ended is a timeout with
// its status, through both clients.
func TestRun_timeoutAfterHeadersKeepsStatus_overSocket(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	for _, c := range overSocket {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			u, err := url.Parse(srv.URL)
			require.NoError(t, err)
			// A Timeout of 1s gives the watchdog a grace of 100ms before it
			// abandons a worker that did not come back from its timed-out
			// read: ample, however busy the machine.
			rep, err := Run(t.Context(), Plan{Method: http.MethodGet, URL: u, Requests: 2, Clients: 2, Timeout: time.Second, Transport: c.tr(2)})
			require.NoError(t, err)
			assert.Equal(t, map[int]int64{200: 2}, rep.Status, "statuses")
			if assert.Len(t, rep.Errors, 2) {
				for _, e := range rep.Errors {
					assert.Equal(t, KindTimeout, e.Kind, "sample %+v", e)
					assert.Equal(t, http.StatusOK, e.Status, "sample %+v", e)
					assert.Equal(t, "partial", e.Body, "sample %+v", e)
				}
			}
		})
	}
}

// TestStream_transportsAgree sends the same streams in-process and through
// both clients over a socket: the event counts are the same. The handler
// writes several events per flush, lines to skip and an event split across
// two flushes, and ends each stream itself. Chunks of a body that is not
// SSE are compared between in-process and the lean client, which both see
// the chunks; net/http sees reads, which may merge chunks.
func TestStream_transportsAgree(t *testing.T) {
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		f := w.(http.Flusher)
		for _, part := range []string{
			"data: 1\n\ndata: 2\n\n: comment\n\n", // two events in one flush
			malformedSSE(3),
			"data: split", // an event in two flushes
			" across flushes\nid: 9\n\n",
			"event: no data\n\n",
			"data: last\n\ndata: unterminated",
		} {
			io.WriteString(w, part)
			f.Flush()
			time.Sleep(2 * time.Millisecond)
		}
	})
	chunks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		f := w.(http.Flusher)
		for i := range 4 {
			fmt.Fprintf(w, "piece %d", i)
			f.Flush()
			f.Flush() // an empty flush sends nothing
			time.Sleep(2 * time.Millisecond)
		}
		io.WriteString(w, "the rest, sent as the handler returns")
	})
	run := func(t *testing.T, h http.Handler, tr func(int) Transport) *StreamReport {
		t.Helper()
		p := plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamEvents = 6, 3, 1000 })
		if tr != nil {
			srv := httptest.NewServer(h)
			defer srv.Close()
			u, err := url.Parse(srv.URL)
			require.NoError(t, err)
			p.URL, p.Transport = u, tr(3)
		}
		rep, err := Run(t.Context(), p)
		require.NoError(t, err)
		require.Equal(t, map[int]int64{200: 6}, rep.Status, "statuses; samples %+v", rep.Errors)
		return rep.Stream
	}
	tests := []struct {
		name       string
		h          http.Handler
		transports []struct {
			name string
			tr   func(int) Transport
		}
		want int64 // events per stream
	}{
		{"server-sent events", sse, overSocket, 5},
		{"chunks", chunks, overSocket[:1], 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := run(t, tt.h, nil)
			assert.Equal(t, StreamReport{Streams: 6, Events: 6 * tt.want, MinEvents: tt.want, MaxEvents: tt.want, EndedEarly: 6},
				StreamReport{Streams: in.Streams, Events: in.Events, MinEvents: in.MinEvents, MaxEvents: in.MaxEvents, EndedEarly: in.EndedEarly},
				"in-process")
			for _, c := range tt.transports {
				got := run(t, tt.h, c.tr)
				assert.Equal(t, []int64{in.Streams, in.Events, in.MinEvents, in.MaxEvents, in.EndedEarly},
					[]int64{got.Streams, got.Events, got.MinEvents, got.MaxEvents, got.EndedEarly},
					"%s against in-process: streams, events, fewest, most, ended early", c.name)
			}
		})
	}
}

// TestStream_cancelMidStream cancels runs whose streams never end, in
// process and over a socket: Run returns, and no goroutine is left behind.
func TestStream_cancelMidStream(t *testing.T) {
	transports := []struct {
		name string
		tr   func(int) Transport
	}{{"in-process", nil}, overSocket[0], overSocket[1]}
	for _, c := range transports {
		t.Run(c.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			var opened atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				opened.Add(1)
				streamer{pace: 5 * time.Millisecond}.ServeHTTP(w, r)
			})
			p := plan(h, func(p *Plan) { p.Requests, p.Clients, p.StreamFor = 10, 3, time.Hour })
			var srv *httptest.Server
			if c.tr != nil {
				srv = httptest.NewServer(h)
				u, err := url.Parse(srv.URL)
				require.NoError(t, err)
				p.URL, p.Transport = u, c.tr(3)
			}
			ctx, cancel := context.WithCancel(t.Context())
			r := Start(ctx, p)
			for opened.Load() < 3 {
				runtime.Gosched()
				time.Sleep(time.Millisecond)
			}
			cancel()
			rep, err := r.Wait()
			require.ErrorIs(t, err, context.Canceled)
			assert.Zero(t, rep.Requests, "streams cut by the cancel are not measurements")
			if srv != nil {
				srv.Close()
			}
			goleak.VerifyNone(t, ignore)
		})
	}
}

// TestStream_overHTTP2 streams over HTTP/2 (net/http's client, TLS): the
// counts are exact, and a stream stopped part way is reset alone: the
// connection goes on carrying the others.
func TestStream_overHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(streamer{pace: 5 * time.Millisecond, event: malformedSSE})
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	tlsConf := srv.Client().Transport.(*http.Transport).TLSClientConfig
	tr := NewHTTP(HTTPOptions{Conns: 2, HTTP2: true, TLS: tlsConf})
	rep, err := Run(t.Context(), Plan{Method: http.MethodGet, URL: u, Requests: 6, Clients: 2, Timeout: 5 * time.Second, StreamEvents: 3, Transport: tr})
	require.NoError(t, err)
	checkStream(t, streamWant{succeeded: 6, status: map[int]int64{200: 6}, streams: 6, events: 18, minEv: 3, maxEv: 3}, rep)
	assert.Equal(t, "HTTP/2.0", Protocol(tr), "protocol")
	// The two clients may each dial before the first connection is up;
	// after that, the six streams share them.
	assert.LessOrEqual(t, rep.Connections, int64(2), "connections")
}
