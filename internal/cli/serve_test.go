package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveStore returns a getter for a file store holding one real run.
func serveStore(t *testing.T) (func(context.Context) (loadtesting.Store, error), *loadtesting.Result) {
	t.Helper()
	url := "file://" + filepath.ToSlash(t.TempDir())
	st, err := loadtesting.OpenStore(url)
	require.NoError(t, err)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	res, err := loadtesting.Exec(t.Context(), ok, loadtesting.Config{Path: "/health", Requests: 50, Clients: 2, Store: st})
	require.NoError(t, err)
	_ = st.Close()
	return func(context.Context) (loadtesting.Store, error) { return loadtesting.OpenStore(url) }, res
}

func TestServe_flags(t *testing.T) {
	noStore := func(context.Context) (loadtesting.Store, error) {
		assert.Fail(t, "flag tests must not open the store")
		return nil, errors.New("no store")
	}
	tests := []struct {
		name      string
		args      []string
		env       string // $APILOAD_DASHBOARD_TOKEN
		wantCode  int
		wantAddr  string
		wantToken string
		wantErr   []string // substrings of stderr
	}{
		{"default", nil, "", 0, DefaultServeAddr, "", nil},
		{"loopback port", []string{"--addr", "127.0.0.1:9000"}, "", 0, "127.0.0.1:9000", "", nil},
		{"any port", []string{"--addr", "127.0.0.1:0"}, "", 0, "127.0.0.1:0", "", nil},
		{"localhost", []string{"--addr", "localhost:9000"}, "", 0, "localhost:9000", "", nil},
		{"ipv6 loopback", []string{"--addr", "[::1]:9000"}, "", 0, "[::1]:9000", "", nil},
		{"other loopback ip", []string{"--addr", "127.0.0.2:9000"}, "", 0, "127.0.0.2:9000", "", nil},
		{"token on loopback", []string{"--token", "T"}, "", 0, DefaultServeAddr, "T", nil},
		{"all interfaces with token", []string{"--addr", "0.0.0.0:8089", "--token", "s3cret"}, "", 0, "0.0.0.0:8089", "s3cret", nil},
		{"all interfaces with token from env", []string{"--addr", "0.0.0.0:8089"}, "env-token", 0, "0.0.0.0:8089", "env-token", nil},
		{"flag beats env", []string{"--addr", "0.0.0.0:8089", "--token", "flag"}, "env", 0, "0.0.0.0:8089", "flag", nil},
		{"all interfaces without token", []string{"--addr", "0.0.0.0:8089"}, "", 2, "", "",
			[]string{`Error: --addr "0.0.0.0:8089" is not a loopback address`, "--token", DashboardTokenEnv, "Run 'serve --help' for usage.\n"}},
		{"empty host is every interface", []string{"--addr", ":8089"}, "", 2, "", "", []string{`--addr ":8089" is not a loopback address`}},
		{"ipv6 any", []string{"--addr", "[::]:8089"}, "", 2, "", "", []string{`--addr "[::]:8089" is not a loopback address`}},
		{"lan address", []string{"--addr", "192.168.1.5:8089"}, "", 2, "", "", []string{`--addr "192.168.1.5:8089"`}},
		{"host name", []string{"--addr", "dash.example.com:80"}, "", 2, "", "", []string{`--addr "dash.example.com:80"`}},
		{"empty token is no token", []string{"--addr", "0.0.0.0:8089", "--token", ""}, "env", 2, "", "", []string{"is not a loopback address"}},
		{"no port", []string{"--addr", "127.0.0.1"}, "", 2, "", "", []string{`--addr "127.0.0.1": want HOST:PORT`}},
		{"bad port", []string{"--addr", "127.0.0.1:99999"}, "", 2, "", "", []string{`--addr "127.0.0.1:99999": port "99999"`}},
		{"named port", []string{"--addr", "127.0.0.1:http"}, "", 2, "", "", []string{`port "http"`}},
		{"argument", []string{"now"}, "", 2, "", "", []string{`unexpected argument "now"`}},
		{"unknown flag", []string{"--port", "80"}, "", 2, "", "", []string{"unknown flag: --port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(DashboardTokenEnv, tt.env)
			var out, errOut syncBuffer
			ios := &IOStreams{Out: &out, ErrOut: &errOut}
			var got *ServeOptions
			cmd := NewServeCmd(&App{IO: ios, Store: noStore}, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
			code := Execute(t.Context(), cmd, tt.args, ios)
			require.Equal(t, tt.wantCode, code, "exit code; stderr:\n%s", errOut.String())
			for _, w := range tt.wantErr {
				assert.Contains(t, errOut.String(), w, "stderr lacks a part")
			}
			if tt.wantCode != 0 {
				assert.Nil(t, got, "runF was called after a usage error")
				return
			}
			require.NotNil(t, got, "runF was not called")
			assert.Equal(t, tt.wantAddr, got.Addr, "options %+v", got)
			assert.Equal(t, tt.wantToken, got.Token, "options %+v", got)
		})
	}
}

// startServe runs runServe in the background and returns the base URL once
// it listens, and a func that stops it and returns runServe's error.
func startServe(t *testing.T, opts *ServeOptions) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan net.Addr, 1)
	opts.listening = func(a net.Addr) { ready <- a }
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, opts) }()
	var once sync.Once
	var stopErr error
	stop := func() error { // may be called more than once
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(10 * time.Second):
				require.Fail(t, "serve did not stop within 10s of its context ending")
			}
		})
		return stopErr
	}
	select {
	case a := <-ready:
		return "http://" + a.String(), stop
	case err := <-done:
		cancel()
		require.Failf(t, "serve stopped before listening", "%v", err)
	case <-time.After(10 * time.Second):
		_ = stop()
		require.Fail(t, "serve did not listen within 10s")
	}
	return "", nil
}

// fetch GETs url with an optional bearer token, without keeping connections.
func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Do(req)
	require.NoError(t, err, "GET %s", url)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestServe(t *testing.T) {
	store, run := serveStore(t)
	var out, errOut syncBuffer
	base, stop := startServe(t, &ServeOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Store: store, Now: time.Now, Addr: "127.0.0.1:0"})

	code, body := fetch(t, base+"/", "")
	assert.Equal(t, 200, code, "GET /")
	assert.Contains(t, body, run.ID, "GET /: want the run listed")
	code, body = fetch(t, base+"/api/runs?limit=1", "")
	assert.Equal(t, 200, code, "GET /api/runs: %s", body)
	assert.Contains(t, body, `"id":"`+run.ID+`"`, "GET /api/runs")
	code, _ = fetch(t, base+"/api/runs?limit=0", "")
	assert.Equal(t, 400, code, "GET /api/runs?limit=0")
	assert.NoError(t, stop(), "serve after its context ended, want nil (a normal stop)")
	assert.Contains(t, out.String(), "Serving the runs in file://", "stdout")
	assert.Contains(t, out.String(), " at "+base+"/\n", "stdout")
	assert.Contains(t, errOut.String(), "Stopped.", "stderr, want it to say it stopped")
	// Stopped means closed: nothing listens any more.
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
	if !assert.Error(t, err, "%s still accepts connections after serve returned", base) {
		c.Close()
	}
}

func TestServe_token(t *testing.T) {
	store, _ := serveStore(t)
	const token = "short-token"
	var out, errOut syncBuffer
	base, stop := startServe(t, &ServeOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Store: store, Addr: "127.0.0.1:0", Token: token})
	defer stop()

	tests := []struct {
		path, token string
		want        int
	}{
		{"/", "", 401},
		{"/api/runs", "", 401},
		{"/api/runs", "wrong", 401},
		{"/", token, 200},
		{"/api/runs", token, 200},
	}
	for _, tt := range tests {
		code, _ := fetch(t, base+tt.path, tt.token)
		assert.Equal(t, tt.want, code, "GET %s with token %q", tt.path, tt.token)
	}
	assert.NoError(t, stop())
	stderr := errOut.String()
	assert.Contains(t, stderr, "?token=<token>", "stderr lacks the token hint")
	assert.Contains(t, stderr, "warning: the token has only 11 characters", "stderr lacks the short-token warning")
	assert.NotContains(t, out.String()+stderr, token, "the token was printed")
}

// TestServe_command runs the whole command through Execute: it serves until
// its context ends, then exits 0.
func TestServe_command(t *testing.T) {
	store, run := serveStore(t)
	var out, errOut syncBuffer
	ios := &IOStreams{Out: &out, ErrOut: &errOut}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, NewServeCmd(&App{IO: ios, Store: store}, nil), []string{"--addr", "127.0.0.1:0"}, ios)
	}()

	urlRE := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)\n`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			require.Failf(t, "serve exited before listening", "exit %d; stderr:\n%s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if base == "" {
		cancel()
		<-done
		require.Failf(t, "serve printed no URL within 10s", "stdout:\n%s", out.String())
	}
	code, body := fetch(t, base+"api/runs/"+run.ID, "")
	assert.Equal(t, 200, code, "GET /api/runs/%s", run.ID)
	assert.Contains(t, body, run.ID, "GET /api/runs/%s", run.ID)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, "serve stopped by its context: exit code; stderr:\n%s", errOut.String())
	case <-time.After(10 * time.Second):
		require.Fail(t, "serve did not stop within 10s of its context ending")
	}
}

func TestServe_addrInUse(t *testing.T) {
	store, _ := serveStore(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	var out, errOut syncBuffer
	err = runServe(t.Context(), &ServeOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Store: store, Addr: taken.Addr().String()})
	assert.ErrorContains(t, err, `--addr "`+taken.Addr().String()+`"`, "serve on a taken port: want an operational error naming --addr")
	assert.Equal(t, ExitError, ExitCode(err), "serve on a taken port: exit code (%v)", err)
}

func TestServe_storeError(t *testing.T) {
	var out, errOut syncBuffer
	broken := func(context.Context) (loadtesting.Store, error) {
		return nil, errors.New(`--store "file:///nope": permission denied`)
	}
	err := runServe(t.Context(), &ServeOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Store: broken, Addr: "127.0.0.1:0"})
	assert.ErrorContains(t, err, "--store", "serve with an unusable store: want the store's error")
}

func TestServe_help(t *testing.T) {
	cmd := NewServeCmd(&App{}, nil)
	assert.NotEmpty(t, cmd.Short, "serve needs Short, Long and real examples")
	assert.NotEmpty(t, cmd.Long, "serve needs Short, Long and real examples")
	assert.Contains(t, cmd.Example, "loadreport serve", "serve needs Short, Long and real examples")
	for _, flag := range []string{"addr", "token"} {
		assert.NotNil(t, cmd.Flags().Lookup(flag), "no --%s flag", flag)
	}
}
