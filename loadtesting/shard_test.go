package loadtesting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// mapStore is a Store of a user's own: GetRun finds its shards by id.
type mapStore struct {
	mu   sync.Mutex
	runs map[string]*loadtesting.Result
}

func (m *mapStore) Save(_ context.Context, r *loadtesting.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[r.ID] = r
	return nil
}

func (m *mapStore) Get(_ context.Context, id string) (*loadtesting.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.runs[id]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("result %s: %w", id, loadtesting.ErrNotFound)
}

func (m *mapStore) Recent(context.Context, int) ([]*loadtesting.Result, error) { return nil, nil }
func (m *mapStore) Close() error                                               { return nil }

func TestGetRun(t *testing.T) {
	// The default file store and Redis's fallback stay in a temporary cache.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv(loadtesting.StoreEnv, "")
	stores := []struct {
		name string
		open func(t *testing.T) loadtesting.Store
	}{
		{"file", func(t *testing.T) loadtesting.Store {
			st, err := loadtesting.OpenStore("file://" + t.TempDir())
			require.NoError(t, err)
			return st
		}},
		{"redis", func(t *testing.T) loadtesting.Store {
			st, err := loadtesting.OpenStore("redis://" + miniredis.RunT(t).Addr() + "/0")
			require.NoError(t, err)
			return st
		}},
		{"a store of the user's own", func(*testing.T) loadtesting.Store {
			return &mapStore{runs: map[string]*loadtesting.Result{}}
		}},
	}
	tests := []struct {
		name         string
		saved        []int // shard indexes of run "R" saved, of 3
		wantShards   []int
		wantPartial  bool
		wantRequests int64
	}{
		{"every shard", []int{2, 0, 1}, []int{0, 1, 2}, false, 10},
		{"shard 0 missing", []int{2, 1}, []int{1, 2}, true, 6},
		{"one shard", []int{1}, []int{1}, true, 3},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					st := s.open(t)
					defer st.Close()
					for _, i := range tt.saved {
						_, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{
							Requests: 10, Clients: 2, RunID: "R", Shard: loadtesting.Shard{Index: i, Count: 3}, Store: st,
						})
						require.NoError(t, err)
					}
					// Runs whose ids start alike are not shards of R.
					for _, cfg := range []loadtesting.Config{
						{Requests: 1, RunID: "R2", Shard: loadtesting.Shard{Count: 1}, Store: st},
						{Requests: 1, RunID: "R-x", Shard: loadtesting.Shard{Count: 1}, Store: st},
						{Requests: 1, Store: st},
					} {
						_, err := loadtesting.Exec(t.Context(), okHandler, cfg)
						require.NoError(t, err)
					}

					run, err := loadtesting.GetRun(t.Context(), st, "R")
					require.NoError(t, err)
					var got []int
					for _, sh := range run.Shards {
						got = append(got, sh.Shard.Index)
					}
					assert.Equal(t, tt.wantShards, got, "shards")
					assert.Equal(t, 3, run.Expected)
					assert.Equal(t, tt.wantPartial, run.Partial())
					assert.Equal(t, "R", run.Merged.ID)
					assert.Equal(t, tt.wantRequests, run.Merged.Metrics.Requests)

					data, err := json.Marshal(run)
					require.NoError(t, err)
					var doc struct {
						ID       string               `json:"id"`
						Expected int                  `json:"shards_expected"`
						Partial  bool                 `json:"partial"`
						Shards   []loadtesting.Result `json:"shards"`
						Metrics  loadtesting.Metrics  `json:"metrics"`
					}
					require.NoError(t, json.Unmarshal(data, &doc))
					assert.Equal(t, "R", doc.ID)
					assert.Equal(t, 3, doc.Expected)
					assert.Equal(t, tt.wantPartial, doc.Partial)
					assert.Len(t, doc.Shards, len(tt.wantShards))
					assert.Equal(t, tt.wantRequests, doc.Metrics.Requests)
					for _, sh := range doc.Shards {
						assert.NotEmpty(t, sh.Histogram, "shard %s histogram", sh.ID)
					}
				})
			}
			t.Run("no shard saved", func(t *testing.T) {
				st := s.open(t)
				defer st.Close()
				_, err := loadtesting.GetRun(t.Context(), st, "nothing")
				require.ErrorIs(t, err, loadtesting.ErrNotFound)
				assert.Contains(t, err.Error(), "run nothing: not found (no shard of it is saved")
			})
		})
	}
}

func TestGetRun_badRunID(t *testing.T) {
	_, err := loadtesting.GetRun(t.Context(), loadtesting.NoStore{}, "a.b")
	require.ErrorIs(t, err, loadtesting.ErrNotFound)
	assert.Contains(t, err.Error(), `run "a.b": not found (not a run id`)
}

func TestFind(t *testing.T) {
	st := &mapStore{runs: map[string]*loadtesting.Result{}}
	plain, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 3, Store: st})
	require.NoError(t, err)
	for i := range 2 {
		_, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 10, RunID: "R", Shard: loadtesting.Shard{Index: i, Count: 2}, Store: st})
		require.NoError(t, err)
	}
	tests := []struct {
		name         string
		id           string
		wantID       string
		wantRequests int64
		wantErr      string
	}{
		{"a run", plain.ID, plain.ID, 3, ""},
		{"a shard", "R.1", "R.1", 5, ""},
		{"a run split into shards", "R", "R", 10, ""},
		{"nothing", "nope", "", 0, "result nope: not found"},
		{"not a run id either", "a.b", "", 0, "result a.b: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := loadtesting.Find(t.Context(), st, tt.id)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, loadtesting.ErrNotFound)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, r.ID)
			assert.Equal(t, tt.wantRequests, r.Metrics.Requests)
		})
	}
}

func TestCombineShards(t *testing.T) {
	st := &mapStore{runs: map[string]*loadtesting.Result{}}
	plain, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 3, Store: st})
	require.NoError(t, err)
	var shards []*loadtesting.Result
	for i := range 3 {
		r, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 9, RunID: "R", Shard: loadtesting.Shard{Index: i, Count: 3}, Store: st})
		require.NoError(t, err)
		shards = append(shards, r)
	}
	// A shard whose run cannot be read back (not in the store) stays.
	lone := *shards[0]
	lone.ID, lone.RunID = "S.0", "S"

	got := loadtesting.CombineShards(t.Context(), st, []*loadtesting.Result{shards[2], plain, shards[0], &lone})
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []string{"R", plain.ID, "S.0"}, ids)
	assert.Equal(t, int64(9), got[0].Metrics.Requests, "every saved shard, not only those listed")
}
