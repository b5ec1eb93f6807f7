package engine

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
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

func TestRun_abandonsHandlerThatIgnoresItsContext(t *testing.T) {
	release := make(chan struct{})
	var stuck, returned atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stuck.Add(1) <= 2 {
			<-release // ignores r.Context(); held until the run is over
			returned.Add(1)
		}
	})
	// The stuck handlers are released only after Run returns, so Run
	// returning at all proves it abandoned them (a regression hangs here).
	rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Timeout = 30 * time.Millisecond; p.Clients = 2 }))
	stillStuck := returned.Load() == 0
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if !stillStuck {
		t.Errorf("a stuck handler returned before the run ended; the test no longer proves abandonment")
	}
	if rep.Requests != 100 || rep.Failed != 2 || rep.Status[0] != 2 {
		t.Errorf("requests %d failed %d status %v; want 100 with 2 timeouts", rep.Requests, rep.Failed, rep.Status)
	}
	for _, e := range rep.Errors {
		if e.Kind != KindTimeout {
			t.Errorf("sample kind %q, want timeout", e.Kind)
		}
	}
	if rep.Latency.TotalCount() != 100 {
		t.Errorf("histogram holds %d values, want 100", rep.Latency.TotalCount())
	}
	// goleak (TestMain) checks the abandoned goroutines left once released.
	time.Sleep(10 * time.Millisecond)
}

func TestRunner_progressCountsAsItGoes(t *testing.T) {
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
	deadline := time.Now().Add(5 * time.Second)
	for r.Progress().Done < 10 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	p := r.Progress()
	if p.Done != 10 || p.Failed != 5 || p.Elapsed <= 0 {
		t.Errorf("progress %+v, want 10 done, 5 failed", p)
	}
	close(gate)
	rep, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 20 {
		t.Errorf("Requests %d, want 20", rep.Requests)
	}
}

func TestRun_openModelCountsLateSends(t *testing.T) {
	// One client and a 10ms handler at 1000/s: nearly every send leaves late.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(10 * time.Millisecond) })
	rep, err := Run(t.Context(), plan(h, func(p *Plan) { p.Clients = 1; p.Requests = 10; p.Rate = 1000 }))
	if err != nil {
		t.Fatal(err)
	}
	if rep.LateSends < 8 || rep.MaxLag < 50*time.Millisecond {
		t.Errorf("late sends %d, max lag %v; want nearly all late by up to ~90ms", rep.LateSends, rep.MaxLag)
	}
	// A fast handler at a modest rate keeps to the schedule.
	rep, err = Run(t.Context(), plan(okHandler(), func(p *Plan) { p.Clients = 2; p.Requests = 20; p.Rate = 200 }))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 20 {
		t.Errorf("Requests %d, want 20", rep.Requests)
	}
}

func TestRun_cancelDuringRateWait(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	// Cancel once the first request (sent at once) is recorded. The next send
	// is scheduled an hour later, so Wait returns only if the cancel ends the
	// pacer's wait (a regression hangs here).
	r := Start(ctx, plan(okHandler(), func(p *Plan) { p.Rate = 1.0 / 3600; p.Requests = 10 }))
	for r.Progress().Done < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	rep, err := r.Wait()
	if err != context.Canceled {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if rep.Requests != 1 {
		t.Errorf("Requests %d, want only the first (sent at once)", rep.Requests)
	}
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
			req, _ := http.NewRequest(http.MethodGet, "http://localhost/", nil)
			var out Outcome
			if err := s.Send(req, &out); err != nil {
				t.Fatal(err)
			}
			if out.Status != tt.wantStatus || out.BytesIn != tt.wantBytes || string(out.Body) != tt.wantBody {
				t.Errorf("got status %d bytes %d body %q; want %d %d %q", out.Status, out.BytesIn, out.Body, tt.wantStatus, tt.wantBytes, tt.wantBody)
			}
		})
	}
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
}
