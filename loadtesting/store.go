package loadtesting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

func (NoStore) String() string { return "none" }

// OpenStore opens the store at url:
//
//	redis://[user:pass@]host:port/db   Redis (rediss:// for TLS)
//	file:///abs/dir                    one JSON file per run in dir
//	none                               keep nothing
//
// A Redis store falls back to the default file store when Redis cannot be
// reached at save time: the run is kept, and one warning on stderr says
// where it went. Reads then merge both. Warnings go to stderr.
func OpenStore(url string) (Store, error) {
	return openStore(url, stderrWarn)
}

// DefaultStore opens the store named by $APILOAD_STORE, or else a file store
// in the user's cache directory (os.UserCacheDir()/apiload).
func DefaultStore() (Store, error) {
	return openStore(DefaultStoreURL(), stderrWarn)
}

// DefaultStoreURL returns $APILOAD_STORE, or else the URL of the file store
// in the user's cache directory.
func DefaultStoreURL() string {
	if v := strings.TrimSpace(os.Getenv(StoreEnv)); v != "" {
		return v
	}
	return "file://" + filepath.ToSlash(defaultFileDir())
}

func defaultFileDir() string {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("apiload-cache-%d", os.Getuid()))
	}
	return filepath.Join(dir, "apiload")
}

func stderrWarn(msg string) { fmt.Fprintln(os.Stderr, "apiload: warning: "+msg) }

func openStore(url string, warn func(string)) (Store, error) {
	b, err := store.Open(url)
	if err != nil {
		return nil, err
	}
	if _, ok := b.(*store.Redis); ok {
		f, ferr := store.NewFile(defaultFileDir())
		if ferr == nil {
			b = &store.Fallback{Primary: b, Secondary: f, Warn: warn}
		}
	}
	return &backendStore{b: b, warn: warn}, nil
}

// backendStore adapts a byte-level backend to the typed Store API.
type backendStore struct {
	b    store.Backend
	warn func(string)
}

func (s *backendStore) String() string { return s.b.String() }

func (s *backendStore) Save(ctx context.Context, r *Result) error {
	if r == nil || r.ID == "" {
		return errors.New("save result: no result or no id")
	}
	c := *r
	c.Config.Headers = RedactHeaders(r.Config.Headers)
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("save result %s: %w", r.ID, err)
	}
	if err := s.b.Put(ctx, store.Record{ID: r.ID, StartedAt: r.StartedAt, Data: data}); err != nil {
		return fmt.Errorf("save result %s to %s: %w", r.ID, s.b, err)
	}
	return nil
}

func (s *backendStore) Get(ctx context.Context, id string) (*Result, error) {
	rec, err := s.b.Get(ctx, id)
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
	return &r, nil
}

func (s *backendStore) Recent(ctx context.Context, limit int) ([]*Result, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*Result
	err := s.b.Recent(ctx, func(rec store.Record) bool {
		r, err := s.decode(rec)
		if err != nil {
			s.warn("skipping " + err.Error())
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
