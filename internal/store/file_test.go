package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFile_badIDs(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{"empty", "", "empty id"},
		{"slash", "a/b", `id "a/b": must not contain a path separator or ".."`},
		{"backslash", `a\b`, `id "a\\b": must not contain`},
		{"dot dot", "..", `id "..": must not contain`},
		{"climbing", "../../etc/passwd", `id "../../etc/passwd": must not contain`},
		{"dot dot inside", "a..b", `id "a..b": must not contain`},
		{"nul", "a\x00b", `id "a\x00b": must not contain`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := newTestFile(t)
			err := f.Put(t.Context(), Record{ID: tt.id, StartedAt: t0, Data: []byte("{}")})
			assert.ErrorContains(t, err, tt.want, "Put(%q)", tt.id)
			_, err = f.Get(t.Context(), tt.id)
			assert.ErrorContains(t, err, tt.want, "Get(%q)", tt.id)
			assert.NotErrorIs(t, err, ErrNotFound, "Get(%q)", tt.id)
			ents, _ := os.ReadDir(f.dir)
			assert.Empty(t, ents, "directory entries after a rejected Put")
		})
	}
}

// TestFile_startTimeOutOfRange puts records whose start time has no
// fixed-width stamp: each must be refused, not written where list cannot
// read it back (found by nothing, trimmed by nothing).
func TestFile_startTimeOutOfRange(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		f, _ := newTestFile(t)
		err := f.Put(t.Context(), Record{ID: "r1", StartedAt: at, Data: []byte("{}")})
		assert.ErrorContains(t, err, "put r1: start time ", "Put at %v: want an error naming the start time", at)
		ents, _ := os.ReadDir(f.dir)
		assert.Empty(t, ents, "files left by a Put at %v", at)
	}
	f, _ := newTestFile(t)
	edge := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	require.NoError(t, f.Put(t.Context(), Record{ID: "r2", StartedAt: edge, Data: []byte("{}")}))
	rec, err := f.Get(t.Context(), "r2")
	require.NoError(t, err, "Get")
	assert.True(t, rec.StartedAt.Equal(edge), "Get: StartedAt %v, want %v", rec.StartedAt, edge)
}

func TestFile_layout(t *testing.T) {
	f, _ := newTestFile(t)
	f.Prefix = "api_load_test_ws"
	start := time.Date(2025, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("CET", 3600))
	put(t, f, Record{ID: "01JDXQ3V", StartedAt: start, Data: []byte(`{"a":1}`)})

	want := filepath.Join(f.dir, "api_load_test_ws.20250102T020405.678901234Z.01JDXQ3V.json")
	ents, err := os.ReadDir(f.dir)
	require.NoError(t, err)
	require.Len(t, ents, 1, "directory holds %v, want just %s", ents, want)
	require.Equal(t, want, filepath.Join(f.dir, ents[0].Name()), "the one file")
	data, _ := os.ReadFile(want)
	assert.Equal(t, `{"a":1}`, string(data), "file holds the record's Data")
	info, err := os.Stat(want)
	require.NoError(t, err)
	assert.True(t, info.ModTime().Equal(f.Now()), "file mtime %v, want the save time %v", info.ModTime(), f.Now())
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "file mode")
	assert.Equal(t, want, f.Key("01JDXQ3V"), "Key of a stored id")
	assert.Equal(t, filepath.Join(f.dir, "api_load_test_ws.*.nope.json"), f.Key("nope"), "Key of a missing id")
	got, err := f.Get(t.Context(), "01JDXQ3V")
	require.NoError(t, err)
	assert.True(t, got.StartedAt.Equal(start), "Get StartedAt = %v, want %v (to the ns)", got.StartedAt, start)
	assert.Equal(t, "file://"+f.dir, f.String(), "String()")
}

// TestFile_foreignFiles checks that files that are not this prefix's records are
// neither listed nor trimmed nor deleted.
func TestFile_foreignFiles(t *testing.T) {
	f, _ := newTestFile(t)
	f.MaxRecent = 1
	foreign := []string{
		"README",
		".tmp-123",
		"api_load_test.json",
		"api_load_test.notatime.x.json",
		"api_load_test.20250102T020405.678901234Z.x.txt",
		"api_load_test_ws.20250102T020405.678901234Z.x.json", // another prefix
		"api_load_test.20250102T020405.678901234Z..json",     // no id
	}
	for _, name := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(f.dir, name), []byte("{}"), 0o600))
	}
	put(t, f, rec("a", at(1)), rec("b", at(2)))
	if diff := cmp.Diff([]string{"b"}, collect(t, f, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	for _, name := range foreign {
		assert.FileExists(t, filepath.Join(f.dir, name), "foreign file")
	}
}

// TestFile_twoVersions checks the state a concurrent Put of the same id may
// leave for a moment, two files for one id: readers see the newer one, once.
func TestFile_twoVersions(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", at(1)), rec("b", at(2)))
	older, err := os.ReadFile(f.Key("a"))
	require.NoError(t, err)
	put(t, f, Record{ID: "a", StartedAt: at(3), Data: []byte("newer")})
	// Put the older version back, as if the second Put had not trimmed yet.
	name := filepath.Join(f.dir, "api_load_test."+at(1).Format(stampLayout)+".a.json")
	require.NoError(t, os.WriteFile(name, older, 0o600))
	require.NoError(t, os.Chtimes(name, f.Now(), f.Now()))
	if diff := cmp.Diff([]string{"a", "b"}, collect(t, f, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	got, err := f.Get(t.Context(), "a")
	require.NoError(t, err, "Get(a)")
	assert.Equal(t, "newer", string(got.Data), "Get(a): want the newer version")
}

func TestFile_expiredFilesAreDeleted(t *testing.T) {
	tests := []struct {
		name string
		meet func(t *testing.T, f *File)
	}{
		{"by Get", func(t *testing.T, f *File) { _, _ = f.Get(t.Context(), "old") }},
		{"by Recent", func(t *testing.T, f *File) { collect(t, f, 0) }},
		{"by Put", func(t *testing.T, f *File) { put(t, f, rec("new", at(9))) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, clk := newTestFile(t)
			put(t, f, rec("old", at(1)))
			clk.Add(DefaultTTL)
			tt.meet(t, f)
			matches, _ := filepath.Glob(filepath.Join(f.dir, "*.old.json"))
			assert.Empty(t, matches, "expired file still there")
		})
	}
}

func TestFile_directoryRemoved(t *testing.T) {
	f, _ := newTestFile(t)
	require.NoError(t, os.RemoveAll(f.dir))
	assert.Empty(t, collect(t, f, 0), "Recent on a missing directory")
	_, err := f.Get(t.Context(), "a")
	assert.ErrorIs(t, err, ErrNotFound, "Get on a missing directory")
	put(t, f, rec("a", t0))
	_, err = f.Get(t.Context(), "a")
	assert.NoError(t, err, "Get after the Put that recreated the directory")
}

func TestFile_cancelledContext(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", t0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ctxErr := context.Canceled
	assert.ErrorIs(t, f.Put(ctx, rec("b", t0)), ctxErr, "Put")
	_, err := f.Get(ctx, "a")
	assert.ErrorIs(t, err, ctxErr, "Get")
	assert.ErrorIs(t, f.Recent(ctx, func(Record) bool { return true }), ctxErr, "Recent")
}

// TestFile_separateInstances saves from many goroutines, each with its own
// *File on the same directory, as separate processes would, with trimming on.
func TestFile_separateInstances(t *testing.T) {
	tests := []struct {
		name      string
		writers   int
		each      int
		maxRecent int
	}{
		{"all land", 16, 8, 0},
		{"trimmed to the newest", 16, 8, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var wg sync.WaitGroup
			errs := make(chan error, tt.writers*tt.each)
			for w := range tt.writers {
				wg.Go(func() {
					f, err := NewFile(dir)
					if err != nil {
						errs <- err
						return
					}
					f.MaxRecent = tt.maxRecent
					for i := range tt.each {
						errs <- f.Put(t.Context(), rec(fmt.Sprintf("w%02d-%02d", w, i), at(i*tt.writers+w)))
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err, "Put")
			}
			checkNewest(t, dir, tt.writers, tt.each, tt.maxRecent)
		})
	}
}

// checkNewest checks that dir holds exactly the newest maxRecent (0: all) of
// the records writers saved, each complete, and no temporary file.
func checkNewest(t *testing.T, dir string, writers, each, maxRecent int) {
	t.Helper()
	var want []string
	for n := writers*each - 1; n >= 0; n-- { // at(n) with n = i*writers + w
		want = append(want, fmt.Sprintf("w%02d-%02d", n%writers, n/writers))
	}
	if maxRecent > 0 {
		want = want[:maxRecent]
	}
	f, err := NewFile(dir)
	require.NoError(t, err)
	var got []string
	err = f.Recent(t.Context(), func(r Record) bool {
		assert.Equal(t, `{"id":"`+r.ID+`"}`, string(r.Data), "record %s", r.ID)
		got = append(got, r.ID)
		return true
	})
	require.NoError(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records after concurrent saves (-want +got):\n%s", diff)
	}
	ents, _ := os.ReadDir(dir)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	assert.Len(t, names, len(want), "directory entries")
}

func TestFile_recentStopsEarlyReadsLess(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", at(1)), rec("b", at(2)), rec("c", at(3)))
	// A corrupt (unreadable) older file must not matter when the caller stops before it.
	path := f.Key("a")
	require.NoError(t, os.Chmod(path, 0))
	if os.Geteuid() == 0 {
		// root reads anything: make "a" a directory instead, which ReadFile refuses.
		require.NoError(t, os.Remove(path))
		require.NoError(t, os.Mkdir(path, 0o700))
		require.NoError(t, os.Chtimes(path, f.Now(), f.Now())) // saved "now": not expired
	}
	if diff := cmp.Diff([]string{"c", "b"}, collect(t, f, 2)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	err := f.Recent(t.Context(), func(Record) bool { return true })
	assert.ErrorContains(t, err, path, "Recent over an unreadable file must name it")
	got := slices.Collect(func(yield func(string) bool) {
		_ = f.Recent(t.Context(), func(r Record) bool { return yield(r.ID) })
	})
	assert.Equal(t, []string{"c", "b"}, got, "Recent yielded before failing")
}
