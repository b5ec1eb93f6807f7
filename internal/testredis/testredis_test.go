package testredis

import (
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testDB is this package's database on the shared server (see the package doc).
const testDB = 11

// stopTB is a testing.TB whose Skip, Fatal and Fatalf record the message and
// end only the goroutine that do runs, so a test can check what a helper
// would have done to it. Everything else goes to the real test.
type stopTB struct {
	testing.TB
	mu             sync.Mutex
	skipped, fatal string
}

func (f *stopTB) Helper() {}

func (f *stopTB) Skip(args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *stopTB) Fatal(args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *stopTB) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }

// do runs fn on a goroutine of its own and waits for it to return or stop.
func (f *stopTB) do(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

func TestWithDB(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		db      int
		want    string
		wantErr string // substring; empty means valid
	}{
		{"db replaced", "redis://127.0.0.1:6379/0", 8, "redis://127.0.0.1:6379/8", ""},
		{"no db", "redis://127.0.0.1:6379", 9, "redis://127.0.0.1:6379/9", ""},
		{"tls, password and options kept", "rediss://:pw@redis.example:6380/3?dial_timeout=1s", 10, "rediss://:pw@redis.example:6380/10?dial_timeout=1s", ""},
		{"unix socket", "unix:///run/redis.sock?db=2", 8, "unix:///run/redis.sock?db=8", ""},
		{"other scheme", "http://:pw@example.com/0", 8, "", `http://:xxxxx@example.com/0: scheme "http", want redis, rediss or unix`},
		{"negative db", "redis://127.0.0.1:6379/0", -1, "", "database -1: must be 0 or more"},
		{"not a URL", "redis://:pw@127.0.0.1:bad port/0", 8, "", "not a URL: invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDB(tt.raw, tt.db)
			if tt.wantErr == "" {
				require.NoError(t, err, "withDB(%q, %d)", tt.raw, tt.db)
				assert.Equal(t, tt.want, got, "withDB(%q, %d)", tt.raw, tt.db)
				return
			}
			require.ErrorContains(t, err, tt.wantErr, "withDB(%q, %d) = %q", tt.raw, tt.db, got)
			assert.NotContains(t, err.Error(), "pw", "the error shows the password")
		})
	}
}

// TestMissing checks what SharedURL and Start do to a test when there is no
// server to be had: skip it, or fail it when CI=true.
func TestMissing(t *testing.T) {
	tests := []struct {
		name      string
		ci        string
		helper    func(testing.TB)
		wantSkip  string // substring; empty means no skip
		wantFatal string
	}{
		{"SharedURL outside CI", "", func(t testing.TB) { SharedURL(t, testDB) },
			"APILOAD_TEST_REDIS_URL is not set (bash scripts/with-redis.sh", ""},
		{"SharedURL in CI", "true", func(t testing.TB) { SharedURL(t, testDB) },
			"", "APILOAD_TEST_REDIS_URL is not set; CI must run a redis-server (see .ci/run)"},
		{"Start outside CI", "", func(t testing.TB) { Start(t) },
			"redis-server is not on PATH", ""},
		{"Start in CI", "true", func(t testing.TB) { Start(t) },
			"", "redis-server is not on PATH; CI must install it (apt-get install redis-server)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(urlEnv, "")
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", tt.ci)
			f := &stopTB{TB: t}
			returned := false
			f.do(func() { tt.helper(f); returned = true })
			assert.False(t, returned, "the helper returned; want it to stop the test")
			if tt.wantSkip == "" {
				assert.Empty(t, f.skipped, "skipped")
			} else {
				assert.Contains(t, f.skipped, tt.wantSkip, "skipped")
			}
			assert.Equal(t, tt.wantFatal, f.fatal, "failed with")
		})
	}
}

// TestSharedURL checks that the database is emptied when a test starts and
// when it ends.
func TestSharedURL(t *testing.T) {
	url := SharedURL(t, testDB)
	c := Client(t, url)
	require.Equal(t, testDB, c.Options().DB, "SharedURL(t, %d) = %s: database", testDB, redact(url))
	require.NoError(t, c.Set(t.Context(), "before", "x", 0).Err())
	t.Run("inner", func(t *testing.T) {
		got := SharedURL(t, testDB)
		// Not assert.Equal: it would print the URLs unredacted.
		assert.True(t, got == url, "SharedURL = %s, then %s", redact(url), redact(got))
		n, err := c.Exists(t.Context(), "before").Result()
		if assert.NoError(t, err, "EXISTS before") {
			assert.Zero(t, n, "key set before SharedURL: want it flushed")
		}
		require.NoError(t, c.Set(t.Context(), "during", "x", 0).Err())
	})
	n, err := c.Exists(t.Context(), "during").Result()
	if assert.NoError(t, err, "EXISTS during") {
		assert.Zero(t, n, "key set during the test: want it flushed after it")
	}
}

func TestServer(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	require.NoError(t, c.Set(t.Context(), "k", "v", 0).Err())
	want := "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/3"
	assert.Equal(t, want, s.URL(3), "URL(3)")
	assert.NoError(t, Client(t, s.URL(3)).Ping(t.Context()).Err(), "PING on %s", s.URL(3))

	s.Stop()
	s.Stop() // a no-op
	assert.ErrorContains(t, c.Ping(t.Context()).Err(), "connection refused", "PING after Stop")

	for _, state := range []string{"stopped", "running"} {
		s.Restart()
		assert.ErrorIs(t, c.Get(t.Context(), "k").Err(), redis.Nil, "GET k after a Restart while %s: the restart empties it", state)
		require.NoError(t, c.Set(t.Context(), "k", "v", 0).Err(), "SET after a Restart while %s", state)
	}
	log := s.log.String()
	assert.Equal(t, 3, strings.Count(log, "--- testredis: redis-server --port "+strconv.Itoa(s.port)),
		"starts on port %d in the log:\n%s", s.port, log)
}

// TestServer_restartFails takes the server's port while it is stopped and
// checks that Restart fails the test with the server's own words.
func TestServer_restartFails(t *testing.T) {
	f := &stopTB{TB: t}
	var s *Server
	f.do(func() { s = Start(f) })
	switch {
	case f.skipped != "": // no redis-server here: skip as Start would have
		t.Skip(f.skipped)
	case f.fatal != "": // CI=true without redis-server, or it did not start
		require.FailNow(t, f.fatal)
	}
	require.NotNil(t, s, "Start returned no server and did not stop the test")
	s.Stop()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	require.NoError(t, err)
	defer l.Close()
	go func() { // answer nothing, so that ping gives up at once
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	f.do(s.Restart)
	for _, want := range []string{
		fmt.Sprintf("redis-server did not restart on 127.0.0.1:%d in 5 tries; its log:\n", s.port),
		"--- testredis: stopped",
		"Address already in use", // from redis-server
	} {
		assert.Contains(t, f.fatal, want, "failure message")
	}
}
