package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return got
}

// login logs email in against h and returns the token, stopping the test on failure.
func login(t testing.TB, h http.Handler, email string) string {
	t.Helper()
	rec := serve(t, h, http.MethodPost, "/api/v1/auth/login", `{"email":"`+email+`"}`, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("login %s: status %d, body %s", email, rec.Code, rec.Body)
	}
	tok, _ := decodeBody(t, rec)["token"].(string)
	if tok == "" {
		t.Fatalf("login %s: no token in %s", email, rec.Body)
	}
	return tok
}

// enqueueTask enqueues a task on h and returns its id, stopping the test on failure.
func enqueueTask(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := serve(t, h, http.MethodPost, "/api/v1/tasks/enqueue", `{"queue":"emails","task":"send"}`, "")
	if rec.Code != http.StatusAccepted {
		t.Fatalf("enqueue: status %d, body %s", rec.Code, rec.Body)
	}
	id, _ := decodeBody(t, rec)["task_id"].(string)
	if id == "" {
		t.Fatalf("enqueue: no task_id in %s", rec.Body)
	}
	return id
}
