package store

// A Redis that accepts connections but answers nothing: a real redis-server
// of the test's own, paused with CLIENT PAUSE.

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/testredis"
)

// TestRedisIntegration_stall pauses a real redis-server (CLIENT PAUSE 10000:
// it keeps accepting connections but answers no command for 10s) and saves
// through a Fallback: the save to Redis gives up after the store URL's
// timeout (2s by default), and the run lands in the file store with exactly
// one warning that says why. The test bounds no time window; a save that
// hung would be stopped by go test's -timeout.
func TestRedisIntegration_stall(t *testing.T) {
	tests := []struct {
		name       string
		query      string // added to the store URL
		pooled     bool   // the store has a connection open before the pause
		wantWithin string // the timeout the warning names
	}{
		{"default timeout, pooled connection", "", true, "no reply within 2s"},
		{"timeout option, pooled connection", "?timeout=300ms", true, "no reply within 300ms"},
		{"timeout option, new connection", "?timeout=300ms", false, "no reply within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testredis.Start(t)
			admin := srv.Client(t)
			b, err := Open(srv.URL(0) + tt.query)
			require.NoError(t, err)
			r, ok := b.(*Redis)
			require.True(t, ok, "Open(%s) = %T, want *Redis", srv.URL(0)+tt.query, b)
			t.Cleanup(func() { _ = r.Close() })
			f, _ := newTestFile(t)
			var warns []string
			fb := &Fallback{Primary: r, Secondary: f, Warn: warnings(&warns)}
			if tt.pooled {
				// Open a connection of the pipeline pool, which Put uses,
				// without the store's timeout: on a busy machine even a
				// healthy exchange may take 300ms.
				_, err := r.client.Pipelined(t.Context(), func(p redis.Pipeliner) error {
					p.Ping(t.Context())
					return nil
				})
				require.NoError(t, err)
			}

			require.NoError(t, admin.Do(t.Context(), "CLIENT", "PAUSE", "10000").Err())
			require.NoError(t, fb.Put(t.Context(), rec("stalled", at(2))), "Put while Redis is paused")

			assert.True(t, has(t, f, "stalled"), "the run saved while Redis is paused is in the file store")
			if assert.Len(t, warns, 1, "warnings: %q", warns) {
				t.Logf("warning: %s", warns[0])
				for _, want := range []string{"store " + srv.URL(0) + " failed (", tt.wantWithin, "?timeout=", "saved run stalled to " + f.Key("stalled") + " instead"} {
					assert.Contains(t, warns[0], want)
				}
			}
		})
	}
}
