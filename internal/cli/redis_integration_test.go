package cli_test

// Integration tests against a real redis-server named by
// APILOAD_TEST_REDIS_URL (scripts/with-redis.sh, `make test` and .ci/run
// start one). The CLI reads the default key prefix, api_load_test, so these
// tests use a Redis database of their own (redisDB), flushed first, rather
// than one where other packages' tests run at the same time.

import (
	"strings"
	"testing"
	"time"

	"github.com/apiload/apiload/internal/testredis"
)

// redisDB is this package's database on the shared test server (see package
// testredis).
const redisDB = 9

func TestRedisIntegration(t *testing.T) {
	url := testredis.SharedURL(t, redisDB)
	client := testredis.Client(t, url)
	// The default file store (the fallback of a Redis store) in a temporary
	// directory, so that runs saved by other tests on this machine do not mix in.
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	s := seed(t, url)

	// The runs are in Redis, under the documented keys.
	for _, id := range s.newest() {
		if n, err := client.Exists(t.Context(), "api_load_test:results:"+id).Result(); err != nil || n != 1 {
			t.Fatalf("key api_load_test:results:%s: exists %d, %v", id, n, err)
		}
		ttl, err := client.TTL(t.Context(), "api_load_test:results:"+id).Result()
		if err != nil || ttl <= 23*time.Hour || ttl > 24*time.Hour {
			t.Errorf("TTL of run %s = %v, %v; want about 24h", id, ttl, err)
		}
	}

	t.Run("recent lists the runs saved to redis", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", url)
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
		rows := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")[1:]
		if len(rows) != len(s.newest()) {
			t.Fatalf("want %d rows, got\n%s", len(s.newest()), o.stdout)
		}
		for i, id := range s.newest() {
			if !strings.HasPrefix(rows[i], id+" ") {
				t.Errorf("row %d = %q, want run %s", i, rows[i], id)
			}
		}
	})

	t.Run("results and compare read from redis", func(t *testing.T) {
		if o := loadreport(t, false, "results", s.failing.ID, "--store", url); o.code != 0 || !strings.Contains(o.stdout, "503     100") {
			t.Errorf("results: %v", o)
		}
		if o := loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", url); o.code != 1 || !strings.Contains(o.stdout, "(regressed)") {
			t.Errorf("compare: %v", o)
		}
	})

	t.Run("a key overwritten with garbage", func(t *testing.T) {
		key := "api_load_test:results:" + s.failing.ID
		if err := client.Set(t.Context(), key, "{not json", time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		o := loadreport(t, false, "recent", "--store", url)
		if o.code != 0 {
			t.Fatalf("recent: want exit 0, got\n%v", o)
		}
		if strings.Contains(o.stdout, s.failing.ID) {
			t.Errorf("the corrupt run is listed:\n%s", o.stdout)
		}
		for _, id := range []string{s.ok.ID, s.slower.ID, s.same.ID} {
			if !strings.Contains(o.stdout, id) {
				t.Errorf("run %s is missing:\n%s", id, o.stdout)
			}
		}
		// The warning naming the key goes to the process's stderr (the store
		// writes it); cmd/loadreport checks it on the real binary.

		o = loadreport(t, false, "results", s.failing.ID, "--store", url)
		if o.code != 1 || !strings.Contains(o.stderr, `"`+key) || strings.Contains(o.stderr, "--help") {
			t.Errorf("results on the corrupt key: want exit 1 naming %s, got\n%v", key, o)
		}
	})
}

// TestRedisIntegration_unreachable checks that a Redis store that is down
// does not fail `recent`: it lists the fallback file store and says so.
func TestRedisIntegration_unreachable(t *testing.T) {
	// It needs no server: only a file store of its own to fall back on.
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	// Port 1 on loopback: nothing listens there.
	o := loadreport(t, false, "recent", "--store", "redis://127.0.0.1:1/0?dial_timeout=200ms")
	if o.code != 0 || !strings.Contains(o.stdout, "No recent test runs.") {
		t.Errorf("want exit 0 listing the empty fallback store, got\n%v", o)
	}
}
