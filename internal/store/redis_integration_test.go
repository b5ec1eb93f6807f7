package store

// Integration tests against a real redis-server: the shared one named by
// APILOAD_TEST_REDIS_URL (.ci/run and `make test` start one), and throwaway
// servers these tests start and stop themselves to test Fallback.

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/internal/testredis"
)

// redisDB is this package's database on the shared test server (see package
// testredis), emptied when each test starts and ends.
const redisDB = 0

var nonKeyChars = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// openTestRedis opens url with a Prefix of its own, so that the subtests of a
// test, which share its database, never see each other's keys. Its keys are
// deleted and its client closed when t ends.
func openTestRedis(t *testing.T, url string) *Redis {
	t.Helper()
	b, err := Open(url)
	require.NoError(t, err)
	r, ok := b.(*Redis)
	if !ok {
		b.Close()
	}
	require.True(t, ok, "Open(%q) = %T, want *Redis", secret.URL(url), b)
	r.Prefix = fmt.Sprintf("apiload_test:%s:%d:%d", nonKeyChars.ReplaceAllString(t.Name(), "_"), os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		defer r.Close()
		ctx := context.Background() // t.Context is done during Cleanup
		iter := r.client.Scan(ctx, 0, r.Prefix+":*", 100).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			r.client.Del(ctx, keys...)
		}
	})
	return r
}

func TestRedisIntegration_roundTrip(t *testing.T) {
	url := testredis.SharedURL(t, redisDB)
	tests := []struct {
		name string
		rec  Record
	}{
		{"json", rec("01JDXQ3V", t0)},
		{"empty data", Record{ID: "empty", StartedAt: t0, Data: []byte{}}},
		{"binary data", Record{ID: "bin", StartedAt: t0, Data: []byte{0, 1, 0xff, '\n'}}},
		{"unicode id", rec("kind:run-ünï", t0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openTestRedis(t, url)
			put(t, r, tt.rec)
			got, err := r.Get(t.Context(), tt.rec.ID)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.rec, got, equalBytes); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tt.rec.ID}, collect(t, r, 0)); diff != "" {
				t.Errorf("Recent (-want +got):\n%s", diff)
			}
			_, err = r.Get(t.Context(), "missing")
			assert.ErrorIs(t, err, ErrNotFound, "Get(missing)")
			assert.NotErrorIs(t, err, redis.Nil, "Get(missing)")
		})
	}
}

func TestRedisIntegration_ttl(t *testing.T) {
	url := testredis.SharedURL(t, redisDB)
	tests := []struct {
		name    string
		ttl     time.Duration
		wantMax time.Duration
	}{
		{"default", 0, 24 * time.Hour},
		{"custom", 90 * time.Second, 90 * time.Second},
		{"sub-second precision", 2500 * time.Millisecond, 2500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openTestRedis(t, url)
			r.TTL = tt.ttl
			put(t, r, rec("a", t0))
			got, err := r.client.PTTL(t.Context(), r.Key("a")).Result()
			require.NoError(t, err)
			assert.Positive(t, got, "PTTL %s", r.Key("a"))
			assert.LessOrEqual(t, got, tt.wantMax, "PTTL %s", r.Key("a"))
			assert.GreaterOrEqual(t, got, tt.wantMax-time.Minute, "PTTL %s", r.Key("a"))
			ttl, _ := r.client.TTL(t.Context(), r.indexKey()).Result()
			assert.Equal(t, time.Duration(-1), ttl, "TTL %s: want -1 (no expiry)", r.indexKey())
		})
	}
}

func TestRedisIntegration_trim(t *testing.T) {
	r := openTestRedis(t, testredis.SharedURL(t, redisDB))
	r.MaxRecent = 3
	put(t, r, rec("e", at(5)), rec("a", at(1)), rec("d", at(4)), rec("b", at(2)), rec("c", at(3)), rec("f", at(6)))
	members, err := r.client.ZRevRange(t.Context(), r.indexKey(), 0, -1).Result()
	require.NoError(t, err)
	if diff := cmp.Diff([]string{"f", "e", "d"}, members); diff != "" {
		t.Errorf("ZREVRANGE %s (-want +got):\n%s", r.indexKey(), diff)
	}
	if diff := cmp.Diff([]string{"f", "e", "d"}, collect(t, r, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
}

// TestRedisIntegration_recentPrunes expires values on the server (PEXPIRE) and
// checks that Recent skips and prunes them and still yields n live records.
func TestRedisIntegration_recentPrunes(t *testing.T) {
	r := openTestRedis(t, testredis.SharedURL(t, redisDB))
	r.batch = 3
	var live []string
	for i := range 12 {
		id := fmt.Sprintf("id%02d", i)
		put(t, r, rec(id, at(i)))
		if i%3 == 0 {
			live = append(live, id)
			continue
		}
		require.NoError(t, r.client.PExpire(t.Context(), r.Key(id), time.Millisecond).Err())
	}
	waitGone(t, r)
	slices.Reverse(live)
	if diff := cmp.Diff(live[:2], collect(t, r, 2)); diff != "" {
		t.Errorf("first 2 of Recent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(live, collect(t, r, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	members, _ := r.client.ZRevRange(t.Context(), r.indexKey(), 0, -1).Result()
	if diff := cmp.Diff(live, members); diff != "" {
		t.Errorf("index after Recent (-want +got):\n%s", diff)
	}
}

// waitGone waits until only the index and every third value key are left.
func waitGone(t *testing.T, r *Redis) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		keys, err := r.client.Keys(t.Context(), r.Prefix+":results:*").Result()
		require.NoError(t, err)
		if len(keys) == 4 {
			return
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "values did not expire", "keys %v", keys)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRedisIntegration_fallback stops a real redis-server and starts it again on
// the same port: while it is down a save lands in the file store with exactly
// one warning; once it is back the next save lands in Redis.
func TestRedisIntegration_fallback(t *testing.T) {
	srv := testredis.Start(t)
	r := openTestRedis(t, srv.URL(0))
	f, _ := newTestFile(t)
	var warns []string
	fb := &Fallback{Primary: r, Secondary: f, Warn: warnings(&warns)}

	steps := []struct {
		name      string
		do        func()
		id        string
		inRedis   bool
		wantWarns int
	}{
		{"up", func() {}, "r1", true, 0},
		{"stopped", srv.Stop, "r2", false, 1},
		{"restarted on the same port", srv.Restart, "r3", true, 1},
	}
	for i, st := range steps {
		st.do()
		require.NoError(t, fb.Put(t.Context(), rec(st.id, at(i))), "%s: Put(%s)", st.name, st.id)
		require.Len(t, warns, st.wantWarns, "%s: warnings", st.name)
		assert.Equal(t, !st.inRedis, has(t, f, st.id), "%s: %s in file store", st.name, st.id)
		if !st.inRedis {
			continue
		}
		_, err := r.Get(t.Context(), st.id)
		assert.NoError(t, err, "%s: %s not in redis", st.name, st.id)
	}
	for _, want := range []string{"store " + srv.URL(0) + " failed (", "connection refused", "saved run r2 to " + f.Key("r2") + " instead"} {
		assert.Contains(t, warns[0], want, "warning")
	}
	// The restarted server is empty (--save ""): r1 went with the old one.
	if diff := cmp.Diff([]string{"r3", "r2"}, collect(t, fb, 0)); diff != "" {
		t.Errorf("Recent through the fallback (-want +got):\n%s", diff)
	}
}

// TestRedisIntegration_fallbackReads stops the server and checks that reads go
// to the file store with one warning each.
func TestRedisIntegration_fallbackReads(t *testing.T) {
	srv := testredis.Start(t)
	r := openTestRedis(t, srv.URL(0))
	f, _ := newTestFile(t)
	put(t, f, rec("f1", at(1)))
	put(t, r, rec("r2", at(2)))
	var warns []string
	fb := &Fallback{Primary: r, Secondary: f, Warn: warnings(&warns)}
	if diff := cmp.Diff([]string{"r2", "f1"}, collect(t, fb, 0)); diff != "" {
		t.Errorf("Recent with redis up (-want +got):\n%s", diff)
	}
	srv.Stop()
	if diff := cmp.Diff([]string{"f1"}, collect(t, fb, 0)); diff != "" {
		t.Errorf("Recent with redis down (-want +got):\n%s", diff)
	}
	_, err := fb.Get(t.Context(), "f1")
	assert.NoError(t, err, "Get(f1) with redis down")
	if assert.Len(t, warns, 2, "warnings: want one for Recent and one for Get") {
		assert.Contains(t, warns[0], "listing runs from "+f.String()+" only", "the warning for Recent")
	}
}
