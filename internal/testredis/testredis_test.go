package testredis

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
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
				if err != nil || got != tt.want {
					t.Errorf("withDB(%q, %d) = %q, %v; want %q", tt.raw, tt.db, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("withDB(%q, %d) = %q, %v; want an error containing %q", tt.raw, tt.db, got, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q shows the password", err)
			}
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
			if returned {
				t.Error("the helper returned; want it to stop the test")
			}
			if (tt.wantSkip == "") != (f.skipped == "") || !strings.Contains(f.skipped, tt.wantSkip) {
				t.Errorf("skipped with %q, want %q", f.skipped, tt.wantSkip)
			}
			if f.fatal != tt.wantFatal {
				t.Errorf("failed with %q, want %q", f.fatal, tt.wantFatal)
			}
		})
	}
}

// TestSharedURL checks that the database is emptied when a test starts and
// when it ends.
func TestSharedURL(t *testing.T) {
	url := SharedURL(t, testDB)
	c := Client(t, url)
	if got := c.Options().DB; got != testDB {
		t.Fatalf("SharedURL(t, %d) = %s, on database %d", testDB, redact(url), got)
	}
	if err := c.Set(t.Context(), "before", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	t.Run("inner", func(t *testing.T) {
		if got := SharedURL(t, testDB); got != url {
			t.Errorf("SharedURL = %s, then %s", redact(url), redact(got))
		}
		if n, err := c.Exists(t.Context(), "before").Result(); err != nil || n != 0 {
			t.Errorf("key set before SharedURL: exists %d, %v; want it flushed", n, err)
		}
		if err := c.Set(t.Context(), "during", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if n, err := c.Exists(t.Context(), "during").Result(); err != nil || n != 0 {
		t.Errorf("key set during the test: exists %d, %v after it; want it flushed", n, err)
	}
}

func TestServer(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	want := "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/3"
	if got := s.URL(3); got != want {
		t.Errorf("URL(3) = %q, want %q", got, want)
	}
	if err := Client(t, s.URL(3)).Ping(t.Context()).Err(); err != nil {
		t.Errorf("PING on %s: %v", s.URL(3), err)
	}

	s.Stop()
	s.Stop() // a no-op
	if err := c.Ping(t.Context()).Err(); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("PING after Stop: %v, want connection refused", err)
	}

	for _, state := range []string{"stopped", "running"} {
		s.Restart()
		if err := c.Get(t.Context(), "k").Err(); !errors.Is(err, redis.Nil) {
			t.Errorf("GET k after a Restart while %s: %v, want redis.Nil (the restart empties it)", state, err)
		}
		if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
			t.Fatalf("SET after a Restart while %s: %v", state, err)
		}
	}
	if log := s.log.String(); strings.Count(log, "--- testredis: redis-server --port "+strconv.Itoa(s.port)) != 3 {
		t.Errorf("log does not show 3 starts on port %d:\n%s", s.port, log)
	}
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
		t.Fatal(f.fatal)
	case s == nil:
		t.Fatal("Start returned no server and did not stop the test")
	}
	s.Stop()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	if err != nil {
		t.Fatal(err)
	}
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
		if !strings.Contains(f.fatal, want) {
			t.Errorf("failure message lacks %q:\n%s", want, f.fatal)
		}
	}
}
