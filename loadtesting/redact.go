package loadtesting

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces the value of every sensitive header.
const Redacted = "[redacted]"

var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
	"Api-Key":             true,
	"X-Auth-Token":        true,
}

// IsSensitiveHeader reports whether a header's value must never be stored
// or shown: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// X-API-Key, and any name containing "token", "secret" or "api-key".
func IsSensitiveHeader(name string) bool {
	if sensitiveHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	l := strings.ToLower(name)
	return strings.Contains(l, "token") || strings.Contains(l, "secret") ||
		strings.Contains(l, "api-key") || strings.Contains(l, "apikey") || strings.Contains(l, "password")
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

// redactURL hides a password in u and any sensitive query parameter.
func redactURL(u *url.URL) string {
	c := *u
	if _, has := c.User.Password(); has {
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if IsSensitiveHeader(k) {
				q[k] = []string{Redacted}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}
