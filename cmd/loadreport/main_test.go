package main_test

// These tests build the real loadreport binary and run it as a process, to
// check what only a process shows: exit codes from os.Exit, the real
// stdout/stderr split, no colour when stdout is not a terminal, and the
// warnings the store writes to stderr.

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apiload/apiload/internal/testredis"
	"github.com/apiload/apiload/loadtesting"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// redisDB is this package's database on the shared test server (see package
// testredis).
const redisDB = 10

// build compiles loadreport into a temporary directory and returns its path.
func build(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build loadreport")
	bin := filepath.Join(t.TempDir(), "loadreport")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return bin
}

type outcome struct {
	code           int
	stdout, stderr string
}

// run runs bin with args in an environment of its own: the user cache
// directory (the default file store) in cache, no APILOAD_STORE, NO_COLOR
// unset so that only the missing terminal turns colour off.
func run(t *testing.T, bin, cache string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case loadtesting.StoreEnv, "NO_COLOR", "XDG_CACHE_HOME", "HOME":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+cache, "HOME="+cache, "TERM=xterm-256color")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err, "run loadreport %v", args)
	}
	return outcome{code, stdout.String(), stderr.String()}
}

func (o outcome) String() string {
	return "exit " + strconv.Itoa(o.code) + "\n--- stdout\n" + o.stdout + "--- stderr\n" + o.stderr
}

// save runs a real load in-process and saves it to the store at storeURL.
func save(t *testing.T, storeURL string, h http.Handler, path string) *loadtesting.Result {
	t.Helper()
	st, err := loadtesting.OpenStore(storeURL)
	require.NoError(t, err)
	defer st.Close()
	r, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Path: path, Requests: 50, Clients: 2, Store: st})
	require.NoError(t, err)
	return r
}

var (
	ok   = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	fail = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
)

func TestBinary(t *testing.T) {
	bin := build(t)
	cache := t.TempDir()
	storeDir := t.TempDir()
	store := "file://" + filepath.ToSlash(storeDir)
	good := save(t, store, ok, "/health/")
	bad := save(t, store, fail, "/health/")
	missing := "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "x"))

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     []string
		wantStdout bool
	}{
		{"help", []string{"--help"}, 0, []string{"Usage:", "recent", "results", "compare", "--store URL"}, nil, true},
		{"results of an unknown id", []string{"results", "nope", "--store", missing}, 1, nil,
			[]string{"Error: result nope: not found", "results expire after 24h"}, false},
		{"unknown flag", []string{"recent", "--bogus"}, 2, nil,
			[]string{"Error: unknown flag: --bogus\nRun 'loadreport recent --help' for usage.\n"}, false},
		{"bad store URL", []string{"recent", "--store", "ftp://u:hunter2@example.com/0"}, 2, nil,
			[]string{`Error: --store "ftp://u:xxxxx@example.com/0": unknown scheme "ftp"`}, false},
		{"bad max-regression", []string{"compare", "a", "b", "--max-regression", "x"}, 2, nil, []string{`"--max-regression" flag`}, false},
		{"recent", []string{"recent", "--store", store}, 0, []string{"TEST ID", good.ID, bad.ID, "100.0%"}, nil, true},
		{"results", []string{"results", bad.ID, "--store", store}, 0, []string{bad.ID, "500     50", "boom"}, nil, true},
		{"compare without regression", []string{"compare", good.ID, good.ID, "--store", store}, 0, []string{"vs base", "~"}, nil, true},
		{"compare with regression", []string{"compare", good.ID, bad.ID, "--store", store}, 1,
			[]string{"(regressed)"}, []string{"Error: regressed beyond --max-regression 10%:", "error rate +100.00 pt"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, bin, cache, tt.args...)
			require.Equal(t, tt.code, o.code, "exit code; the run:\n%v", o)
			for _, want := range tt.stdout {
				assert.Contains(t, o.stdout, want, "stdout; the run:\n%v", o)
			}
			for _, want := range tt.stderr {
				assert.Contains(t, o.stderr, want, "stderr; the run:\n%v", o)
			}
			assert.Equal(t, tt.wantStdout, o.stdout != "", "stdout written; the run:\n%v", o)
			// stdout is a pipe, not a terminal: no colour, whatever TERM says.
			assert.NotContains(t, o.stdout+o.stderr, "\x1b[", "ANSI codes without a terminal")
			assert.NotContains(t, o.stderr, "hunter2", "password printed")
		})
	}
}

// TestBinary_redis runs the binary against a real redis-server from
// APILOAD_TEST_REDIS_URL, in a database of its own (redisDB), flushed first.
func TestBinary_redis(t *testing.T) {
	storeURL := testredis.SharedURL(t, redisDB)
	client := testredis.Client(t, storeURL)
	// Build before moving the cache directory: go build keeps its own cache there.
	bin := build(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // the fallback file store of the runs saved here
	t.Setenv("HOME", cache)

	first := save(t, storeURL, ok, "/health/")
	corrupt := save(t, storeURL, fail, "/api/v1/tasks")
	last := save(t, storeURL, ok, "/api/v1/users")

	o := run(t, bin, cache, "recent", "--store", storeURL)
	require.Equal(t, 0, o.code, "recent: exit code; the run:\n%v", o)
	for _, id := range []string{first.ID, corrupt.ID, last.ID} {
		require.Contains(t, o.stdout, id, "recent: want the 3 runs listed")
	}

	key := "api_load_test:results:" + corrupt.ID
	require.NoError(t, client.Set(t.Context(), key, "garbage", time.Hour).Err())
	o = run(t, bin, cache, "recent", "--store", storeURL)
	require.Equal(t, 0, o.code, "recent with a corrupt key: exit code; the run:\n%v", o)
	assert.Contains(t, o.stdout, first.ID, "recent should list the other runs")
	assert.Contains(t, o.stdout, last.ID, "recent should list the other runs")
	assert.NotContains(t, o.stdout, corrupt.ID, "recent should not list the corrupt run")
	assert.Contains(t, o.stderr, "warning", "stderr should warn naming %s", key)
	assert.Contains(t, o.stderr, key, "stderr should warn naming %s", key)

	o = run(t, bin, cache, "results", corrupt.ID, "--store", storeURL)
	assert.Equal(t, 1, o.code, "results on the corrupt key: exit code; the run:\n%v", o)
	assert.Contains(t, o.stderr, key, "results on the corrupt key: stderr must name the key")
	assert.Empty(t, o.stdout, "results on the corrupt key: stdout")

	// Redis down: recent still answers from the fallback file store, with
	// one warning and none of go-redis's own log lines.
	o = run(t, bin, cache, "recent", "--store", "redis://127.0.0.1:1/0")
	assert.Equal(t, 0, o.code, "recent with Redis down: exit code; the run:\n%v", o)
	assert.Equal(t, 1, strings.Count(o.stderr, "warning"), "recent with Redis down: warnings; the run:\n%v", o)
	assert.NotContains(t, o.stderr, "pool.go", "recent with Redis down: go-redis's own log")
	assert.NotContains(t, o.stderr, "redis: ", "recent with Redis down: go-redis's own log")
}
