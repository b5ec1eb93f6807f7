package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// down is a Backend whose server cannot be reached.
type down struct{ Nop }

var errDown = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")

func (down) Put(context.Context, Record) error               { return errDown }
func (down) Get(context.Context, string) (Record, error)     { return Record{}, errDown }
func (down) Recent(context.Context, func(Record) bool) error { return errDown }
func (down) IDs(context.Context, string) ([]string, error)   { return nil, errDown }
func (down) Key(id string) string                            { return "api_load_test:results:" + id }
func (down) String() string                                  { return "redis://u@10.0.0.7:6379/0" }

// warnings returns a Fallback.Warn that appends to *warns.
func warnings(warns *[]string) func(string) {
	return func(m string) { *warns = append(*warns, m) }
}

// primaryRedis returns a Redis backend on miniredis holding recs.
func primaryRedis(t *testing.T, recs ...Record) Backend {
	r, _ := newMiniRedis(t)
	put(t, r, recs...)
	return r
}

// primaryFile returns a File backend holding recs.
func primaryFile(t *testing.T, recs ...Record) Backend {
	f, _ := newTestFile(t)
	put(t, f, recs...)
	return f
}

// secondaryFile returns a File backend holding recs, as a Backend and as itself.
func secondaryFile(t *testing.T, recs ...Record) (Backend, *File) {
	f, _ := newTestFile(t)
	put(t, f, recs...)
	return f, f
}

// has reports whether b holds id.
func has(t *testing.T, b Backend, id string) bool {
	t.Helper()
	_, err := b.Get(t.Context(), id)
	if !errors.Is(err, ErrNotFound) {
		require.NoError(t, err, "Get(%s) from %s", id, b)
	}
	return err == nil
}

func TestFallback_put(t *testing.T) {
	tests := []struct {
		name          string
		primary       func(t *testing.T) Backend
		wantPrimary   bool
		wantSecondary bool
		wantWarn      []string // substrings of the one warning; nil: no warning
	}{
		{"primary up", func(t *testing.T) Backend { return primaryRedis(t) }, true, false, nil},
		{"primary down", func(*testing.T) Backend { return down{} }, false, true, []string{
			"store redis://u@10.0.0.7:6379/0 failed (",
			"connection refused",
			"saved run r1 to ",
			".r1.json instead",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			p := tt.primary(t)
			s, _ := secondaryFile(t)
			fb := &Fallback{Primary: p, Secondary: s, Warn: warnings(&warns)}
			require.NoError(t, fb.Put(t.Context(), rec("r1", t0)), "Put")
			if _, ok := p.(down); !ok {
				assert.Equal(t, tt.wantPrimary, has(t, p, "r1"), "in primary")
			}
			assert.Equal(t, tt.wantSecondary, has(t, s, "r1"), "in secondary")
			if tt.wantWarn == nil {
				assert.Empty(t, warns, "warnings")
				return
			}
			require.Len(t, warns, 1, "warnings")
			for _, want := range tt.wantWarn {
				assert.Contains(t, warns[0], want, "warning")
			}
		})
	}
}

func TestFallback_putBothFail(t *testing.T) {
	var warns []string
	fb := &Fallback{Primary: down{}, Secondary: down{}, Warn: warnings(&warns)}
	err := fb.Put(t.Context(), rec("r1", t0))
	require.Error(t, err, "Put")
	assert.Equal(t, 2, strings.Count(err.Error(), "connection refused"), "Put = %v, want both failures", err)
	assert.Contains(t, err.Error(), "fallback store", "Put: want both failures")
	assert.Empty(t, warns, "warnings: want none, the error says it all")
}

func TestFallback_putCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var warns []string
	s, _ := secondaryFile(t)
	r, _ := newMiniRedis(t)
	fb := &Fallback{Primary: r, Secondary: s, Warn: warnings(&warns)}
	assert.ErrorIs(t, fb.Put(ctx, rec("r1", t0)), context.Canceled, "Put")
	assert.False(t, has(t, s, "r1"), "a cancelled Put fell back")
	assert.Empty(t, warns, "a cancelled Put fell back")
}

// TestFallback_primaryComesBack stops the primary Redis and restarts it: saves
// go to the file store with one warning each while it is down, and to Redis
// again as soon as it is back.
func TestFallback_primaryComesBack(t *testing.T) {
	r, mr := newMiniRedis(t)
	s, _ := secondaryFile(t)
	var warns []string
	fb := &Fallback{Primary: r, Secondary: s, Warn: warnings(&warns)}

	steps := []struct {
		name      string
		do        func()
		id        string
		inRedis   bool
		wantWarns int // total so far
	}{
		{"up", func() {}, "r1", true, 0},
		{"stopped", mr.Close, "r2", false, 1},
		{"still stopped", func() {}, "r3", false, 2},
		{"restarted", func() {
			require.NoError(t, mr.Restart())
		}, "r4", true, 2},
	}
	for i, st := range steps {
		st.do()
		require.NoError(t, fb.Put(t.Context(), rec(st.id, at(i))), "%s: Put(%s)", st.name, st.id)
		assert.Equal(t, st.inRedis, mr.Exists("api_load_test:results:"+st.id), "%s: %s in redis", st.name, st.id)
		assert.Equal(t, !st.inRedis, has(t, s, st.id), "%s: %s in file store", st.name, st.id)
		assert.Len(t, warns, st.wantWarns, "%s: warnings", st.name)
	}
	if len(warns) > 0 {
		assert.Contains(t, warns[0], r.String(), "the warning must name the primary")
	}
	// Everything is readable through the fallback, newest first.
	if diff := cmp.Diff([]string{"r4", "r3", "r2", "r1"}, collect(t, fb, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		_, err := fb.Get(t.Context(), id)
		assert.NoError(t, err, "Get(%s)", id)
	}
}

func TestFallback_get(t *testing.T) {
	tests := []struct {
		name         string
		primary      func(t *testing.T) Backend
		secondary    []Record
		id           string
		wantErr      string // substring; empty: found
		wantNotFound bool
		wantWarns    int
	}{
		{"in primary", func(t *testing.T) Backend { return primaryRedis(t, rec("a", t0)) }, nil, "a", "", false, 0},
		{"in secondary only", func(t *testing.T) Backend { return primaryRedis(t) }, []Record{rec("a", t0)}, "a", "", false, 0},
		{"in neither", func(t *testing.T) Backend { return primaryRedis(t) }, nil, "a", `key "api_load_test:results:a": not found (nor in `, true, 0},
		{"primary down, in secondary", func(*testing.T) Backend { return down{} }, []Record{rec("a", t0)}, "a", "", false, 1},
		{"primary down, not in secondary", func(*testing.T) Backend { return down{} }, nil, "a",
			"store redis://u@10.0.0.7:6379/0: dial tcp 10.0.0.7:6379: connect: connection refused (and not in ", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			s, _ := secondaryFile(t, tt.secondary...)
			fb := &Fallback{Primary: tt.primary(t), Secondary: s, Warn: warnings(&warns)}
			got, err := fb.Get(t.Context(), tt.id)
			if tt.wantErr == "" {
				require.NoError(t, err, "Get(%s)", tt.id)
				assert.Equal(t, tt.id, got.ID, "Get(%s) = %+v", tt.id, got)
			} else {
				assert.ErrorContains(t, err, tt.wantErr, "Get(%s)", tt.id)
				assert.Equal(t, tt.wantNotFound, errors.Is(err, ErrNotFound), "errors.Is(%v, ErrNotFound)", err)
			}
			assert.Len(t, warns, tt.wantWarns, "warnings")
		})
	}
}

func TestFallback_recent(t *testing.T) {
	tests := []struct {
		name      string
		primary   func(t *testing.T) Backend
		secondary []Record
		n         int
		want      []string
		wantWarns []string // substrings, one per warning
		wantErr   bool
	}{
		{"both empty", func(t *testing.T) Backend { return primaryRedis(t) }, nil, 0, []string{}, nil, false},
		{"merged newest first",
			func(t *testing.T) Backend {
				return primaryRedis(t, rec("p1", at(1)), rec("p4", at(4)), rec("p5", at(5)))
			},
			[]Record{rec("s2", at(2)), rec("s3", at(3)), rec("s6", at(6))}, 0,
			[]string{"s6", "p5", "p4", "s3", "s2", "p1"}, nil, false},
		{"same id on both sides yields once",
			func(t *testing.T) Backend { return primaryRedis(t, rec("a", at(1)), rec("b", at(2))) },
			[]Record{rec("b", at(2)), rec("c", at(3))}, 0,
			[]string{"c", "b", "a"}, nil, false},
		{"stops early",
			func(t *testing.T) Backend { return primaryRedis(t, rec("p1", at(1)), rec("p3", at(3))) },
			[]Record{rec("s2", at(2))}, 2,
			[]string{"p3", "s2"}, nil, false},
		{"primary down: secondary alone, one warning",
			func(*testing.T) Backend { return down{} },
			[]Record{rec("s1", at(1)), rec("s2", at(2))}, 0,
			[]string{"s2", "s1"}, []string{"store redis://u@10.0.0.7:6379/0 failed (dial tcp 10.0.0.7:6379: connect: connection refused); listing runs from file://"}, false},
		{"secondary down: primary alone, one warning",
			func(t *testing.T) Backend { return primaryFile(t, rec("p1", at(1))) },
			nil, 0, []string{"p1"}, []string{"fallback store redis://u@10.0.0.7:6379/0 failed"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			var s Backend
			s, _ = secondaryFile(t, tt.secondary...)
			if strings.HasPrefix(tt.name, "secondary down") {
				s = down{}
			}
			fb := &Fallback{Primary: tt.primary(t), Secondary: s, Warn: warnings(&warns)}
			if diff := cmp.Diff(tt.want, collect(t, fb, tt.n)); diff != "" {
				t.Errorf("Recent (-want +got):\n%s", diff)
			}
			require.Len(t, warns, len(tt.wantWarns), "warnings")
			for i, want := range tt.wantWarns {
				assert.Contains(t, warns[i], want, "warning %d", i)
			}
		})
	}
}

func TestFallback_recentBothDown(t *testing.T) {
	var warns []string
	fb := &Fallback{Primary: down{}, Secondary: down{}, Warn: warnings(&warns)}
	err := fb.Recent(t.Context(), func(Record) bool { assert.Fail(t, "fn called"); return true })
	require.Error(t, err, "Recent")
	assert.Equal(t, 2, strings.Count(err.Error(), "connection refused"), "Recent = %v, want both failures", err)
	assert.Empty(t, warns, "warnings: want none, the error says it all")
}

func TestFallback_describe(t *testing.T) {
	s, f := secondaryFile(t)
	fb := &Fallback{Primary: down{}, Secondary: s}
	assert.Equal(t, "redis://u@10.0.0.7:6379/0 (fallback file://"+f.dir+")", fb.String(), "String()")
	assert.Equal(t, "api_load_test:results:a (or "+f.Key("a")+")", fb.Key("a"), "Key(a)")
	assert.NoError(t, fb.Close(), "Close")
}

func TestFallback_ids(t *testing.T) {
	tests := []struct {
		name      string
		primary   func(t *testing.T) Backend
		want      []string
		wantWarns int
	}{
		{"both sides, each id once", func(t *testing.T) Backend {
			r, _ := newMiniRedis(t)
			put(t, r, rec("r.0", t0))
			put(t, r, rec("r.1", t0))
			return r
		}, []string{"r.0", "r.1", "r.2"}, 0},
		{"primary down", func(*testing.T) Backend { return down{} }, []string{"r.1", "r.2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec, _ := newTestFile(t)
			put(t, sec, rec("r.1", t0))
			put(t, sec, rec("r.2", t0))
			put(t, sec, rec("s.0", t0))
			var warns []string
			fb := &Fallback{Primary: tt.primary(t), Secondary: sec, Warn: warnings(&warns)}
			got, err := fb.IDs(t.Context(), "r.")
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, got)
			assert.Len(t, warns, tt.wantWarns, "warnings: %q", warns)
		})
	}
}

func TestFallback_idsBothDown(t *testing.T) {
	fb := &Fallback{Primary: down{}, Secondary: down{}, Warn: func(string) {}}
	_, err := fb.IDs(t.Context(), "r.")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
}
