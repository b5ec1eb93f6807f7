// Package secret is the one place that decides what in a run's settings is
// a secret, and how a secret is hidden. Everything that prints, logs or
// stores a run (a Result, a store URL, a flag in an error message) goes
// through it, so the rule cannot differ from one output to another.
//
// A secret is:
//   - the value of a header or query parameter whose name is a secret's
//     (see IsName): Authorization, Proxy-Authorization, Cookie, Set-Cookie,
//     API keys, and anything named like a token, secret, password, key,
//     auth, session, credential or signature;
//   - a URL's userinfo: its password, or the user name when it stands alone
//     (https://TOKEN@host), since tokens are passed that way;
//   - the password of a store URL (redis://user:pass@host/0), the same rule;
//   - any of those values wherever they turn up again, in an error message
//     or a response body that echoes them (see Scrub).
//
// The rules err towards hiding: a name that cannot be unescaped, and so
// cannot be checked, has its value hidden too.
package secret

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces the value of a secret header or query parameter in a
// header or query map.
const Mask = "[redacted]"

// URLMask replaces a secret inside a URL or free text: a password, a lone
// user name, a query value. It needs no escaping, so a URL stays a URL (as
// net/url's URL.Redacted does it).
const URLMask = "xxxxx"

// nameParts are the parts of a header or query-parameter name, in lower
// case, that mark its value as a secret.
var nameParts = []string{
	"auth", // Authorization, Proxy-Authorization, X-Auth-Token, oauth
	"cookie",
	"token",
	"secret",
	"pass", // password, passwd, passphrase
	"pwd",
	"key", // X-API-Key, api_key, apikey
	"session",
	"credential",
	"signature", // X-Amz-Signature
	"jwt",
}

// exactNames are secret names too short to look for inside other names.
var exactNames = []string{"sig"} // shared access signatures

// IsName reports whether the value of a header or query parameter named
// name is a secret: name contains, in any case, "auth", "cookie", "token",
// "secret", "pass", "pwd", "key", "session", "credential", "signature" or
// "jwt", or is "sig".
func IsName(name string) bool {
	l := strings.ToLower(strings.TrimSpace(name))
	for _, p := range nameParts {
		if strings.Contains(l, p) {
			return true
		}
	}
	return slices.Contains(exactNames, l)
}

// Header returns a copy of h in which every value of a secret header is
// Mask. It returns nil for an empty h; h is not modified.
func Header(h http.Header) http.Header { return maskValues(h) }

// Values returns a copy of q in which every value of a secret parameter is
// Mask. It returns nil for an empty q; q is not modified.
func Values(q url.Values) url.Values { return maskValues(q) }

func maskValues[M ~map[string][]string](m M) M {
	if len(m) == 0 {
		return nil
	}
	out := make(M, len(m))
	for k, vs := range m {
		if !IsName(k) {
			out[k] = slices.Clone(vs)
			continue
		}
		masked := make([]string, len(vs))
		for i := range masked {
			masked[i] = Mask
		}
		out[k] = masked
	}
	return out
}

// Query returns the raw query string raw (no leading '?') with the value
// of every secret parameter replaced by URLMask, keeping the rest as typed.
func Query(raw string) string {
	return apply(raw, querySpans(raw, 0, len(raw)))
}

// URL returns rawURL with its secrets replaced by URLMask: the password of
// its userinfo (or a user name that stands alone) and the values of secret
// query parameters, keeping the rest as it was typed. It works on strings
// that do not parse as URLs too (a store URL with a bad escape, a URL
// quoted in an error), erring towards hiding: whatever lies between the
// first ':' after the scheme and the last '@' counts as the password.
func URL(rawURL string) string {
	var spans [][2]int
	if start, end := userinfoSpan(rawURL); start >= 0 {
		spans = append(spans, [2]int{start, end})
	}
	// The fragment is read as parameters too: OAuth's implicit flow puts
	// access_token there.
	if q := strings.IndexAny(rawURL, "?#"); q >= 0 {
		spans = append(spans, querySpans(rawURL, q+1, len(rawURL))...)
	}
	return apply(rawURL, spans)
}

// Password returns the part of rawURL that URL hides as its password, or ""
// when it has none.
func Password(rawURL string) string {
	start, end := passwordSpan(rawURL)
	if start < 0 {
		return ""
	}
	return rawURL[start:end]
}

// userinfoSpan returns what URL hides before the host: the password, or a
// user name that stands alone in a URL with a scheme. It returns -1, -1 when
// there is neither.
func userinfoSpan(rawURL string) (start, end int) {
	if start, end := passwordSpan(rawURL); start >= 0 {
		return start, end
	}
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return -1, -1
	}
	head := i + 3
	authority := rawURL[head:]
	if j := strings.IndexAny(authority, "/?#"); j >= 0 {
		authority = authority[:j]
	}
	at := strings.LastIndexByte(authority, '@')
	if at <= 0 {
		return -1, -1
	}
	return head, head + at
}

// passwordSpan returns where the password is in rawURL: from just after the
// first ':' that follows the scheme up to the last '@'. It returns -1, -1
// when there is no password (an empty password is a zero-length span).
func passwordSpan(rawURL string) (start, end int) {
	head := 0
	if i := strings.Index(rawURL, "://"); i >= 0 {
		head = i + 3
	}
	at := strings.LastIndex(rawURL[head:], "@")
	if at < 0 {
		return -1, -1
	}
	colon := strings.Index(rawURL[head:head+at], ":")
	if colon < 0 {
		return -1, -1
	}
	return head + colon + 1, head + at
}

// querySpans returns where the values of the secret parameters of the query
// s[from:to] are. '&', ';' and '#' all end a parameter's name (servers
// differ); a secret value is hidden up to the next '&' or '#', ';'
// included, since a server that does not split at ';' (Go's net/url) reads
// it so.
func querySpans(s string, from, to int) [][2]int {
	var spans [][2]int
	for i := from; i < to; {
		j := strings.IndexAny(s[i:to], "&;#")
		if j < 0 {
			j = to - i
		}
		part := s[i : i+j]
		if k, _, ok := strings.Cut(part, "="); ok {
			if name, err := url.QueryUnescape(k); err != nil || IsName(name) || IsName(k) {
				end := to
				if amp := strings.IndexAny(s[i:to], "&#"); amp >= 0 {
					end = i + amp
				}
				if start := i + len(k) + 1; end > start { // an empty value hides nothing
					spans = append(spans, [2]int{start, end})
				}
				j = end - i
			}
		}
		i += j + 1
	}
	return spans
}

// apply replaces each span of s (start == end marks an empty password,
// which shows as hidden too) with URLMask.
func apply(s string, spans [][2]int) string {
	if len(spans) == 0 {
		return s
	}
	hide := make([]bool, len(s)+1)
	empty := make([]bool, len(s)+1)
	for _, sp := range spans {
		if sp[0] == sp[1] {
			empty[sp[0]] = true
		}
		for i := sp[0]; i < sp[1]; i++ {
			hide[i] = true
		}
	}
	var b strings.Builder
	for i := 0; i <= len(s); {
		if empty[i] {
			b.WriteString(URLMask)
		}
		if i == len(s) {
			break
		}
		if !hide[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(URLMask)
		for i < len(s) && hide[i] {
			i++
		}
	}
	return b.String()
}

// quoted matches a Go-quoted string inside free text, as net/http's errors
// quote a URL: `Get "http://h/p?token=abc": EOF`.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// withScheme matches an unquoted URL with a scheme inside free text.
var withScheme = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>]+`)

// bareQuery matches the query or fragment of an unquoted URL without a
// scheme (a path and query, as an in-process run's URL) inside free text.
var bareQuery = regexp.MustCompile(`[?#][^\s"'<>]+`)

// pair matches name=value inside free text, the value perhaps quoted and
// ending at a space, a quote or a parameter separator.
var pair = regexp.MustCompile(`([^\s?&;="'<>#]+)=(["']?[^\s&;"'<>#]+)`)

// Text hides the secrets of every URL that appears in the free text s (an
// error message, a log line): userinfo and secret query values, as URL
// does, whether the URL is quoted or not, and the value of any name=value
// pair whose name is a secret's, wherever it stands.
func Text(s string) string {
	if !strings.ContainsAny(s, "?@=") {
		return s
	}
	s = quoted.ReplaceAllStringFunc(s, func(q string) string {
		return `"` + URL(q[1:len(q)-1]) + `"`
	})
	s = withScheme.ReplaceAllStringFunc(s, URL)
	s = bareQuery.ReplaceAllStringFunc(s, func(q string) string { return q[:1] + Query(q[1:]) })
	return pair.ReplaceAllStringFunc(s, func(p string) string {
		k, v, _ := strings.Cut(p, "=")
		if strings.Trim(v, `"'`) == URLMask {
			return p
		}
		if name, err := url.QueryUnescape(k); err != nil || IsName(name) || IsName(k) {
			return k + "=" + URLMask
		}
		return p
	})
}

// minScrub is the shortest value Scrub looks for: shorter ones would hide
// ordinary words.
const minScrub = 4

// Known returns the secret values that the settings of a run hold: the
// values of secret headers (and the credential after a scheme such as
// "Bearer"), of secret query parameters, and of u's userinfo (and the
// Basic credential a client derives from it). u may be nil. Scrub hides them
// wherever they turn up again.
func Known(h http.Header, q url.Values, u *url.URL) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) >= minScrub && v != Mask && v != URLMask && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	addValue := func(v string) {
		add(v)
		if f := strings.Fields(v); len(f) > 1 {
			add(f[len(f)-1])
		}
	}
	for k, vs := range h {
		if IsName(k) {
			for _, v := range vs {
				addValue(v)
			}
		}
	}
	for k, vs := range q {
		if IsName(k) {
			for _, v := range vs {
				add(v)
				add(url.QueryEscape(v))
			}
		}
	}
	if u != nil && u.User != nil {
		pw, hasPW := u.User.Password()
		if hasPW {
			add(pw)
			add(url.PathEscape(pw))
		} else {
			add(u.User.Username())
		}
		add(base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + pw)))
	}
	// Longest first, so that a value containing another is hidden whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Scrub returns s with every occurrence of the known secret values (from
// Known) replaced by URLMask, and the secrets of any URL in it hidden (Text).
func Scrub(s string, known []string) string {
	for _, v := range known {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, URLMask)
		}
	}
	return Text(s)
}
