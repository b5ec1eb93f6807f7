package loadtesting_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apiload/apiload/loadtesting"
)

// everyNth fails every n-th request (by arrival) with 503.
func everyNth(n int64) http.Handler {
	var count atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if count.Add(1)%n == 0 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
}

func TestExec_countsAndStatuses(t *testing.T) {
	tests := []struct {
		name          string
		h             http.Handler
		cfg           loadtesting.Config
		wantRequests  int64
		wantFailed    int64
		wantStatus    map[int]int64
		wantErrorRate float64
		wantBytesIn   int64
	}{
		{"every 4th fails", everyNth(4), loadtesting.Config{Requests: 1000, Clients: 8},
			1000, 250, map[int]int64{200: 750, 503: 250}, 0.25, 750*2 + 250*int64(len("overloaded\n"))},
		{"default count", okHandler, loadtesting.Config{}, 100, 0, map[int]int64{204: 100}, 0, 0},
		{"more clients than requests", okHandler, loadtesting.Config{Requests: 3, Clients: 50}, 3, 0, map[int]int64{204: 3}, 0, 0},
		{"expect status turns 204 into failure", okHandler, loadtesting.Config{Requests: 20, ExpectStatus: []int{200}},
			20, 20, map[int]int64{204: 20}, 1, 0},
		{"expect status accepts 503", everyNth(2), loadtesting.Config{Requests: 20, Clients: 1, ExpectStatus: []int{200, 503}},
			20, 0, map[int]int64{200: 10, 503: 10}, 0, 10*2 + 10*int64(len("overloaded\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := loadtesting.Exec(t.Context(), tt.h, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := res.Metrics
			if m.Requests != tt.wantRequests || m.Failed != tt.wantFailed || m.Succeeded != tt.wantRequests-tt.wantFailed {
				t.Errorf("requests/succeeded/failed = %d/%d/%d, want %d/%d/%d",
					m.Requests, m.Succeeded, m.Failed, tt.wantRequests, tt.wantRequests-tt.wantFailed, tt.wantFailed)
			}
			if diff := cmp.Diff(tt.wantStatus, m.StatusCodes); diff != "" {
				t.Errorf("status codes (-want +got):\n%s", diff)
			}
			if m.ErrorRate != tt.wantErrorRate {
				t.Errorf("ErrorRate = %v, want exactly %v", m.ErrorRate, tt.wantErrorRate)
			}
			if m.BytesIn != tt.wantBytesIn {
				t.Errorf("BytesIn = %d, want %d", m.BytesIn, tt.wantBytesIn)
			}
			if got := int64(len(m.Errors)); got != min(tt.wantFailed, 100) {
				t.Errorf("%d error samples, want %d", got, min(tt.wantFailed, 100))
			}
			if m.Throughput <= 0 && m.Succeeded > 0 {
				t.Errorf("Throughput = %v with %d successes", m.Throughput, m.Succeeded)
			}
			if m.RequestRate < m.Throughput {
				t.Errorf("RequestRate %v < Throughput %v", m.RequestRate, m.Throughput)
			}
		})
	}
}

func TestExec_concurrencyReachesButNeverExceedsClients(t *testing.T) {
	for _, clients := range []int{1, 4, 16} {
		t.Run(strconv.Itoa(clients), func(t *testing.T) {
			var inFlight, peak atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				inFlight.Add(-1)
			})
			res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: int64(clients * 20), Clients: clients})
			if err != nil {
				t.Fatal(err)
			}
			if got := peak.Load(); got != int64(clients) {
				t.Errorf("peak concurrency %d, want exactly Clients=%d", got, clients)
			}
			if res.Metrics.Requests != int64(clients*20) {
				t.Errorf("Requests = %d, want %d", res.Metrics.Requests, clients*20)
			}
		})
	}
}

// seen is what a handler observed of one request.
type seen struct {
	Method, Path, RawQuery, Body string
	Header                       http.Header
}

func recordingHandler(mu *sync.Mutex, got *[]seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*got = append(*got, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b),
			http.Header{"X-Trace": r.Header.Values("X-Trace"), "Authorization": r.Header.Values("Authorization")}})
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
}

func TestExec_requestArrivesAsSent(t *testing.T) {
	cfg := loadtesting.Config{
		Method:     "post",
		Path:       "/api/v1/tasks/{task_id}/notes/{note}",
		PathParams: map[string]string{"task_id": "abc-123", "note": "a b/c"},
		Query:      map[string][]string{"verbose": {"1"}, "tag": {"x", "y"}},
		Headers:    http.Header{"X-Trace": {"t1"}, "Authorization": {"Bearer s3cret"}},
		Body:       []byte(`{"queue":"load_test","task":"ping"}`),
		Requests:   30,
		Clients:    3,
	}
	want := seen{"POST", "/api/v1/tasks/abc-123/notes/a%20b%2Fc", "tag=x&tag=y&verbose=1", `{"queue":"load_test","task":"ping"}`,
		http.Header{"X-Trace": {"t1"}, "Authorization": {"Bearer s3cret"}}}

	for _, mode := range []string{"in-process", "http"} {
		t.Run(mode, func(t *testing.T) {
			var mu sync.Mutex
			var got []seen
			h := recordingHandler(&mu, &got)
			c := cfg
			if mode == "http" {
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				c.BaseURL = srv.URL
			}
			res, err := loadtesting.Exec(t.Context(), h, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 30 {
				t.Fatalf("handler saw %d requests, want 30", len(got))
			}
			for i, g := range got {
				if diff := cmp.Diff(want, g); diff != "" {
					t.Fatalf("request %d (-want +got):\n%s", i, diff)
				}
			}
			if res.Metrics.BytesOut != int64(30*len(cfg.Body)) {
				t.Errorf("BytesOut = %d, want %d", res.Metrics.BytesOut, 30*len(cfg.Body))
			}
			if got := res.Config.Headers.Get("Authorization"); got != loadtesting.Redacted {
				t.Errorf("stored Authorization = %q, want %q", got, loadtesting.Redacted)
			}
			if res.Config.Headers.Get("X-Trace") != "t1" {
				t.Errorf("stored X-Trace = %q, want t1", res.Config.Headers.Get("X-Trace"))
			}
			if cfg.Headers.Get("Authorization") != "Bearer s3cret" {
				t.Errorf("Exec modified the caller's headers")
			}
		})
	}
}

func TestExec_bodyFuncGivesEachRequestItsPayload(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[string(b)]++
		mu.Unlock()
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Method: http.MethodPost, Requests: 50, Clients: 5,
		BodyFunc: func(i int64) ([]byte, error) {
			if i == 7 {
				return nil, io.ErrUnexpectedEOF
			}
			return []byte(`{"n":` + strconv.FormatInt(i, 10) + `}`), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 49 {
		t.Errorf("handler saw %d distinct bodies, want 49", len(bodies))
	}
	for b, n := range bodies {
		if n != 1 {
			t.Errorf("body %s sent %d times", b, n)
		}
	}
	if res.Metrics.Failed != 1 || len(res.Metrics.Errors) != 1 {
		t.Fatalf("failed=%d samples=%d, want 1 payload failure", res.Metrics.Failed, len(res.Metrics.Errors))
	}
	e := res.Metrics.Errors[0]
	if e.Kind != "payload" || e.Request != 7 || !strings.Contains(e.Message, "unexpected EOF") {
		t.Errorf("payload sample = %+v, want kind payload, request 7, the BodyFunc error", e)
	}
}

func TestExec_errorSamplesCappedWithRequestNumbers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, strings.Repeat("x", 2000), http.StatusInternalServerError)
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 500, Clients: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics.Failed != 500 {
		t.Errorf("Failed = %d, want 500", res.Metrics.Failed)
	}
	if len(res.Metrics.Errors) != 100 {
		t.Fatalf("%d samples, want 100", len(res.Metrics.Errors))
	}
	nums := map[int64]bool{}
	for _, e := range res.Metrics.Errors {
		if e.Request < 0 || e.Request >= 500 || nums[e.Request] {
			t.Errorf("sample request number %d out of range or repeated", e.Request)
		}
		nums[e.Request] = true
		if e.Status != 500 || e.Kind != "status" || len(e.Body) != 512 {
			t.Errorf("sample %+v: want status 500, kind status, 512-byte body (got %d)", e.Message, len(e.Body))
		}
	}
}

func TestExec_panicsAndHungHandlersAreCounted(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 10 {
		case 1:
			panic("boom")
		case 2:
			<-r.Context().Done() // hangs until the timeout cancels it
			return
		case 3:
			if n.Load() < 10 {
				<-release // ignores its context entirely
			}
		}
		w.WriteHeader(http.StatusOK)
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 100, Clients: 4, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics
	if m.Requests != 100 {
		t.Errorf("Requests = %d, want 100", m.Requests)
	}
	kinds := map[string]int{}
	for _, e := range m.Errors {
		kinds[e.Kind]++
	}
	if kinds["panic"] != 10 || kinds["timeout"] != 11 || m.Failed != 21 {
		t.Errorf("failures by kind %v (failed %d), want 10 panic and 11 timeout", kinds, m.Failed)
	}
	for _, e := range m.Errors {
		if e.Kind == "panic" && !strings.Contains(e.Message, "boom") {
			t.Errorf("panic sample message %q lacks the panic value", e.Message)
		}
	}
}

func TestExec_cancelReturnsPromptlyWithPartialResult(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var served atomic.Int64
	// From the 20th request on, handlers answer only when their request's
	// context ends, so Exec returns only if the cancel reaches the requests
	// in flight and stops the rest (a regression hangs here).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		if n == 20 {
			cancel()
		}
		if n >= 20 {
			<-r.Context().Done()
		}
	})
	res, err := loadtesting.Exec(ctx, h, loadtesting.Config{Requests: 1_000_000, Clients: 4})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res == nil {
		t.Fatal("no partial result")
	}
	if res.Metrics.Requests < 15 || res.Metrics.Requests >= 20 {
		t.Errorf("partial result has %d requests, want the ones answered before the cancel (15..19)", res.Metrics.Requests)
	}
	if res.Metrics.Failed != 0 {
		t.Errorf("requests cut short by the cancellation counted as %d failures", res.Metrics.Failed)
	}
}

func TestExec_percentilesOrdered(t *testing.T) {
	var n atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(n.Add(1)%7) * 200 * time.Microsecond)
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 700, Clients: 7})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Metrics.Latency
	seq := []time.Duration{l.Min, l.P50, l.P75, l.P90, l.P95, l.P99, l.P999, l.Max}
	for i := 1; i < len(seq); i++ {
		if seq[i] < seq[i-1] {
			t.Errorf("latencies not ordered: %v", seq)
		}
	}
	if l.Min <= 0 || l.Mean < l.Min || l.Mean > l.Max {
		t.Errorf("min %v mean %v max %v inconsistent", l.Min, l.Mean, l.Max)
	}
	if got := res.Percentile(99); got != l.P99 {
		t.Errorf("Percentile(99) = %v, Latency.P99 = %v", got, l.P99)
	}
	if res.Percentile(100) != l.Max {
		t.Errorf("Percentile(100) = %v, want Max %v", res.Percentile(100), l.Max)
	}
}

func TestExec_latencyAccuracyOnSleepingHandler(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(10 * time.Millisecond) })
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 200, Clients: 10})
	if err != nil {
		t.Fatal(err)
	}
	if p50 := res.Metrics.Latency.P50; p50 < 10*time.Millisecond || p50 > 11*time.Millisecond {
		t.Errorf("p50 %v of a 10ms handler, want within [10ms, 11ms]", p50)
	}
}

func TestExec_durationBoundsTheRun(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(time.Millisecond) })
	// No request count: only the Duration can end this run (a regression hangs).
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Duration: 200 * time.Millisecond, Clients: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duration < 200*time.Millisecond {
		t.Errorf("run lasted %v, want at least its 200ms Duration", res.Duration)
	}
	if res.Metrics.Requests < 2 {
		t.Errorf("only %d requests in 200ms", res.Metrics.Requests)
	}
	// With a count too, the first bound reached wins.
	res, err = loadtesting.Exec(t.Context(), h, loadtesting.Config{Duration: time.Hour, Requests: 10, Clients: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics.Requests != 10 {
		t.Errorf("Requests = %d with Requests 10 and Duration 1h, want 10", res.Metrics.Requests)
	}
}

func TestExec_rateSchedulesSends(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Rate: 200, Requests: 40, Clients: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics.Requests != 40 {
		t.Fatalf("Requests = %d, want 40", res.Metrics.Requests)
	}
	// 40 requests at 200/s: the last is scheduled 195ms after the first.
	span := arrivals[len(arrivals)-1].Sub(arrivals[0])
	if span < 190*time.Millisecond {
		t.Errorf("40 requests at 200/s arrived within %v, want at least 190ms", span)
	}

	// Rate with Duration: the schedule stops at the duration.
	res, err = loadtesting.Exec(t.Context(), h, loadtesting.Config{Rate: 100, Duration: 300 * time.Millisecond, Clients: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Metrics.Requests; n != 30 {
		t.Errorf("Rate 100 for 300ms sent %d requests, want 30", n)
	}
}

func TestExec_rateMeasuresFromScheduledTime(t *testing.T) {
	// One client, a handler that takes 20ms, scheduled every 5ms: requests
	// queue behind each other, and latency must include that queueing
	// (coordinated omission), growing far beyond the handler's 20ms.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(20 * time.Millisecond) })
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Rate: 200, Requests: 20, Clients: 1})
	if err != nil {
		t.Fatal(err)
	}
	if max := res.Metrics.Latency.Max; max < 200*time.Millisecond {
		t.Errorf("max latency %v; with queueing behind a 20ms handler at 5ms intervals it must exceed 200ms", max)
	}
}

func TestExec_httpMatchesInProcess(t *testing.T) {
	cfg := loadtesting.Config{Requests: 400, Clients: 8, Path: "/x"}
	inproc, err := loadtesting.Exec(t.Context(), everyNth(4), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(everyNth(4))
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	remote, err := loadtesting.Exec(t.Context(), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inproc.Metrics.StatusCodes, remote.Metrics.StatusCodes); diff != "" {
		t.Errorf("status codes in-process vs http (-in +http):\n%s", diff)
	}
	if inproc.Metrics.BytesIn != remote.Metrics.BytesIn {
		t.Errorf("BytesIn in-process %d, http %d", inproc.Metrics.BytesIn, remote.Metrics.BytesIn)
	}
	if !inproc.InProcess || remote.InProcess {
		t.Errorf("InProcess flags %v/%v, want true/false", inproc.InProcess, remote.InProcess)
	}
	if remote.URL != srv.URL+"/x" || inproc.URL != "/x" {
		t.Errorf("URLs %q and %q", inproc.URL, remote.URL)
	}
}

func TestExec_transportErrorsAreCounted(t *testing.T) {
	srv := httptest.NewServer(okHandler)
	url := srv.URL
	srv.Close() // nothing listens there now
	res, err := loadtesting.Exec(t.Context(), nil, loadtesting.Config{BaseURL: url, Requests: 5, Clients: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics.Failed != 5 || res.Metrics.StatusCodes[0] != 5 {
		t.Fatalf("failed %d, status %v; want 5 failures with no response", res.Metrics.Failed, res.Metrics.StatusCodes)
	}
	if e := res.Metrics.Errors[0]; e.Kind != "transport" || !strings.Contains(e.Message, "refused") {
		t.Errorf("sample %+v, want a transport error naming the refused connection", e)
	}
}

func TestResult_JSONRoundTrip(t *testing.T) {
	res, err := loadtesting.Exec(t.Context(), everyNth(3), loadtesting.Config{
		Name: "checkout", Requests: 90, Clients: 3, Path: "/t/{id}", PathParams: map[string]string{"id": "7"},
		Headers: http.Header{"X-Api-Key": {"k"}, "Accept": {"application/json"}}, Tags: []string{"smoke"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"schema":1`, `"p95_ms":`, `"status_codes":{"200":60,"503":30}`, `"started_at":`, `"histogram":"`, `"error_rate":`, `"protocol":"in-process"`, `"connections":0`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}
	if strings.Contains(string(b), `"k"`) {
		t.Errorf("JSON contains the API key value:\n%s", b)
	}
	var back loadtesting.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, &back, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if back.Protocol != loadtesting.ProtocolInProcess {
		t.Errorf("Protocol %q after the round trip, want %q", back.Protocol, loadtesting.ProtocolInProcess)
	}
	if back.Percentile(99.9) != res.Percentile(99.9) {
		t.Errorf("histogram did not survive the round trip")
	}

	bad := strings.Replace(string(b), `"schema":1`, `"schema":99`, 1)
	if err := json.Unmarshal([]byte(bad), &back); err == nil || !strings.Contains(err.Error(), "schema 99") {
		t.Errorf("unknown schema: err = %v, want one naming schema 99", err)
	}
}

func TestResult_IDsSortByStart(t *testing.T) {
	var ids []string
	for range 3 {
		res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ID)
		time.Sleep(2 * time.Millisecond)
	}
	if !(ids[0] < ids[1] && ids[1] < ids[2]) {
		t.Errorf("ids not sorted by start: %v", ids)
	}
}

func TestExec_resultHoldsNoQuerySecrets(t *testing.T) {
	var got string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Query().Get("access_token") })
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Requests: 1, Clients: 1, Query: map[string][]string{"access_token": {"s3cr3t"}, "page": {"2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != "s3cr3t" {
		t.Errorf("handler saw access_token %q, want the real value s3cr3t", got)
	}
	b, _ := json.Marshal(res)
	if strings.Contains(res.URL, "s3cr3t") || strings.Contains(string(b), "s3cr3t") || strings.Contains(res.OneLine(), "s3cr3t") {
		t.Errorf("the returned Result keeps the secret: URL %q\n%s", res.URL, b)
	}
	if !strings.Contains(res.URL, "page=2") {
		t.Errorf("URL %q lost the harmless query", res.URL)
	}
}

func TestExec_clientsReportsTheConcurrencyUsed(t *testing.T) {
	res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 3, Clients: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Clients != 3 {
		t.Errorf("Clients = %d for 3 requests with 50 clients configured, want 3 (no more can run)", res.Clients)
	}
}

func TestExec_authRunsOnceAndItsHeadersGoEverywhere(t *testing.T) {
	var calls, served atomic.Int64
	var bad atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Trace") != "t1" {
			bad.Add(1)
		}
	})
	caller := http.Header{"X-Trace": {"t1"}}
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Requests: 50, Clients: 5, Headers: caller,
		Auth: func(ctx context.Context) (http.Header, error) {
			calls.Add(1)
			return http.Header{"authorization": {"Bearer t0ken"}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || served.Load() != 50 || bad.Load() != 0 {
		t.Errorf("Auth called %d times, %d served, %d without its header; want 1, 50, 0", calls.Load(), served.Load(), bad.Load())
	}
	if got := res.Config.Headers.Get("Authorization"); got != loadtesting.Redacted {
		t.Errorf("stored Authorization %q, want it redacted", got)
	}
	if len(caller) != 1 {
		t.Errorf("Exec changed the caller's Headers: %v", caller)
	}

	tests := []struct {
		name    string
		auth    func(context.Context) (http.Header, error)
		wantErr string
	}{
		{"login refused", func(context.Context) (http.Header, error) { return nil, io.ErrUnexpectedEOF }, "Auth: unexpected EOF (no request was sent)"},
		{"bad header name", func(context.Context) (http.Header, error) { return http.Header{"X A": {"1"}}, nil }, `Auth: header "X A" is not a valid header name`},
		{"CRLF in a value", func(context.Context) (http.Header, error) { return http.Header{"X-A": {"1\r\nX-B: 2"}}, nil }, `Auth: header "X-A": value holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served.Store(0)
			res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 5, Auth: tt.auth})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || res != nil {
				t.Errorf("Exec = %v, %v; want no result and an error containing %q", res, err, tt.wantErr)
			}
			if served.Load() != 0 {
				t.Errorf("%d requests sent after Auth failed", served.Load())
			}
		})
	}
}
