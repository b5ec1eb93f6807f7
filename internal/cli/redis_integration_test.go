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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		n, err := client.Exists(t.Context(), "api_load_test:results:"+id).Result()
		require.NoError(t, err, "key api_load_test:results:%s", id)
		require.EqualValues(t, 1, n, "key api_load_test:results:%s: exists", id)
		ttl, err := client.TTL(t.Context(), "api_load_test:results:"+id).Result()
		if assert.NoError(t, err, "TTL of run %s", id) {
			assert.Greater(t, ttl, 23*time.Hour, "TTL of run %s, want about 24h", id)
			assert.LessOrEqual(t, ttl, 24*time.Hour, "TTL of run %s, want about 24h", id)
		}
	}

	t.Run("recent lists the runs saved to redis", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", url)
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		rows := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")[1:]
		require.Len(t, rows, len(s.newest()), "rows, got\n%s", o.stdout)
		for i, id := range s.newest() {
			assert.True(t, strings.HasPrefix(rows[i], id+" "), "row %d = %q, want run %s", i, rows[i], id)
		}
	})

	t.Run("results and compare read from redis", func(t *testing.T) {
		o := loadreport(t, false, "results", s.failing.ID, "--store", url)
		assert.Equal(t, 0, o.code, "results: %v", o)
		assert.Contains(t, o.stdout, "503     100", "results")
		o = loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", url)
		assert.Equal(t, 1, o.code, "compare: %v", o)
		assert.Contains(t, o.stdout, "(regressed)", "compare")
	})

	t.Run("a key overwritten with garbage", func(t *testing.T) {
		key := "api_load_test:results:" + s.failing.ID
		require.NoError(t, client.Set(t.Context(), key, "{not json", time.Hour).Err())
		o := loadreport(t, false, "recent", "--store", url)
		require.Equal(t, 0, o.code, "recent: want exit 0, got\n%v", o)
		assert.NotContains(t, o.stdout, s.failing.ID, "the corrupt run is listed")
		for _, id := range []string{s.ok.ID, s.slower.ID, s.same.ID} {
			assert.Contains(t, o.stdout, id, "run %s is missing", id)
		}
		// The warning naming the key goes to the process's stderr (the store
		// writes it); cmd/loadreport checks it on the real binary.

		o = loadreport(t, false, "results", s.failing.ID, "--store", url)
		assert.Equal(t, 1, o.code, "results on the corrupt key: want exit 1 naming %s, got\n%v", key, o)
		assert.Contains(t, o.stderr, `"`+key, "results on the corrupt key: want exit 1 naming the key")
		assert.NotContains(t, o.stderr, "--help", "results on the corrupt key: no help line")
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
	assert.Equal(t, 0, o.code, "want exit 0 listing the empty fallback store, got\n%v", o)
	assert.Contains(t, o.stdout, "No recent test runs.", "want exit 0 listing the empty fallback store")
}
