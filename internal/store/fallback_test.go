package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// down is a Backend whose server cannot be reached.
type down struct{ Nop }

var errDown = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")

func (down) Put(context.Context, Record) error               { return errDown }
func (down) Get(context.Context, string) (Record, error)     { return Record{}, errDown }
func (down) Recent(context.Context, func(Record) bool) error { return errDown }
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
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(%s) from %s: %v", id, b, err)
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
			if err := fb.Put(t.Context(), rec("r1", t0)); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if _, ok := p.(down); !ok && has(t, p, "r1") != tt.wantPrimary {
				t.Errorf("in primary: %v, want %v", !tt.wantPrimary, tt.wantPrimary)
			}
			if has(t, s, "r1") != tt.wantSecondary {
				t.Errorf("in secondary: %v, want %v", !tt.wantSecondary, tt.wantSecondary)
			}
			if tt.wantWarn == nil {
				if len(warns) != 0 {
					t.Errorf("warnings %q, want none", warns)
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("got %d warnings %q, want exactly 1", len(warns), warns)
			}
			for _, want := range tt.wantWarn {
				if !strings.Contains(warns[0], want) {
					t.Errorf("warning %q does not contain %q", warns[0], want)
				}
			}
		})
	}
}

func TestFallback_putBothFail(t *testing.T) {
	var warns []string
	fb := &Fallback{Primary: down{}, Secondary: down{}, Warn: warnings(&warns)}
	err := fb.Put(t.Context(), rec("r1", t0))
	if err == nil || strings.Count(err.Error(), "connection refused") != 2 || !strings.Contains(err.Error(), "fallback store") {
		t.Errorf("Put = %v, want both failures", err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %q, want none: the error says it all", warns)
	}
}

func TestFallback_putCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var warns []string
	s, _ := secondaryFile(t)
	r, _ := newMiniRedis(t)
	fb := &Fallback{Primary: r, Secondary: s, Warn: warnings(&warns)}
	if err := fb.Put(ctx, rec("r1", t0)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put = %v, want context.Canceled", err)
	}
	if has(t, s, "r1") || len(warns) != 0 {
		t.Errorf("a cancelled Put fell back (warnings %q)", warns)
	}
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
			if err := mr.Restart(); err != nil {
				t.Fatal(err)
			}
		}, "r4", true, 2},
	}
	for i, st := range steps {
		st.do()
		if err := fb.Put(t.Context(), rec(st.id, at(i))); err != nil {
			t.Fatalf("%s: Put(%s): %v", st.name, st.id, err)
		}
		if got := mr.Exists("api_load_test:results:" + st.id); got != st.inRedis {
			t.Errorf("%s: %s in redis = %v, want %v", st.name, st.id, got, st.inRedis)
		}
		if got := has(t, s, st.id); got == st.inRedis {
			t.Errorf("%s: %s in file store = %v, want %v", st.name, st.id, got, !st.inRedis)
		}
		if len(warns) != st.wantWarns {
			t.Errorf("%s: %d warnings %q, want %d", st.name, len(warns), warns, st.wantWarns)
		}
	}
	if len(warns) > 0 && !strings.Contains(warns[0], r.String()) {
		t.Errorf("warning %q does not name the primary %s", warns[0], r)
	}
	// Everything is readable through the fallback, newest first.
	if diff := cmp.Diff([]string{"r4", "r3", "r2", "r1"}, collect(t, fb, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		if _, err := fb.Get(t.Context(), id); err != nil {
			t.Errorf("Get(%s): %v", id, err)
		}
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
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Get(%s): %v", tt.id, err)
			case tt.wantErr == "" && got.ID != tt.id:
				t.Errorf("Get(%s) = %+v", tt.id, got)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Get(%s) = %v, want an error containing %q", tt.id, err, tt.wantErr)
			}
			if tt.wantErr != "" && errors.Is(err, ErrNotFound) != tt.wantNotFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, !tt.wantNotFound, tt.wantNotFound)
			}
			if len(warns) != tt.wantWarns {
				t.Errorf("warnings %q, want %d", warns, tt.wantWarns)
			}
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
			if len(warns) != len(tt.wantWarns) {
				t.Fatalf("warnings %q, want %d", warns, len(tt.wantWarns))
			}
			for i, want := range tt.wantWarns {
				if !strings.Contains(warns[i], want) {
					t.Errorf("warning %q does not contain %q", warns[i], want)
				}
			}
		})
	}
}

func TestFallback_recentBothDown(t *testing.T) {
	var warns []string
	fb := &Fallback{Primary: down{}, Secondary: down{}, Warn: warnings(&warns)}
	err := fb.Recent(t.Context(), func(Record) bool { t.Error("fn called"); return true })
	if err == nil || strings.Count(err.Error(), "connection refused") != 2 {
		t.Errorf("Recent = %v, want both failures", err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %q, want none: the error says it all", warns)
	}
}

func TestFallback_describe(t *testing.T) {
	s, f := secondaryFile(t)
	fb := &Fallback{Primary: down{}, Secondary: s}
	if want := "redis://u@10.0.0.7:6379/0 (fallback file://" + f.dir + ")"; fb.String() != want {
		t.Errorf("String() = %q, want %q", fb.String(), want)
	}
	if want := "api_load_test:results:a (or " + f.Key("a") + ")"; fb.Key("a") != want {
		t.Errorf("Key(a) = %q, want %q", fb.Key("a"), want)
	}
	if err := fb.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
