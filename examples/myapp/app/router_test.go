package app

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRouter(t *testing.T) {
	const anyString = "<any non-empty string>"
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
		wantType   string
		// wantJSON is the whole body; a value of anyString matches any non-empty string.
		wantJSON map[string]any
		// wantErr is a substring of the "error" value, for bodies with a
		// message we don't pin exactly. Ignored when wantJSON is set.
		wantErr string
	}{
		{"health", "GET", "/health/", "", 200, "application/json",
			map[string]any{"status": "ok"}, ""},
		{"health wrong method", "POST", "/health/", "", 405, "application/json",
			map[string]any{"error": "method POST not allowed on /health/"}, ""},
		{"health without trailing slash", "GET", "/health", "", 404, "application/json",
			map[string]any{"error": "no route for GET /health"}, ""},
		{"unknown path", "GET", "/nope", "", 404, "application/json",
			map[string]any{"error": "no route for GET /nope"}, ""},
		{"unknown path in subrouter", "GET", "/api/v1/users/nope", "", 404, "application/json",
			map[string]any{"error": "no route for GET /api/v1/users/nope"}, ""},

		{"login demo user", "POST", "/api/v1/auth/login", `{"email":"alice@example.com"}`, 200, "application/json",
			map[string]any{"token": anyString, "token_type": "bearer"}, ""},
		{"login other user", "POST", "/api/v1/auth/login", `{"email":"bob@example.com"}`, 200, "application/json",
			map[string]any{"token": anyString, "token_type": "bearer"}, ""},
		{"login unknown user", "POST", "/api/v1/auth/login", `{"email":"mallory@example.com"}`, 401, "application/json",
			map[string]any{"error": "unknown user"}, ""},
		{"login email differs in case", "POST", "/api/v1/auth/login", `{"email":"Alice@example.com"}`, 401, "application/json",
			map[string]any{"error": "unknown user"}, ""},
		{"login without email", "POST", "/api/v1/auth/login", `{}`, 401, "application/json",
			map[string]any{"error": "unknown user"}, ""},
		{"login bad JSON", "POST", "/api/v1/auth/login", `{"email":`, 400, "application/json",
			nil, "invalid JSON body: unexpected EOF"},
		{"login empty body", "POST", "/api/v1/auth/login", "", 400, "application/json",
			map[string]any{"error": "invalid JSON body: request body is empty"}, ""},
		{"login trailing data", "POST", "/api/v1/auth/login", `{"email":"alice@example.com"} {}`, 400, "application/json",
			map[string]any{"error": "invalid JSON body: unexpected data after the JSON object"}, ""},
		{"login email not a string", "POST", "/api/v1/auth/login", `{"email":42}`, 400, "application/json",
			nil, "email"},
		{"login wrong method", "GET", "/api/v1/auth/login", "", 405, "application/json",
			map[string]any{"error": "method GET not allowed on /api/v1/auth/login"}, ""},

		{"me without token", "GET", "/api/v1/users/me", "", 401, "application/json",
			map[string]any{"error": "missing or invalid bearer token"}, ""},
		{"me wrong method", "POST", "/api/v1/users/me", "", 405, "application/json",
			map[string]any{"error": "method POST not allowed on /api/v1/users/me"}, ""},

		{"status of unknown task", "GET", "/api/v1/tasks/status/task-42", "", 200, "application/json",
			map[string]any{"task_id": "task-42", "status": "unknown"}, ""},
		{"status without id", "GET", "/api/v1/tasks/status/", "", 404, "application/json",
			map[string]any{"error": "no route for GET /api/v1/tasks/status/"}, ""},
		{"enqueue", "POST", "/api/v1/tasks/enqueue", `{"queue":"emails","task":"send-welcome"}`, 202, "application/json",
			map[string]any{"task_id": anyString, "queue": "emails", "task": "send-welcome"}, ""},
		{"enqueue bad JSON", "POST", "/api/v1/tasks/enqueue", `{"queue":"emails",`, 400, "application/json",
			nil, "invalid JSON body"},
		{"enqueue missing task", "POST", "/api/v1/tasks/enqueue", `{"queue":"emails"}`, 400, "application/json",
			map[string]any{"error": `missing or empty field "task"`}, ""},
		{"enqueue wrong method", "GET", "/api/v1/tasks/enqueue", "", 405, "application/json",
			map[string]any{"error": "method GET not allowed on /api/v1/tasks/enqueue"}, ""},

		{"events zero count", "GET", "/events/worker/stream?count=0", "", 400, "application/json",
			map[string]any{"error": `count "0": must be a positive integer`}, ""},
		{"events count not a number", "GET", "/events/worker/stream?count=many", "", 400, "application/json",
			map[string]any{"error": `count "many": must be a positive integer`}, ""},
		{"events one event", "GET", "/events/worker/stream?count=1", "", 200, "text/event-stream",
			nil, ""},
		{"events wrong method", "POST", "/events/worker/stream", "", 405, "application/json",
			map[string]any{"error": "method POST not allowed on /events/worker/stream"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, Router(), tt.method, tt.target, tt.body, "")
			assert.Equal(t, tt.wantStatus, rec.Code, "status; body %s", rec.Body)
			assert.Equal(t, tt.wantType, rec.Header().Get("Content-Type"), "Content-Type")
			if tt.wantType != "application/json" {
				return // the event stream is checked in events_test.go
			}
			got := decodeBody(t, rec)
			if tt.wantJSON == nil {
				msg, _ := got["error"].(string)
				assert.Contains(t, msg, tt.wantErr, "body %s: the error", rec.Body)
				assert.Len(t, got, 1, "body %s: want only an error", rec.Body)
				return
			}
			for k, v := range tt.wantJSON {
				if s, ok := got[k].(string); v == anyString && ok && s != "" {
					got[k] = anyString
				}
			}
			if diff := cmp.Diff(tt.wantJSON, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouter_walk(t *testing.T) {
	type route struct{ Path, Methods string }
	want := map[string]route{
		"health":        {"/health/", "GET"},
		"auth.login":    {"/api/v1/auth/login", "POST"},
		"users.me":      {"/api/v1/users/me", "GET"},
		"tasks.status":  {"/api/v1/tasks/status/{task_id}", "GET"},
		"tasks.enqueue": {"/api/v1/tasks/enqueue", "POST"},
		"events.worker": {"/events/worker/stream", "GET"},
	}

	r, ok := Router().(*mux.Router)
	require.True(t, ok, "Router() is %T, want *mux.Router", Router())
	got := map[string]route{}
	err := r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		methods, err := rt.GetMethods()
		if err != nil {
			return nil // a PathPrefix for a subrouter, not an endpoint
		}
		path, err := rt.GetPathTemplate()
		if err != nil {
			return err
		}
		got[rt.GetName()] = route{path, strings.Join(methods, ",")}
		return nil
	})
	require.NoError(t, err, "Walk")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

func TestUsers(t *testing.T) {
	want := []string{"alice@example.com", "bob@example.com"}
	got := Users()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Users() (-want +got):\n%s", diff)
	}
	assert.Contains(t, got, DemoUser, "Users() must contain DemoUser")
	got[0] = "changed"
	assert.Equal(t, "alice@example.com", Users()[0], "changing the slice Users returned changed the next call's result")
}
