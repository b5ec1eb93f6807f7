package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parseEvents splits an event-stream body into its events' data, stopping the
// test at anything other than "data: <json>" events.
func parseEvents(t testing.TB, body string) []workerEvent {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("event stream %q does not end with a blank line", body)
	}
	var events []workerEvent
	for _, block := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(block, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("event %q, want a single data line", block)
		}
		var ev workerEvent
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event data %q: %v", data, err)
		}
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
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d, want 200 (body %s)", rec.Code, rec.Body)
				}
				for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache"} {
					if got := rec.Header().Get(k); got != want {
						t.Errorf("%s %q, want %q", k, got, want)
					}
				}
				if !rec.Flushed {
					t.Errorf("response was never flushed")
				}
				var seq []int
				for _, ev := range parseEvents(t, rec.Body.String()) {
					seq = append(seq, ev.Seq)
					if want := start.Add(time.Duration(ev.Seq) * s.tick).UTC(); ev.Worker != "worker-1" || !ev.Time.Equal(want) {
						t.Errorf("event %+v, want worker %q and time %v (%d ticks of %v in)", ev, "worker-1", want, ev.Seq, s.tick)
					}
				}
				if diff := cmp.Diff(tt.wantSeq, seq); diff != "" {
					t.Errorf("event seq (-want +got):\n%s", diff)
				}
				if got, want := time.Since(start), time.Duration(len(tt.wantSeq))*s.tick; got != want {
					t.Errorf("the stream took %v, want %d ticks of %v", got, len(tt.wantSeq), s.tick)
				}
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
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET stream: %v", err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || got != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q; want 200 text/event-stream", resp.StatusCode, got)
	}

	// Read two events as they arrive, proving the stream is flushed per event.
	br := bufio.NewReader(resp.Body)
	for want := 1; want <= 2; want++ {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event %d: %v", want, err)
		}
		blank, err := br.ReadString('\n')
		if err != nil || blank != "\n" {
			t.Fatalf("after event %d: read %q, %v; want a blank line", want, blank, err)
		}
		ev := parseEvents(t, line+blank)
		if len(ev) != 1 || ev[0].Seq != want {
			t.Fatalf("event %q, want seq %d", line, want)
		}
	}

	cancel()
	select {
	case <-returned:
	case <-time.After(10 * time.Second): // a hang guard, not a speed goal
		t.Fatal("stream handler still running 10s after the client cancelled")
	}
	if _, err := io.ReadAll(br); !errors.Is(err, context.Canceled) {
		t.Errorf("reading after cancel: %v, want context.Canceled", err)
	}
}
