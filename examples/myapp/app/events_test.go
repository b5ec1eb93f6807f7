package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseEvents splits an event-stream body into its events' data, stopping the
// test at anything other than "data: <json>" events.
func parseEvents(t testing.TB, body string) []workerEvent {
	t.Helper()
	require.True(t, strings.HasSuffix(body, "\n\n"), "event stream %q does not end with a blank line", body)
	var events []workerEvent
	for _, block := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(block, "data: ")
		require.True(t, ok, "event %q, want a single data line", block)
		require.NotContains(t, data, "\n", "event %q, want a single data line", block)
		var ev workerEvent
		require.NoError(t, json.Unmarshal([]byte(data), &ev), "event data %q", data)
		events = append(events, ev)
	}
	return events
}

// TestWorkerStream_count streams in a synctest bubble, where the ticker
// runs on a fake clock: event n is stamped exactly n ticks after the
// request, and the default pace costs no real time.
func TestWorkerStream_count(t *testing.T) {
	tests := []struct {
		name    string
		opts    options
		query   string
		wantSeq []int
	}{
		{"three events at the default pace", options{}, "?count=3", []int{1, 2, 3}},
		{"one event", options{tick: time.Millisecond}, "?count=1", []int{1}},
		{"ten events", options{tick: time.Millisecond}, "?count=10", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newServer(tt.opts)
				start := time.Now()
				rec := serve(t, s.routes(), http.MethodGet, "/events/worker/stream"+tt.query, "", "")
				require.Equal(t, http.StatusOK, rec.Code, "status; body %s", rec.Body)
				for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache"} {
					assert.Equal(t, want, rec.Header().Get(k), k)
				}
				assert.True(t, rec.Flushed, "response was never flushed")
				var seq []int
				for _, ev := range parseEvents(t, rec.Body.String()) {
					seq = append(seq, ev.Seq)
					want := start.Add(time.Duration(ev.Seq) * s.tick).UTC()
					assert.Equal(t, "worker-1", ev.Worker, "event %+v: worker", ev)
					assert.True(t, ev.Time.Equal(want), "event %+v: want time %v (%d ticks of %v in)", ev, want, ev.Seq, s.tick)
				}
				if diff := cmp.Diff(tt.wantSeq, seq); diff != "" {
					t.Errorf("event seq (-want +got):\n%s", diff)
				}
				assert.Equal(t, time.Duration(len(tt.wantSeq))*s.tick, time.Since(start), "the stream's length on the fake clock: want %d ticks of %v", len(tt.wantSeq), s.tick)
			})
		})
	}
}

func TestWorkerStream_clientCancel(t *testing.T) {
	returned := make(chan struct{})
	h := Router()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events/worker/stream", nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err, "GET stream")
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "status")
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"), "Content-Type")

	// Read two events as they arrive, proving the stream is flushed per event.
	br := bufio.NewReader(resp.Body)
	for want := 1; want <= 2; want++ {
		line, err := br.ReadString('\n')
		require.NoError(t, err, "reading event %d", want)
		blank, err := br.ReadString('\n')
		require.NoError(t, err, "after event %d", want)
		require.Equal(t, "\n", blank, "after event %d: want a blank line", want)
		ev := parseEvents(t, line+blank)
		require.Len(t, ev, 1, "event %q", line)
		require.Equal(t, want, ev[0].Seq, "event %q: seq", line)
	}

	cancel()
	select {
	case <-returned:
	case <-time.After(10 * time.Second): // a hang guard, not a speed goal
		require.FailNow(t, "stream handler still running 10s after the client cancelled")
	}
	_, err = io.ReadAll(br)
	assert.ErrorIs(t, err, context.Canceled, "reading after cancel")
}
