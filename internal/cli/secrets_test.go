package cli_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/loadtesting"
)

// The secrets of TestSecrets_neverShown. Every one holds "s3cr3t", so one
// search finds any of them; basicCredential is what a client derives from
// the userinfo and is looked for on its own.
const (
	userinfoPassword = "s3cr3t-userinfo"
	redisPassword    = "s3cr3t-redis"
)

var basicCredential = base64.StdEncoding.EncodeToString([]byte("apiuser:" + userinfoPassword))

// logTB records what loadtesting.Run logs, and passes the rest to the test.
type logTB struct {
	testing.TB
	mu  sync.Mutex
	log strings.Builder
}

func (l *logTB) Helper() {}

func (l *logTB) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.log, format+"\n", args...)
}

// echoServer answers every other request 401 with a body that repeats the
// request's credentials and URL, as a careless server does, and the rest 200.
func echoServer(t *testing.T) *httptest.Server {
	var n sync.Mutex
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Lock()
		i++
		odd := i%2 == 1
		n.Unlock()
		if odd {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "rejected %s with Authorization=%q X-Api-Key=%q Cookie=%q", r.URL, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"))
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecrets_neverShown runs one load that carries every kind of secret
// (secret headers, secret query parameters in the path and in Query, URL
// userinfo, an Auth hook's header, a Redis store URL with a password) at a
// server that echoes them back in its error bodies, then reads every output
// of that run and finds none of them: the t.Log lines, the bytes stored in
// Redis and in a file store, loadreport run (text and --json), recent,
// results and compare (text and --json), and the dashboard's pages and API.
func TestSecrets_neverShown(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireUserAuth("default", redisPassword)
	redisURL := "redis://default:" + redisPassword + "@" + mr.Addr() + "/0"
	fileURL := "file://" + filepath.ToSlash(t.TempDir())
	srv := echoServer(t)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	u.User = url.UserPassword("apiuser", userinfoPassword)

	redis, err := loadtesting.OpenStore(redisURL)
	require.NoError(t, err)
	t.Cleanup(func() { redis.Close() })
	files, err := loadtesting.OpenStore(fileURL)
	require.NoError(t, err)
	t.Cleanup(func() { files.Close() })

	tb := &logTB{TB: t}
	res := loadtesting.Run(tb, nil, loadtesting.Config{
		BaseURL: u.String(),
		Path:    "/echo?access_token=s3cr3t-path-token&page=2",
		Query:   url.Values{"key": {"s3cr3t-query-key"}, "auth": {"s3cr3t-query-auth"}, "sort": {"asc"}},
		Headers: http.Header{"X-Api-Key": {"s3cr3t-header"}, "Cookie": {"session=s3cr3t-cookie"}, "Accept": {"text/plain"}},
		Auth: func(context.Context) (http.Header, error) {
			return http.Header{"Authorization": {"Bearer s3cr3t-auth-hook"}}, nil
		},
		Requests: 20, Clients: 2,
		Store: redis,
	})
	require.Equal(t, int64(20), res.Metrics.Requests)
	require.Equal(t, int64(10), res.Metrics.StatusCodes[401], "the server must have echoed the secrets back")
	require.NotEmpty(t, res.Metrics.Errors)
	require.NoError(t, files.Save(t.Context(), res))

	outputs := map[string]string{"t.Log lines": tb.log.String()}
	outputs["Redis"] = mr.Dump()
	stored, err := os.ReadFile(filepath.Join(strings.TrimPrefix(fileURL, "file://"), findFile(t, strings.TrimPrefix(fileURL, "file://"), res.ID)))
	require.NoError(t, err)
	outputs["file store"] = string(stored)

	for _, args := range [][]string{
		{"results", res.ID}, {"results", res.ID, "--json"},
		{"recent"}, {"recent", "--json"},
		{"compare", res.ID, res.ID}, {"compare", res.ID, res.ID, "--json"},
	} {
		o := loadreport(t, false, append(args, "--store", redisURL)...)
		require.Equal(t, 0, o.code, "%v: %v", args, o)
		outputs["loadreport "+strings.Join(args, " ")] = o.stdout + o.stderr
	}

	// loadreport run, as the issue typed it: secrets in the URL and in --query.
	runURL := *u
	runURL.Path, runURL.RawQuery = "/", "access_token=s3cr3t-t&key=AIzas3cr3t"
	for _, extra := range [][]string{nil, {"--json"}} {
		args := append([]string{"run", runURL.String(), "-n", "6", "-c", "1", "--query", "auth=s3cr3t-zzz",
			"--header", "Authorization: Bearer s3cr3t-flag", "--store", redisURL}, extra...)
		o := loadreport(t, false, args...)
		require.Equal(t, 0, o.code, "%v", o)
		outputs["loadreport run "+strings.Join(extra, " ")] = o.stdout + o.stderr
	}
	outputs["Redis after loadreport run"] = mr.Dump()

	dash := dashboard.New(dashboard.Config{Store: redis})
	for _, target := range []string{"/", "/runs/" + res.ID, "/compare?base=" + res.ID + "&head=" + res.ID, "/api/runs", "/api/runs/" + res.ID} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = "127.0.0.1:8089"
		rec := httptest.NewRecorder()
		dash.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, "dashboard %s: %s", target, rec.Body)
		outputs["dashboard "+target] = rec.Body.String()
	}

	for what, out := range outputs {
		for _, s := range []string{"s3cr3t", basicCredential} {
			assert.NotContains(t, out, s, "%s shows a secret", what)
		}
	}
	// What is no secret still shows, so the search above looked at real output.
	assert.Contains(t, outputs["loadreport results "+res.ID], "Accept: text/plain")
	assert.Contains(t, outputs["loadreport results "+res.ID], "401")
	assert.Contains(t, outputs["loadreport results "+res.ID+" --json"], `"sort": [`)
	assert.Contains(t, outputs["dashboard /runs/"+res.ID], "rejected")
	assert.Contains(t, outputs["t.Log lines"], "saved to redis://default@"+mr.Addr())
}

// findFile returns the name of the file in dir that holds run id.
func findFile(t *testing.T, dir, id string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.Contains(e.Name(), id) {
			return e.Name()
		}
	}
	t.Fatalf("no file for run %s in %s", id, dir)
	return ""
}
