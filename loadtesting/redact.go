package loadtesting

import (
	"net/http"
	"net/url"
	"strings"
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
func RedactHeaders(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
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

// redactURL hides a password in u and the value of any sensitive query
// parameter.
func redactURL(u *url.URL) string {
	c := *u
	if _, has := c.User.Password(); has {
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	c.RawQuery = redactRawQuery(c.RawQuery)
	return c.String()
}

// redactRawQuery replaces the value of every sensitive parameter of a raw
// query string with Redacted (escaped), keeping the rest as it was written.
// It errs towards hiding: '&' and ';' both separate parameters (servers
// differ), and a parameter whose name cannot be unescaped loses its value
// too, since its name cannot be checked.
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
