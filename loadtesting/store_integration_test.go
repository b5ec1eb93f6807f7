package loadtesting

// Integration tests of the typed store against real redis-servers: the shared
// one named by APILOAD_TEST_REDIS_URL (scripts/with-redis.sh, .ci/run and
// `make test` start one), and throwaway ones these tests start, stop and
// restart themselves for the fault tests.

import (
	"bytes"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apiload/apiload/internal/testredis"
)

// redisDB is this package's database on the shared test server (see package
// testredis). The typed store always uses the default key prefix, as the CLI
// tests do: a database of its own is what isolates this package.
const redisDB = 8

func TestStoreIntegration_sharedRedis(t *testing.T) {
	isolateCache(t)
	rawURL := testredis.SharedURL(t, redisDB)
	client := testredis.Client(t, rawURL)

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
	srv := testredis.Start(t)
	client := srv.Client(t)
	srv.Stop()

	var storeSink warnSink // stands for stderr, where OpenStore's warnings go
	st, err := openStore(srv.URL(0), storeSink.warn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// stopAfter returns a handler that stops the server on its n-th request.
	stopAfter := func(n int64) http.Handler {
		var count atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if count.Add(1) == n {
				srv.Stop()
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
		{"restarted on the same port", srv.Restart, mixedHandler(), true, "", false},
		{"stopped during the run", func() {}, stopAfter(50), false, "connection refused", true},
		{"restarted again", srv.Restart, mixedHandler(), true, "", true},
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
			n, err := client.Exists(t.Context(), resultKeyPrefix+res.ID).Result()
			if err != nil || n != 1 {
				t.Errorf("%s: %s%s not in redis (%d, %v)", s.name, resultKeyPrefix, res.ID, n, err)
			}
		}
		files, _ := filepath.Glob(filepath.Join(fallbackDir(t, defDir, srv.URL(0)), "api_load_test.*."+res.ID+".json"))
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
		for _, want := range []string{"store " + srv.URL(0) + " failed (", s.wantWhy, "saved run " + res.ID + " to " + files[0] + " instead"} {
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
