// Package store keeps load-test runs as opaque encoded records: an id, a start
// time and bytes (the JSON result). It knows nothing of results beyond that, so
// the typed API in package loadtesting can sit on top of it without an import
// cycle.
//
// There are four backends, all implementing [Backend]:
//
//   - [Redis]: `<prefix>:results:<id>` holds the bytes with a TTL (default 24h),
//     `<prefix>:recent` is a sorted set of ids scored by start time in unix
//     milliseconds, trimmed to the newest 1000 on every Put. Ids whose value
//     expired are pruned from the set when Recent meets them.
//   - [File]: the same semantics in a directory, one file per run, written
//     atomically (temporary file and rename), safe with several processes.
//   - [Fallback]: saves to a primary (Redis) and, when that fails, to a secondary
//     (a file store) with one warning, so that a run is never lost. A Redis
//     call fails after the store URL's ?timeout= (default 2s) rather than
//     hang on a server that stalls.
//   - [Nop]: keeps nothing.
//
// [Open] builds a backend from a URL:
//
//	b, err := store.Open("redis://127.0.0.1:6379/0") // or rediss://, file:///abs/dir, none
//	if err != nil {
//		return err
//	}
//	defer b.Close()
//	err = b.Put(ctx, store.Record{ID: id, StartedAt: start, Data: js})
//
// Errors for absent or expired records wrap [ErrNotFound]; a backend's own
// "no value" error (redis.Nil) never leaves this package.
package store
