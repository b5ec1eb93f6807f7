package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultBatch is how many ids Recent loads per round trip.
const defaultBatch = 100

// DefaultTimeout bounds each call to a Redis server when Timeout is zero, and
// is the default of a store URL's ?timeout= option.
const DefaultTimeout = 2 * time.Second

// Redis is a Backend on a Redis server. Its layout:
//
//	<Prefix>:results:<id>  string, the record's Data, expiring TTL after the Put
//	<Prefix>:recent        sorted set of ids scored by StartedAt in unix milliseconds,
//	                       trimmed to the newest MaxRecent on every Put
//
// A record whose id was trimmed from the index stays readable with Get until it
// expires, with a zero StartedAt. Set the fields before first use, not after;
// a *Redis is then safe for concurrent use. Call Close when done: it closes the
// client.
type Redis struct {
	// Prefix starts every key. Default DefaultPrefix.
	Prefix string
	// TTL is how long a record is kept after it is saved; the server counts it.
	// Zero or negative means DefaultTTL.
	TTL time.Duration
	// MaxRecent is how many of the newest ids the recent index keeps. Zero or
	// negative means DefaultMaxRecent.
	MaxRecent int
	// Timeout bounds each exchange with the server, from taking or dialling a
	// connection to the last reply, retries included: one Put, one Get, one
	// batch of Recent. A server that does not answer in time (down, stalled,
	// paused) gives an error saying so. Zero or negative means DefaultTimeout.
	// It bounds socket reads and writes only when the client's
	// ContextTimeoutEnabled is set, as Open sets it.
	Timeout time.Duration

	batch   int // ids per Recent round trip; 0 means defaultBatch
	client  redis.UniversalClient
	desc    string
	dirName string
}

// NewRedis returns a Redis backend on client with the default Prefix, TTL and
// MaxRecent. It takes ownership of client: Close closes it. It panics if client
// is nil.
func NewRedis(client redis.UniversalClient) *Redis {
	if client == nil {
		panic("store.NewRedis: nil client")
	}
	return &Redis{client: client, desc: describe(client), dirName: dirName(client)}
}

// dirName names a directory for the records that belong with the server and
// database a client talks to.
func dirName(client redis.UniversalClient) string {
	name := fmt.Sprintf("%T", client)
	if c, ok := client.(*redis.Client); ok {
		o := c.Options()
		name = o.Addr + "-" + strconv.Itoa(o.DB)
	}
	safe := []byte(name)
	for i, c := range safe {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			safe[i] = '-'
		}
	}
	return "redis-" + string(safe)
}

// describe names the server a client talks to, without its password.
func describe(client redis.UniversalClient) string {
	c, ok := client.(*redis.Client)
	if !ok {
		return fmt.Sprintf("redis (%T)", client)
	}
	o := c.Options()
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}
	if o.TLSConfig != nil {
		u.Scheme = "rediss"
	}
	if o.Network == "unix" {
		u = url.URL{Scheme: "unix", Path: o.Addr, RawQuery: "db=" + strconv.Itoa(o.DB)}
	}
	if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return u.String()
}

func (r *Redis) prefix() string {
	if r.Prefix == "" {
		return DefaultPrefix
	}
	return r.Prefix
}

func (r *Redis) ttl() time.Duration {
	if r.TTL <= 0 {
		return DefaultTTL
	}
	return r.TTL
}

func (r *Redis) maxRecent() int {
	if r.MaxRecent <= 0 {
		return DefaultMaxRecent
	}
	return r.MaxRecent
}

func (r *Redis) timeout() time.Duration {
	if r.Timeout <= 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

// bounded calls fn with ctx bounded by Timeout. When the bound, not ctx, ended
// the call, the error says so.
func (r *Redis) bounded(ctx context.Context, fn func(ctx context.Context) error) error {
	timeout := r.timeout()
	bctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := fn(bctx)
	if err == nil || ctx.Err() != nil {
		return err
	}
	// A socket deadline may fire a moment before bctx records its own end:
	// judge by the clock.
	if deadline, _ := bctx.Deadline(); !time.Now().Before(deadline) {
		return fmt.Errorf("%w (no reply within %v; the store URL's ?timeout= sets how long to wait)", err, timeout)
	}
	return err
}

func (r *Redis) batchSize() int {
	if r.batch <= 0 {
		return defaultBatch
	}
	return r.batch
}

// Key returns the Redis key that holds id's Data: "<Prefix>:results:<id>".
func (r *Redis) Key(id string) string { return r.prefix() + ":results:" + id }

// indexKey returns the key of the recent index: "<Prefix>:recent".
func (r *Redis) indexKey() string { return r.prefix() + ":recent" }

// String describes the server without its password, e.g. "redis://127.0.0.1:6379/0".
func (r *Redis) String() string { return r.desc }

// DirName returns a name for a directory that holds records belonging with
// this server and database, such as the runs saved elsewhere while it was
// unreachable: "redis-<host>-<port>-<db>", e.g. "redis-127.0.0.1-6379-0",
// with every byte other than a letter, digit, '.', '_' or '-' turned into
// '-'. It holds no user name or password.
func (r *Redis) DirName() string { return r.dirName }

// Close closes the client.
func (r *Redis) Close() error { return r.client.Close() }

// Put saves rec in one MULTI/EXEC: SET with the TTL, ZADD to the recent index,
// and a trim of the index to the newest MaxRecent ids. It gives up after Timeout.
func (r *Redis) Put(ctx context.Context, rec Record) error {
	if rec.ID == "" {
		return errors.New("put: empty id")
	}
	key, idx := r.Key(rec.ID), r.indexKey()
	err := r.bounded(ctx, func(ctx context.Context) error {
		_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, rec.Data, r.ttl())
			p.ZAdd(ctx, idx, redis.Z{Score: float64(rec.StartedAt.UnixMilli()), Member: rec.ID})
			p.ZRemRangeByRank(ctx, idx, 0, int64(-r.maxRecent()-1))
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// Get returns the record for id. The error wraps ErrNotFound when the key is
// absent or expired. StartedAt is zero when the id is no longer in the index.
// It gives up after Timeout.
func (r *Redis) Get(ctx context.Context, id string) (Record, error) {
	key := r.Key(id)
	var rec Record
	err := r.bounded(ctx, func(ctx context.Context) error {
		var get *redis.StringCmd
		var score *redis.FloatCmd
		_, _ = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			get = p.Get(ctx, key)
			score = p.ZScore(ctx, r.indexKey(), id)
			return nil
		}) // each command's error is checked below: redis.Nil must not count as failure
		data, err := get.Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("key %q: %w", key, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("get %q: %w", key, err)
		}
		rec = Record{ID: id, Data: data}
		switch s, err := score.Result(); {
		case err == nil:
			rec.StartedAt = time.UnixMilli(int64(s)).UTC()
		case !errors.Is(err, redis.Nil):
			return fmt.Errorf("zscore %q %q: %w", r.indexKey(), id, err)
		}
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return rec, nil
}

// IDs returns the ids of the live records that start with prefix, by
// SCAN MATCH over "<Prefix>:results:<prefix>*". Each SCAN call gives up
// after Timeout.
func (r *Redis) IDs(ctx context.Context, prefix string) ([]string, error) {
	base := r.Key("")
	match := globEscape(base+prefix) + "*"
	seen := map[string]bool{}
	var ids []string
	for cursor := uint64(0); ; {
		var keys []string
		err := r.bounded(ctx, func(ctx context.Context) error {
			var err error
			keys, cursor, err = r.client.Scan(ctx, cursor, match, 1000).Result()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("scan %q: %w", match, err)
		}
		for _, k := range keys {
			if id := strings.TrimPrefix(k, base); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if cursor == 0 {
			return ids, nil
		}
	}
}

// globEscape escapes the characters special to a Redis glob pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Recent calls fn with live records newest first. It reads the index with
// ZREVRANGE in batches, loads each batch's values with MGET, and removes from
// the index (ZREM) the ids whose value is gone. A record is yielded at most once
// even when concurrent Puts shift the index while it is read. Each batch gives
// up after Timeout; the time fn takes does not count.
func (r *Redis) Recent(ctx context.Context, fn func(Record) bool) error {
	batch := r.batchSize()
	seen := make(map[string]bool)
	for start := int64(0); ; {
		var live []Record
		var n, gone int
		err := r.bounded(ctx, func(ctx context.Context) error {
			var err error
			live, n, gone, err = r.recentBatch(ctx, start, batch, seen)
			return err
		})
		if err != nil {
			return err
		}
		for _, rec := range live {
			if !fn(rec) {
				return nil
			}
		}
		if n < batch {
			return nil
		}
		start += int64(n - gone)
	}
}

// recentBatch loads up to batch ids of the index from start, newest first, and
// returns the live records not in seen (adding them), how many ids it read, and
// how many of those it pruned because their value is gone.
func (r *Redis) recentBatch(ctx context.Context, start int64, batch int, seen map[string]bool) (live []Record, n, pruned int, err error) {
	idx := r.indexKey()
	zs, err := r.client.ZRevRangeWithScores(ctx, idx, start, start+int64(batch)-1).Result()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("zrevrange %q: %w", idx, err)
	}
	if len(zs) == 0 {
		return nil, 0, 0, nil
	}
	keys := make([]string, len(zs))
	for i, z := range zs {
		keys[i] = r.Key(z.Member.(string))
	}
	vals, err := r.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mget %q...: %w", keys[0], err)
	}
	var gone []any
	live = make([]Record, 0, len(zs))
	for i, z := range zs {
		id := z.Member.(string)
		s, ok := vals[i].(string)
		if !ok {
			gone = append(gone, id)
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		live = append(live, Record{ID: id, StartedAt: time.UnixMilli(int64(z.Score)).UTC(), Data: []byte(s)})
	}
	if len(gone) > 0 {
		if err := r.client.ZRem(ctx, idx, gone...).Err(); err != nil {
			return nil, 0, 0, fmt.Errorf("zrem %q: %w", idx, err)
		}
	}
	return live, len(zs), len(gone), nil
}
