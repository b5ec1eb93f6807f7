package loadtesting

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/apiload/apiload/internal/store"
)

// Redacted replaces the value of every sensitive header.
const Redacted = "[redacted]"

// sensitiveParts are, in lower case, the parts of a header or query
// parameter name that mark its value as a secret. They cover the names
// DESIGN.md lists (Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// X-API-Key) in any case and spelling, and any name holding "token" or
// "secret".
var sensitiveParts = []string{
	"authorization", "cookie", "token", "secret",
	"api-key", "api_key", "apikey", "password", "passwd",
}

// IsSensitiveHeader reports whether the value of a header (or query
// parameter) named name must never be stored or shown: Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-API-Key, and any name that
// contains, in any case, "authorization", "cookie", "token", "secret",
// "api-key", "api_key", "apikey", "password" or "passwd".
func IsSensitiveHeader(name string) bool {
	l := strings.ToLower(name)
	for _, p := range sensitiveParts {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// RedactHeaders returns a copy of h with every sensitive value replaced by
// "[redacted]". It returns nil for an empty h.
func RedactHeaders(h http.Header) http.Header { return redactValues(h) }

// redactQuery is RedactHeaders for a query: a copy of q, nil when empty.
func redactQuery(q url.Values) url.Values { return redactValues(q) }

// redactValues copies m, replacing the values of sensitive names.
func redactValues[M ~map[string][]string](m M) M {
	if len(m) == 0 {
		return nil
	}
	out := make(M, len(m))
	for k, vs := range m {
		if IsSensitiveHeader(k) {
			red := make([]string, len(vs))
			for i := range red {
				red[i] = Redacted
			}
			out[k] = red
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// redactRawQuery replaces the value of every sensitive parameter of a raw
// query string with Redacted (escaped), keeping the rest as it was written.
// It errs towards hiding: '&' and ';' both end a parameter's name (servers
// differ), a sensitive value is hidden up to the next '&' (';' included),
// and a parameter whose name cannot be unescaped loses its value too, since
// its name cannot be checked.
func redactRawQuery(raw string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	for len(raw) > 0 {
		end := strings.IndexAny(raw, "&;")
		if end < 0 {
			end = len(raw)
		}
		part := raw[:end]
		if k, _, ok := strings.Cut(part, "="); ok {
			name, err := url.QueryUnescape(k)
			if err != nil || IsSensitiveHeader(name) || IsSensitiveHeader(k) {
				part = k + "=" + url.QueryEscape(Redacted)
				// A server that does not split at ';' (Go's net/url) reads
				// the value up to the next '&': hide all of that.
				if amp := strings.IndexByte(raw, '&'); amp >= 0 {
					end = amp
				} else {
					end = len(raw)
				}
			}
		}
		b.WriteString(part)
		if end < len(raw) {
			b.WriteByte(raw[end])
			end++
		}
		raw = raw[end:]
	}
	return b.String()
}

// Redacted returns a copy of r with its secrets hidden, as a Store saves
// it: the values of sensitive headers and query parameters (in Config, in
// URL and in the URLs that error samples quote) become Redacted, and a
// password in URL becomes "xxxxx". Use it before printing or logging a
// Result that was not read from a Store. r is not modified; nil gives nil.
func (r *Result) Redacted() *Result {
	if r == nil {
		return nil
	}
	c := redactResult(r)
	return &c
}

// redactResult returns a shallow copy of r for storage, with the values of
// sensitive headers and query parameters (in Config.Query, in URL and in
// URLs quoted by error samples, as net/http's errors quote them) replaced
// by Redacted, and any password in URL hidden. r is not modified.
func redactResult(r *Result) Result {
	c := *r
	c.Config.Headers = RedactHeaders(r.Config.Headers)
	c.Config.Query = redactQuery(r.Config.Query)
	if i := strings.IndexByte(c.URL, '?'); i >= 0 {
		c.URL = c.URL[:i+1] + redactRawQuery(c.URL[i+1:])
	}
	if strings.Contains(c.URL, "://") {
		if u, err := url.Parse(c.URL); err != nil {
			c.URL = store.Redact(c.URL) // errs towards hiding
		} else if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			c.URL = u.String()
		}
	}
	if len(r.Metrics.Errors) > 0 {
		c.Metrics.Errors = make([]ErrorSample, len(r.Metrics.Errors))
		for i, e := range r.Metrics.Errors {
			e.Message = redactQueriesIn(e.Message)
			c.Metrics.Errors[i] = e
		}
	}
	return c
}

// quotedInText matches a Go-quoted string inside free text, as net/http's
// errors quote a URL: `Get "http://h/p?token=abc": EOF`.
var quotedInText = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// queryInText matches the query of an unquoted URL inside free text: a '?'
// and what follows up to a space, a quote or a fragment.
var queryInText = regexp.MustCompile(`\?[^\s"'<>#]+`)

// redactQueriesIn redacts the sensitive query parameters of every URL in s.
func redactQueriesIn(s string) string {
	if !strings.Contains(s, "?") {
		return s
	}
	s = quotedInText.ReplaceAllStringFunc(s, func(q string) string {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			return q
		}
		return q[:i+1] + redactRawQuery(q[i+1:len(q)-1]) + `"`
	})
	return queryInText.ReplaceAllStringFunc(s, func(q string) string {
		return "?" + redactRawQuery(q[1:])
	})
}
