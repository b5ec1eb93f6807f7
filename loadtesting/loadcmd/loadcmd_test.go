package loadcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
	"github.com/apiload/apiload/loadtesting/loadcmd"
)

// outcome is what one `api-load-test` invocation did.
type outcome struct {
	code           int
	err            error
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d (%v)\n--- stdout\n%s--- stderr\n%s", o.code, o.err, o.stdout, o.stderr)
}

// fileStore returns the URL of a new, empty file store.
func fileStore(t *testing.T) string { return "file://" + filepath.ToSlash(t.TempDir()) }

// apiLoadTest runs the command New(h, opts...) builds with args, on
// buffers, and maps its error to an exit code with ExitCode. The store is
// a fresh temporary one unless opts or args name another.
func apiLoadTest(t *testing.T, h http.Handler, opts []loadcmd.Option, args ...string) outcome {
	t.Helper()
	cmd := loadcmd.New(h, append([]loadcmd.Option{loadcmd.WithStore(fileStore(t))}, opts...)...)
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(t.Context())
	return outcome{loadcmd.ExitCode(err), err, out.String(), errOut.String()}
}

// result parses stdout of a --json run.
func (o outcome) result(t *testing.T) *loadtesting.Result {
	t.Helper()
	var res loadtesting.Result
	require.NoError(t, json.Unmarshal([]byte(o.stdout), &res), "stdout does not parse as a Result:\n%v", o)
	return &res
}

// request is what a recorder saw of one request.
type request struct {
	Method, URI, Body string
	Header            http.Header
}

// recorder is a handler that remembers every request. It answers with the
// status in the ?status= query parameter (default 200), after ?sleep= (a
// duration) or once the request is cancelled, whichever comes first.
type recorder struct {
	mu                    sync.Mutex
	reqs                  []request
	inFlight, maxInFlight int
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, request{r.Method, r.URL.RequestURI(), string(body), r.Header.Clone()})
	h.inFlight++
	h.maxInFlight = max(h.maxInFlight, h.inFlight)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	q := r.URL.Query()
	if d, err := time.ParseDuration(q.Get("sleep")); err == nil {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusOK
	if s, err := strconv.Atoi(q.Get("status")); err == nil {
		status = s
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte("ok"))
}

func (h *recorder) seen() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]request(nil), h.reqs...)
}

func (h *recorder) peak() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.maxInFlight
}

// serve starts an HTTP server for h on 127.0.0.1, closed when the test ends.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// closedPort returns a loopback address that refuses connections.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRun_flags checks that every flag of `run` reaches the requests the
// handler sees and the Config stored with the Result.
func TestRun_flags(t *testing.T) {
	dir := t.TempDir()
	const doc = "{\n  \"queue\": \"load_test\",\n  \"task\": \"ping\"\n}\n"
	for name, content := range map[string]string{
		"task.json":   doc,
		"tasks.jsonl": "{\"task\":\"a\"}\n{\"task\":\"b\"}\n{\"task\":\"c\"}\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	// cfg is the stored Config of a run of n requests with edits applied.
	cfg := func(n int64, edit func(*loadtesting.RunConfig)) loadtesting.RunConfig {
		c := loadtesting.RunConfig{Requests: n, Timeout: 30 * time.Second}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}

	tests := []struct {
		name     string
		args     []string // after `run`; $DIR is the payload files' directory, $BASE the server's URL
		overHTTP bool     // whether the load should reach the server rather than the in-process handler
		// What the handler should see: how many requests (-1: at least one,
		// fewer than 1000), each with this method, URI and these headers.
		wantN      int
		wantMethod string
		wantURI    string
		wantHeader http.Header
		wantBodies map[string]int // body → how many requests carried it; nil: all empty
		// What the Result should say.
		wantName    string
		wantClients int
		wantCfg     loadtesting.RunConfig
		wantStatus  map[int]int64 // nil: don't check
		wantOK      int64         // successful requests; -1: all of them
	}{
		{"-m", []string{"/echo", "--in-process", "-n", "20", "-m", "delete"}, false,
			20, "DELETE", "/echo", nil, nil, "DELETE /echo", 10, cfg(20, nil), map[int]int64{200: 20}, -1},
		{"--method", []string{"/echo", "--in-process", "-n", "20", "--method", "PATCH"}, false,
			20, "PATCH", "/echo", nil, nil, "PATCH /echo", 10, cfg(20, nil), map[int]int64{200: 20}, -1},
		{"-n", []string{"/echo", "--in-process", "-n", "7"}, false,
			7, "GET", "/echo", nil, nil, "GET /echo", 10, cfg(7, nil), map[int]int64{200: 7}, -1},
		{"--requests", []string{"/echo", "--in-process", "--requests", "33"}, false,
			33, "GET", "/echo", nil, nil, "GET /echo", 10, cfg(33, nil), map[int]int64{200: 33}, -1},
		{"-c", []string{"/echo", "--in-process", "-n", "12", "-c", "3", "--query", "sleep=2ms"}, false,
			12, "GET", "/echo?sleep=2ms", nil, nil, "GET /echo", 3,
			cfg(12, func(c *loadtesting.RunConfig) { c.Query = map[string][]string{"sleep": {"2ms"}} }), nil, -1},
		{"--duration bounds the run", []string{"/echo", "--in-process", "-n", "1000", "--duration", "300ms", "--rate", "20"}, false,
			-1, "GET", "/echo", nil, nil, "GET /echo", 10,
			cfg(1000, func(c *loadtesting.RunConfig) { c.Duration, c.Rate = 300*time.Millisecond, 20 }), nil, -1},
		{"--rate", []string{"/echo", "--in-process", "-n", "10", "--rate", "200"}, false,
			10, "GET", "/echo", nil, nil, "GET /echo", 10, cfg(10, func(c *loadtesting.RunConfig) { c.Rate = 200 }), map[int]int64{200: 10}, -1},
		{"--timeout", []string{"/echo", "--in-process", "-n", "4", "-c", "4", "--timeout", "50ms", "--query", "sleep=1m"}, false,
			4, "GET", "/echo?sleep=1m", nil, nil, "GET /echo", 4,
			cfg(4, func(c *loadtesting.RunConfig) {
				c.Timeout, c.Query = 50*time.Millisecond, map[string][]string{"sleep": {"1m"}}
			}), map[int]int64{0: 4}, 0},
		{"--payload sets POST and JSON", []string{"/echo", "--in-process", "-n", "20", "--payload", `{"queue": "load_test", "task": "ping"}`}, false,
			20, "POST", "/echo", jsonCT, map[string]int{`{"queue": "load_test", "task": "ping"}`: 20}, "POST /echo", 10,
			cfg(20, func(c *loadtesting.RunConfig) { c.Headers, c.BodyBytes = jsonCT, 38 }), map[int]int64{200: 20}, -1},
		{"--payload with -m", []string{"/echo", "--in-process", "-n", "5", "--payload", `[]`, "-m", "PUT"}, false,
			5, "PUT", "/echo", jsonCT, map[string]int{`[]`: 5}, "PUT /echo", 10,
			cfg(5, func(c *loadtesting.RunConfig) { c.Headers, c.BodyBytes = jsonCT, 2 }), map[int]int64{200: 5}, -1},
		{"--payload-file one document", []string{"/echo", "--in-process", "-n", "6", "--payload-file", "$DIR/task.json"}, false,
			6, "POST", "/echo", jsonCT, map[string]int{doc: 6}, "POST /echo", 10,
			cfg(6, func(c *loadtesting.RunConfig) { c.Headers, c.BodyBytes = jsonCT, len(doc) }), map[int]int64{200: 6}, -1},
		{"--payload-file JSON Lines round-robin", []string{"/echo", "--in-process", "-n", "9", "-c", "3", "--payload-file", "$DIR/tasks.jsonl"}, false,
			9, "POST", "/echo", jsonCT, map[string]int{`{"task":"a"}`: 3, `{"task":"b"}`: 3, `{"task":"c"}`: 3}, "POST /echo", 3,
			cfg(9, func(c *loadtesting.RunConfig) { c.Headers, c.BodyFunc = jsonCT, true }), map[int]int64{200: 9}, -1},
		{"-H both forms, repeated", []string{"/echo", "--in-process", "-n", "5", "-H", "X-A=1", "--header", "X-B: two words", "-H", "X-A=3"}, false,
			5, "GET", "/echo", http.Header{"X-A": {"1", "3"}, "X-B": {"two words"}}, nil, "GET /echo", 10,
			cfg(5, func(c *loadtesting.RunConfig) { c.Headers = http.Header{"X-A": {"1", "3"}, "X-B": {"two words"}} }), map[int]int64{200: 5}, -1},
		{"-H secret is sent, stored redacted", []string{"/echo", "--in-process", "-n", "5", "-H", "Authorization=Bearer hunter2"}, false,
			5, "GET", "/echo", http.Header{"Authorization": {"Bearer hunter2"}}, nil, "GET /echo", 10,
			cfg(5, func(c *loadtesting.RunConfig) { c.Headers = http.Header{"Authorization": {loadtesting.Redacted}} }), map[int]int64{200: 5}, -1},
		{"-p", []string{"/items/{id}/{sub}", "--in-process", "-n", "5", "-p", "id=42", "--path-param", "sub=a b"}, false,
			5, "GET", "/items/42/a%20b", nil, nil, "GET /items/{id}/{sub}", 10,
			cfg(5, func(c *loadtesting.RunConfig) { c.PathParams = map[string]string{"id": "42", "sub": "a b"} }), map[int]int64{200: 5}, -1},
		{"--query repeated", []string{"/echo", "--in-process", "-n", "5", "--query", "b=2", "--query", "a=1", "--query", "a=0"}, false,
			5, "GET", "/echo?a=1&a=0&b=2", nil, nil, "GET /echo", 10,
			cfg(5, func(c *loadtesting.RunConfig) { c.Query = map[string][]string{"a": {"1", "0"}, "b": {"2"}} }), map[int]int64{200: 5}, -1},
		{"--expect-status matched", []string{"/echo", "--in-process", "-n", "5", "--query", "status=201", "--expect-status", "201,202"}, false,
			5, "GET", "/echo?status=201", nil, nil, "GET /echo", 10,
			cfg(5, func(c *loadtesting.RunConfig) {
				c.Query, c.ExpectStatus = map[string][]string{"status": {"201"}}, []int{201, 202}
			}), map[int]int64{201: 5}, 5},
		{"--expect-status not matched", []string{"/echo", "--in-process", "-n", "5", "--expect-status", "204"}, false,
			5, "GET", "/echo", nil, nil, "GET /echo", 10, cfg(5, func(c *loadtesting.RunConfig) { c.ExpectStatus = []int{204} }), map[int]int64{200: 5}, 0},
		{"--name", []string{"/echo", "--in-process", "-n", "5", "--name", "smoke"}, false,
			5, "GET", "/echo", nil, nil, "smoke", 10, cfg(5, nil), map[int]int64{200: 5}, -1},
		{"--base-url", []string{"/echo", "-n", "8", "-c", "2", "--base-url", "$BASE"}, true,
			8, "GET", "/echo", nil, nil, "GET /echo", 2, cfg(8, nil), map[int]int64{200: 8}, -1},
		{"default base URL", []string{"/echo", "-n", "8", "-c", "2", "--payload", "{}"}, true,
			8, "POST", "/echo", jsonCT, map[string]int{"{}": 8}, "POST /echo", 2,
			cfg(8, func(c *loadtesting.RunConfig) { c.Headers, c.BodyBytes = jsonCT, 2 }), map[int]int64{200: 8}, -1},
		{"--in-process over a default base URL", []string{"/echo", "-n", "8", "-c", "2", "--in-process"}, false,
			8, "GET", "/echo", nil, nil, "GET /echo", 2, cfg(8, nil), map[int]int64{200: 8}, -1},
		{"every request fails", []string{"/echo", "--in-process", "-n", "10", "--query", "status=500"}, false,
			10, "GET", "/echo?status=500", nil, nil, "GET /echo", 10,
			cfg(10, func(c *loadtesting.RunConfig) { c.Query = map[string][]string{"status": {"500"}} }), map[int]int64{500: 10}, 0},
		{"every request fails over HTTP", []string{"/echo", "-n", "10", "--query", "status=500"}, true,
			10, "GET", "/echo?status=500", nil, nil, "GET /echo", 10,
			cfg(10, func(c *loadtesting.RunConfig) { c.Query = map[string][]string{"status": {"500"}} }), map[int]int64{500: 10}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inProcess, remote := &recorder{}, &recorder{}
			srv := serve(t, remote)
			args := append([]string{"run"}, tt.args...)
			for i, a := range args {
				args[i] = strings.NewReplacer("$DIR", dir, "$BASE", srv.URL).Replace(a)
			}
			o := apiLoadTest(t, inProcess, []loadcmd.Option{loadcmd.WithBaseURL(srv.URL)}, append(args, "--json")...)
			require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
			res := o.result(t)

			got, idle := inProcess, remote
			if tt.overHTTP {
				got, idle = remote, inProcess
			}
			seen := got.seen()
			assert.Empty(t, idle.seen(), "requests went to the wrong target (over HTTP: %v)", !tt.overHTTP)
			if tt.wantN >= 0 {
				assert.Len(t, seen, tt.wantN, "requests the handler saw")
			} else {
				assert.NotEmpty(t, seen, "handler saw no requests, want some but fewer than 1000")
				assert.Less(t, len(seen), 1000, "handler saw %d requests, want some but fewer than 1000", len(seen))
			}
			bodies := map[string]int{}
			for i, r := range seen {
				assert.Equal(t, tt.wantMethod, r.Method, "request %d: method (URI %s)", i, r.URI)
				assert.Equal(t, tt.wantURI, r.URI, "request %d: URI", i)
				for k, vs := range tt.wantHeader {
					assert.Equal(t, vs, r.Header.Values(k), "request %d: header %s", i, k)
				}
				if r.Body != "" {
					bodies[r.Body]++
				}
				if t.Failed() {
					break
				}
			}
			if diff := cmp.Diff(tt.wantBodies, bodies, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("bodies seen (-want +got):\n%s", diff)
			}
			assert.LessOrEqual(t, got.peak(), tt.wantClients, "requests in flight at once")

			wantClients := tt.wantClients // no more workers run than there are requests
			if n := res.Config.Requests; n > 0 && int64(wantClients) > n {
				wantClients = int(n)
			}
			assert.Equal(t, tt.wantName, res.Name, "Result name")
			assert.Equal(t, wantClients, res.Clients, "Result clients")
			assert.Equal(t, !tt.overHTTP, res.InProcess, "Result in-process")
			if diff := cmp.Diff(tt.wantCfg, res.Config, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored Config (-want +got):\n%s", diff)
			}
			if tt.wantStatus[0] == 0 {
				assert.Equal(t, int64(len(seen)), res.Metrics.Requests, "Result counts requests, the handler saw %d", len(seen))
			}
			if tt.wantStatus != nil {
				if diff := cmp.Diff(tt.wantStatus, res.Metrics.StatusCodes); diff != "" {
					t.Errorf("status codes (-want +got):\n%s", diff)
				}
			}
			wantOK := tt.wantOK
			if wantOK < 0 {
				wantOK = res.Metrics.Requests
			}
			assert.Equal(t, wantOK, res.Metrics.Succeeded, "requests succeeded of %d", res.Metrics.Requests)
			if tt.overHTTP {
				assert.Equal(t, srv.URL+tt.wantURI, res.URL, "Result URL")
			}
			assert.NotContains(t, o.stdout+o.stderr, "hunter2", "a secret header value reached the output")
			assert.Contains(t, o.stderr, "Saved to file://", "stderr should hold the Saved line and no progress")
			assert.NotContains(t, o.stderr, "req/s", "stderr should hold the Saved line and no progress")
		})
	}
}

// TestRun_report checks the text report of a run without --json.
func TestRun_report(t *testing.T) {
	o := apiLoadTest(t, &recorder{}, nil, "run", "/echo", "--in-process", "-n", "25", "-c", "5")
	require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
	id := regexp.MustCompile(`results (\S+)\n`).FindStringSubmatch(o.stderr)
	require.NotNil(t, id, "stderr names no run to look up:\n%s", o.stderr)
	for _, want := range []string{"GET /echo  run " + id[1], "Target        /echo (in-process)", "Requests      25", "Succeeded     25 (100.0%)", "Clients       5", "P99", "200"} {
		assert.Contains(t, o.stdout, want, "report lacks a line")
	}
	assert.NotContains(t, o.stdout, "\x1b[", "colour on a buffer")
}

// tokenApp is an app with a login: POST /login with a known user as the
// body answers "token-<name>-<user>"; every other request is recorded.
type tokenApp struct {
	name string
	recorder
	logins atomic.Int64
}

func (a *tokenApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/login" {
		a.recorder.ServeHTTP(w, r)
		return
	}
	a.logins.Add(1)
	user, _ := io.ReadAll(r.Body)
	if !strings.HasSuffix(string(user), "@example.com") || strings.HasPrefix(string(user), "mallory") {
		http.Error(w, "unknown user", http.StatusUnauthorized)
		return
	}
	fmt.Fprintf(w, "token-%s-%s", a.name, user)
}

// loginHook logs in through loadcmd.Do, so on the run's own target, and
// counts its calls.
func loginHook(calls *atomic.Int64) func(context.Context, string) (string, error) {
	return func(ctx context.Context, user string) (string, error) {
		calls.Add(1)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/login", strings.NewReader(user))
		if err != nil {
			return "", err
		}
		resp, err := loadcmd.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return string(body), nil
	}
}

// TestRun_authAs checks that --auth-as logs in once, on the run's target,
// and sends the token with every request.
func TestRun_authAs(t *testing.T) {
	tests := []struct {
		name     string
		overHTTP bool
	}{
		{"in-process", false},
		{"over HTTP", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local, remote := &tokenApp{name: "local"}, &tokenApp{name: "remote"}
			srv := serve(t, remote)
			var calls atomic.Int64
			args := []string{"run", "/api/me", "--auth-as", "alice@example.com", "-n", "30", "-c", "5", "--json"}
			want, loaded, idle := "Bearer token-local-alice@example.com", local, remote
			if tt.overHTTP {
				args = append(args, "--base-url", srv.URL)
				want, loaded, idle = "Bearer token-remote-alice@example.com", remote, local
			} else {
				args = append(args, "--in-process")
			}
			o := apiLoadTest(t, local, []loadcmd.Option{loadcmd.WithLogin(loginHook(&calls))}, args...)
			require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
			assert.EqualValues(t, 1, calls.Load(), "login hook calls, want once")
			assert.EqualValues(t, 1, loaded.logins.Load(), "logins the target served")
			assert.Zero(t, idle.logins.Load()+int64(len(idle.seen())), "requests that went to the other target")
			seen := loaded.seen()
			require.Len(t, seen, 30, "requests the target saw")
			for i, r := range seen {
				require.Equal(t, []string{want}, r.Header.Values("Authorization"), "request %d: Authorization", i)
			}
			res := o.result(t)
			assert.Equal(t, loadtesting.Redacted, res.Config.Headers.Get("Authorization"), "stored Authorization")
			assert.NotContains(t, o.stdout+o.stderr, "token-", "the token was printed:\n%v", o)
		})
	}
}

// TestRun_exitCodes checks exit 0 whatever the endpoint answers, 1 for
// operational failures and 2 for misconfiguration, with the message
// naming what went wrong.
func TestRun_exitCodes(t *testing.T) {
	app := &tokenApp{name: "app"}
	srv := serve(t, app)
	closed := closedPort(t)
	var calls atomic.Int64
	login := loadcmd.WithLogin(loginHook(&calls))
	noToken := loadcmd.WithLogin(func(context.Context, string) (string, error) { return "", nil })

	tests := []struct {
		name     string
		opts     []loadcmd.Option
		args     []string
		wantCode int
		wantErr  string // substring of the error; empty for exit 0
		wantSent bool   // whether the load reached the app
	}{
		{"500 on every request", nil, []string{"run", "/x", "--in-process", "-n", "10", "--query", "status=500"}, 0, "", true},
		{"500 on every request over HTTP", nil, []string{"run", "/x", "--base-url", srv.URL, "-n", "10", "--query", "status=500"}, 0, "", true},
		{"no response at all", nil, []string{"run", "/x", "--in-process", "-n", "3", "--timeout", "20ms", "--query", "sleep=1m"}, 0, "", true},
		{"login refused", []loadcmd.Option{login}, []string{"run", "/x", "--in-process", "--auth-as", "mallory@example.com"}, 1,
			"--auth-as mallory@example.com: login refused: 401 Unauthorized: unknown user", false},
		{"login refused over HTTP", []loadcmd.Option{login}, []string{"run", "/x", "--base-url", srv.URL, "--auth-as", "mallory@example.com"}, 1,
			"--auth-as mallory@example.com: login refused", false},
		{"login hook returns no token", []loadcmd.Option{noToken}, []string{"run", "/x", "--in-process", "--auth-as", "alice@example.com"}, 1,
			"--auth-as alice@example.com: the login hook returned no token", false},
		{"server unreachable", []loadcmd.Option{login}, []string{"run", "/x", "--base-url", "http://" + closed, "--auth-as", "alice@example.com"}, 1,
			"cannot reach http://" + closed, false},
		{"default server unreachable", []loadcmd.Option{loadcmd.WithBaseURL("http://" + closed)}, []string{"run", "/x"}, 1,
			"cannot reach http://" + closed, false},
		{"store unusable", []loadcmd.Option{loadcmd.WithStore("file:///dev/null/runs")}, []string{"run", "/x", "--in-process", "-n", "2"}, 1,
			"not saved", true},

		{"bad --payload", nil, []string{"run", "/x", "--in-process", "--payload", "{oops}"}, 2, "--payload: invalid JSON: invalid character 'o'", false},
		{"missing placeholders", nil, []string{"run", "/q/{queue}/{id}", "--in-process"}, 2, `no value for placeholders "queue", "id"`, false},
		{"missing placeholder, server down", []loadcmd.Option{login}, []string{"run", "/q/{id}", "--base-url", "http://" + closed, "--auth-as", "alice@example.com"}, 2,
			`no value for placeholder "id"`, false},
		{"--auth-as with no login hook", nil, []string{"run", "/x", "--in-process", "--auth-as", "alice@example.com"}, 2, "--auth-as alice@example.com: this app has no login hook", false},
		{"no base URL", nil, []string{"run", "/x"}, 2, "--base-url: no server to send to", false},
		{"unknown flag", nil, []string{"run", "/x", "--bogus"}, 2, "unknown flag: --bogus", false},
		{"unknown flag of list", nil, []string{"list", "--bogus"}, 2, "unknown flag: --bogus", false},
		{"--store without a value", nil, []string{"recent", "--store"}, 2, "flag needs an argument: --store", false},
		{"bad --store", nil, []string{"recent", "--store", "ftp://x"}, 2, `--store "ftp://x"`, false},
		{"unknown subcommand", nil, []string{"rnu"}, 2, `unknown command "rnu"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, logins := len(app.seen()), calls.Load()
			local := &tokenApp{name: "local"}
			o := apiLoadTest(t, local, tt.opts, tt.args...)
			require.Equal(t, tt.wantCode, o.code, "want exit %d, got\n%v", tt.wantCode, o)
			if tt.wantErr == "" {
				assert.NoError(t, o.err)
			} else {
				assert.ErrorContains(t, o.err, tt.wantErr)
			}
			sent := len(local.seen()) + len(app.seen()) - before
			assert.Equal(t, tt.wantSent, sent > 0, "%d requests sent, want some", sent)
			if tt.wantCode == 2 {
				assert.Equal(t, logins, calls.Load(), "the login hook ran for a misconfigured run")
			}
		})
	}
}

// testRouter is a gorilla/mux app with every kind of route list shows.
func testRouter() *mux.Router {
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }
	r := mux.NewRouter()
	r.HandleFunc("/health/", ok).Methods("GET").Name("health")
	api := r.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/tasks/enqueue", ok).Methods("POST")
	api.HandleFunc("/tasks/status/{task_id}", ok).Methods("GET")
	api.HandleFunc("/tasks/{queue}/{id:[0-9]+}", ok).Methods("PUT", "DELETE")
	api.Handle("/users/me", loadtesting.RequiresAuth(http.HandlerFunc(ok))).Methods("GET", "PATCH")
	r.HandleFunc("/debug/echo", ok)
	// Server-sent events, one a second, until the client goes away.
	r.HandleFunc("/events/stream", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for rc.Flush() == nil {
			select {
			case <-req.Context().Done():
				return
			case <-tick.C:
			}
			_, _ = io.WriteString(w, "data: tick\n\n")
		}
	}).Methods("GET")
	return r
}

func TestList(t *testing.T) {
	t.Run("table", func(t *testing.T) {
		o := apiLoadTest(t, testRouter(), nil, "list")
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
		require.GreaterOrEqual(t, len(lines), 3, "want a title and a blank line:\n%s", o.stdout)
		require.Equal(t, []string{"Discovered 9 routes", ""}, lines[:2], "want a title and a blank line:\n%s", o.stdout)
		var got [][]string
		for _, l := range lines[2:] {
			got = append(got, strings.Fields(l))
		}
		want := [][]string{
			{"METHOD", "PATH", "AUTH", "PARAMS", "TAGS"},
			{"POST", "/api/v1/tasks/enqueue", "tasks"},
			{"GET", "/api/v1/tasks/status/{task_id}", "task_id", "tasks"},
			{"DELETE", "/api/v1/tasks/{queue}/{id:[0-9]+}", "queue,", "id", "tasks"},
			{"PUT", "/api/v1/tasks/{queue}/{id:[0-9]+}", "queue,", "id", "tasks"},
			{"GET", "/api/v1/users/me", "yes", "users"},
			{"PATCH", "/api/v1/users/me", "yes", "users"},
			{"ANY", "/debug/echo", "debug"},
			{"GET", "/events/stream", "events,", "STREAM"},
			{"GET", "/health/", "health"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("table (-want +got):\n%s\n%s", diff, o.stdout)
		}
		assert.NotContains(t, o.stdout, "\x1b[", "colour on buffers")
		assert.Empty(t, o.stderr, "stderr output on buffers")
	})

	t.Run("no PARAMS column without params", func(t *testing.T) {
		r := mux.NewRouter()
		r.HandleFunc("/a", func(http.ResponseWriter, *http.Request) {}).Methods("GET")
		o := apiLoadTest(t, r, nil, "list")
		assert.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		assert.Equal(t, "Discovered 1 route\n\nMETHOD  PATH  AUTH  TAGS\nGET     /a          a\n", o.stdout, "want one route without PARAMS")
	})

	t.Run("json", func(t *testing.T) {
		o := apiLoadTest(t, testRouter(), nil, "list", "--json")
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		type route struct {
			Method string   `json:"method"`
			Path   string   `json:"path"`
			Params []string `json:"params"`
			Auth   bool     `json:"auth"`
			Tags   []string `json:"tags"`
			Name   string   `json:"name"`
			Stream bool     `json:"stream"`
		}
		var got []route
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &got), "--json does not parse:\n%s", o.stdout)
		want := []route{
			{"POST", "/api/v1/tasks/enqueue", []string{}, false, []string{"tasks"}, "", false},
			{"GET", "/api/v1/tasks/status/{task_id}", []string{"task_id"}, false, []string{"tasks"}, "", false},
			{"DELETE", "/api/v1/tasks/{queue}/{id:[0-9]+}", []string{"queue", "id"}, false, []string{"tasks"}, "", false},
			{"PUT", "/api/v1/tasks/{queue}/{id:[0-9]+}", []string{"queue", "id"}, false, []string{"tasks"}, "", false},
			{"GET", "/api/v1/users/me", []string{}, true, []string{"users"}, "", false},
			{"PATCH", "/api/v1/users/me", []string{}, true, []string{"users"}, "", false},
			{"ANY", "/debug/echo", []string{}, false, []string{"debug"}, "", false},
			{"GET", "/events/stream", []string{}, false, []string{"events"}, "", true},
			{"GET", "/health/", []string{}, false, []string{"health"}, "health", false},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("routes (-want +got):\n%s", diff)
		}
		// Empty lists are [], not null, for jq.
		assert.NotContains(t, o.stdout, "null", "null in --json output")
	})

	t.Run("--no-probe tags no stream", func(t *testing.T) {
		o := apiLoadTest(t, testRouter(), nil, "list", "--no-probe")
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		assert.Contains(t, o.stdout, "/events/stream", "the route is listed")
		assert.NotContains(t, o.stdout, "STREAM", "a route tagged STREAM without a probe")
	})

	t.Run("not walkable", func(t *testing.T) {
		o := apiLoadTest(t, http.NewServeMux(), nil, "list")
		require.Equal(t, 1, o.code, "want exit 1, got\n%v", o)
		assert.EqualError(t, o.err, "routes: cannot list the routes of *http.ServeMux: pass a *mux.Router or implement loadtesting.RouteLister")
		assert.Empty(t, o.stdout, "stdout")
	})
}

// TestRecentResults checks that the store views mounted under the
// command find a run that `run` saved.
func TestRecentResults(t *testing.T) {
	store := fileStore(t)
	opts := []loadcmd.Option{loadcmd.WithStore(store)}
	run := apiLoadTest(t, &recorder{}, opts, "run", "/echo", "--in-process", "-n", "12", "--json")
	require.Equal(t, 0, run.code, "run: %v", run)
	id := run.result(t).ID

	tests := []struct {
		name string
		args []string
		want []string // substrings of stdout
	}{
		{"recent", []string{"recent"}, []string{"TEST ID", id, "GET", "/echo"}},
		{"recent --json", []string{"recent", "--json"}, []string{`"id": "` + id + `"`}},
		{"results", []string{"results", id}, []string{"run " + id, "Requests      12"}},
		{"results --json", []string{"results", id, "--json"}, []string{`"id": "` + id + `"`, `"requests": 12`}},
		{"--store flag", []string{"recent", "--store", store}, []string{id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh command, whose default store is another, empty one:
			// only --store finds the run.
			o := apiLoadTest(t, &recorder{}, nil, append(tt.args, "--store", store)...)
			require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
			for _, w := range tt.want {
				assert.Contains(t, o.stdout, w, "stdout lacks a part")
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		o := apiLoadTest(t, &recorder{}, nil, "results", id)
		assert.Equal(t, 1, o.code, "results in another store: want exit 1 and ErrNotFound, got\n%v", o)
		assert.ErrorIs(t, o.err, loadtesting.ErrNotFound, "results in another store")
	})
}

func TestNew(t *testing.T) {
	assert.Panics(t, func() { loadcmd.New(nil) }, "New(nil) did not panic")
}
