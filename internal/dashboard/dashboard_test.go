package dashboard_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/internal/store"
	"github.com/apiload/apiload/loadtesting"
)

func TestHandler_routes(t *testing.T) {
	empty := func(testing.TB) *memStore { return &memStore{} }
	broken := func(testing.TB) *memStore {
		return &memStore{err: errors.New("redis://127.0.0.1:6379/0: connection refused")}
	}
	one := func(t testing.TB) *memStore { st := seeded(t); st.runs = st.runs[:1]; return st }
	// sharded holds the runs of seeded and 2 of the 3 shards of run "nightly".
	sharded := func(t testing.TB) *memStore {
		st := seeded(t)
		for i, ago := range []time.Duration{time.Minute, 2 * time.Minute} {
			r := run{id: fmt.Sprintf("nightly.%d", i), method: "GET", path: "/health", ago: ago, p50: time.Millisecond, p95: 2 * time.Millisecond, p99: 3 * time.Millisecond, rate: 100, requests: 100}.result(t)
			r.RunID, r.Shard = "nightly", &loadtesting.Shard{Index: i, Count: 3}
			st.runs = append(st.runs, r)
		}
		return st
	}
	tests := []struct {
		name       string
		store      func(testing.TB) *memStore
		method     string // default GET
		target     string
		wantStatus int
		wantType   string   // Content-Type prefix
		want       []string // substrings of the body
		notWant    []string
		wantLimit  int // the limit the store was asked for; 0 = not checked
	}{
		{"index lists the runs", seeded, "", "/", 200, "text/html",
			[]string{`id="runs"`, `id="run-01RUNHEALTH2"`, `class="badge m-get"`, `class="badge m-post"`, "/api/v1/tasks/enqueue",
				"1234", "23.4", "3.00%", "5 minutes ago", "2 hours ago", "1 day ago", `id="sum-runs">4<`, `id="sum-failures">13<`,
				"Trends by endpoint", `<svg class="chart"`, `<svg class="spark p95"`, "store: <code>mem://test</code>",
				// GET /health's trend card: report.Compare's verdict on its two runs, as the compare view gives it.
				`<article class="trend worse">`, `regressed: p50, p95, p99, throughput</span> against the run before`,
				`<a href="/compare?base=01RUNHEALTH1&amp;head=01RUNHEALTH2">compare</a>`},
			[]string{"No runs yet"}, dashboard.DefaultRuns},
		{"index limit", seeded, "", "/?limit=2", 200, "text/html", []string{`id="sum-runs">2<`}, nil, 2},
		{"index limit 0", seeded, "", "/?limit=0", 400, "text/html", []string{`limit &#34;0&#34;: must be a whole number from 1 to 100`}, nil, 0},
		{"index limit 101", seeded, "", "/?limit=101", 400, "text/html", []string{"from 1 to 100"}, nil, 0},
		{"index empty state", empty, "", "/", 200, "text/html",
			[]string{"No runs yet", "go test -run Load ./...", "loadtesting.Run(t, router", "mem://test"}, []string{`id="runs"`}, 0},
		{"index store error", broken, "", "/", 500, "text/html", []string{`role="alert"`, "connection refused"}, []string{"No runs yet"}, 0},
		{"run page", seeded, "", "/runs/01RUNHEALTH2", 200, "text/html",
			[]string{`<span class="path">/health</span>`, `data-key="p95"`, "23.4ms", `href="/compare?base=01RUNHEALTH1&amp;head=01RUNHEALTH2"`, `<svg class="chart"`}, nil, 0},
		{"run page unknown", seeded, "", "/runs/01NOSUCHRUN", 404, "text/html", []string{"run 01NOSUCHRUN: not found"}, nil, 0},
		{"run page bad id", seeded, "", "/runs/a..b", 400, "text/html", []string{"run id &#34;a..b&#34;"}, nil, 0},
		{"run page store error", broken, "", "/runs/01RUNHEALTH2", 500, "text/html", []string{"connection refused"}, nil, 0},
		{"compare picks the newest and its predecessor", seeded, "", "/compare", 200, "text/html",
			[]string{`id="compare"`, `<option value="01RUNHEALTH1" selected>`, `<option value="01RUNHEALTH2" selected>`,
				`data-metric="p95"`, "&#43;56.0%", "(regressed)", `id="verdict"`, "Regressed"}, nil, dashboard.MaxRuns},
		{"compare two runs", seeded, "", "/compare?base=01RUNHEALTH2&head=01RUNHEALTH1", 200, "text/html",
			[]string{`data-metric="p95" class="better"`, "-35.9%", "No regression beyond 10%"}, nil, 0},
		{"compare different endpoints", seeded, "", "/compare?base=01RUNHEALTH2&head=01RUNENQUEUE", 200, "text/html",
			[]string{"loaded different endpoints"}, nil, 0},
		{"compare unknown run", seeded, "", "/compare?base=01NOSUCHRUN&head=01RUNHEALTH1", 404, "text/html", []string{"base run 01NOSUCHRUN: not found"}, nil, 0},
		{"compare one side only", seeded, "", "/compare?base=01RUNHEALTH1", 400, "text/html", []string{"pick two runs"}, nil, 0},
		{"compare with one run", one, "", "/compare", 200, "text/html", []string{"Comparing needs two runs", "only one"}, []string{`id="compare"`}, 0},
		{"compare store error", broken, "", "/compare", 500, "text/html", []string{"connection refused"}, nil, 0},
		{"api runs", seeded, "", "/api/runs", 200, "application/json", []string{`"runs":[`, `"id":"01RUNHEALTH2"`, `"schema":1`}, nil, dashboard.DefaultAPIRuns},
		{"api runs limit 1", seeded, "", "/api/runs?limit=1", 200, "application/json", []string{`"id":"01RUNHEALTH2"`}, []string{"01RUNENQUEUE"}, 1},
		{"api runs limit 100", seeded, "", "/api/runs?limit=100", 200, "application/json", nil, nil, 100},
		{"api runs empty", empty, "", "/api/runs", 200, "application/json", []string{`{"runs":[]}`}, nil, 0},
		{"api runs limit 0", seeded, "", "/api/runs?limit=0", 400, "application/json", []string{`{"error":"limit \"0\": must be a whole number from 1 to 100"}`}, nil, 0},
		{"api runs limit 101", seeded, "", "/api/runs?limit=101", 400, "application/json", []string{`limit \"101\"`}, nil, 0},
		{"api runs limit -1", seeded, "", "/api/runs?limit=-1", 400, "application/json", []string{`limit \"-1\"`}, nil, 0},
		{"api runs limit word", seeded, "", "/api/runs?limit=ten", 400, "application/json", []string{`limit \"ten\"`}, nil, 0},
		{"api runs limit empty", seeded, "", "/api/runs?limit=", 400, "application/json", []string{`limit \"\"`}, nil, 0},
		{"api runs store error", broken, "", "/api/runs", 500, "application/json", []string{`"error":`, "connection refused"}, nil, 0},
		{"api run", seeded, "", "/api/runs/01RUNENQUEUE", 200, "application/json", []string{`"id":"01RUNENQUEUE"`, `"histogram":"`}, nil, 0},
		{"index lists a sharded run once, merged", sharded, "", "/", 200, "text/html",
			[]string{`id="run-nightly"`, `id="sum-runs">5<`}, []string{`id="run-nightly.0"`, `id="run-nightly.1"`}, dashboard.DefaultRuns},
		{"api run merged from its shards", sharded, "", "/api/runs/nightly", 200, "application/json",
			[]string{`"id":"nightly"`, `"run_id":"nightly"`, `"requests":200`, `"clients":20`}, []string{`"shard":`}, 0},
		{"run page of a run merged from its shards", sharded, "", "/runs/nightly", 200, "text/html",
			[]string{`<span class="path">/health</span>`, `id="shards"`, "Shards: 2 of 3 reported", "(partial: the run above covers only these)",
				`<td>0/3</td><td><a href="/runs/nightly.0"><code>nightly.0</code></a></td><td>100</td>`, `<td>1/3</td>`}, nil, 0},
		{"run page of one shard", sharded, "", "/runs/nightly.1", 200, "text/html", []string{`<span class="path">/health</span>`}, []string{`id="shards"`}, 0},
		{"api run unknown", seeded, "", "/api/runs/01NOSUCHRUN", 404, "application/json", []string{`{"error":"run 01NOSUCHRUN: not found (runs expire 24h after they are saved)"}`}, nil, 0},
		{"api run bad id", seeded, "", "/api/runs/a..b", 400, "application/json", []string{`"error":"run id`}, nil, 0},
		{"api run store error", broken, "", "/api/runs/01RUNENQUEUE", 500, "application/json", []string{"connection refused"}, nil, 0},
		{"api unknown endpoint", seeded, "", "/api/nope", 404, "application/json", []string{`"error":"no API endpoint GET /api/nope`}, nil, 0},
		{"stylesheet", seeded, "", "/static/style.css", 200, "text/css", []string{".badge.m-get"}, nil, 0},
		{"script", seeded, "", "/static/app.js", 200, "text/javascript", []string{"aria-expanded"}, nil, 0},
		{"unknown asset", seeded, "", "/static/nope.css", 404, "text/plain", nil, nil, 0},
		{"no asset listing", seeded, "", "/static/", 404, "text/html", []string{"no page at /static/"}, []string{`href="app.js"`}, 0},
		{"unknown page", seeded, "", "/nope", 404, "text/html", []string{"no page at /nope"}, nil, 0},
		{"HEAD works", seeded, "HEAD", "/", 200, "text/html", nil, nil, 0},
		{"POST is not allowed", seeded, "POST", "/", 405, "", nil, nil, 0},
		{"DELETE a run is not allowed", seeded, "DELETE", "/api/runs/01RUNENQUEUE", 405, "", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.store(t)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			status, hdr, body := get(t, newDashboard(st, ""), method, tt.target, nil)
			assert.Equal(t, tt.wantStatus, status, "%s %s; body:\n%s", method, tt.target, body)
			assert.True(t, strings.HasPrefix(hdr.Get("Content-Type"), tt.wantType), "Content-Type %q, want %q...", hdr.Get("Content-Type"), tt.wantType)
			containsAll(t, body, tt.want...)
			for _, nw := range tt.notWant {
				assert.NotContains(t, body, nw)
			}
			if tt.wantLimit != 0 {
				assert.Equal(t, tt.wantLimit, st.lastLimit, "the limit the store was asked for")
			}
		})
	}
}

func TestHandler_securityHeaders(t *testing.T) {
	for _, target := range []string{"/", "/api/runs", "/static/style.css", "/nope"} {
		_, hdr, _ := get(t, newDashboard(seeded(t), ""), "GET", target, nil)
		want := map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "no-referrer",
		}
		for k, v := range want {
			assert.Equal(t, v, hdr.Get(k), "%s: %s", target, k)
		}
		csp := hdr.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", "%s: scripts from 'self' only", target)
		assert.Contains(t, csp, "default-src 'self'", "%s: everything else from 'self' only", target)
	}
}

// TestHandler_apiRoundTrip checks that the API returns the stored results
// unchanged, histogram included.
func TestHandler_apiRoundTrip(t *testing.T) {
	st := seeded(t)
	h := newDashboard(st, "")
	_, _, body := get(t, h, "GET", "/api/runs?limit=100", nil)
	var list struct{ Runs []*loadtesting.Result }
	require.NoError(t, json.Unmarshal([]byte(body), &list), "decode /api/runs:\n%s", body)
	if diff := cmp.Diff(st.runs, list.Runs); diff != "" {
		t.Errorf("/api/runs (-stored +served):\n%s", diff)
	}
	_, _, body = get(t, h, "GET", "/api/runs/01RUNXSS0001", nil)
	var one loadtesting.Result
	require.NoError(t, json.Unmarshal([]byte(body), &one), "decode /api/runs/{id}:\n%s", body)
	if diff := cmp.Diff(st.runs[2], &one); diff != "" {
		t.Errorf("/api/runs/01RUNXSS0001 (-stored +served):\n%s", diff)
	}
	assert.NotContains(t, body, "<script>", "JSON escapes < as \\u003c")
}

// TestHandler_escapes checks that markup in a result (path, error message,
// response body) reaches the page as text.
func TestHandler_escapes(t *testing.T) {
	h := newDashboard(seeded(t), "")
	for _, target := range []string{"/", "/runs/01RUNXSS0001", "/compare?base=01RUNXSS0001&head=01RUNHEALTH1"} {
		_, _, body := get(t, h, "GET", target, nil)
		assert.NotContains(t, body, "<script>window", "%s: raw markup in the page", target)
		containsAll(t, body, "/x/&lt;script&gt;window.__xss=1&lt;/script&gt;")
		if target != "/compare?base=01RUNXSS0001&head=01RUNHEALTH1" {
			containsAll(t, body, "boom &lt;script&gt;", "body &lt;script&gt;")
		}
		// The only script is the page's own.
		scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1)
		if diff := cmp.Diff([]string{`<script src="/static/app.js" defer>`}, scripts); diff != "" {
			t.Errorf("%s: script tags (-want +got):\n%s", target, diff)
		}
	}
}

func TestHandler_runDetails(t *testing.T) {
	_, _, body := get(t, newDashboard(seeded(t), ""), "GET", "/", nil)
	// The POST run: 12 failures, 7 sampled, 5 shown.
	start := strings.Index(body, `id="run-01RUNENQUEUE"`)
	end := strings.Index(body, `id="run-01RUNXSS0001"`)
	require.True(t, start >= 0 && end > start, "rows of 01RUNENQUEUE and 01RUNXSS0001 not found in order")
	row := body[start:end]
	containsAll(t, row,
		`<tr data-key="p50"><th>p50</th><td>2.00ms</td></tr>`,
		`<tr data-key="p99"><th>p99</th><td>9.00ms</td></tr>`,
		`<tr data-key="p999"><th>p99.9</th><td>9.00ms</td></tr>`,
		`data-key="requests">400<`, `data-key="succeeded">388<`, `data-key="failed">12<`, `data-key="clients">10<`,
		`data-key="mode">over HTTP/1.1 <code`, `data-key="duration">2.00s<`, `<code>01RUNENQUEUE</code>`,
		`<tr data-code="200">`, `<tr data-code="503">`, "97.0%",
		"and 7 more failed requests", "samples of the first 7 as JSON",
		`class="num errors bad">3.00%<`,
	)
	assert.Equal(t, 5, strings.Count(row, "<details>"), "sampled errors shown")
}

func TestHandler_hostCheck(t *testing.T) {
	tests := []struct {
		host  string
		token string
		want  int
	}{
		{"127.0.0.1:8089", "", 200},
		{"localhost:8089", "", 200},
		{"LOCALHOST", "", 200},
		{"dash.localhost:8089", "", 200},
		{"[::1]:8089", "", 200},
		{"127.1.2.3", "", 200},
		{"evil.example:8089", "", 403},
		{"192.168.1.10:8089", "", 403},
		{"localhost.evil.example", "", 403},
		{"evil.example:8089", "T0ken", 200}, // with a token, any name may be used
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			hdr := http.Header{"Host": {tt.host}}
			if tt.token != "" {
				hdr.Set("Authorization", "Bearer "+tt.token)
			}
			for _, target := range []string{"/", "/api/runs"} {
				status, _, body := get(t, newDashboard(seeded(t), tt.token), "GET", target, hdr)
				assert.Equal(t, tt.want, status, "GET %s with Host %q; body:\n%.300s", target, tt.host, body)
				if status == 403 {
					assert.Contains(t, body, "--token", "a 403 says how to serve beyond loopback")
				}
			}
		})
	}
}

func TestHandler_token(t *testing.T) {
	const token = "s3cret-T0ken"
	h := newDashboard(seeded(t), token)

	// The cookie a first visit with ?token= sets.
	_, hdr, _ := get(t, h, "GET", "/?token="+token, nil)
	cookies := (&http.Response{Header: hdr}).Cookies()
	require.Len(t, cookies, 1, "cookies of a first visit")
	c := cookies[0]
	require.Equal(t, dashboard.TokenCookie, c.Name)
	assert.True(t, c.HttpOnly, "HttpOnly")
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite, "SameSite")
	assert.Equal(t, "/", c.Path)
	assert.NotContains(t, c.Value, token, "the cookie holds the token itself")
	cookie := c.Name + "=" + c.Value

	tests := []struct {
		name     string
		target   string
		header   http.Header
		want     int
		location string // for redirects
		cookie   bool   // whether a cookie is set
	}{
		{"page without token", "/", nil, 401, "", false},
		{"api without token", "/api/runs", nil, 401, "", false},
		{"asset without token", "/static/style.css", nil, 401, "", false},
		{"bearer", "/", http.Header{"Authorization": {"Bearer " + token}}, 200, "", false},
		{"bearer lower case", "/api/runs", http.Header{"Authorization": {"bearer " + token}}, 200, "", false},
		{"wrong bearer", "/api/runs", http.Header{"Authorization": {"Bearer nope"}}, 401, "", false},
		{"basic is not bearer", "/api/runs", http.Header{"Authorization": {"Basic " + token}}, 401, "", false},
		{"token prefix", "/api/runs", http.Header{"Authorization": {"Bearer " + token[:5]}}, 401, "", false},
		{"cookie", "/", http.Header{"Cookie": {cookie}}, 200, "", false},
		{"cookie on api", "/api/runs/01RUNENQUEUE", http.Header{"Cookie": {cookie}}, 200, "", false},
		{"wrong cookie", "/", http.Header{"Cookie": {dashboard.TokenCookie + "=abc"}}, 401, "", false},
		{"raw token as cookie", "/", http.Header{"Cookie": {dashboard.TokenCookie + "=" + token}}, 401, "", false},
		{"query on a page redirects without it", "/runs/01RUNENQUEUE?token=" + token, nil, 303, "/runs/01RUNENQUEUE", true},
		{"query keeps other params", "/compare?base=A&token=" + url.QueryEscape(token) + "&head=B", nil, 303, "/compare?base=A&head=B", true},
		{"query on api answers", "/api/runs?limit=1&token=" + token, nil, 200, "", true},
		{"wrong query", "/?token=nope", nil, 401, "", false},
		{"empty query", "/?token=", nil, 401, "", false},
		{"query beats a stale cookie", "/?token=" + token, http.Header{"Cookie": {dashboard.TokenCookie + "=old"}}, 303, "/", true},
		{"redirect stays on this host", "//evil.example/x?token=" + token, nil, 303, "/evil.example/x", true},
		{"redirect keeps an escaped path", "/runs/a%2Fb?token=" + token, nil, 303, "/runs/a%2Fb", true},
		{"wrong bearer with right cookie", "/api/runs", http.Header{"Authorization": {"Bearer nope"}, "Cookie": {cookie}}, 401, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := get(t, h, "GET", tt.target, tt.header)
			assert.Equal(t, tt.want, status, "body:\n%.300s", body)
			assert.Equal(t, tt.location, hdr.Get("Location"))
			assert.Equal(t, tt.cookie, hdr.Get("Set-Cookie") != "", "sets a cookie")
			if status == 401 {
				assert.NotEmpty(t, hdr.Get("WWW-Authenticate"), "a 401 has WWW-Authenticate")
				assert.NotContains(t, body, token, "a 401 body shows the token")
				if strings.HasPrefix(tt.target, "/api/") {
					assert.Contains(t, body, `"error":`, "an API 401 is JSON")
				}
			}
		})
	}
}

func TestNew_panicsWithoutStore(t *testing.T) {
	assert.Panics(t, func() { dashboard.New(dashboard.Config{}) }, "New with a nil Store")
}

// TestHandler_hidesSecretsOfOldRuns serves runs that an older apiload saved
// with secrets today's rule hides, written straight into a file store as
// it would have written them: the store boundary must hide them.
func TestHandler_hidesSecretsOfOldRuns(t *testing.T) {
	seed := seeded(t)
	old := seed.runs[0]
	old.URL = "/health?api_key=s3cr3t-key;x=1&key=s3cr3t-plain"
	old.Config.Query = map[string][]string{"api_key": {"s3cr3t-key"}, "auth": {"s3cr3t-auth"}}
	old.Config.Headers = map[string][]string{"X-Session": {"s3cr3t-session"}}
	old.Metrics.Errors = []loadtesting.ErrorSample{{Request: 1, Kind: "transport", Message: `Get "https://h/health?x=1;session_token=s3cr3t-tok": EOF`}}
	old.Metrics.Failed = 1
	dir := t.TempDir()
	raw, err := store.NewFile(dir)
	require.NoError(t, err)
	for _, r := range seed.runs {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		require.NoError(t, raw.Put(t.Context(), store.Record{ID: r.ID, StartedAt: r.StartedAt, Data: data}))
	}
	require.NoError(t, raw.Close())
	st, err := loadtesting.OpenStore("file://" + filepath.ToSlash(dir))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	h := newDashboard(st, "")
	for _, target := range []string{"/api/runs", "/api/runs/" + old.ID, "/", "/runs/" + old.ID, "/compare?base=" + old.ID + "&head=01RUNHEALTH1"} {
		status, _, body := get(t, h, "GET", target, nil)
		assert.Equal(t, http.StatusOK, status, target)
		assert.NotContains(t, body, "s3cr3t", "%s shows a secret of a stored run", target)
	}
}

func TestHandler_generatorFacts(t *testing.T) {
	st := seeded(t)
	enqueue := st.runs[1]
	enqueue.Metrics.GeneratorCPU = 400 * time.Millisecond
	enqueue.Metrics.GeneratorCPUPerRequest = time.Millisecond
	enqueue.Metrics.GeneratorBound = true
	enqueue.Metrics.GeneratorWarning = "the generator kept 98% of its cores busy"
	_, _, body := get(t, newDashboard(st, ""), "GET", "/", nil)
	start := strings.Index(body, `id="run-01RUNENQUEUE"`)
	end := strings.Index(body, `id="run-01RUNXSS0001"`)
	require.True(t, start >= 0 && end > start, "rows of 01RUNENQUEUE and 01RUNXSS0001 not found in order")
	assert.Contains(t, body[start:end], "1.00ms CPU/request (generator-bound: the generator kept 98% of its cores busy)")
	assert.NotContains(t, body[end:], "CPU/request", "runs without generator figures show a generator row")
}
