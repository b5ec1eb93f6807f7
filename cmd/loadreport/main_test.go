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
	if err != nil {
		t.Fatalf("the go command is needed to build loadreport: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "loadreport")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run loadreport %v: %v", args, err)
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
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Path: path, Requests: 50, Clients: 2, Store: st})
	if err != nil {
		t.Fatal(err)
	}
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
			if o.code != tt.code {
				t.Fatalf("want exit %d, got\n%v", tt.code, o)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(o.stdout, want) {
					t.Errorf("stdout lacks %q:\n%v", want, o)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(o.stderr, want) {
					t.Errorf("stderr lacks %q:\n%v", want, o)
				}
			}
			if (o.stdout != "") != tt.wantStdout {
				t.Errorf("stdout written: %v, want %v\n%v", o.stdout != "", tt.wantStdout, o)
			}
			// stdout is a pipe, not a terminal: no colour, whatever TERM says.
			if strings.Contains(o.stdout+o.stderr, "\x1b[") {
				t.Errorf("ANSI codes without a terminal:\n%q", o.stdout)
			}
			if strings.Contains(o.stderr, "hunter2") {
				t.Errorf("password printed:\n%s", o.stderr)
			}
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
	if o.code != 0 || !strings.Contains(o.stdout, first.ID) || !strings.Contains(o.stdout, corrupt.ID) || !strings.Contains(o.stdout, last.ID) {
		t.Fatalf("recent: want exit 0 listing the 3 runs, got\n%v", o)
	}

	key := "api_load_test:results:" + corrupt.ID
	if err := client.Set(t.Context(), key, "garbage", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	o = run(t, bin, cache, "recent", "--store", storeURL)
	if o.code != 0 {
		t.Fatalf("recent with a corrupt key: want exit 0, got\n%v", o)
	}
	if !strings.Contains(o.stdout, first.ID) || !strings.Contains(o.stdout, last.ID) || strings.Contains(o.stdout, corrupt.ID) {
		t.Errorf("recent should list the other runs only:\n%v", o)
	}
	if !strings.Contains(o.stderr, "warning") || !strings.Contains(o.stderr, key) {
		t.Errorf("stderr should warn naming %s:\n%v", key, o)
	}

	o = run(t, bin, cache, "results", corrupt.ID, "--store", storeURL)
	if o.code != 1 || !strings.Contains(o.stderr, key) || o.stdout != "" {
		t.Errorf("results on the corrupt key: want exit 1 naming %s, got\n%v", key, o)
	}

	// Redis down: recent still answers from the fallback file store, with
	// one warning and none of go-redis's own log lines.
	o = run(t, bin, cache, "recent", "--store", "redis://127.0.0.1:1/0")
	if o.code != 0 || strings.Count(o.stderr, "warning") != 1 || strings.Contains(o.stderr, "pool.go") || strings.Contains(o.stderr, "redis: ") {
		t.Errorf("recent with Redis down: want exit 0 and one warning, got\n%v", o)
	}
}
