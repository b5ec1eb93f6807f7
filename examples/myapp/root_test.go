package main

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun_inProcess runs myapp's commands in-process: the exit codes, the
// one help line after misuse, and runs against the app's own handler.
func TestRun_inProcess(t *testing.T) {
	store := isolate(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string // substrings
		wantStderr string   // substring; for exit 2, the whole Error line
		wantHelp   string   // the command the help line names; "" for none
	}{
		{"list", []string{"api-load-test", "list"}, 0,
			[]string{"Discovered 6 routes", "GET     /api/v1/users/me                yes", "task_id"}, "", ""},
		{"run in-process", []string{"api-load-test", "run", "/health/", "--in-process", "-n", "50", "-c", "5", "--store", store}, 0,
			[]string{"Target        /health/ (in-process)", "Requests      50", "Succeeded     50 (100.0%)"}, "Saved to " + store, ""},
		{"run with a path param", []string{"api-load-test", "run", "/api/v1/tasks/status/{task_id}", "-p", "task_id=abc-123", "-n", "20", "--in-process", "--store", store}, 0,
			[]string{"Target        /api/v1/tasks/status/abc-123 (in-process)", "Succeeded     20 (100.0%)"}, "", ""},
		{"run with a payload", []string{"api-load-test", "run", "/api/v1/tasks/enqueue", "--payload", `{"queue": "load_test", "task": "ping"}`, "-n", "20", "--in-process", "--store", store}, 0,
			[]string{"POST /api/v1/tasks/enqueue", "Succeeded     20 (100.0%)", "202"}, "", ""},
		{"auth route without a login", []string{"api-load-test", "run", "/api/v1/users/me", "-n", "20", "--in-process", "--store", store}, 0,
			[]string{"Failed        20 (100.0%)", "401"}, "", ""},
		{"--auth-as", []string{"api-load-test", "run", "/api/v1/users/me", "--auth-as", "alice@example.com", "-n", "20", "--in-process", "--store", store}, 0,
			[]string{"Succeeded     20 (100.0%)"}, "", ""},

		{"--auth-as refused", []string{"api-load-test", "run", "/api/v1/users/me", "--auth-as", "mallory@example.com", "--in-process", "--store", store}, 1,
			nil, "Error: --auth-as mallory@example.com: login refused: login mallory@example.com: unknown user\n", ""},
		{"default server not running", []string{"api-load-test", "run", "/health/", "--base-url", closedURL, "--store", store}, 1,
			nil, "Error: cannot reach " + closedURL, ""},
		{"serve on a busy address", []string{"serve", "--addr", busy.Addr().String()}, 1,
			nil, "address already in use", ""},
		{"auth login, server not running", []string{"auth", "login", "alice@example.com", "--base-url", closedURL}, 1,
			nil, "connection refused", ""},

		{"unknown command", []string{"bogus"}, 2, nil, `Error: unknown command "bogus" for "myapp"`, "myapp"},
		{"serve: unknown flag", []string{"serve", "--bogus"}, 2, nil, "Error: unknown flag: --bogus", "myapp serve"},
		{"serve: an argument", []string{"serve", "now"}, 2, nil, `Error: unknown command "now" for "myapp serve"`, "myapp serve"},
		{"auth login: no email", []string{"auth", "login"}, 2, nil, "Error: want one EMAIL argument, got 0", "myapp auth login"},
		{"auth login: bad flag", []string{"auth", "login", "a@example.com", "--print-tokens"}, 2, nil, "Error: unknown flag: --print-tokens", "myapp auth login"},
		{"run: unknown flag", []string{"api-load-test", "run", "/health/", "--bogus"}, 2, nil, "Error: unknown flag: --bogus", "myapp api-load-test run"},
		{"run: missing placeholder", []string{"api-load-test", "run", "/api/v1/tasks/status/{task_id}", "--in-process"}, 2, nil,
			`Error: path "/api/v1/tasks/status/{task_id}": no value for placeholder "task_id" (set --path-param NAME=VALUE)`, "myapp api-load-test run"},
		{"list: unknown flag", []string{"api-load-test", "list", "--bogus"}, 2, nil, "Error: unknown flag: --bogus", "myapp api-load-test list"},
		{"recent: bad store", []string{"api-load-test", "recent", "--store", "ftp://x"}, 2, nil, `Error: --store "ftp://x": unknown scheme "ftp" (want redis://[user:pass@]host:port/db, rediss://..., file:///abs/dir or none)`, "myapp api-load-test recent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := myapp(t, tt.args...)
			require.Equal(t, tt.wantCode, o.code, "exit code; the run:\n%v", o)
			for _, w := range tt.wantStdout {
				assert.Contains(t, o.stdout, w, "stdout")
			}
			assert.Contains(t, o.stderr, tt.wantStderr, "stderr")
			if tt.wantHelp != "" {
				want := tt.wantStderr + "\nRun '" + tt.wantHelp + " --help' for usage.\n"
				assert.Equal(t, want, o.stderr, "stderr: want the Error line and one help line")
				assert.Empty(t, o.stdout, "stdout")
			} else {
				assert.NotContains(t, o.stderr, "--help", "a help line after exit %d", o.code)
			}
			if o.code != 0 {
				assert.Equal(t, 1, strings.Count(o.stderr, "Error: "), "the error should be printed once:\n%s", o.stderr)
			}
		})
	}
}
