package loadtesting

// Integration tests of the typed store against real redis-servers: the shared
// one named by APILOAD_TEST_REDIS_URL (scripts/with-redis.sh, .ci/run and
// `make test` start one), and throwaway ones these tests start, stop and
// restart themselves for the fault tests.

import (
	"net/http"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	defer st.Close()
	rs := resultsAt(execResult(t, Config{Requests: 50, Headers: http.Header{"X-Api-Key": {"s3cr3t"}}}), 5)
	rs[2] = execResult(t, Config{Method: "POST", Path: "/tasks", Body: []byte("{}"), Requests: 30})
	rs[2].StartedAt = rs[1].StartedAt.Add(time.Second / 2)
	saveAll(t, st, rs...)

	for _, r := range rs {
		got, err := st.Get(t.Context(), r.ID)
		require.NoError(t, err, "Get(%s)", r.ID)
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("Get(%s) (-want +got):\n%s", r.ID, diff)
		}
		assert.Positive(t, r.Percentile(99), "Percentile(99) before the round trip")
		assert.Equal(t, r.Percentile(99), got.Percentile(99), "Percentile(99) after the round trip")
		key := resultKeyPrefix + r.ID
		ttl, err := client.TTL(t.Context(), key).Result()
		if assert.NoError(t, err, "TTL %s", key) {
			assert.Greater(t, ttl, 23*time.Hour, "TTL %s: want about 24h", key)
			assert.LessOrEqual(t, ttl, 24*time.Hour, "TTL %s: want about 24h", key)
		}
		raw, err := client.Get(t.Context(), key).Bytes()
		assert.NoError(t, err, "GET %s", key)
		assert.NotContains(t, string(raw), "s3cr3t", "GET %s: secret stored", key)
	}
	members, err := client.ZRevRange(t.Context(), "api_load_test:recent", 0, -1).Result()
	require.NoError(t, err)
	want := []string{rs[4].ID, rs[3].ID, rs[2].ID, rs[1].ID, rs[0].ID}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("api_load_test:recent, newest first (-want +got):\n%s", diff)
	}
	got, err := st.Recent(t.Context(), 3)
	require.NoError(t, err)
	if diff := cmp.Diff(want[:3], ids(got)); diff != "" {
		t.Errorf("Recent(3) (-want +got):\n%s", diff)
	}

	// A key overwritten with garbage: Recent skips it with one warning and
	// still returns n; Get names the key.
	bad := rs[3].ID
	require.NoError(t, client.Set(t.Context(), resultKeyPrefix+bad, "{not json", 0).Err())
	got, err = st.Recent(t.Context(), 3)
	require.NoError(t, err)
	if diff := cmp.Diff([]string{rs[4].ID, rs[2].ID, rs[1].ID}, ids(got)); diff != "" {
		t.Errorf("Recent(3) with %s corrupt (-want +got):\n%s", bad, diff)
	}
	if w := sink.all(); assert.Len(t, w, 1, "warnings: want one naming %s%s", resultKeyPrefix, bad) {
		assert.Contains(t, w[0], resultKeyPrefix+bad, "warning")
	}
	_, err = st.Get(t.Context(), bad)
	if assert.ErrorContains(t, err, resultKeyPrefix+bad, "Get(%s): want an error naming its key", bad) {
		assert.NotErrorIs(t, err, ErrNotFound, "Get(%s)", bad)
	}
	_, err = st.Get(t.Context(), "01NOSUCHRUN")
	if assert.ErrorIs(t, err, ErrNotFound, "Get(missing)") {
		assert.Contains(t, err.Error(), resultKeyPrefix+"01NOSUCHRUN", "Get(missing): the error must name the key")
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
	require.NoError(t, err)
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
		require.Empty(t, ft.fatals, "%s: Run failed", s.name)
		if s.survives {
			kept = append(kept, res)
		}

		// Where did it go?
		if s.inRedis {
			n, err := client.Exists(t.Context(), resultKeyPrefix+res.ID).Result()
			assert.NoError(t, err, "%s: EXISTS %s%s", s.name, resultKeyPrefix, res.ID)
			assert.Equal(t, int64(1), n, "%s: %s%s not in redis", s.name, resultKeyPrefix, res.ID)
		}
		files, _ := filepath.Glob(filepath.Join(fallbackDir(t, defDir, srv.URL(0)), "api_load_test.*."+res.ID+".json"))
		assert.Equal(t, !s.inRedis, len(files) == 1, "%s: in the fallback file store; files %q", s.name, files)
		got, err := st.Get(withWarn(t.Context(), (&warnSink{}).warn), res.ID)
		if assert.NoError(t, err, "%s: Get(%s)", s.name, res.ID) {
			if diff := cmp.Diff(res, got); diff != "" {
				t.Errorf("%s: saved result (-want +got):\n%s", s.name, diff)
			}
		}

		// What did it say?
		printed := storeSink.all()[storeWarned:]
		storeWarned += len(printed)
		warns := slices.Concat(ft.lines("loadtesting: warning"), printed)
		if s.wantWhy == "" {
			assert.Empty(t, warns, "%s: warnings", s.name)
			continue
		}
		if !assert.Len(t, warns, 1, "%s: warnings", s.name) || !assert.Len(t, files, 1, "%s: fallback files", s.name) {
			continue
		}
		t.Logf("%s: %s", s.name, warns[0])
		for _, want := range []string{"store " + srv.URL(0) + " failed (", s.wantWhy, "saved run " + res.ID + " to " + files[0] + " instead"} {
			assert.Contains(t, warns[0], want, "%s: warning", s.name)
		}
	}

	// Nothing lost: the runs saved while Redis was down are listed with the
	// one in Redis. (The restart emptied Redis: it keeps nothing on disk.)
	got, err := st.Recent(t.Context(), 10)
	require.NoError(t, err)
	slices.Reverse(kept)
	if diff := cmp.Diff(ids(kept), ids(got)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
}
