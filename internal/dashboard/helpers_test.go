package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/loadtesting"
)

// now is the fixed clock of the handler tests.
var now = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func clock() time.Time { return now }

// memStore is a loadtesting.Store in memory, newest run first.
type memStore struct {
	runs      []*loadtesting.Result
	err       error // returned by Get and Recent when set
	lastLimit int   // the limit Recent was last called with
}

func (s *memStore) Save(_ context.Context, r *loadtesting.Result) error {
	s.runs = append([]*loadtesting.Result{r}, s.runs...)
	return nil
}

func (s *memStore) Get(_ context.Context, id string) (*loadtesting.Result, error) {
	if s.err != nil {
		return nil, s.err
	}
	for _, r := range s.runs {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("result %s: %w", id, loadtesting.ErrNotFound)
}

func (s *memStore) Recent(_ context.Context, limit int) ([]*loadtesting.Result, error) {
	s.lastLimit = limit
	if s.err != nil {
		return nil, s.err
	}
	return s.runs[:min(limit, len(s.runs))], nil
}

func (s *memStore) Close() error   { return nil }
func (s *memStore) String() string { return "mem://test" }

// run describes a hand-built result: exact metrics, and a histogram holding
// one request per latency in lat.
type run struct {
	id, method, path string
	ago              time.Duration
	p50, p95, p99    time.Duration
	rate             float64
	requests, failed int64
	status           map[int]int64
	errors           []loadtesting.ErrorSample
	inProcess        bool
}

func (r run) result(t testing.TB) *loadtesting.Result {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	// A spread that puts p50, p95 and p99 where the metrics say.
	for i := range 100 {
		v := r.p50
		switch {
		case i >= 99:
			v = r.p99
		case i >= 94:
			v = r.p95
		case i < 50:
			v = r.p50 / 2
		}
		require.NoError(t, h.RecordValue(int64(v)), "record %v", v)
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	require.NoError(t, err, "encode histogram")
	status := r.status
	if status == nil {
		status = map[int]int64{200: r.requests - r.failed}
		if r.failed > 0 {
			status[503] = r.failed
		}
	}
	protocol := "HTTP/1.1"
	if r.inProcess {
		protocol = loadtesting.ProtocolInProcess
	}
	res := &loadtesting.Result{
		Schema: loadtesting.SchemaVersion, ID: r.id, Name: r.method + " " + r.path,
		Method: r.method, Path: r.path, URL: r.path,
		StartedAt: now.Add(-r.ago), Duration: 2 * time.Second, Clients: 10, InProcess: r.inProcess,
		Protocol: protocol,
		Config:   loadtesting.RunConfig{Requests: r.requests, Timeout: 30 * time.Second},
		Metrics: loadtesting.Metrics{
			Requests: r.requests, Succeeded: r.requests - r.failed, Failed: r.failed,
			ErrorRate:  float64(r.failed) / float64(max(r.requests, 1)),
			Throughput: r.rate * float64(r.requests-r.failed) / float64(max(r.requests, 1)), RequestRate: r.rate,
			Latency: loadtesting.Latency{
				Min: r.p50 / 2, Mean: r.p50, StdDev: r.p50 / 4, P50: r.p50, P75: r.p50, P90: r.p95,
				P95: r.p95, P99: r.p99, P999: r.p99, Max: r.p99,
			},
			StatusCodes: status,
			Errors:      r.errors,
		},
		Histogram: string(enc),
	}
	return res
}

// xssPayload is markup that must show up as text, never run.
const xssPayload = `<script>window.__xss=1</script>`

// seeded returns a store with four runs, newest first: two of GET /health,
// one POST with failures, and one whose path and error body carry markup.
func seeded(t testing.TB) *memStore {
	t.Helper()
	errs := make([]loadtesting.ErrorSample, 7)
	for i := range errs {
		errs[i] = loadtesting.ErrorSample{Request: int64(i * 3), Status: 503, Kind: "status", Message: "status 503", Body: "busy", At: time.Duration(i) * time.Millisecond}
	}
	xssErrs := []loadtesting.ErrorSample{{Request: 1, Status: 500, Kind: "status", Message: "boom " + xssPayload, Body: "body " + xssPayload}}
	runs := []run{
		{id: "01RUNHEALTH2", method: "GET", path: "/health", ago: 5 * time.Minute, p50: 8100 * time.Microsecond, p95: 23400 * time.Microsecond, p99: 41 * time.Millisecond, rate: 1234.5, requests: 500, inProcess: true},
		{id: "01RUNENQUEUE", method: "POST", path: "/api/v1/tasks/enqueue", ago: 2 * time.Hour, p50: 2 * time.Millisecond, p95: 5 * time.Millisecond, p99: 9 * time.Millisecond, rate: 800, requests: 400, failed: 12, errors: errs},
		{id: "01RUNXSS0001", method: "PUT", path: "/x/" + xssPayload, ago: 3 * time.Hour, p50: time.Millisecond, p95: 2 * time.Millisecond, p99: 3 * time.Millisecond, rate: 100, requests: 10, failed: 1, errors: xssErrs, inProcess: true},
		{id: "01RUNHEALTH1", method: "GET", path: "/health", ago: 26 * time.Hour, p50: 6 * time.Millisecond, p95: 15 * time.Millisecond, p99: 30 * time.Millisecond, rate: 1500, requests: 500, inProcess: true},
	}
	st := &memStore{}
	for _, r := range runs {
		st.runs = append(st.runs, r.result(t))
	}
	return st
}

// get sends one request to h from a loopback host and returns the status,
// headers and body.
func get(t testing.TB, h http.Handler, method, target string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Host = "127.0.0.1:8089"
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if host := header.Get("Host"); host != "" {
		req.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err, "read body")
	return res.StatusCode, res.Header, string(body)
}

func newDashboard(st loadtesting.Store, token string) *dashboard.Handler {
	return dashboard.New(dashboard.Config{Store: st, Token: token, Now: clock})
}

// containsAll checks that body holds each of wants.
func containsAll(t testing.TB, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		assert.Contains(t, body, w)
	}
}
