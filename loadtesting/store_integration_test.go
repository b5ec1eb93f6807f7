package loadtesting

// Integration tests of the typed store against real redis-servers: the shared
// one named by APILOAD_TEST_REDIS_URL (scripts/with-redis.sh, .ci/run and
// `make test` start one), and throwaway ones these tests start, stop and
// restart themselves for the fault tests.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

// redisRequiredInCI reports whether missing Redis services fail the tests.
func redisRequiredInCI() bool { return os.Getenv("CI") == "true" }

// sharedRedisURL returns APILOAD_TEST_REDIS_URL with its db number replaced
// by db. Other packages use db 0 with the default prefix, which the typed
// store uses too: a db of its own is what isolates this package. Without the
// variable it skips t, or fails it in CI.
func sharedRedisURL(t *testing.T, db int) string {
	t.Helper()
	raw := os.Getenv("APILOAD_TEST_REDIS_URL")
	if raw == "" {
		if redisRequiredInCI() {
			t.Fatal("APILOAD_TEST_REDIS_URL is not set; CI must run a redis-server")
		}
		t.Skip("APILOAD_TEST_REDIS_URL is not set (scripts/with-redis.sh starts a redis-server when one is installed)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("APILOAD_TEST_REDIS_URL: %v", err)
	}
	u.Path = "/" + strconv.Itoa(db)
	return u.String()
}

// redisClient returns a go-redis client on rawURL, closed when t ends.
func redisClient(t *testing.T, rawURL string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestStoreIntegration_sharedRedis(t *testing.T) {
	isolateCache(t)
	rawURL := sharedRedisURL(t, 8)
	client := redisClient(t, rawURL)
	if err := client.FlushDB(t.Context()).Err(); err != nil {
		t.Fatalf("FLUSHDB on db 8: %v", err)
	}
	t.Cleanup(func() { client.FlushDB(context.Background()) })

	var sink warnSink
	st, err := openStore(rawURL, sink.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs := resultsAt(execResult(t, Config{Requests: 50, Headers: http.Header{"X-Api-Key": {"s3cr3t"}}}), 5)
	rs[2] = execResult(t, Config{Method: "POST", Path: "/tasks", Body: []byte("{}"), Requests: 30})
	rs[2].StartedAt = rs[1].StartedAt.Add(time.Second / 2)
	saveAll(t, st, rs...)

	for _, r := range rs {
		got, err := st.Get(t.Context(), r.ID)
		if err != nil {
			t.Fatalf("Get(%s): %v", r.ID, err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("Get(%s) (-want +got):\n%s", r.ID, diff)
		}
		if got.Percentile(99) != r.Percentile(99) || r.Percentile(99) <= 0 {
			t.Errorf("Percentile(99) = %v after the round trip, want %v", got.Percentile(99), r.Percentile(99))
		}
		key := resultKeyPrefix + r.ID
		if ttl, err := client.TTL(t.Context(), key).Result(); err != nil || ttl <= 23*time.Hour || ttl > 24*time.Hour {
			t.Errorf("TTL %s = %v, %v; want about 24h", key, ttl, err)
		}
		raw, err := client.Get(t.Context(), key).Bytes()
		if err != nil || bytes.Contains(raw, []byte("s3cr3t")) {
			t.Errorf("GET %s: %v; secret stored: %v", key, err, bytes.Contains(raw, []byte("s3cr3t")))
		}
	}
	members, err := client.ZRevRange(t.Context(), "api_load_test:recent", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{rs[4].ID, rs[3].ID, rs[2].ID, rs[1].ID, rs[0].ID}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("api_load_test:recent, newest first (-want +got):\n%s", diff)
	}
	got, err := st.Recent(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:3], ids(got)); diff != "" {
		t.Errorf("Recent(3) (-want +got):\n%s", diff)
	}

	// A key overwritten with garbage: Recent skips it with one warning and
	// still returns n; Get names the key.
	bad := rs[3].ID
	if err := client.Set(t.Context(), resultKeyPrefix+bad, "{not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, err = st.Recent(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{rs[4].ID, rs[2].ID, rs[1].ID}, ids(got)); diff != "" {
		t.Errorf("Recent(3) with %s corrupt (-want +got):\n%s", bad, diff)
	}
	if w := sink.all(); len(w) != 1 || !strings.Contains(w[0], resultKeyPrefix+bad) {
		t.Errorf("warnings %q, want one naming %s%s", w, resultKeyPrefix, bad)
	}
	if _, err := st.Get(t.Context(), bad); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), resultKeyPrefix+bad) {
		t.Errorf("Get(%s) = %v, want an error naming its key", bad, err)
	}
	if _, err := st.Get(t.Context(), "01NOSUCHRUN"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), resultKeyPrefix+"01NOSUCHRUN") {
		t.Errorf("Get(missing) = %v, want ErrNotFound naming the key", err)
	}
}

// TestRunIntegration_redisFaults runs load tests that save to a Redis store
// while its redis-server is stopped before a run, stopped during a run, and
// restarted on the same port: every run passes, nothing is lost, and each run
// that could not reach Redis gives exactly one warning saying where its result
// went and why.
func TestRunIntegration_redisFaults(t *testing.T) {
	defDir := isolateCache(t)
	srv := startTestRedis(t)
	srv.stop()

	var storeSink warnSink // stands for stderr, where OpenStore's warnings go
	st, err := openStore(srv.url(), storeSink.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// stopAfter returns a handler that stops the server on its n-th request.
	stopAfter := func(n int64) http.Handler {
		var count atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if count.Add(1) == n {
				srv.stop()
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
	steps := []struct {
		name     string
		before   func()
		h        http.Handler
		inRedis  bool
		wantWhy  string // in the warning; "" means no warning
		survives bool   // still readable at the end (a restart empties Redis)
	}{
		{"stopped before the run", func() {}, mixedHandler(), false, "connection refused", true},
		{"restarted on the same port", srv.start, mixedHandler(), true, "", false},
		{"stopped during the run", func() {}, stopAfter(50), false, "connection refused", true},
		{"restarted again", srv.start, mixedHandler(), true, "", true},
	}
	var kept []*Result
	storeWarned := 0
	for _, s := range steps {
		s.before()
		ft := &logTB{TB: t}
		res := Run(ft, s.h, Config{Path: "/tasks", Requests: 200, Clients: 4, Store: st})
		if len(ft.fatals) != 0 {
			t.Fatalf("%s: Run failed: %q", s.name, ft.fatals)
		}
		if s.survives {
			kept = append(kept, res)
		}

		// Where did it go?
		if s.inRedis {
			n, err := srv.client(t).Exists(t.Context(), resultKeyPrefix+res.ID).Result()
			if err != nil || n != 1 {
				t.Errorf("%s: %s%s not in redis (%d, %v)", s.name, resultKeyPrefix, res.ID, n, err)
			}
		}
		files, _ := filepath.Glob(filepath.Join(defDir, "api_load_test.*."+res.ID+".json"))
		if got := len(files) == 1; got == s.inRedis {
			t.Errorf("%s: in the fallback file store = %v, want %v", s.name, got, !s.inRedis)
		}
		got, err := st.Get(withWarn(t.Context(), (&warnSink{}).warn), res.ID)
		if err != nil {
			t.Errorf("%s: Get(%s): %v", s.name, res.ID, err)
		} else if diff := cmp.Diff(res, got); diff != "" {
			t.Errorf("%s: saved result (-want +got):\n%s", s.name, diff)
		}

		// What did it say?
		printed := storeSink.all()[storeWarned:]
		storeWarned += len(printed)
		warns := slices.Concat(ft.lines("loadtesting: warning"), printed)
		if s.wantWhy == "" {
			if len(warns) != 0 {
				t.Errorf("%s: warnings %q, want none", s.name, warns)
			}
			continue
		}
		if len(warns) != 1 {
			t.Errorf("%s: %d warnings %q, want exactly 1", s.name, len(warns), warns)
			continue
		}
		t.Logf("%s: %s", s.name, warns[0])
		for _, want := range []string{"store " + srv.url() + " failed (", s.wantWhy, "saved run " + res.ID + " to " + files[0] + " instead"} {
			if !strings.Contains(warns[0], want) {
				t.Errorf("%s: warning %q lacks %q", s.name, warns[0], want)
			}
		}
	}

	// Nothing lost: the runs saved while Redis was down are listed with the
	// one in Redis. (The restart emptied Redis: it keeps nothing on disk.)
	got, err := st.Recent(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(kept)
	if diff := cmp.Diff(ids(kept), ids(got)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
}

// testRedis is a redis-server process of a test's own, on a loopback port.
type testRedis struct {
	t    *testing.T
	bin  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	cli  *redis.Client
}

// startTestRedis starts a throwaway redis-server (no persistence) and stops
// it when t ends. Without redis-server on PATH it skips t, or fails it in CI.
func startTestRedis(t *testing.T) *testRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if redisRequiredInCI() {
			t.Fatal("redis-server is not on PATH; CI must install it (apt-get install redis-server)")
		}
		t.Skip("redis-server is not on PATH")
	}
	s := &testRedis{t: t, bin: bin}
	t.Cleanup(s.stop)
	s.start()
	return s
}

func (s *testRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// client returns a go-redis client on the server, closed when t ends.
func (s *testRedis) client(t *testing.T) *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cli == nil {
		s.cli = redisClient(t, s.url())
	}
	return s.cli
}

// start runs redis-server and waits until it answers PING. The first start
// picks a free port; later ones reuse it.
func (s *testRedis) start() {
	s.t.Helper()
	fixed := s.port != 0
	var out string
	for range 5 {
		port := s.port
		if !fixed {
			port = freeLoopbackPort(s.t) // free a moment ago; another process may take it first
		}
		var ok bool
		if ok, out = s.run(port); ok {
			s.port = port
			return
		}
		if fixed {
			time.Sleep(200 * time.Millisecond) // give the kernel a moment to release the port
		}
	}
	s.t.Fatalf("redis-server did not start:\n%s", out)
}

// run starts redis-server on port and reports whether it answered PING, with
// its output when it did not.
func (s *testRedis) run(port int) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &bytes.Buffer{} // read only once cmd has exited
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", s.t.TempDir())
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false, out.String()
		default:
		}
		if pingRedis(port) {
			s.cmd, s.done = cmd, done
			return true, ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-done
	return false, out.String()
}

// stop kills the server and waits for it; stopping a stopped server is a
// no-op. It may be called from a handler while the test goroutine waits.
func (s *testRedis) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// pingRedis reports whether a Redis server answers PING on 127.0.0.1:port.
func pingRedis(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "+PONG")
}

// freeLoopbackPort returns a loopback TCP port that was free a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
