package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// appRoutes are the routes of a service with every verb, a placeholder,
// an ANY route and a route that needs auth, sorted as Routes sorts them.
func appRoutes() []loadtesting.Route {
	return []loadtesting.Route{
		{Method: "POST", Path: "/api/v1/auth/login", Tags: []string{"auth.login"}, Name: "auth.login"},
		{Method: "POST", Path: "/api/v1/tasks/enqueue", Tags: []string{"tasks"}},
		{Method: "GET", Path: "/api/v1/tasks/status/{task_id}", Params: []string{"task_id"}, Tags: []string{"tasks"}},
		{Method: "DELETE", Path: "/api/v1/tasks/{queue}/{task_id}", Params: []string{"queue", "task_id"}, Auth: true, Tags: []string{"tasks", "admin"}},
		{Method: "PATCH", Path: "/api/v1/users/me", Auth: true, Tags: []string{"users"}},
		{Method: "PUT", Path: "/api/v1/users/me", Auth: true, Tags: []string{"users"}},
		{Method: "ANY", Path: "/debug/echo", Tags: []string{"debug"}},
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
			if err := report.Routes(&buf, tt.routes, opts(tt.color)); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())

			out := buf.String()
			if hasANSI := strings.Contains(out, "\x1b["); hasANSI != tt.color {
				t.Errorf("ANSI codes in output: %v, want %v\n%q", hasANSI, tt.color, out)
			}
			if hasParams := strings.Contains(out, "PARAMS"); hasParams != tt.wantParams {
				t.Errorf("PARAMS column shown: %v, want %v\n%s", hasParams, tt.wantParams, out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(tt.routes) > 0 && len(lines) != 3+len(tt.routes) { // title, blank, header, rows
				t.Errorf("%d lines, want a title, a blank line, a header and %d rows:\n%s", len(lines), len(tt.routes), out)
			}
			for _, l := range lines {
				if strings.HasSuffix(l, " ") {
					t.Errorf("trailing space in %q", l)
				}
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
			if err := report.Routes(&buf, rs, opts(true)); err != nil {
				t.Fatal(err)
			}
			rows := strings.Split(buf.String(), "\n")
			if len(rows) < 4 || !strings.HasPrefix(rows[3], tt.want+" ") {
				t.Errorf("row %q, want it to start with %q", rows[3], tt.want)
			}
			if tt.method == "ANY" && strings.Contains(rows[3], "\x1b[") {
				t.Errorf("ANY should be plain: %q", rows[3])
			}
			buf.Reset()
			if err := report.Routes(&buf, rs, opts(false)); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "\x1b[") {
				t.Errorf("colour off: ANSI codes in %q", buf.String())
			}
		})
	}
}
