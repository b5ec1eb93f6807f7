// Package testredis gives this module's tests a real Redis: a database of the
// shared server named by $APILOAD_TEST_REDIS_URL (SharedURL), or a throwaway
// redis-server of a test's own that it can stop and restart (Start).
//
// It is a normal package so that tests in several packages can share it, but
// it is for tests only: only _test.go files import it, and it imports testing.
//
// SharedURL gives each package a database of its own, because `go test ./...`
// runs packages at the same time and SharedURL empties the database (FLUSHDB)
// when a test starts and when it ends:
//
//	db  package
//	0   internal/store (whose tests also put a key prefix of their own on each test)
//	8   loadtesting
//	9   internal/cli
//	10  cmd/loadreport
//	11  internal/testredis
//
// A new package takes the next free number and adds a row here. Because of
// the flushes, APILOAD_TEST_REDIS_URL must name a server that holds nothing of
// value; scripts/with-redis.sh (used by `make test` and .ci/run) starts a
// throwaway one and sets the variable.
//
//	func TestRecentIntegration(t *testing.T) {
//		url := testredis.SharedURL(t, 9)   // skips without a server
//		client := testredis.Client(t, url) // to look at the keys
//		// ... save runs to url, check client.TTL(...) ...
//	}
//
//	func TestFallbackIntegration(t *testing.T) {
//		srv := testredis.Start(t) // stopped when t ends
//		// ... save to srv.URL(0) ...
//		srv.Stop()
//		// ... saves now fall back to the file store ...
//		srv.Restart() // same port, empty
//	}
//
// Both skip the test when what they need is missing, unless CI=true: CI must
// run the Redis tests, so there they fail the test instead.
package testredis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// urlEnv names the shared test server.
const urlEnv = "APILOAD_TEST_REDIS_URL"

// sharedServer returns $APILOAD_TEST_REDIS_URL, "" when unset.
func sharedServer() string { return os.Getenv(urlEnv) }

// inCI reports whether CI=true, where a missing Redis fails a test rather
// than skipping it.
func inCI() bool { return os.Getenv("CI") == "true" }

// SharedURL returns the URL of database db (see the package doc for each
// package's number) on the shared test server named by
// $APILOAD_TEST_REDIS_URL, whatever database that URL names. The database is
// emptied (FLUSHDB) now and again when t ends. Without the variable it skips
// t, or fails it when CI=true.
func SharedURL(t testing.TB, db int) string {
	t.Helper()
	raw := sharedServer()
	if raw == "" {
		if inCI() {
			t.Fatal("APILOAD_TEST_REDIS_URL is not set; CI must run a redis-server (see .ci/run)")
		}
		t.Skip("APILOAD_TEST_REDIS_URL is not set (bash scripts/with-redis.sh go test ... starts a redis-server)")
	}
	u, err := withDB(raw, db)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	c := Client(t, u) // closed after the flush below: cleanups run last-in first-out
	if err := c.FlushDB(t.Context()).Err(); err != nil {
		t.Fatalf("FLUSHDB on %s (from %s): %v", redact(u), urlEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // t.Context is done by now
		defer cancel()
		if err := c.FlushDB(ctx).Err(); err != nil {
			t.Errorf("FLUSHDB on %s when the test ended: %v", redact(u), err)
		}
	})
	return u
}

// withDB returns rawURL, a go-redis URL, naming database db instead of its own.
func withDB(rawURL string, db int) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.URL would print the password
		}
		return "", fmt.Errorf("not a URL: %v", err)
	}
	if db < 0 {
		return "", fmt.Errorf("database %d: must be 0 or more", db)
	}
	switch u.Scheme {
	case "redis", "rediss":
		u.Path, u.RawPath = "/"+strconv.Itoa(db), ""
	case "unix":
		q := u.Query()
		q.Set("db", strconv.Itoa(db))
		u.RawQuery = q.Encode()
	default:
		return "", fmt.Errorf("%s: scheme %q, want redis, rediss or unix", u.Redacted(), u.Scheme)
	}
	return u.String(), nil
}

// Client returns a go-redis client on rawURL (a URL from SharedURL or
// Server.URL), closed when t ends. A bad URL fails t.
func Client(t testing.TB, rawURL string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("redis client for %s: %v", redact(rawURL), err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// redact returns rawURL with its password, if any, replaced by xxxxx.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}
