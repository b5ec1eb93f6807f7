package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/examples/myapp/app"
	"github.com/apiload/apiload/loadtesting"
)

// BenchmarkMyappLoad measures the latency of the example app's routes, the
// goals its load tests (examples/myapp/app/load_test.go) would otherwise
// bound in wall-clock time: each op is a run of 500 requests (as those
// tests send) in-process, or over loopback HTTP for health-http, and it
// reports p50, p95 and p99 in ns and the rate. Goals on a quiet machine:
// p95 under 50ms in-process, under 100ms over HTTP; a benchmark reports,
// it does not fail.
//
//	go test -run '^$' -bench MyappLoad -benchtime 5x ./bench/
func BenchmarkMyappLoad(b *testing.B) {
	router := app.Router()
	token := myappLogin(b, router, app.DemoUser)
	srv := httptest.NewServer(router)
	b.Cleanup(srv.Close)
	for _, tc := range []struct {
		name string
		cfg  loadtesting.Config
	}{
		{"health", loadtesting.Config{Path: "/health/", Clients: 10}},
		{"task-status", loadtesting.Config{Path: "/api/v1/tasks/status/{task_id}", PathParams: map[string]string{"task_id": "abc-123"}, Clients: 5}},
		{"users-me", loadtesting.Config{Path: "/api/v1/users/me", Headers: http.Header{"Authorization": {"Bearer " + token}}, Clients: 5}},
		{"health-http", loadtesting.Config{BaseURL: srv.URL, Path: "/health/", Clients: 10}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := tc.cfg
			cfg.Requests = 500
			var h http.Handler = router
			if cfg.BaseURL != "" {
				h = nil
			}
			var p50, p95, p99, rate float64
			for range b.N {
				res, err := loadtesting.Exec(b.Context(), h, cfg)
				require.NoError(b, err)
				require.Zero(b, res.Metrics.Failed, "requests failed of %d: %v", res.Metrics.Requests, res.Metrics.StatusCodes)
				l := res.Metrics.Latency
				p50, p95, p99 = p50+float64(l.P50), p95+float64(l.P95), p99+float64(l.P99)
				rate += res.Metrics.RequestRate
			}
			n := float64(b.N)
			b.ReportMetric(p50/n, "p50-ns")
			b.ReportMetric(p95/n, "p95-ns")
			b.ReportMetric(p99/n, "p99-ns")
			b.ReportMetric(rate/n, "req/s")
		})
	}
}

// myappLogin logs user in to the example app and returns the bearer token.
func myappLogin(b *testing.B, h http.Handler, user string) string {
	b.Helper()
	body, err := json.Marshal(map[string]string{"email": user})
	require.NoError(b, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body)))
	var out struct{ Token string }
	require.Equal(b, http.StatusOK, rec.Code, "login %s: status, body %s", user, rec.Body)
	require.NoError(b, json.Unmarshal(rec.Body.Bytes(), &out), "login %s: body %s", user, rec.Body)
	require.NotEmpty(b, out.Token, "login %s: no token; body %s", user, rec.Body)
	return out.Token
}
