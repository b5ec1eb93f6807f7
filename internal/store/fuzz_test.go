package store

import (
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/secret"
)

// The fuzz tests below run their seeds with every `go test`; to search for
// new inputs, run one at a time, e.g.
//
//	go test -run '^$' -fuzz FuzzOpen -fuzztime 20s ./internal/store

// openSafely calls Open on rawURL unless it would touch the machine: a file
// URL would create its directory wherever it points, and go-redis's
// min_idle_conns dials in the background at once. It closes what it opens.
func openSafely(t *testing.T, rawURL string) (err error, opened bool) {
	t.Helper()
	if u, perr := url.Parse(rawURL); perr == nil && strings.EqualFold(u.Scheme, "file") {
		return nil, false
	}
	if strings.Contains(strings.ToLower(rawURL), "min_idle") {
		return nil, false
	}
	b, err := Open(rawURL)
	if err == nil {
		assert.NoError(t, b.Close(), "Close of Open(%q)", rawURL)
	}
	return err, true
}

// FuzzOpen opens arbitrary store URLs. Open must not panic; its error must
// name the URL as Redact shows it; and neither the error nor String may show
// the password that url.Parse finds in the URL, unless that text also
// appears in the URL outside its userinfo (a password "6379" next to port
// 6379 cannot be told apart).
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"redis://127.0.0.1:6379/0",
		"redis://u:s3cr3t@10.0.0.7:6380/3",
		"rediss://:s3cr3t@h/1?dial_timeout=1s",
		"redis://u:s3cr3t@h/x",
		"redis://u:s3cr3t@h/0?colour=blue",
		"redis://u:s3cr3t@h/0?dial_timeout=s3cr3t",
		"redis://u:se%zzcr3t@h/0",
		"redis://u:s3cr3t@h:notaport/0",
		"redis://u:s3cr3t@[::1/0",
		"redis://u:s3:cr@3t@h/0",
		"redis://h/0?password=s3cr3t&colour=blue",
		"ftp://u:s3cr3t@h/0",
		"u:s3cr3t@h:6379",
		"REDIS://U:S3CR3T@H/0",
		"unix://u:s3cr3t@/tmp/redis.sock",
		"none", "", "None", "file:relative",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err, opened := openSafely(t, raw)
		if !opened || err == nil {
			return
		}
		msg := err.Error()
		want := "store " + strconv.Quote(secret.URL(raw))
		assert.True(t, strings.HasPrefix(msg, want), "Open(%q) error %q does not start with %s", raw, msg, want)
		for _, pw := range secretsIn(raw) {
			assert.NotContains(t, msg, pw, "Open(%q) error shows the secret", raw)
		}
	})
}

// secretsIn returns the secrets of raw worth looking for in messages: the
// password url.Parse finds (raw and unescaped) and the values of query
// parameters named like a password, token or secret, each only when it is
// at least 3 bytes long and appears in raw just once, so that seeing it
// elsewhere in a message means it leaked.
func secretsIn(raw string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 && strings.Count(raw, s) == 1 && !strings.Contains(schemes+"xxxxx", s) {
			out = append(out, s)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if pw, ok := u.User.Password(); ok {
		add(pw)
		if _, esc, ok := strings.Cut(u.User.String(), ":"); ok {
			add(esc)
		}
	}
	for k, vs := range u.Query() {
		if secret.IsName(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	return out
}

// FuzzOpenFile opens file stores at arbitrary paths under a temporary
// directory: Open must not panic, and a store it opens must work.
func FuzzOpenFile(f *testing.F) {
	for _, s := range []string{"runs", "a b/c%d", "x?y#z", "ü/日本", "a\x00b", ".", "//double"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sub string) {
		if strings.Contains(sub, "..") {
			return // would leave the temporary directory
		}
		dir := filepath.Join(t.TempDir(), sub)
		raw := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
		b, err := Open(raw)
		if err != nil {
			return
		}
		defer b.Close()
		require.NoError(t, b.Put(t.Context(), Record{ID: "r1", Data: []byte("{}")}), "Open(%q): Put", raw)
		rec, err := b.Get(t.Context(), "r1")
		require.NoError(t, err, "Open(%q): Get", raw)
		assert.Equal(t, "{}", string(rec.Data), "Open(%q): Get", raw)
	})
}
