package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is the start of every test's timeline. Times in tests keep to the
// millisecond, the precision of the Redis index.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// equalBytes compares []byte fast (cmp walks slices element by element) and
// takes nil and empty as equal.
var equalBytes = cmp.Comparer(bytes.Equal)

// rec builds a record whose Data names it.
func rec(id string, start time.Time) Record {
	return Record{ID: id, StartedAt: start, Data: []byte(`{"id":"` + id + `"}`)}
}

// harness makes a fresh, empty backend of one kind and a way to move its clock.
type harness struct {
	name string
	new  func(t *testing.T, ttl time.Duration, maxRecent int) (Backend, func(time.Duration))
}

// harnesses are the backends that must share the semantics of Backend.
func harnesses() []harness {
	return []harness{
		{"redis", func(t *testing.T, ttl time.Duration, maxRecent int) (Backend, func(time.Duration)) {
			r, mr := newMiniRedis(t)
			r.TTL, r.MaxRecent = ttl, maxRecent
			return r, mr.FastForward
		}},
		{"file", func(t *testing.T, ttl time.Duration, maxRecent int) (Backend, func(time.Duration)) {
			f, clk := newTestFile(t)
			f.TTL, f.MaxRecent = ttl, maxRecent
			return f, clk.Add
		}},
	}
}

// newMiniRedis returns a Redis backend on a fresh miniredis with a unique
// Prefix; both are closed when t ends.
func newMiniRedis(t *testing.T) (*Redis, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	r := NewRedis(redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialerRetries: 1}))
	t.Cleanup(func() { _ = r.Close() })
	return r, mr
}

// clock is a settable time source for File.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTestFile returns a File backend in a fresh directory with a clock that
// only moves when told.
func newTestFile(t *testing.T) (*File, *clock) {
	t.Helper()
	f, err := NewFile(t.TempDir())
	require.NoError(t, err)
	clk := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Now = clk.Now
	return f, clk
}

// collect returns the ids Recent yields, stopping after n (0: all).
func collect(t *testing.T, b Backend, n int) []string {
	t.Helper()
	ids := []string{}
	err := b.Recent(t.Context(), func(r Record) bool {
		ids = append(ids, r.ID)
		return n == 0 || len(ids) < n
	})
	require.NoError(t, err, "Recent")
	return ids
}

// put saves every record or stops the test.
func put(t *testing.T, b Backend, recs ...Record) {
	t.Helper()
	for _, r := range recs {
		require.NoError(t, b.Put(t.Context(), r), "Put(%s)", r.ID)
	}
}

func TestBackend_roundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	tests := []struct {
		name string
		rec  Record
	}{
		{"json", rec("01JDXQ3V", t0)},
		{"empty data", Record{ID: "empty", StartedAt: t0, Data: []byte{}}},
		{"1 MiB", Record{ID: "big", StartedAt: t0, Data: big}},
		{"binary data", Record{ID: "bin", StartedAt: t0, Data: []byte{0, 1, 0xff, '\n'}}},
		{"id with colon, dash, unicode", rec("kind:run-ünï", t0)},
		{"id with dots", rec("v1.2.3", t0)},
		{"start before 1970", rec("old", time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC))},
		{"zero start", Record{ID: "zero", Data: []byte("{}")}},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, _ := h.new(t, 0, 0)
					put(t, b, tt.rec)
					got, err := b.Get(t.Context(), tt.rec.ID)
					require.NoError(t, err, "Get(%q)", tt.rec.ID)
					if diff := cmp.Diff(tt.rec, got, equalBytes); diff != "" {
						t.Errorf("Get(%q) (-want +got):\n%s", tt.rec.ID, diff)
					}
					var recent []Record
					require.NoError(t, b.Recent(t.Context(), func(r Record) bool { recent = append(recent, r); return true }))
					if assert.Len(t, recent, 1, "Recent: want just %q", tt.rec.ID) {
						if diff := cmp.Diff(tt.rec, recent[0], equalBytes); diff != "" {
							t.Errorf("Recent (-want +got):\n%s", diff)
						}
					}
				})
			}
		})
	}
}

func TestBackend_getMissing(t *testing.T) {
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			b, _ := h.new(t, 0, 0)
			put(t, b, rec("other", t0))
			_, err := b.Get(t.Context(), "nope")
			require.ErrorIs(t, err, ErrNotFound, "Get(nope)")
			assert.NotErrorIs(t, err, redis.Nil, "Get(nope): redis.Nil escaped")
			assert.NotContains(t, err.Error(), "redis: nil", "Get(nope): redis.Nil escaped")
			assert.Contains(t, err.Error(), b.Key("nope"), "Get(nope) must name the key")
		})
	}
}

func TestBackend_replace(t *testing.T) {
	tests := []struct {
		name          string
		first, second time.Time
	}{
		{"later start", at(1), at(5)},
		{"earlier start", at(5), at(1)},
		{"same start", at(3), at(3)},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, _ := h.new(t, 0, 0)
					second := Record{ID: "a", StartedAt: tt.second, Data: []byte("second")}
					put(t, b, rec("b", at(4)), Record{ID: "a", StartedAt: tt.first, Data: []byte("first")}, second)
					got, err := b.Get(t.Context(), "a")
					require.NoError(t, err)
					if diff := cmp.Diff(second, got, equalBytes); diff != "" {
						t.Errorf("Get(a) after a second Put (-want +got):\n%s", diff)
					}
					want := []string{"b", "a"}
					if tt.second.After(at(4)) {
						want = []string{"a", "b"}
					}
					if diff := cmp.Diff(want, collect(t, b, 0)); diff != "" {
						t.Errorf("Recent (-want +got):\n%s", diff)
					}
					if f, ok := b.(*File); ok {
						m, _ := filepath.Glob(filepath.Join(f.dir, "*.a.json"))
						assert.Len(t, m, 1, "files for id a: the first version must go")
					}
				})
			}
		})
	}
}

func TestBackend_recentOrder(t *testing.T) {
	tests := []struct {
		name string
		puts []Record
		n    int // stop after n; 0: all
		want []string
	}{
		{"empty", nil, 0, []string{}},
		{"newest first whatever the save order", []Record{rec("b", at(2)), rec("c", at(3)), rec("a", at(1))}, 0, []string{"c", "b", "a"}},
		{"same start: id descending", []Record{rec("x1", at(1)), rec("x3", at(1)), rec("x2", at(1)), rec("y", at(0))}, 0, []string{"x3", "x2", "x1", "y"}},
		{"stop early", []Record{rec("a", at(1)), rec("b", at(2)), rec("c", at(3)), rec("d", at(4))}, 2, []string{"d", "c"}},
		{"fn false on the last", []Record{rec("a", at(1))}, 1, []string{"a"}},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, _ := h.new(t, 0, 0)
					put(t, b, tt.puts...)
					if diff := cmp.Diff(tt.want, collect(t, b, tt.n)); diff != "" {
						t.Errorf("Recent (-want +got):\n%s", diff)
					}
				})
			}
		})
	}
}

func TestBackend_ttl(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration // 0: DefaultTTL
		advance time.Duration
		live    bool
	}{
		{"default ttl, just before", 0, DefaultTTL - time.Second, true},
		{"default ttl, at", 0, DefaultTTL, false},
		{"default ttl, after", 0, DefaultTTL + time.Hour, false},
		{"custom ttl, before", time.Minute, 59 * time.Second, true},
		{"custom ttl, after", time.Minute, 61 * time.Second, false},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, advance := h.new(t, tt.ttl, 0)
					put(t, b, rec("a", t0))
					advance(tt.advance)
					_, err := b.Get(t.Context(), "a")
					if tt.live {
						assert.NoError(t, err, "Get after %v, want the record", tt.advance)
					} else {
						assert.ErrorIs(t, err, ErrNotFound, "Get after %v", tt.advance)
					}
					want := []string{}
					if tt.live {
						want = []string{"a"}
					}
					if diff := cmp.Diff(want, collect(t, b, 0)); diff != "" {
						t.Errorf("Recent after %v (-want +got):\n%s", tt.advance, diff)
					}
				})
			}
		})
	}
}

// TestBackend_recentSkipsExpired checks that a caller asking for n records gets
// n live ones when expired ones sit among (and before) them.
func TestBackend_recentSkipsExpired(t *testing.T) {
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			b, advance := h.new(t, time.Hour, 0)
			if r, ok := b.(*Redis); ok {
				r.batch = 3 // several round trips
			}
			// Saved first, so expiring first, but started last: newest in the index.
			for i := range 10 {
				put(t, b, rec(fmt.Sprintf("old%02d", i), at(1000+i)))
			}
			advance(30 * time.Minute)
			for i := range 10 {
				put(t, b, rec(fmt.Sprintf("new%02d", i), at(i)))
			}
			advance(45 * time.Minute) // the old ones are 75 min old, the new ones 45
			want := []string{"new09", "new08", "new07", "new06"}
			if diff := cmp.Diff(want, collect(t, b, 4)); diff != "" {
				t.Errorf("first 4 of Recent (-want +got):\n%s", diff)
			}
			assert.Len(t, collect(t, b, 0), 10, "Recent: want the 10 live ones")
		})
	}
}

func TestBackend_trim(t *testing.T) {
	tests := []struct {
		name      string
		maxRecent int
		puts      []Record
		want      []string
	}{
		{"under the cap", 3, []Record{rec("a", at(1)), rec("b", at(2))}, []string{"b", "a"}},
		{"at the cap", 3, []Record{rec("a", at(1)), rec("b", at(2)), rec("c", at(3))}, []string{"c", "b", "a"}},
		{"over the cap keeps the newest by start", 3,
			[]Record{rec("e", at(5)), rec("a", at(1)), rec("d", at(4)), rec("b", at(2)), rec("c", at(3))},
			[]string{"e", "d", "c"}},
		{"a late save of an old run is trimmed at once", 2,
			[]Record{rec("b", at(2)), rec("c", at(3)), rec("a", at(1))},
			[]string{"c", "b"}},
		{"cap of one", 1, []Record{rec("a", at(1)), rec("b", at(2))}, []string{"b"}},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, _ := h.new(t, 0, tt.maxRecent)
					put(t, b, tt.puts...)
					if diff := cmp.Diff(tt.want, collect(t, b, 0)); diff != "" {
						t.Errorf("Recent (-want +got):\n%s", diff)
					}
				})
			}
		})
	}
}

func TestBackend_concurrentPuts(t *testing.T) {
	const n = 64
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			b, _ := h.new(t, 0, 0)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() { errs <- b.Put(t.Context(), rec(fmt.Sprintf("r%03d", i), at(i))) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err, "Put")
			}
			want := make([]string, n)
			for i := range n {
				want[i] = fmt.Sprintf("r%03d", n-1-i)
			}
			if diff := cmp.Diff(want, collect(t, b, 0)); diff != "" {
				t.Errorf("Recent after %d concurrent Puts (-want +got):\n%s", n, diff)
			}
		})
	}
}

func TestBackend_ids(t *testing.T) {
	tests := []struct {
		name   string
		ids    []string
		prefix string
		want   []string
	}{
		{"shards of a run", []string{"r.0", "r.1", "r.10", "rr.0", "x", "r"}, "r.", []string{"r.0", "r.1", "r.10"}},
		{"none", []string{"a.0"}, "r.", []string{}},
		{"glob characters are literal", []string{"a*b.0", "axb.0", "a?b.1", "a[b].2"}, "a*b.", []string{"a*b.0"}},
		{"brackets are literal", []string{"a[b].2", "ab.2"}, "a[b].", []string{"a[b].2"}},
	}
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, _ := h.new(t, 0, 0)
					for i, id := range tt.ids {
						put(t, b, rec(id, at(i)))
					}
					got, err := b.IDs(t.Context(), tt.prefix)
					require.NoError(t, err)
					assert.ElementsMatch(t, tt.want, got)
				})
			}
		})
	}
}

func TestBackend_idsSkipsExpired(t *testing.T) {
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			b, advance := h.new(t, time.Minute, 0)
			put(t, b, rec("r.0", t0))
			advance(61 * time.Second)
			put(t, b, rec("r.1", t0))
			got, err := b.IDs(t.Context(), "r.")
			require.NoError(t, err)
			assert.Equal(t, []string{"r.1"}, got)
		})
	}
}
