package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// appRoutes are the routes of a service with every verb, a placeholder,
// an ANY route, a route that needs auth and a stream of server-sent
// events, sorted as Routes sorts them.
func appRoutes() []loadtesting.Route {
	return []loadtesting.Route{
		{Method: "POST", Path: "/api/v1/auth/login", Tags: []string{"auth.login"}, Name: "auth.login"},
		{Method: "POST", Path: "/api/v1/tasks/enqueue", Tags: []string{"tasks"}},
		{Method: "GET", Path: "/api/v1/tasks/status/{task_id}", Params: []string{"task_id"}, Tags: []string{"tasks"}},
		{Method: "DELETE", Path: "/api/v1/tasks/{queue}/{task_id}", Params: []string{"queue", "task_id"}, Auth: true, Tags: []string{"tasks", "admin"}},
		{Method: "PATCH", Path: "/api/v1/users/me", Auth: true, Tags: []string{"users"}},
		{Method: "PUT", Path: "/api/v1/users/me", Auth: true, Tags: []string{"users"}},
		{Method: "ANY", Path: "/debug/echo", Tags: []string{"debug"}},
		{Method: "GET", Path: "/events/worker/stream", Tags: []string{"events.worker"}, Name: "events.worker", Stream: true},
		{Method: "GET", Path: "/health/", Tags: []string{"health"}},
	}
}

// withoutParams is appRoutes minus the routes that have placeholders.
func withoutParams() []loadtesting.Route {
	var out []loadtesting.Route
	for _, r := range appRoutes() {
		if len(r.Params) == 0 {
			out = append(out, r)
		}
	}
	return out
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name       string
		routes     []loadtesting.Route
		color      bool
		wantParams bool // whether the PARAMS column is shown
	}{
		{"routes", appRoutes(), false, true},
		{"routes_color", appRoutes(), true, true},
		{"routes_noparams", withoutParams(), false, false},
		{"routes_one", []loadtesting.Route{{Method: "GET", Path: "/", Tags: nil}}, false, false},
		{"routes_empty", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.Routes(&buf, tt.routes, opts(tt.color)))
			golden(t, tt.name, buf.Bytes())

			out := buf.String()
			assert.Equal(t, tt.color, strings.Contains(out, "\x1b["), "ANSI codes in output:\n%q", out)
			assert.Equal(t, tt.wantParams, strings.Contains(out, "PARAMS"), "PARAMS column shown:\n%s", out)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(tt.routes) > 0 { // title, blank, header, rows
				assert.Len(t, lines, 3+len(tt.routes), "a title, a blank line, a header and a row per route:\n%s", out)
			}
			for _, l := range lines {
				assert.False(t, strings.HasSuffix(l, " "), "trailing space in %q", l)
			}
		})
	}
}

// TestRoutes_methodColors checks each verb's colour: GET blue, POST green,
// PUT yellow, PATCH magenta, DELETE red, anything else plain.
func TestRoutes_methodColors(t *testing.T) {
	tests := []struct {
		method string
		want   string // how the METHOD cell is written
	}{
		{"GET", "\x1b[34mGET\x1b[0m"},
		{"POST", "\x1b[32mPOST\x1b[0m"},
		{"PUT", "\x1b[33mPUT\x1b[0m"},
		{"PATCH", "\x1b[35mPATCH\x1b[0m"},
		{"DELETE", "\x1b[31mDELETE\x1b[0m"},
		{"ANY", "ANY"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			var buf bytes.Buffer
			rs := []loadtesting.Route{{Method: tt.method, Path: "/x"}}
			require.NoError(t, report.Routes(&buf, rs, opts(true)))
			rows := strings.Split(buf.String(), "\n")
			require.GreaterOrEqual(t, len(rows), 4, "title, blank, header, row:\n%q", buf.String())
			assert.True(t, strings.HasPrefix(rows[3], tt.want+" "), "row %q, want it to start with %q", rows[3], tt.want)
			if tt.method == "ANY" {
				assert.NotContains(t, rows[3], "\x1b[", "ANY is plain")
			}
			buf.Reset()
			require.NoError(t, report.Routes(&buf, rs, opts(false)))
			assert.NotContains(t, buf.String(), "\x1b[", "colour off")
		})
	}
}

// TestRoutes_stream checks that a route that answers server-sent events is
// tagged STREAM after its own tags (cyan on a terminal), and no other is.
func TestRoutes_stream(t *testing.T) {
	tests := []struct {
		name  string
		route loadtesting.Route
		color bool
		want  string // the row, after METHOD and PATH
	}{
		{"with tags", loadtesting.Route{Method: "GET", Path: "/events", Tags: []string{"events", "live"}, Stream: true}, false, "events, live, STREAM"},
		{"without tags", loadtesting.Route{Method: "GET", Path: "/", Stream: true}, false, "STREAM"},
		{"colour", loadtesting.Route{Method: "GET", Path: "/events", Tags: []string{"events"}, Stream: true}, true, "events, \x1b[36mSTREAM\x1b[0m"},
		{"not a stream", loadtesting.Route{Method: "GET", Path: "/events", Tags: []string{"events"}}, false, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.Routes(&buf, []loadtesting.Route{tt.route}, opts(tt.color)))
			rows := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			require.Len(t, rows, 4, "title, blank, header, row:\n%q", buf.String())
			assert.True(t, strings.HasSuffix(rows[3], " "+tt.want), "row %q, want it to end with %q", rows[3], tt.want)
			assert.Equal(t, tt.route.Stream, strings.Contains(rows[3], "STREAM"), "row %q", rows[3])
		})
	}
}
