package loadtesting

import (
	"maps"
	"net/url"
	"slices"

	"github.com/apiload/apiload/internal/secret"
)

// Redacted replaces the value of every secret header and query parameter in
// a Result's Config: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// API keys, and anything named like a token, secret, password, key, auth,
// session, credential or signature. In URLs and messages a secret shows as
// "xxxxx" instead, so that a URL stays a URL.
const Redacted = secret.Mask

// Redacted returns a copy of r with its secrets hidden: the values of secret
// headers and query parameters (in Config, URL, Path and Name, and in the
// URLs and name=value pairs that error samples quote), and the userinfo of
// URL. Every Result that Run, Exec or Wait returns and every Result a Store
// reads back is already redacted; Redacted is for a Result built or decoded
// some other way. r is not modified; nil gives nil.
func (r *Result) Redacted() *Result {
	if r == nil {
		return nil
	}
	c := redactResult(r, nil)
	return &c
}

// redactResult returns a copy of r with its secrets hidden, as Redacted
// describes, and every occurrence of the known secret values (secret.Known)
// in its error samples' messages and bodies hidden too: a server may echo a
// token it was sent. r is not modified.
func redactResult(r *Result, known []string) Result {
	c := *r
	c.Name = secret.Text(r.Name)
	c.Path = secret.URL(r.Path)
	c.URL = secret.URL(r.URL)
	c.Config.Headers = secret.Header(r.Config.Headers)
	c.Config.Query = secret.Values(r.Config.Query)
	c.Config.PathParams = maps.Clone(r.Config.PathParams)
	c.Config.ExpectStatus = slices.Clone(r.Config.ExpectStatus)
	c.Config.Tags = slices.Clone(r.Config.Tags)
	c.Metrics.StatusCodes = maps.Clone(r.Metrics.StatusCodes)
	if r.Metrics.SendLag != nil {
		lag := *r.Metrics.SendLag
		c.Metrics.SendLag = &lag
	}
	if len(r.Metrics.Errors) > 0 {
		c.Metrics.Errors = make([]ErrorSample, len(r.Metrics.Errors))
		for i, e := range r.Metrics.Errors {
			e.Message = secret.Scrub(e.Message, known)
			e.Body = secret.Scrub(e.Body, known)
			c.Metrics.Errors[i] = e
		}
	}
	return c
}

// knownSecrets returns the secret values a run was configured with: secret
// headers (those from Config.Auth included), secret query parameters and the
// target's userinfo.
func knownSecrets(c Config, target *url.URL) []string {
	return secret.Known(c.Headers, target.Query(), target)
}
