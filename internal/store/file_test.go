package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Put(%q) = %v, want an error containing %s", tt.id, err, tt.want)
			}
			_, err = f.Get(t.Context(), tt.id)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%q) = %v, want an error containing %s, not ErrNotFound", tt.id, err, tt.want)
			}
			if ents, _ := os.ReadDir(f.dir); len(ents) != 0 {
				t.Errorf("directory has %d entries after a rejected Put, want none", len(ents))
			}
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
		if err == nil || !strings.Contains(err.Error(), "put r1: start time ") {
			t.Errorf("Put at %v = %v, want an error naming the start time", at, err)
		}
		if ents, _ := os.ReadDir(f.dir); len(ents) != 0 {
			t.Errorf("Put at %v left %d files, want none", at, len(ents))
		}
	}
	f, _ := newTestFile(t)
	edge := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	if err := f.Put(t.Context(), Record{ID: "r2", StartedAt: edge, Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if rec, err := f.Get(t.Context(), "r2"); err != nil || !rec.StartedAt.Equal(edge) {
		t.Errorf("Get = %v, %v; want the record started at %v", rec.StartedAt, err, edge)
	}
}

func TestFile_layout(t *testing.T) {
	f, _ := newTestFile(t)
	f.Prefix = "api_load_test_ws"
	start := time.Date(2025, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("CET", 3600))
	put(t, f, Record{ID: "01JDXQ3V", StartedAt: start, Data: []byte(`{"a":1}`)})

	want := filepath.Join(f.dir, "api_load_test_ws.20250102T020405.678901234Z.01JDXQ3V.json")
	ents, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || filepath.Join(f.dir, ents[0].Name()) != want {
		t.Fatalf("directory holds %v, want just %s", ents, want)
	}
	if data, _ := os.ReadFile(want); string(data) != `{"a":1}` {
		t.Errorf("file holds %q, want the record's Data", data)
	}
	if info, _ := os.Stat(want); !info.ModTime().Equal(f.Now()) || info.Mode().Perm() != 0o600 {
		t.Errorf("file mtime %v mode %v, want the save time %v and 0600", info.ModTime(), info.Mode(), f.Now())
	}
	if got := f.Key("01JDXQ3V"); got != want {
		t.Errorf("Key of a stored id = %q, want %q", got, want)
	}
	if got, want := f.Key("nope"), filepath.Join(f.dir, "api_load_test_ws.*.nope.json"); got != want {
		t.Errorf("Key of a missing id = %q, want %q", got, want)
	}
	got, err := f.Get(t.Context(), "01JDXQ3V")
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartedAt.Equal(start) {
		t.Errorf("Get StartedAt = %v, want %v (to the ns)", got.StartedAt, start)
	}
	if u := "file://" + f.dir; f.String() != u {
		t.Errorf("String() = %q, want %q", f.String(), u)
	}
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
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put(t, f, rec("a", at(1)), rec("b", at(2)))
	if diff := cmp.Diff([]string{"b"}, collect(t, f, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	for _, name := range foreign {
		if _, err := os.Stat(filepath.Join(f.dir, name)); err != nil {
			t.Errorf("foreign file %s: %v", name, err)
		}
	}
}

// TestFile_twoVersions checks the state a concurrent Put of the same id may
// leave for a moment, two files for one id: readers see the newer one, once.
func TestFile_twoVersions(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", at(1)), rec("b", at(2)))
	older, err := os.ReadFile(f.Key("a"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, f, Record{ID: "a", StartedAt: at(3), Data: []byte("newer")})
	// Put the older version back, as if the second Put had not trimmed yet.
	name := filepath.Join(f.dir, "api_load_test."+at(1).Format(stampLayout)+".a.json")
	if err := os.WriteFile(name, older, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, f.Now(), f.Now()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, collect(t, f, 0)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	if got, err := f.Get(t.Context(), "a"); err != nil || string(got.Data) != "newer" {
		t.Errorf("Get(a) = %q, %v; want the newer version", got.Data, err)
	}
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
			if len(matches) != 0 {
				t.Errorf("expired file still there: %v", matches)
			}
		})
	}
}

func TestFile_directoryRemoved(t *testing.T) {
	f, _ := newTestFile(t)
	if err := os.RemoveAll(f.dir); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, f, 0); len(got) != 0 {
		t.Errorf("Recent on a missing directory = %v, want nothing", got)
	}
	if _, err := f.Get(t.Context(), "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get on a missing directory = %v, want ErrNotFound", err)
	}
	put(t, f, rec("a", t0))
	if _, err := f.Get(t.Context(), "a"); err != nil {
		t.Errorf("Get after Put recreated the directory: %v", err)
	}
}

func TestFile_cancelledContext(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", t0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ctxErr := context.Canceled
	if err := f.Put(ctx, rec("b", t0)); !errors.Is(err, ctxErr) {
		t.Errorf("Put = %v, want %v", err, ctxErr)
	}
	if _, err := f.Get(ctx, "a"); !errors.Is(err, ctxErr) {
		t.Errorf("Get = %v, want %v", err, ctxErr)
	}
	if err := f.Recent(ctx, func(Record) bool { return true }); !errors.Is(err, ctxErr) {
		t.Errorf("Recent = %v, want %v", err, ctxErr)
	}
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
				if err != nil {
					t.Errorf("Put: %v", err)
				}
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
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = f.Recent(t.Context(), func(r Record) bool {
		if string(r.Data) != `{"id":"`+r.ID+`"}` {
			t.Errorf("record %s holds %q", r.ID, r.Data)
		}
		got = append(got, r.ID)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records after concurrent saves (-want +got):\n%s", diff)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != len(want) {
		names := make([]string, len(ents))
		for i, e := range ents {
			names[i] = e.Name()
		}
		t.Errorf("directory holds %d entries, want %d: %v", len(ents), len(want), names)
	}
}

func TestFile_recentStopsEarlyReadsLess(t *testing.T) {
	f, _ := newTestFile(t)
	put(t, f, rec("a", at(1)), rec("b", at(2)), rec("c", at(3)))
	// A corrupt (unreadable) older file must not matter when the caller stops before it.
	path := f.Key("a")
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// root reads anything: make "a" a directory instead, which ReadFile refuses.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, f.Now(), f.Now()); err != nil { // saved "now": not expired
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"c", "b"}, collect(t, f, 2)); diff != "" {
		t.Errorf("Recent (-want +got):\n%s", diff)
	}
	err := f.Recent(t.Context(), func(Record) bool { return true })
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Recent over an unreadable file = %v, want an error naming %s", err, path)
	}
	if got := slices.Collect(func(yield func(string) bool) {
		_ = f.Recent(t.Context(), func(r Record) bool { return yield(r.ID) })
	}); len(got) != 2 {
		t.Errorf("Recent yielded %v before failing, want c and b", got)
	}
}
