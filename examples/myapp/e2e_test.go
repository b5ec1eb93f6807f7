package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// binary is the myapp binary built for one test, and the environment its
// processes run in: a temporary HOME and cache, so the default store is
// the test's own.
type binary struct {
	path string
	env  []string
}

// build compiles myapp into a temporary directory.
func build(t *testing.T) binary {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the myapp binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "myapp")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", path, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), loadtesting.StoreEnv+"=", "NO_COLOR=")
	return binary{path, env}
}

// run runs the binary with args to completion.
func (b binary) run(t *testing.T, args ...string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(t.Context(), b.path, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = b.env, &out, &errOut
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err, "myapp %v", args)
	}
	return outcome{code, out.String(), errOut.String()}
}

// serve starts `myapp serve` on a free loopback port, waits until it
// answers /health/, and returns its base URL. The server is interrupted,
// and waited for, when the test ends.
func (b binary) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()

	logPath := filepath.Join(t.TempDir(), "serve.log")
	log, err := os.Create(logPath)
	require.NoError(t, err)
	defer log.Close()
	cmd := exec.Command(b.path, "serve", "--addr", addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = b.env, log, log
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			assert.NoError(t, err, "myapp serve did not exit cleanly on SIGINT")
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			assert.Fail(t, "myapp serve did not stop within 10s of SIGINT")
		}
	})

	base := "http://" + addr
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(base + "/health/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			exited <- err // for the cleanup
			require.FailNow(t, "myapp serve exited", "%v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			require.FailNow(t, "myapp serve does not answer /health/ after 20s", "%s/health/: last error %v\n%s", base, err, out)
		}
	}
}

var runID = regexp.MustCompile(`myapp api-load-test results (\S+)\n`)

// TestEndToEnd starts `myapp serve` and loads it out of process with
// `myapp api-load-test run`, as a user would.
func TestEndToEnd(t *testing.T) {
	bin := build(t)
	base := bin.serve(t)
	store := "file://" + filepath.ToSlash(t.TempDir())

	// 1. The health check, over HTTP.
	health := bin.run(t, "api-load-test", "run", "/health/", "--base-url", base, "-n", "200", "-c", "5", "--store", store)
	require.Equal(t, 0, health.code, "run /health/: exit code; the run:\n%v", health)
	for _, want := range []string{"GET /health/  run ", "Target        " + base + "/health/ (over HTTP/1.1)", "Requests      200", "Succeeded     200 (100.0%)", "Clients       5"} {
		assert.Contains(t, health.stdout, want, "report")
	}
	m := runID.FindStringSubmatch(health.stderr)
	require.NotNil(t, m, "stderr should name the run:\n%s", health.stderr)
	require.True(t, strings.HasPrefix(health.stderr, "Saved to "+store+": "), "stderr should say where the run was saved:\n%s", health.stderr)
	healthID := m[1]

	// 2. An authenticated route, logging in through the server.
	me := bin.run(t, "api-load-test", "run", "/api/v1/users/me", "--auth-as", "alice@example.com", "--base-url", base, "-n", "200", "-c", "5", "--store", store, "--json")
	require.Equal(t, 0, me.code, "run /api/v1/users/me --auth-as: exit code; the run:\n%v", me)
	res := me.result(t)
	assert.Equal(t, int64(200), res.Metrics.Requests, "--auth-as run: requests")
	assert.Equal(t, int64(200), res.Metrics.Succeeded, "--auth-as run: succeeded")
	assert.Equal(t, map[int]int64{200: 200}, res.Metrics.StatusCodes, "--auth-as run: statuses")
	assert.False(t, res.InProcess, "--auth-as run: want over HTTP")
	assert.Equal(t, base+"/api/v1/users/me", res.URL, "target")
	assert.Equal(t, loadtesting.Redacted, res.Config.Headers.Get("Authorization"), "stored Authorization")

	// Without --auth-as the same route answers 401 to every request, and
	// the run still completes.
	anon := bin.run(t, "api-load-test", "run", "/api/v1/users/me", "--base-url", base, "-n", "20", "--store", store, "--json")
	require.Equal(t, 0, anon.code, "run /api/v1/users/me without a login: exit code; the run:\n%v", anon)
	r := anon.result(t)
	assert.Equal(t, int64(20), r.Metrics.StatusCodes[401], "without a login: 401s; statuses %v", r.Metrics.StatusCodes)
	assert.Equal(t, int64(20), r.Metrics.Failed, "without a login: failed")

	// 3. The token from `auth login` works against the server.
	login := bin.run(t, "auth", "login", "alice@example.com", "--print-token", "--base-url", base)
	token := strings.TrimSuffix(login.stdout, "\n")
	require.Equal(t, 0, login.code, "auth login --print-token: exit code; the run:\n%v", login)
	require.NotEmpty(t, token, "auth login --print-token: want one token, got\n%v", login)
	require.False(t, strings.ContainsAny(token, " \n"), "auth login --print-token: want one token, got\n%v", login)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "GET /api/v1/users/me with the printed token: %s", body)
	assert.Contains(t, string(body), `"alice@example.com"`, "GET /api/v1/users/me with the printed token")
	o := bin.run(t, "auth", "login", "mallory@example.com", "--base-url", base)
	assert.Equal(t, 1, o.code, "auth login as an unknown user: exit code; the run:\n%v", o)
	assert.Contains(t, o.stderr, "Error: login mallory@example.com: unknown user", "auth login as an unknown user")

	// 4. Both runs are in the store.
	recent := bin.run(t, "api-load-test", "recent", "--store", store)
	require.Equal(t, 0, recent.code, "recent: exit code; the run:\n%v", recent)
	for _, id := range []string{healthID, res.ID} {
		assert.Contains(t, recent.stdout, id, "recent must list the run")
	}
	o = bin.run(t, "api-load-test", "results", healthID, "--store", store)
	assert.Equal(t, 0, o.code, "results %s: exit code; the run:\n%v", healthID, o)
	assert.Contains(t, o.stdout, "run "+healthID, "results %s: want its report", healthID)
	assert.Contains(t, o.stdout, "Requests      200", "results %s: want its report", healthID)

	// 5. Misuse through the real binary: exit 2 and one line of help.
	o = bin.run(t, "api-load-test", "run", "/health/", "--base-url", base, "--bogus")
	assert.Equal(t, 2, o.code, "unknown flag: exit code; the run:\n%v", o)
	assert.Equal(t, "Error: unknown flag: --bogus\nRun 'myapp api-load-test run --help' for usage.\n", o.stderr, "unknown flag: want one help line")
}

// TestProgressBar checks that `run` draws its progress bar when stderr is
// a terminal (a pseudo-terminal here) and leaves no trace of it in a pipe.
func TestProgressBar(t *testing.T) {
	bin := build(t)
	store := "file://" + filepath.ToSlash(t.TempDir())
	// 60 requests at 60 per second: the bar is redrawn for about a second.
	args := []string{"api-load-test", "run", "/health/", "--in-process", "-n", "60", "--rate", "60", "-c", "2", "--store", store}
	bar := regexp.MustCompile(`[\d.]+ req/s, 0 errors .*\(\d+/60\)`)

	t.Run("terminal", func(t *testing.T) {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptmx.Close()
		var stdout bytes.Buffer
		cmd := exec.CommandContext(t.Context(), bin.path, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = bin.env, &stdout, tty
		if err := cmd.Start(); err != nil {
			tty.Close()
			require.NoError(t, err)
		}
		tty.Close() // the child holds its own copy
		var stderr bytes.Buffer
		read := make(chan struct{})
		go func() {
			defer close(read)
			_, _ = io.Copy(&stderr, ptmx) // ends with EIO once the child exits
		}()
		err = cmd.Wait()
		<-read
		require.NoError(t, err, "myapp\n--- stdout\n%s--- terminal\n%q", stdout.String(), stderr.String())
		assert.Regexp(t, bar, stderr.String(), "no progress bar on the terminal")
		assert.NotRegexp(t, bar, stdout.String(), "stdout should hold no bar")
		assert.Contains(t, stdout.String(), "Requests      60", "stdout should hold the report")
	})

	t.Run("pipe", func(t *testing.T) {
		o := bin.run(t, args...)
		require.Equal(t, 0, o.code, "exit code; the run:\n%v", o)
		assert.NotRegexp(t, bar, o.stderr, "progress in a pipe")
		assert.NotContains(t, o.stderr, "req/s", "progress in a pipe")
		assert.NotContains(t, o.stderr, "\r", "progress in a pipe")
		assert.True(t, strings.HasPrefix(o.stderr, "Saved to "+store), "stderr should hold only the Saved line:\n%q", o.stderr)
		assert.Equal(t, 1, strings.Count(o.stderr, "\n"), "stderr should hold only the Saved line:\n%q", o.stderr)
		assert.Contains(t, o.stdout, "Requests      60", "stdout lacks the report")
	})
}
