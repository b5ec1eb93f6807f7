package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apiload/apiload/internal/secret"
)

// ErrNotFound is returned (wrapped) when no live entry has the id: it was never
// saved, it expired, or (file store) it was trimmed away. Test for it with
// errors.Is.
var ErrNotFound = errors.New("not found")

// Record is one stored run as the backends see it.
type Record struct {
	// ID is unique and opaque to this package. File stores reject ids that
	// contain a path separator or "..".
	ID string
	// StartedAt is the run's start; it orders Recent. Redis keeps it to the
	// millisecond (the sorted-set score), files to the nanosecond.
	StartedAt time.Time
	// Data is the encoded result (JSON).
	Data []byte
}

// Backend stores Records. It is implemented by *Redis, *File, *Fallback and Nop.
// Implementations are safe for concurrent use.
type Backend interface {
	// Put saves rec, replacing any record with the same id.
	Put(ctx context.Context, rec Record) error
	// Get returns the Record for id. The error wraps ErrNotFound when the id is
	// absent or expired.
	Get(ctx context.Context, id string) (Record, error)
	// Recent calls fn with live records newest first (by StartedAt, then by id
	// descending) until fn returns false or none remain. Expired ids are pruned
	// from the index as they are met. It loads in batches, so a caller that skips
	// some records (e.g. corrupt JSON) can still collect n good ones.
	Recent(ctx context.Context, fn func(Record) bool) error
	// IDs returns the ids of the live records that start with prefix, in
	// no particular order: how the shards of a run (ids "<run>.<index>")
	// are found. The file store reads its directory; Redis SCANs its
	// keys, which takes time in proportion to the whole database.
	IDs(ctx context.Context, prefix string) ([]string, error)
	// Key names where id is or would be stored, for error messages: the Redis
	// key or the file path.
	Key(id string) string
	// String describes the backend for logs with any password removed, e.g.
	// "redis://127.0.0.1:6379/0".
	String() string
	// Close releases the backend's connections. The backend is unusable after.
	Close() error
}

// DefaultPrefix starts every Redis key and every file name when Prefix is empty.
const DefaultPrefix = "api_load_test"

// DefaultTTL is how long a record is kept after it is saved when TTL is zero.
const DefaultTTL = 24 * time.Hour

// DefaultMaxRecent is how many of the newest records the recent index keeps when
// MaxRecent is zero.
const DefaultMaxRecent = 1000

// schemes lists what Open accepts, for error messages.
const schemes = "want redis://[user:pass@]host:port/db, rediss://..., file:///abs/dir or none"

// Open parses a store URL and returns its backend; call Close when done.
//
//   - redis://[user:pass@]host:port/db and rediss://... (TLS) give a *Redis. It
//     does not connect yet: the first command does, so an unreachable server
//     shows up as an error from Put, Get or Recent. The option timeout (e.g.
//     ?timeout=500ms, default DefaultTimeout, 2s) bounds each exchange with the
//     server, dialling included (see Redis.Timeout), so that a server that is
//     down or stalls makes a call fail in that time rather than hang. Query
//     options of go-redis (dial_timeout=1s, max_retries=3, ...) are accepted
//     too. To fail fast when the server is down, each command dials once and
//     is retried once unless max_retries says otherwise.
//   - file:///abs/dir gives a *File in that directory, creating it if needed.
//   - none gives Nop.
//
// The first Open of a Redis URL silences go-redis's logger for the whole
// process (redis.SetLogger with a logger that drops everything): its pool
// would print every failed dial into the output of the program or of a user's
// `go test`, while Put, Get and Recent already return those failures as
// errors, which callers such as Fallback report once, in words.
//
// Errors name the URL with its password redacted, e.g.
// `store "redis://u:xxxxx@h/0": database number "x" is not a non-negative integer`.
// A relative file path, an unknown scheme, a bad db number or a timeout that
// is not a positive duration is an error.
func Open(rawURL string) (Backend, error) {
	b, err := open(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", secret.URL(rawURL), err)
	}
	return b, nil
}

// quietRedis silences go-redis's process-wide logger once (see Open).
var quietRedis sync.Once

// discard is a go-redis logger that drops everything.
type discard struct{}

func (discard) Printf(context.Context, string, ...any) {}

func open(rawURL string) (Backend, error) {
	if rawURL == "none" {
		return Nop{}, nil
	}
	if rawURL == "" {
		return nil, errors.New("empty URL (" + schemes + ")")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		// Its reason may quote part of the password (`invalid URL escape "%zz"`).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if secret.Password(rawURL) != "" {
			return nil, errors.New("not a valid URL (check how the user and password are escaped)")
		}
		return nil, err
	}
	switch u.Scheme {
	case "redis", "rediss":
		return openRedis(rawURL, u)
	case "file":
		return openFile(u)
	case "":
		return nil, errors.New("no scheme (" + schemes + ")")
	default:
		return nil, fmt.Errorf("unknown scheme %q (%s)", u.Scheme, schemes)
	}
}

func openRedis(rawURL string, u *url.URL) (Backend, error) {
	switch db := strings.Trim(u.Path, "/"); {
	case db == "":
	case strings.Contains(db, "/"):
		return nil, fmt.Errorf("path %q: want /db, a database number", u.Path)
	default:
		if n, err := strconv.Atoi(db); err != nil || n < 0 {
			return nil, fmt.Errorf("database number %q is not a non-negative integer", db)
		}
	}
	q := u.Query()
	timeout := DefaultTimeout
	if q.Has("timeout") {
		v := q.Get("timeout")
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("timeout %q: want a positive duration, e.g. timeout=2s", v)
		}
		timeout = d
		// go-redis does not know the option: hand it the URL without it.
		q.Del("timeout")
		without := *u
		without.RawQuery = q.Encode()
		rawURL = without.String()
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "redis: "))
	}
	// A store that is down should fail fast, so that Fallback saves elsewhere
	// soon: go-redis would dial 5 times per attempt and retry 3 times (seconds).
	opts.DialerRetries = 1
	if !q.Has("max_retries") {
		opts.MaxRetries = 1 // one retry still covers a pooled connection the server closed
	}
	// Each call's context carries the timeout; go-redis applies it to socket
	// reads and writes only when asked to. A dial may run in the background
	// of the call that asked for it: bound it too.
	opts.ContextTimeoutEnabled = true
	if !q.Has("dial_timeout") {
		opts.DialTimeout = timeout
	}
	quietRedis.Do(func() { redis.SetLogger(discard{}) })
	r := NewRedis(redis.NewClient(opts))
	r.Timeout = timeout
	return r, nil
}

func openFile(u *url.URL) (Backend, error) {
	if u.Opaque != "" {
		return nil, fmt.Errorf("file path %q is not absolute (want file:///abs/dir)", u.Opaque)
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("file path is not absolute: host %q given (want file:///abs/dir)", u.Host)
	}
	if u.Path == "" || !filepath.IsAbs(u.Path) {
		return nil, fmt.Errorf("file path %q is not absolute (want file:///abs/dir)", u.Path)
	}
	return NewFile(filepath.Clean(u.Path))
}

// Nop is a Backend that keeps nothing: Put succeeds, Get wraps ErrNotFound and
// Recent yields nothing. Open("none") returns it.
type Nop struct{}

// Put discards rec.
func (Nop) Put(context.Context, Record) error { return nil }

// Get always returns an error wrapping ErrNotFound.
func (Nop) Get(_ context.Context, id string) (Record, error) {
	return Record{}, fmt.Errorf("id %q: %w (store is none: nothing is kept)", id, ErrNotFound)
}

// Recent never calls fn.
func (Nop) Recent(context.Context, func(Record) bool) error { return nil }

// IDs returns nothing.
func (Nop) IDs(context.Context, string) ([]string, error) { return nil, nil }

// Key returns "none": there is no place where id is stored.
func (Nop) Key(string) string { return "none" }

// String returns "none".
func (Nop) String() string { return "none" }

// Close does nothing.
func (Nop) Close() error { return nil }
