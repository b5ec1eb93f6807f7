package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// now is the fixed clock of every test.
var now = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func opts(color bool) report.Options {
	return report.Options{Color: color, Now: func() time.Time { return now }}
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "output differs from %s (go test -update rewrites it)", path)
}

// checkout is a run with successes, client errors, server errors and
// requests that got no response.
func checkout() *loadtesting.Result {
	return &loadtesting.Result{
		Schema:    loadtesting.SchemaVersion,
		ID:        "01JPA5Q8ZS3V9W6D7C2B1N0M4K",
		Name:      "POST /api/v1/checkout",
		Method:    "POST",
		Path:      "/api/v1/checkout",
		URL:       "/api/v1/checkout?dry_run=1",
		StartedAt: now.Add(-5*time.Minute - 12*time.Second),
		Duration:  1200 * time.Millisecond,
		Clients:   10,
		InProcess: true,
		Protocol:  loadtesting.ProtocolInProcess,
		Config: loadtesting.RunConfig{
			Requests:     500,
			Timeout:      30 * time.Second,
			Query:        map[string][]string{"dry_run": {"1"}},
			Headers:      map[string][]string{"Authorization": {loadtesting.Redacted}, "X-Trace": {"abc"}},
			BodyBytes:    1536,
			ExpectStatus: nil,
			Tags:         []string{"checkout", "smoke"},
		},
		Metrics: loadtesting.Metrics{
			Requests:    500,
			Succeeded:   488,
			Failed:      12,
			ErrorRate:   0.024,
			Throughput:  406.67,
			RequestRate: 416.67,
			Latency: loadtesting.Latency{
				Min: 412 * time.Microsecond, Mean: 9200 * time.Microsecond, StdDev: 4100 * time.Microsecond,
				P50: 8100 * time.Microsecond, P75: 11200 * time.Microsecond, P90: 17900 * time.Microsecond,
				P95: 23400 * time.Microsecond, P99: 41 * time.Millisecond, P999: 88 * time.Millisecond,
				Max: 97200 * time.Microsecond,
			},
			StatusCodes: map[int]int64{0: 2, 200: 480, 302: 8, 404: 4, 503: 6},
			BytesIn:     1 << 20,
			BytesOut:    768000,
			Errors: []loadtesting.ErrorSample{
				{Request: 17, Status: 503, Kind: "status", Message: "503 Service Unavailable", Body: `{"error":"overloaded"}`, At: 41 * time.Millisecond},
				{Request: 40, Status: 404, Kind: "status", Message: "404 Not Found", At: 97 * time.Millisecond},
				{Request: 41, Status: 0, Kind: "timeout", Message: "no response within 30s", At: 30 * time.Second},
				{Request: 77, Status: 503, Kind: "status", Message: "503 Service Unavailable\nretry later", At: 180 * time.Millisecond},
				{Request: 90, Status: 404, Kind: "status", Message: "404 Not Found", At: 201 * time.Millisecond},
				{Request: 91, Status: 503, Kind: "status", Message: "503 Service Unavailable", At: 203 * time.Millisecond},
				{Request: 95, Status: 0, Kind: "panic", Message: "handler panicked: runtime error: index out of range [3] with length 3", At: 250 * time.Millisecond},
			},
		},
	}
}

func health(id string, ago time.Duration) *loadtesting.Result {
	return &loadtesting.Result{
		Schema: loadtesting.SchemaVersion, ID: id, Name: "GET /health/", Method: "GET", Path: "/health/",
		URL: "http://127.0.0.1:8000/health/", Protocol: "HTTP/1.1", StartedAt: now.Add(-ago), Duration: 2 * time.Second, Clients: 4,
		Config: loadtesting.RunConfig{Duration: 2 * time.Second, Rate: 50, Timeout: time.Second},
		Metrics: loadtesting.Metrics{
			Requests: 100, Succeeded: 100, Throughput: 50, RequestRate: 50,
			Latency:     loadtesting.Latency{P50: 812 * time.Microsecond, P95: 1250 * time.Microsecond, P99: 2 * time.Millisecond},
			StatusCodes: map[int]int64{200: 100},
		},
	}
}

func TestRecent(t *testing.T) {
	tests := []struct {
		name  string
		runs  []*loadtesting.Result
		color bool
	}{
		{"recent", []*loadtesting.Result{
			health("01JPA5ZZ0000000000000000AA", 20*time.Second),
			checkout(),
			health("01JPA0000000000000000000BB", 3*time.Hour),
			nil, // skipped
			health("01JN00000000000000000000CC", 2*24*time.Hour),
			health("01JM00000000000000000000DD", 45*24*time.Hour),
		}, false},
		{"recent_empty", nil, false},
		{"recent_color", []*loadtesting.Result{checkout(), health("01JPA0000000000000000000BB", time.Minute)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.Recent(&buf, tt.runs, opts(tt.color)))
			golden(t, tt.name, buf.Bytes())
			assert.Equal(t, tt.color, strings.Contains(buf.String(), "\x1b["), "ANSI codes in output")
		})
	}
}

func TestResults(t *testing.T) {
	noErrors := health("01JPA0000000000000000000BB", time.Hour)
	noResponse := health("01JPA0000000000000000000EE", time.Hour)
	noResponse.Metrics = loadtesting.Metrics{} // a cancelled run: nothing recorded
	manyErrors := checkout()
	manyErrors.Metrics.Failed = 1234
	tests := []struct {
		name  string
		run   *loadtesting.Result
		color bool
		max   int
	}{
		{"results", checkout(), false, 0},
		{"results_color", checkout(), true, 0},
		{"results_ok", noErrors, false, 0},
		{"results_empty", noResponse, false, 0},
		{"results_many_errors", manyErrors, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			o := opts(tt.color)
			o.MaxErrors = tt.max
			require.NoError(t, report.Results(&buf, tt.run, o))
			golden(t, tt.name, buf.Bytes())
			assert.Equal(t, tt.color, strings.Contains(buf.String(), "\x1b["), "ANSI codes in output")
		})
	}
}

// TestResults_statusColors checks the colour of each status class: 2xx and
// 3xx green (32), 4xx yellow (33), 5xx and no response red (31).
func TestResults_statusColors(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.Results(&buf, checkout(), opts(true)))
	out := buf.String()
	for _, want := range []string{
		"\x1b[32m200\x1b[0m",
		"\x1b[32m302\x1b[0m",
		"\x1b[33m404\x1b[0m",
		"\x1b[31m503\x1b[0m",
		"\x1b[31mnone\x1b[0m",
	} {
		assert.Contains(t, out, want)
	}
}

func TestResults_secretsStayRedacted(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.Results(&buf, checkout(), opts(false)))
	assert.Contains(t, buf.String(), "Authorization: [redacted]", "the redacted header is shown")
}

// TestResults_hidesSecretsOfUnsavedRun renders a Result as Exec returns
// it, never stored (loadreport run prints it so), from a handler that
// fails and echoes the token it was sent: the secrets in its query,
// headers and error samples must not show.
func TestResults_hidesSecretsOfUnsavedRun(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "token %q rejected for %s", r.Header.Get("Authorization"), r.URL)
	})
	r, err := loadtesting.Exec(t.Context(), echo, loadtesting.Config{
		Path:     "/api/v1/checkout",
		Query:    url.Values{"dry_run": {"1"}, "access_token": {"s3cr3t-q"}},
		Headers:  http.Header{"Authorization": {"Bearer s3cr3t-h"}, "X-Trace": {"abc"}},
		Requests: 5, Clients: 1,
	})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, report.Results(&buf, r, opts(false)))
	out := buf.String()
	assert.NotContains(t, out, "s3cr3t", "output shows a secret")
	for _, want := range []string{"Authorization: [redacted]", "X-Trace: abc", "dry_run=1", "401", "rejected"} {
		assert.Contains(t, out, want)
	}
}

// TestReports_controlCharacters renders runs whose stored text holds
// terminal escapes and line breaks: none may reach the terminal, and each
// run stays on its own line.
func TestReports_controlCharacters(t *testing.T) {
	r := checkout()
	r.ID = "01JPA5Q8ZS\x1b]0;pwned\x07"
	r.Name = "evil\x1b[2J"
	r.Path = "/api/\x1b[31mred\nnext line"
	r.Config.Tags = []string{"a\rb"}
	r.Metrics.Errors[0].Kind = "status\x1b[0m"
	var recent, results, cmp bytes.Buffer
	require.NoError(t, report.Recent(&recent, []*loadtesting.Result{r, health("01JPA0000000000000000000BB", time.Minute)}, opts(false)))
	require.NoError(t, report.Results(&results, r, opts(false)))
	require.NoError(t, report.RenderCompare(&cmp, report.Compare(r, r, 0.1), opts(false)))
	for name, out := range map[string]string{"Recent": recent.String(), "Results": results.String(), "RenderCompare": cmp.String()} {
		assert.False(t, strings.ContainsAny(out, "\x1b\x07\r"), "%s output holds a control character:\n%q", name, out)
		if strings.Contains(out, "next line") {
			assert.Contains(t, out, "red\ufffdnext line", "%s output breaks the path across lines", name)
		}
	}
	assert.Equal(t, 3, strings.Count(recent.String(), "\n"), "Recent prints a header and 2 runs:\n%s", recent.String())
}

func TestAgo(t *testing.T) {
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{-time.Minute, "just now"},
		{0, "less than a minute ago"},
		{59 * time.Second, "less than a minute ago"},
		{time.Minute, "1 minute ago"},
		{5*time.Minute + 59*time.Second, "5 minutes ago"},
		{time.Hour, "1 hour ago"},
		{23 * time.Hour, "23 hours ago"},
		{24 * time.Hour, "1 day ago"},
		{29 * 24 * time.Hour, "29 days ago"},
		{30 * 24 * time.Hour, "2025-02-12"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, report.Ago(now, now.Add(-tt.ago)), "Ago(now - %v)", tt.ago)
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, map[string]any{"path": "/a?b=1&c=<2>"}))
	assert.Equal(t, "{\n  \"path\": \"/a?b=1&c=<2>\"\n}\n", buf.String())
}
