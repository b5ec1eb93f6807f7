package loadtesting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apiload/apiload/internal/store"
)

// ErrNotFound is wrapped by Store.Get when no live run has the id. Stored
// runs expire after 24 hours.
var ErrNotFound = store.ErrNotFound

// StoreEnv is the environment variable that selects the default store.
const StoreEnv = "APILOAD_STORE"

// Store keeps run Results. The stores returned by OpenStore and
// DefaultStore are safe for concurrent use; call Close when done.
type Store interface {
	// Save stores r, with its sensitive headers redacted.
	Save(ctx context.Context, r *Result) error
	// Get returns the run with the given id, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (*Result, error)
	// Recent returns up to limit runs, newest first. Entries that cannot be
	// read are skipped with a warning.
	Recent(ctx context.Context, limit int) ([]*Result, error)
	// Close releases the store's connections.
	Close() error
}

// NoStore is a Store that keeps nothing: set Config.Store to NoStore{} to
// turn saving off.
type NoStore struct{}

// Save does nothing.
func (NoStore) Save(context.Context, *Result) error { return nil }

// Get always fails with ErrNotFound.
func (NoStore) Get(_ context.Context, id string) (*Result, error) {
	return nil, fmt.Errorf("result %s: %w (saving is off)", id, ErrNotFound)
}

// Recent returns nothing.
func (NoStore) Recent(context.Context, int) ([]*Result, error) { return nil, nil }

// Close does nothing.
func (NoStore) Close() error { return nil }

// String returns "none", the URL that opens a NoStore.
func (NoStore) String() string { return "none" }

// OpenStore opens the store at url:
//
//	redis://[user:pass@]host:port/db   Redis (rediss:// for TLS); ?timeout=500ms bounds each call (default 2s)
//	file:///abs/dir                    one JSON file per run in dir
//	none                               keep nothing
//
// A Redis store waits at most its timeout for each save or read, dialling
// included, so a server that is down or stalls cannot hang a test. When a run
// cannot be saved to Redis, it is saved to a file store of that server's
// own, <cache>/fallback/redis-<host>-<port>-<db> (no password in the name;
// <cache> is the default file store's directory), and one warning on stderr
// says where it went and why: the run is kept. Reads of a Redis store merge
// Redis with that directory, and only it, so a shared Redis never lists the
// runs that went to a user's default file store.
//
// When the directory of the default file store (see DefaultStoreURL) cannot
// be created, a per-user directory under os.TempDir() is used instead, with
// one warning naming the directory and the reason; only when that fails too
// is it an error.
func OpenStore(url string) (Store, error) {
	return openStore(url, stderrWarn)
}

// DefaultStore opens the store named by $APILOAD_STORE, or else a file store
// in the user's cache directory (os.UserCacheDir()/apiload; see OpenStore for
// what happens when it cannot be created).
func DefaultStore() (Store, error) {
	return openStore(DefaultStoreURL(), stderrWarn)
}

// DefaultStoreURL returns $APILOAD_STORE, or else the URL of the file store
// in the user's cache directory.
func DefaultStoreURL() string {
	if v := strings.TrimSpace(os.Getenv(StoreEnv)); v != "" {
		return v
	}
	return fileURL(defaultFileDir())
}

// fileURL returns the URL of the file store in dir. It builds the URL rather
// than concatenate: a directory may hold characters ('%', '#', '?', ' ')
// that must be escaped to parse back.
func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// defaultFileDir returns the directory of the default file store:
// os.UserCacheDir()/apiload, or tempFileDir() when there is no cache dir.
func defaultFileDir() string {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		return tempFileDir()
	}
	return filepath.Join(dir, "apiload")
}

// tempRoot returns this user's directory under os.TempDir().
func tempRoot() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("apiload-cache-%d", os.Getuid()))
}

// tempFileDir returns where the default file store goes when the user's
// cache directory cannot be had.
func tempFileDir() string { return filepath.Join(tempRoot(), "apiload") }

func stderrWarn(msg string) { fmt.Fprintln(os.Stderr, "apiload: warning: "+msg) }

func openStore(rawURL string, warn func(string)) (Store, error) {
	if rawURL == fileURL(defaultFileDir()) {
		f, err := openLocal("", warn)
		if err != nil {
			return nil, fmt.Errorf("store %q: %w", rawURL, err)
		}
		return &backendStore{b: f, warn: warn}, nil
	}
	b, err := store.Open(rawURL)
	if err != nil {
		return nil, err
	}
	if _, ok := b.(store.Nop); ok {
		// "none" is NoStore, so that Run sees that saving is off (and does not
		// log that the run was saved to "none").
		return NoStore{}, nil
	}
	s := &backendStore{b: b, warn: warn}
	if r, ok := b.(*store.Redis); ok {
		f, err := openLocal(filepath.Join("fallback", r.DirName()), warn)
		if err != nil {
			warn(fmt.Sprintf("no fallback for %s: %v; runs that Redis cannot take are lost", r, err))
			return s, nil
		}
		s.fb = &store.Fallback{Primary: b, Secondary: f, Warn: warn}
		s.b = s.fb
	}
	return s, nil
}

// openLocal opens the file store in sub, a relative path ("" for the default
// file store itself), under the default file store's directory. When that
// cannot be created it uses sub under tempRoot() instead and warns once,
// naming the directory and the reason.
func openLocal(sub string, warn func(string)) (*store.File, error) {
	dir, alt := filepath.Join(defaultFileDir(), sub), filepath.Join(tempFileDir(), sub)
	if dir == alt { // no cache directory: the temporary one is the default
		return newTempFile(dir)
	}
	f, err := store.NewFile(dir)
	if err == nil {
		return f, nil
	}
	f, aerr := newTempFile(alt)
	if aerr != nil {
		return nil, fmt.Errorf("cache %w; temporary %w", err, aerr)
	}
	warn(fmt.Sprintf("cache %v; using %s instead", err, alt))
	return f, nil
}

// newTempFile opens a file store in dir, under tempRoot(). Other users can
// write to os.TempDir(), so tempRoot() must be a directory of this user's
// own, mode 0700, not a link another user left there.
func newTempFile(dir string) (*store.File, error) {
	root := tempRoot()
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("directory %s cannot be created: %w", dir, err)
	}
	info, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("directory %s cannot be used: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("directory %s cannot be used: %s is not a directory (a link?)", dir, root)
	}
	if err := os.Chmod(root, 0o700); err != nil { // fails when another user owns it
		return nil, fmt.Errorf("directory %s cannot be used: %w", dir, err)
	}
	return store.NewFile(dir)
}

// warnKey is the context key of withWarn.
type warnKey struct{}

// withWarn returns a ctx that sends the warnings of the Store calls made with
// it to fn instead of the store's own sink (stderr for OpenStore and
// DefaultStore). Run uses it so that a warning about cfg.Store reaches t.Logf.
func withWarn(ctx context.Context, fn func(string)) context.Context {
	return context.WithValue(ctx, warnKey{}, fn)
}

// backendStore adapts a byte-level backend to the typed Store API.
type backendStore struct {
	b    store.Backend
	fb   *store.Fallback // b when Redis falls back to files, else nil
	warn func(string)
}

// warnFor returns where the warnings of a call made with ctx go.
func (s *backendStore) warnFor(ctx context.Context) func(string) {
	if fn, ok := ctx.Value(warnKey{}).(func(string)); ok && fn != nil {
		return fn
	}
	return s.warn
}

// backend returns the backend for a call made with ctx: b, or a copy of the
// fallback that warns to ctx's sink.
func (s *backendStore) backend(ctx context.Context) store.Backend {
	if s.fb == nil {
		return s.b
	}
	if fn, ok := ctx.Value(warnKey{}).(func(string)); ok && fn != nil {
		fb := *s.fb
		fb.Warn = fn
		return &fb
	}
	return s.fb
}

func (s *backendStore) String() string { return s.b.String() }

func (s *backendStore) Save(ctx context.Context, r *Result) error {
	if r == nil || r.ID == "" {
		return errors.New("save result: no result or no id")
	}
	// r was redacted where it was made; the store boundary hides secrets
	// again, with the same rule, for a Result made some other way.
	data, err := json.Marshal(r.Redacted())
	if err != nil {
		return fmt.Errorf("save result %s: %w", r.ID, err)
	}
	if err := s.backend(ctx).Put(ctx, store.Record{ID: r.ID, StartedAt: r.StartedAt, Data: data}); err != nil {
		return fmt.Errorf("save result %s to %s: %w", r.ID, s.b, err)
	}
	return nil
}

func (s *backendStore) Get(ctx context.Context, id string) (*Result, error) {
	rec, err := s.backend(ctx).Get(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("result %s: %w (key %q; results expire after 24h)", id, ErrNotFound, s.b.Key(id))
		}
		return nil, fmt.Errorf("result %s: %w", id, err)
	}
	return s.decode(rec)
}

func (s *backendStore) decode(rec store.Record) (*Result, error) {
	var r Result
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return nil, fmt.Errorf("result %s: key %q holds no valid result: %w", rec.ID, s.b.Key(rec.ID), err)
	}
	// An older apiload may have saved secrets today's rule hides.
	return r.Redacted(), nil
}

func (s *backendStore) Recent(ctx context.Context, limit int) ([]*Result, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*Result
	warn := s.warnFor(ctx)
	err := s.backend(ctx).Recent(ctx, func(rec store.Record) bool {
		r, err := s.decode(rec)
		if err != nil {
			warn("skipping " + err.Error())
			return true
		}
		out = append(out, r)
		return len(out) < limit
	})
	if err != nil {
		return out, fmt.Errorf("recent results from %s: %w", s.b, err)
	}
	return out, nil
}

func (s *backendStore) Close() error { return s.b.Close() }
