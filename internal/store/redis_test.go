package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedis_layout(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		ttl       time.Duration
		wantKey   string
		wantIndex string
		wantTTL   time.Duration
	}{
		{"defaults", "", 0, "api_load_test:results:01JDXQ3V", "api_load_test:recent", 24 * time.Hour},
		{"per-kind prefix", "api_load_test_ws", 0, "api_load_test_ws:results:01JDXQ3V", "api_load_test_ws:recent", 24 * time.Hour},
		{"custom ttl", "p", 90 * time.Minute, "p:results:01JDXQ3V", "p:recent", 90 * time.Minute},
		{"negative ttl means default", "p", -time.Second, "p:results:01JDXQ3V", "p:recent", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, mr := newMiniRedis(t)
			r.Prefix, r.TTL = tt.prefix, tt.ttl
			start := time.Date(2025, 1, 2, 3, 4, 5, 678_900_000, time.UTC)
			put(t, r, Record{ID: "01JDXQ3V", StartedAt: start, Data: []byte(`{"a":1}`)})

			assert.Equal(t, tt.wantKey, r.Key("01JDXQ3V"), "Key")
			keys := mr.Keys()
			if diff := cmp.Diff([]string{tt.wantIndex, tt.wantKey}, keys); diff != "" {
				t.Errorf("keys in redis (-want +got):\n%s", diff)
			}
			data, _ := mr.Get(tt.wantKey)
			assert.Equal(t, `{"a":1}`, data, "GET %s: want the record's Data", tt.wantKey)
			assert.Equal(t, tt.wantTTL, mr.TTL(tt.wantKey), "TTL %s", tt.wantKey)
			assert.Zero(t, mr.TTL(tt.wantIndex), "TTL %s: want none, the index lives on, pruned on read", tt.wantIndex)
			score, err := mr.ZScore(tt.wantIndex, "01JDXQ3V")
			if assert.NoError(t, err, "ZSCORE %s 01JDXQ3V", tt.wantIndex) {
				assert.Equal(t, float64(start.UnixMilli()), score, "ZSCORE %s 01JDXQ3V: want the start in unix ms", tt.wantIndex)
			}
			got, err := r.Get(t.Context(), "01JDXQ3V")
			require.NoError(t, err)
			want := start.Truncate(time.Millisecond)
			assert.True(t, got.StartedAt.Equal(want), "Get StartedAt = %v, want %v (to the ms)", got.StartedAt, want)
		})
	}
}

// TestRedis_recentPrunes checks that Recent removes from the index the ids whose
// value expired, across batches, and keeps the live ones in order.
func TestRedis_recentPrunes(t *testing.T) {
	tests := []struct {
		name  string
		batch int
	}{
		{"one batch", 0},
		{"batches of 1", 1},
		{"batches of 2", 2},
		{"batches of 3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, mr := newMiniRedis(t)
			r.TTL, r.batch = time.Hour, tt.batch
			var wantLive []string
			for i := range 12 {
				// Interleave: even ids are saved early and expire, odd ones live.
				if i%2 == 0 {
					put(t, r, rec(fmt.Sprintf("id%02d", i), at(i)))
				}
			}
			mr.FastForward(40 * time.Minute)
			for i := range 12 {
				if i%2 == 1 {
					put(t, r, rec(fmt.Sprintf("id%02d", i), at(i)))
					wantLive = append(wantLive, fmt.Sprintf("id%02d", i))
				}
			}
			mr.FastForward(30 * time.Minute)
			slices.Reverse(wantLive)
			if diff := cmp.Diff(wantLive, collect(t, r, 0)); diff != "" {
				t.Errorf("Recent (-want +got):\n%s", diff)
			}
			members, err := mr.ZMembers("api_load_test:recent")
			require.NoError(t, err)
			slices.Reverse(members)
			if diff := cmp.Diff(wantLive, members); diff != "" {
				t.Errorf("index after Recent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRedis_recentStopsEarlyPrunesLess checks that a Recent that stops early
// does not read (or prune) beyond the batch it stopped in.
func TestRedis_recentStopsEarlyPrunesLess(t *testing.T) {
	r, mr := newMiniRedis(t)
	r.TTL, r.batch = time.Hour, 2
	put(t, r, rec("a", at(1)), rec("b", at(2)), rec("c", at(3)), rec("d", at(4)))
	mr.FastForward(2 * time.Hour)
	put(t, r, rec("e", at(5)), rec("f", at(6)))
	if diff := cmp.Diff([]string{"f"}, collect(t, r, 1)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	members, _ := mr.ZMembers("api_load_test:recent")
	assert.Len(t, members, 6, "index: want all 6 ids, the expired ones were not met yet")
}

func TestRedis_errorsNameTheKey(t *testing.T) {
	r, mr := newMiniRedis(t)
	put(t, r, rec("a", t0))
	mr.Close()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"put", func() error { return r.Put(t.Context(), rec("b", t0)) }, `put "api_load_test:results:b"`},
		{"get", func() error { _, err := r.Get(t.Context(), "a"); return err }, `get "api_load_test:results:a"`},
		{"recent", func() error { return r.Recent(t.Context(), func(Record) bool { return true }) }, `"api_load_test:recent"`},
		{"empty id", func() error { return r.Put(t.Context(), Record{}) }, "empty id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorContains(t, err, tt.want)
			assert.NotErrorIs(t, err, ErrNotFound, "the server is down, not the record")
		})
	}
}

// TestRedis_String checks how a Redis store names itself (String) and the
// directory of its runs kept elsewhere (DirName): never with the password.
func TestRedis_String(t *testing.T) {
	tests := []struct {
		name    string
		opts    redis.Options
		want    string
		wantDir string
	}{
		{"plain", redis.Options{Addr: "127.0.0.1:6379"}, "redis://127.0.0.1:6379/0", "redis-127.0.0.1-6379-0"},
		// Host names that resolve from /etc/hosts: go-redis may dial in the
		// background, and a DNS lookup of a made-up name could outlive the
		// test (goleak).
		{"user and password", redis.Options{Addr: "localhost:6380", Username: "u", Password: "secret", DB: 3}, "redis://u@localhost:6380/3", "redis-localhost-6380-3"},
		{"password alone", redis.Options{Addr: "localhost:6380", Password: "secret"}, "redis://localhost:6380/0", "redis-localhost-6380-0"},
		{"ipv6", redis.Options{Addr: "[::1]:6379", DB: 12}, "redis://[::1]:6379/12", "redis----1--6379-12"},
		{"unix socket", redis.Options{Network: "unix", Addr: "/run/redis/../redis.sock"}, "unix:///run/redis/../redis.sock?db=0", "redis--run-redis-..-redis.sock-0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedis(redis.NewClient(&tt.opts))
			defer r.Close()
			assert.Equal(t, tt.want, r.String(), "String()")
			assert.Equal(t, tt.wantDir, r.DirName(), "DirName()")
		})
	}
}

func TestNewRedis_nilPanics(t *testing.T) {
	assert.Panics(t, func() { NewRedis(nil) })
}
