package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "cache")
	tests := []struct {
		name     string
		url      string
		wantDesc string // String() of the backend
		check    func(t *testing.T, b Backend)
	}{
		{"redis", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0", redisOpts("", "", 0, false)},
		{"redis with user, password and db", "redis://u:secret@10.0.0.7:6380/3", "redis://u@10.0.0.7:6380/3", redisOpts("u", "secret", 3, false)},
		{"redis with password alone", "redis://:secret@h:6379/1", "redis://h:6379/1", redisOpts("", "secret", 1, false)},
		{"redis without port or db", "redis://h", "redis://h:6379/0", redisOpts("", "", 0, false)},
		{"redis with trailing slash", "redis://h:1/", "redis://h:1/0", redisOpts("", "", 0, false)},
		{"redis with go-redis options", "redis://h:1/2?dial_timeout=1s", "redis://h:1/2", redisOpts("", "", 2, false)},
		{"rediss", "rediss://u:secret@h:6380/1", "rediss://u@h:6380/1", redisOpts("u", "secret", 1, true)},
		{"redis timeout by default", "redis://h:1/2", "redis://h:1/2", redisTimeouts(2*time.Second, 2*time.Second)},
		{"redis timeout option", "redis://u:secret@h:1/2?timeout=500ms", "redis://u@h:1/2", redisTimeouts(500*time.Millisecond, 500*time.Millisecond)},
		{"redis timeout and dial_timeout", "redis://h:1/2?dial_timeout=3s&timeout=1m", "redis://h:1/2", redisTimeouts(time.Minute, 3*time.Second)},
		{"file", "file://" + dir, "file://" + dir, func(t *testing.T, b Backend) {
			require.IsType(t, (*File)(nil), b, "Open")
			assert.Equal(t, dir, b.(*File).dir, "the file store's directory")
		}},
		{"file on localhost", "file://localhost" + dir, "file://" + dir, nil},
		{"none", "none", "none", func(t *testing.T, b Backend) {
			assert.IsType(t, Nop{}, b, "Open")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Open(tt.url)
			require.NoError(t, err, "Open(%q)", tt.url)
			defer b.Close()
			assert.Equal(t, tt.wantDesc, b.String(), "Open(%q).String()", tt.url)
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

// redisOpts checks the options Open gave the go-redis client.
func redisOpts(user, pass string, db int, tls bool) func(*testing.T, Backend) {
	return func(t *testing.T, b Backend) {
		t.Helper()
		require.IsType(t, (*Redis)(nil), b, "Open")
		o := b.(*Redis).client.(*redis.Client).Options()
		assert.Equal(t, user, o.Username, "options: user")
		assert.Equal(t, pass, o.Password, "options: password")
		assert.Equal(t, db, o.DB, "options: db")
		assert.Equal(t, tls, o.TLSConfig != nil, "options: TLS")
	}
}

// redisTimeouts checks the Timeout of the *Redis that Open gave, and the
// options that make go-redis keep to it.
func redisTimeouts(timeout, dial time.Duration) func(*testing.T, Backend) {
	return func(t *testing.T, b Backend) {
		t.Helper()
		require.IsType(t, (*Redis)(nil), b, "Open")
		r := b.(*Redis)
		o := r.client.(*redis.Client).Options()
		assert.Equal(t, timeout, r.Timeout, "Timeout")
		assert.Equal(t, dial, o.DialTimeout, "DialTimeout")
		assert.True(t, o.ContextTimeoutEnabled, "ContextTimeoutEnabled")
	}
}

func TestOpen_errors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	tests := []struct {
		name string
		url  string
		want string // the whole message, or its start when it ends in "..."
	}{
		{"empty", "", `store "": empty URL (want redis://`},
		{"unknown scheme", "ftp://u:secret@h/0", `store "ftp://u:xxxxx@h/0": unknown scheme "ftp" (want redis://`},
		{"no scheme", "u:secret@h:6379", `store "u:xxxxx@h:6379": `},
		{"no scheme, no password", "localhost:6379", `store "localhost:6379": unknown scheme "localhost"`},
		{"db not a number", "redis://u:secret@h/x", `store "redis://u:xxxxx@h/x": database number "x" is not a non-negative integer`},
		{"negative db", "redis://h/-1", `store "redis://h/-1": database number "-1" is not a non-negative integer`},
		{"two path segments", "redis://:secret@h/1/2", `store "redis://:xxxxx@h/1/2": path "/1/2": want /db, a database number`},
		{"unknown redis option", "redis://h/0?colour=blue", `store "redis://h/0?colour=blue": unexpected option: colour`},
		{"bad escape in password", "redis://u:se%zzcret@h/0", `store "redis://u:xxxxx@h/0": not a valid URL (check how the user and password are escaped)`},
		{"relative file path", "file://runs/cache", `store "file://runs/cache": file path is not absolute: host "runs" given (want file:///abs/dir)`},
		{"opaque file path", "file:runs", `store "file:runs": file path "runs" is not absolute (want file:///abs/dir)`},
		{"file without path", "file://", `store "file://": file path "" is not absolute (want file:///abs/dir)`},
		{"file under a file", "file://" + file + "/sub", `store "file://` + file + `/sub": directory ` + file + `/sub cannot be created: mkdir ` + file + `: not a directory`},
		{"None is not none", "None", `store "None": no scheme (want redis://`},
		{"timeout not a duration", "redis://:secret@h/0?timeout=soon", `store "redis://:xxxxx@h/0?timeout=soon": timeout "soon": want a positive duration, e.g. timeout=2s`},
		{"timeout without unit", "redis://h/0?timeout=2", `store "redis://h/0?timeout=2": timeout "2": want a positive duration`},
		{"timeout zero", "redis://h/0?timeout=0s", `store "redis://h/0?timeout=0s": timeout "0s": want a positive duration`},
		{"timeout negative", "redis://h/0?timeout=-1s", `store "redis://h/0?timeout=-1s": timeout "-1s": want a positive duration`},
		{"timeout and an unknown option", "redis://h/0?timeout=1s&colour=blue", `store "redis://h/0?timeout=1s&colour=blue": unexpected option: colour`},
		{"password as a query option", "redis://h/0?password=secret", `store "redis://h/0?password=xxxxx": unexpected option: password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Open(tt.url)
			if err == nil {
				b.Close()
			}
			require.Error(t, err, "Open(%q) = %v, want an error", tt.url, b)
			got := err.Error()
			want := strings.TrimSuffix(tt.want, "...")
			assert.True(t, strings.HasPrefix(got, want), "Open(%q) error:\n got %s\nwant %s", tt.url, got, want)
			assert.NotContains(t, got, "cret", "Open(%q) error shows the password", tt.url)
		})
	}
}

func TestNop(t *testing.T) {
	var b Backend = Nop{}
	assert.NoError(t, b.Put(t.Context(), rec("a", t0)), "Put")
	_, err := b.Get(t.Context(), "a")
	if assert.ErrorIs(t, err, ErrNotFound, "Get") {
		assert.Contains(t, err.Error(), `"a"`, "Get: the error must name the id")
	}
	assert.Empty(t, collect(t, b, 0), "Recent")
	assert.Equal(t, "none", b.String(), "String")
	assert.Equal(t, "none", b.Key("a"), "Key")
	assert.NoError(t, b.Close(), "Close")
}
