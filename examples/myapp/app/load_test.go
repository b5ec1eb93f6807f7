package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/examples/myapp/app"
	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// These are the example app's load tests: `go test -run Load -v ./examples/...`
// runs them and prints each run's summary. They check what must hold under
// load: every request answered, with the status it should have.
//
// They set no latency goal. This repository's tests run on shared machines
// next to other tests, where a wall-clock goal would fail now and then, so
// the app's latency is measured by a benchmark instead:
// `go test -run '^$' -bench MyappLoad ./bench/` reports p50, p95 and p99 per
// route. In your own project, on a CI runner of its own, a goal reads:
//
//	loadassert.P95Below(t, res, 50*time.Millisecond)

func TestHealthLoad(t *testing.T) {
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{Path: "/health/", Requests: 500, Clients: 10})
	loadassert.NoErrors(t, res)
	loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
}

func TestTaskStatusLoad(t *testing.T) {
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{
		Path:       "/api/v1/tasks/status/{task_id}",
		PathParams: map[string]string{"task_id": "abc-123"},
		Requests:   500,
		Clients:    5,
	})
	loadassert.ErrorRateBelow(t, res, 0.01)
	loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
}

func TestEnqueueLoad(t *testing.T) {
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{
		Method:       http.MethodPost,
		Path:         "/api/v1/tasks/enqueue",
		Headers:      http.Header{"Content-Type": {"application/json"}},
		Body:         []byte(`{"queue": "load_test", "task": "ping"}`),
		Requests:     400,
		Clients:      10,
		ExpectStatus: []int{http.StatusAccepted},
	})
	loadassert.NoErrors(t, res)
	loadassert.StatusCodesIn(t, res, []int{http.StatusAccepted})
}

func TestEnqueueFreshPayloadLoad(t *testing.T) {
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{
		Method: http.MethodPost,
		Path:   "/api/v1/tasks/enqueue",
		BodyFunc: func(i int64) ([]byte, error) {
			return json.Marshal(map[string]string{"queue": "load_test", "task": fmt.Sprintf("job-%d", i)})
		},
		Requests: 300,
		Clients:  6,
	})
	loadassert.NoErrors(t, res)
}

func TestCurrentUserLoad(t *testing.T) {
	h := app.Router()
	token := login(t, h, app.DemoUser)
	res := loadtesting.Run(t, h, loadtesting.Config{
		Path:     "/api/v1/users/me",
		Headers:  http.Header{"Authorization": {"Bearer " + token}},
		Requests: 300,
		Clients:  5,
	})
	loadassert.NoErrors(t, res)
	assert.Equal(t, loadtesting.Redacted, res.Config.Headers.Get("Authorization"), "the stored run must redact Authorization")
}

func TestCurrentUserWithAuthHookLoad(t *testing.T) {
	h := app.Router()
	res := loadtesting.Run(t, h, loadtesting.Config{
		Path: "/api/v1/users/me",
		// Auth runs once, before the load; its headers go with every request.
		Auth: func(context.Context) (http.Header, error) {
			return http.Header{"Authorization": {"Bearer " + login(t, h, app.DemoUser)}}, nil
		},
		Requests: 300,
		Clients:  5,
	})
	loadassert.NoErrors(t, res)
}

func TestCurrentUserWithoutTokenLoad(t *testing.T) {
	// Without a token every request is refused: the run still completes and
	// the 401s are statistics, not a crash.
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{Path: "/api/v1/users/me", Requests: 100, Clients: 4})
	assert.Equal(t, int64(100), res.Metrics.Failed, "failed")
	assert.Equal(t, int64(100), res.Metrics.StatusCodes[http.StatusUnauthorized], "401s; statuses %v", res.Metrics.StatusCodes)
}

func TestHealthOverHTTPLoad(t *testing.T) {
	srv := httptest.NewServer(app.Router())
	t.Cleanup(srv.Close)
	res := loadtesting.Run(t, nil, loadtesting.Config{BaseURL: srv.URL, Path: "/health/", Requests: 500, Clients: 10})
	loadassert.NoErrors(t, res)
	loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
	assert.False(t, res.InProcess, "a run with BaseURL reported InProcess")
}

func TestWorkerStreamLoad(t *testing.T) {
	// The worker's event stream never ends by itself: read as a stream,
	// each request takes 3 events (one per 100ms tick) and closes it, which
	// counts as a success, instead of waiting for the timeout.
	res := loadtesting.Run(t, app.Router(), loadtesting.Config{
		Path:     "/events/worker/stream",
		Requests: 10,
		Clients:  5,
		Stream:   &loadtesting.StreamConfig{Events: 3},
	})
	loadassert.NoErrors(t, res)
	loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
	loadassert.EventsAtLeast(t, res, 3)
	assert.Equal(t, int64(10), res.Metrics.Stream.Streams, "streams")
}

// login gets a bearer token for user from h, the way a client would.
func login(t *testing.T, h http.Handler, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": user})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, "login %s: status; body %s", user, rec.Body)
	var out struct{ Token string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "login %s: body %s", user, rec.Body)
	require.NotEmpty(t, out.Token, "login %s: no token in %s", user, rec.Body)
	return out.Token
}
