package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// serve sends one request straight to h and returns the recorded response.
// An empty authorization sends no Authorization header.
func serve(t testing.TB, h http.Handler, method, target, body, authorization string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decodeBody decodes rec's JSON body as an object, stopping the test if it is not one.
func decodeBody(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got), "body %q", rec.Body.String())
	return got
}

// login logs email in against h and returns the token, stopping the test on failure.
func login(t testing.TB, h http.Handler, email string) string {
	t.Helper()
	rec := serve(t, h, http.MethodPost, "/api/v1/auth/login", `{"email":"`+email+`"}`, "")
	require.Equal(t, http.StatusOK, rec.Code, "login %s: status; body %s", email, rec.Body)
	tok, _ := decodeBody(t, rec)["token"].(string)
	require.NotEmpty(t, tok, "login %s: no token in %s", email, rec.Body)
	return tok
}

// enqueueTask enqueues a task on h and returns its id, stopping the test on failure.
func enqueueTask(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := serve(t, h, http.MethodPost, "/api/v1/tasks/enqueue", `{"queue":"emails","task":"send"}`, "")
	require.Equal(t, http.StatusAccepted, rec.Code, "enqueue: status; body %s", rec.Body)
	id, _ := decodeBody(t, rec)["task_id"].(string)
	require.NotEmpty(t, id, "enqueue: no task_id in %s", rec.Body)
	return id
}
