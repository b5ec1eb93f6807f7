package secret

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// words are, in lower case, parts of names whose values must never be
// stored or shown.
var words = []string{"authorization", "token", "secret", "cookie", "api-key", "apikey", "api_key", "password", "session", "credential", "signature", "key", "auth"}

// mixCase upper-cases the letters of s whose bit in mask is set.
func mixCase(s string, mask uint64) string {
	b := []byte(s)
	for i := range b {
		if mask&(1<<(uint(i)%64)) != 0 && 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// FuzzHeader builds header names around a secret word in random case and
// checks that IsName and Header hide every value of them, that other
// headers pass unchanged, and that the caller's header is never modified.
func FuzzHeader(f *testing.F) {
	f.Add("", "", uint8(0), uint64(0), "Bearer abc.def")
	f.Add("X-", "", uint8(1), uint64(0xffff), "t0k3n")
	f.Add("Proxy-", "", uint8(0), uint64(1), "Basic dTpw")
	f.Add("Set-", "", uint8(3), uint64(0xa5), "id=1; HttpOnly")
	f.Add(" ", "\t", uint8(0), uint64(0), "trailing space in the name")
	f.Fuzz(func(t *testing.T, prefix, suffix string, word uint8, mask uint64, value string) {
		name := prefix + mixCase(words[int(word)%len(words)], mask) + suffix
		require.True(t, IsName(name), "IsName(%q) = false", name)
		in := http.Header{name: {value, "second " + value}, "Accept": {"application/json"}}
		out := Header(in)
		assert.Equal(t, []string{Mask, Mask}, out[name], "Header(%q: %q), want two %q", name, value, Mask)
		if name != "Accept" {
			assert.Equal(t, []string{"application/json"}, out["Accept"], "Header changed Accept")
		}
		assert.Equal(t, value, in[name][0], "Header modified the caller's header: %q", in[name])
	})
}

// FuzzURL puts a secret query parameter and a password into a URL with
// arbitrary surroundings and checks that neither URL nor Text (a
// net/http-style error quoting the URL) lets them through.
func FuzzURL(f *testing.F) {
	f.Add("/search", uint8(1), uint64(0), "s3cr3t-value", "page=2", "")
	f.Add("/", uint8(6), uint64(7), "k3y", "", "pa55word")
	f.Add("/a", uint8(1), uint64(0), "s3cr3t%zz", "b=1", "")
	f.Add("/a", uint8(2), uint64(0), "s3cr3t", "a=1;b=2", "")
	f.Add("/a", uint8(1), uint64(0), "s3cr3t;x", "", "")
	f.Add("/a", uint8(1), uint64(0), "s3cr3t", "%", "")
	f.Fuzz(func(t *testing.T, path string, word uint8, mask uint64, value, other, password string) {
		if len(value) < 4 || strings.Contains(URLMask, value) || strings.ContainsAny(value, "&#") {
			return // too short to look for, or not one query value when typed raw
		}
		key := "x_" + mixCase(words[int(word)%len(words)], mask)
		rawQuery := key + "=" + value
		if other != "" {
			rawQuery = other + "&" + rawQuery
		}
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:8000", Path: path, RawQuery: rawQuery}
		shown := *u
		shown.RawQuery = other
		visible := shown.String() + path // what may be shown
		if strings.Contains(visible, value) || strings.Contains(visible, url.QueryEscape(value)) {
			return
		}
		if len(password) >= 4 && !strings.Contains(visible+rawQuery+URLMask, password) {
			u.User = url.UserPassword("u", password)
		} else {
			password = ""
		}
		noPW := *u
		noPW.User = nil
		outputs := map[string]string{
			"URL":                  URL(u.String()),
			"URL of path?query":    URL(path + "?" + rawQuery),
			"Query":                Query(rawQuery),
			"Text of a url.Error":  Text((&url.Error{Op: "Get", URL: noPW.String(), Err: errors.New("EOF")}).Error()),
			"Text of an unquoted":  Text("dial " + u.String() + " failed"),
			"Text of a bare query": Text("GET " + path + "?" + rawQuery + " failed"),
		}
		if strings.ContainsFunc(rawQuery, unicode.IsSpace) || strings.ContainsAny(rawQuery, `"'<>`) {
			// In free text a URL ends at a space or a quote: a raw query
			// holding one (never one that url.Values encoded) is not one URL
			// there.
			for what := range outputs {
				if strings.HasPrefix(what, "Text") {
					delete(outputs, what)
				}
			}
		}
		for what, got := range outputs {
			assert.NotContains(t, got, value, "%s of %q: shows the value of %q", what, u, key)
			assert.NotContains(t, got, url.QueryEscape(value), "%s of %q: shows the value of %q", what, u, key)
			if password != "" {
				assert.NotContains(t, got, url.UserPassword("u", password).String(), "%s of %q: shows the password", what, u)
			}
		}
	})
}

// FuzzURLPassword builds URLs from arbitrary parts with a password in the
// userinfo and checks that URL hides it however the parts look, keeps a URL
// without userinfo or query as it was typed, and never panics.
func FuzzURLPassword(f *testing.F) {
	f.Add("redis", "u", "s3cr3t", "h:6379", "/0")
	f.Add("rediss", "", "s3cr3t", "h", "")
	f.Add("redis", "u", "se@cr@t", "h", "/0?x=@")
	f.Add("redis", "u", "se:cr:et", "h:1", "/0#@")
	f.Add("", "u", "s3cr3t", "h", "")
	f.Add("file", "", "s3cr3t", "", "/tmp/a@b")
	f.Add("redis", "u:v", "p%41ss", "h", "/0")
	f.Add("http", "u", "p%40ss", "127.0.0.1:8000", "/health/")
	f.Fuzz(func(t *testing.T, scheme, user, pass, host, rest string) {
		prefix := ""
		if scheme != "" {
			prefix = scheme + "://"
		}
		raw := prefix + user + ":" + pass + "@" + host + rest
		got := URL(raw)
		if u, err := url.Parse(raw); err == nil {
			if pw, ok := u.User.Password(); ok && len(pw) >= 3 && strings.Count(raw, pw) == 1 {
				assert.NotContains(t, got, pw, "URL(%q) shows the password %q", raw, pw)
			}
		}
		if len(pass) >= 3 && strings.Count(raw, pass) == 1 && !strings.Contains(URLMask, pass) &&
			!strings.ContainsAny(user, ":@") {
			assert.NotContains(t, got, pass, "URL(%q) shows %q, typed as the password", raw, pass)
		}
		noPW := prefix + host + rest
		if !strings.ContainsAny(noPW, "@?#") {
			assert.Equal(t, noPW, URL(noPW), "URL(%q), want it unchanged (no userinfo, query or fragment in it)", noPW)
		}
	})
}
