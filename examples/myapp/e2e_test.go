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
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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
	} else if err != nil {
		t.Fatalf("myapp %v: %v", args, err)
	}
	return outcome{code, out.String(), errOut.String()}
}

// serve starts `myapp serve` on a free loopback port, waits until it
// answers /health/, and returns its base URL. The server is interrupted,
// and waited for, when the test ends.
func (b binary) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	logPath := filepath.Join(t.TempDir(), "serve.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(b.path, "serve", "--addr", addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = b.env, log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("myapp serve did not exit cleanly on SIGINT: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Error("myapp serve did not stop within 10s of SIGINT")
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
			t.Fatalf("myapp serve exited: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("myapp serve does not answer %s/health/ after 20s (last error %v)\n%s", base, err, out)
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
	if health.code != 0 {
		t.Fatalf("run /health/: want exit 0, got\n%v", health)
	}
	for _, want := range []string{"GET /health/  run ", "Target        " + base + "/health/ (over HTTP/1.1)", "Requests      200", "Succeeded     200 (100.0%)", "Clients       5"} {
		if !strings.Contains(health.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, health.stdout)
		}
	}
	m := runID.FindStringSubmatch(health.stderr)
	if m == nil || !strings.HasPrefix(health.stderr, "Saved to "+store+": ") {
		t.Fatalf("stderr should say where the run was saved:\n%s", health.stderr)
	}
	healthID := m[1]

	// 2. An authenticated route, logging in through the server.
	me := bin.run(t, "api-load-test", "run", "/api/v1/users/me", "--auth-as", "alice@example.com", "--base-url", base, "-n", "200", "-c", "5", "--store", store, "--json")
	if me.code != 0 {
		t.Fatalf("run /api/v1/users/me --auth-as: want exit 0, got\n%v", me)
	}
	res := me.result(t)
	if res.Metrics.Requests != 200 || res.Metrics.Succeeded != 200 || res.Metrics.StatusCodes[200] != 200 || res.InProcess {
		t.Errorf("--auth-as run: %d requests, %d succeeded, statuses %v, in-process %v; want 200 over HTTP, all 200 OK",
			res.Metrics.Requests, res.Metrics.Succeeded, res.Metrics.StatusCodes, res.InProcess)
	}
	if res.URL != base+"/api/v1/users/me" {
		t.Errorf("target %q, want %q", res.URL, base+"/api/v1/users/me")
	}
	if h := res.Config.Headers.Get("Authorization"); h != loadtesting.Redacted {
		t.Errorf("stored Authorization %q, want %q", h, loadtesting.Redacted)
	}

	// Without --auth-as the same route answers 401 to every request, and
	// the run still completes.
	anon := bin.run(t, "api-load-test", "run", "/api/v1/users/me", "--base-url", base, "-n", "20", "--store", store, "--json")
	if anon.code != 0 {
		t.Fatalf("run /api/v1/users/me without a login: want exit 0, got\n%v", anon)
	}
	if r := anon.result(t); r.Metrics.StatusCodes[401] != 20 || r.Metrics.Failed != 20 {
		t.Errorf("without a login: statuses %v, %d failed; want 20×401", r.Metrics.StatusCodes, r.Metrics.Failed)
	}

	// 3. The token from `auth login` works against the server.
	login := bin.run(t, "auth", "login", "alice@example.com", "--print-token", "--base-url", base)
	token := strings.TrimSuffix(login.stdout, "\n")
	if login.code != 0 || token == "" || strings.ContainsAny(token, " \n") {
		t.Fatalf("auth login --print-token: want exit 0 and one token, got\n%v", login)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"alice@example.com"`) {
		t.Errorf("GET /api/v1/users/me with the printed token: %s %s", resp.Status, body)
	}
	if o := bin.run(t, "auth", "login", "mallory@example.com", "--base-url", base); o.code != 1 || !strings.Contains(o.stderr, "Error: login mallory@example.com: unknown user") {
		t.Errorf("auth login as an unknown user: want exit 1 naming the user, got\n%v", o)
	}

	// 4. Both runs are in the store.
	recent := bin.run(t, "api-load-test", "recent", "--store", store)
	if recent.code != 0 {
		t.Fatalf("recent: want exit 0, got\n%v", recent)
	}
	for _, id := range []string{healthID, res.ID} {
		if !strings.Contains(recent.stdout, id) {
			t.Errorf("recent does not list run %s:\n%s", id, recent.stdout)
		}
	}
	if o := bin.run(t, "api-load-test", "results", healthID, "--store", store); o.code != 0 || !strings.Contains(o.stdout, "run "+healthID) || !strings.Contains(o.stdout, "Requests      200") {
		t.Errorf("results %s: want its report, got\n%v", healthID, o)
	}

	// 5. Misuse through the real binary: exit 2 and one line of help.
	if o := bin.run(t, "api-load-test", "run", "/health/", "--base-url", base, "--bogus"); o.code != 2 ||
		o.stderr != "Error: unknown flag: --bogus\nRun 'myapp api-load-test run --help' for usage.\n" {
		t.Errorf("unknown flag: want exit 2 and one help line, got\n%v", o)
	}
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
			t.Fatal(err)
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
		if err != nil {
			t.Fatalf("myapp: %v\n--- stdout\n%s--- terminal\n%q", err, stdout.String(), stderr.String())
		}
		if !bar.MatchString(stderr.String()) {
			t.Errorf("no progress bar on the terminal:\n%q", stderr.String())
		}
		if bar.MatchString(stdout.String()) || !strings.Contains(stdout.String(), "Requests      60") {
			t.Errorf("stdout should hold the report and no bar:\n%s", stdout.String())
		}
	})

	t.Run("pipe", func(t *testing.T) {
		o := bin.run(t, args...)
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
		if bar.MatchString(o.stderr) || strings.Contains(o.stderr, "req/s") || strings.Contains(o.stderr, "\r") {
			t.Errorf("progress in a pipe:\n%q", o.stderr)
		}
		if !strings.HasPrefix(o.stderr, "Saved to "+store) || strings.Count(o.stderr, "\n") != 1 {
			t.Errorf("stderr should hold only the Saved line:\n%q", o.stderr)
		}
		if !strings.Contains(o.stdout, "Requests      60") {
			t.Errorf("stdout lacks the report:\n%s", o.stdout)
		}
	})
}
