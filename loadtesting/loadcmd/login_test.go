package loadcmd_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/testcert"
	"github.com/apiload/apiload/loadtesting/loadcmd"
)

// TestRun_TLSLogin checks that --auth-as logs in over https with the run's
// TLS settings: the login goes through Do, which trusts --ca-cert.
func TestRun_TLSLogin(t *testing.T) {
	srv := testcert.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/login":
			_, _ = io.WriteString(w, "tok-"+r.URL.Query().Get("user"))
		case r.Header.Get("Authorization") != "Bearer tok-alice":
			w.WriteHeader(http.StatusUnauthorized)
		}
	}), testcert.Options{})
	login := func(ctx context.Context, user string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/login?user="+user, nil)
		if err != nil {
			return "", err
		}
		resp, err := loadcmd.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	o := apiLoadTest(t, ok, []loadcmd.Option{loadcmd.WithLogin(login)},
		"run", "/me", "--base-url", srv.URL, "--ca-cert", testcert.ServerCAFile(t, srv), "--auth-as", "alice", "-n", "10", "-c", "2")
	require.Equal(t, 0, o.code, "%v", o)
	assert.Contains(t, o.stdout, "Succeeded     10 (100.0%)")
}

// TestDo_outsideALogin checks that Do fails clearly when its request's
// context does not come from a run's login hook.
func TestDo_outsideALogin(t *testing.T) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "/login", nil)
	require.NoError(t, err)
	resp, err := loadcmd.Do(req)
	assert.Nil(t, resp)
	assert.EqualError(t, err, "loadcmd.Do: not called from a run's login hook: no target in the request's context")
}

// TestRun_authAsErrors checks the exact message of a failed --auth-as
// login: the flag, the user and the hook's reason, with nothing sent.
func TestRun_authAsErrors(t *testing.T) {
	var calls atomic.Int64
	tests := []struct {
		name    string
		login   func(context.Context, string) (string, error)
		wantErr string
	}{
		{"login refused", loginHook(&calls), "--auth-as mallory@example.com: login refused: 401 Unauthorized: unknown user"},
		{"no token", func(context.Context, string) (string, error) { return "", nil }, "--auth-as mallory@example.com: the login hook returned no token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &tokenApp{name: "app"}
			o := apiLoadTest(t, app, []loadcmd.Option{loadcmd.WithLogin(tt.login)}, "run", "/x", "--in-process", "--auth-as", "mallory@example.com")
			require.Equal(t, 1, o.code, "%v", o)
			assert.EqualError(t, o.err, tt.wantErr)
			assert.Empty(t, app.seen(), "requests sent after a failed login")
		})
	}
}
