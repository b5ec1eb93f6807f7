package loadtesting

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/apiload/apiload/internal/secret"
)

// Defaults applied by the zero Config.
const (
	DefaultMethod   = http.MethodGet
	DefaultRequests = 100
	DefaultClients  = 10
	DefaultTimeout  = 30 * time.Second
)

// Config describes one load run. The zero value is valid and sends 100 GET
// requests to "/" with 10 clients. A Config is data: it is stored, redacted,
// with every Result.
type Config struct {
	// Name labels the run in reports; default "METHOD PATH".
	Name string
	// Method is the HTTP method. Default GET.
	Method string
	// Path is the request path, which may hold {placeholders} in the
	// gorilla/mux style ("/tasks/{id}" or "/tasks/{id:[0-9]+}"), each filled
	// from PathParams. It may carry a query ("?a=1"). Default "/".
	Path string
	// PathParams fills Path's placeholders. Values are path-escaped.
	PathParams map[string]string
	// Query is added to the request's query string.
	Query url.Values
	// Headers are sent with every request. Sensitive values (Authorization,
	// Cookie, API keys, anything named like a token or secret) are redacted
	// in the stored Result.
	Headers http.Header
	// Body is sent with every request. Set Body or BodyFunc, not both.
	Body []byte
	// BodyFunc returns request i's payload (i counts from 0), for runs that
	// need a fresh payload per request. It is called from many goroutines at
	// once. An error fails that request (kind "payload") without sending it.
	BodyFunc func(i int64) ([]byte, error)

	// Requests is how many requests to send. Default 100 when Duration is
	// 0; with both set, the run stops at whichever comes first.
	Requests int64
	// Duration bounds the run by time. 0 means no time bound.
	Duration time.Duration
	// Clients caps the requests in flight (and is the number of workers).
	// Default 10.
	Clients int
	// Rate is the target rate in requests per second. 0 (the default) is
	// the closed model: each client sends its next request as soon as the
	// previous one is answered. With Rate > 0, sends follow a fixed
	// schedule and latency counts from each request's scheduled time, so a
	// server that falls behind shows its queueing delay.
	Rate float64
	// RampTo, with Rate and Duration set, changes the send rate linearly
	// from Rate at the start to RampTo at the end of Duration (requests per
	// second; it may be lower than Rate). 0 (the default) keeps Rate.
	RampTo float64
	// Timeout bounds each request from the moment it is sent. Default 30s.
	// For a streamed run (Stream set) it bounds the wait for the response
	// headers and for each gap between events instead.
	Timeout time.Duration
	// Stream, when set, reads each response as a stream of events for
	// Stream.For or up to Stream.Events, and measures the events
	// (Metrics.Stream). Default nil: each response is read to its end.
	Stream *StreamConfig

	// BaseURL sends the load over real HTTP to this server (for example
	// "http://127.0.0.1:8000"); Path is appended to it. Empty means
	// in-process: the handler is called directly, with no socket.
	BaseURL string
	// TLS configures the connections to an https:// BaseURL: RootCAs for
	// a private CA, Certificates for a client certificate, or
	// InsecureSkipVerify to skip verification. nil (the default) verifies
	// the server against the system's roots. It is cloned, never
	// modified, and never stored in the Result. It is an error with an
	// http:// BaseURL, in-process, or with Transport.
	TLS *tls.Config
	// HTTP2 offers HTTP/2 to an https:// BaseURL; the server picks, and
	// Result.Protocol says what it picked. Clients are then concurrent
	// streams on as few connections as the server allows. Default false:
	// HTTP/1.1 with one connection per client, for http:// and https://
	// alike (as wrk and hey do). It is an error with an http:// BaseURL
	// (HTTP/2 without TLS, h2c, is not supported), in-process, or with
	// Transport.
	HTTP2 bool
	// NetHTTP sends the requests to BaseURL through net/http's client
	// instead of apiload's lean HTTP/1.1 client (which speaks to http://
	// and, over crypto/tls, https://): to check a result you suspect the
	// lean client of. HTTP2 runs go through net/http whatever it says.
	// Default false. It is an error in-process or with Transport.
	NetHTTP bool
	// Transport, when set, carries every request to BaseURL: an
	// instrumented or proxied http.RoundTripper of your own. apiload wraps
	// it in an http.Client that does not follow redirects and calls it from
	// Clients goroutines at once; it never closes it or its connections.
	// An error or a panic from it fails that request (kind "transport").
	// It owns TLS and the protocol, so TLS, HTTP2 and NetHTTP must be
	// unset. Default nil: apiload's own clients. It is not stored in the
	// Result, and is an error in-process.
	Transport http.RoundTripper

	// ExpectStatus lists the statuses that count as success. Empty means
	// any status in 200..399.
	ExpectStatus []int
	// Tags label the run for filtering in reports.
	Tags []string

	// Auth, when set, runs once before the load (a login round-trip, say)
	// and returns headers sent with every request, added to Headers. Its
	// error stops the run before anything is sent. Like every header, the
	// sensitive ones it returns are stored redacted.
	Auth func(ctx context.Context) (http.Header, error)

	// RunID names a run split into shards that run as separate processes
	// (on other hosts, say), each with its own Shard: 1 to 64 letters,
	// digits, '-' or '_', starting with a letter or digit (a Kubernetes
	// Job's name fits). It is set together with Shard, never alone. Each
	// shard's Result is saved under ShardID(RunID, Shard.Index); Shards
	// reads them back and Merge combines them. Default "": not split.
	RunID string
	// Shard makes this run shard Shard.Index (from 0) of Shard.Count of run
	// RunID, sending its share of the load: with Requests, Requests/Count,
	// the remainder spread one each over the first shards (every shard
	// needs at least one request); with Rate, the whole Duration at
	// Rate/Count (and RampTo/Count). Clients is per shard. The zero Shard
	// (the default) is a run that is not split.
	Shard Shard

	// Store is where the Result is saved. Run saves to DefaultStore() when
	// it is nil; Exec saves only when it is set. NoStore{} turns saving off.
	Store Store
}

// ConfigError reports every problem found in a Config, before any request
// is sent. Each problem names the field and the value it had.
type ConfigError struct {
	Problems []Problem
}

// Error lists the problems, separated by "; ", after "config: ".
func (e *ConfigError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "config: " + strings.Join(msgs, "; ")
}

// Problem is one bad setting of a Config.
type Problem struct {
	// Field is the name of the Config field at fault, such as "Clients",
	// "Path", "PathParams" or "BaseURL"; a problem of two fields set
	// together ("Transport and TLS") names the first. Empty when the
	// problem is not a field's: a nil handler with no BaseURL.
	Field string
	// Value is the bad value as the message shows it: text quoted (%q),
	// numbers and durations as Go prints them, a BaseURL with its password
	// hidden. Empty when the field being set at all is the problem.
	Value string
	// Msg says what is wrong, e.g. `must be 0 (default 10) or positive`.
	Msg string
}

// String is the problem in Config's words: "Field Value: Msg", "Field
// Msg" when Value is empty, or Msg alone when Field is. The Path field is
// written "path", the noun, as in `path "/x/{id}": no value for
// placeholder "id" (set PathParams)`.
func (p Problem) String() string {
	name := p.Field
	if name == "Path" {
		name = "path"
	}
	switch {
	case p.Field == "":
		return p.Msg
	case p.Value == "":
		return name + " " + p.Msg
	}
	return name + " " + p.Value + ": " + p.Msg
}

// setPathParams ends the Msg of a Problem about placeholders with no value
// in PathParams: the hint of what to set.
const setPathParams = "(set PathParams)"

// placeholderRE matches mux-style placeholders: {name} or {name:pattern}.
var placeholderRE = regexp.MustCompile(`\{([^{}:]+)(?::([^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}`)

// placeholders returns the names of path's {placeholders} in order.
func placeholders(path string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}

// Validate checks c as Run, Exec and Start do, without sending anything:
// it returns a *ConfigError listing every problem, or nil. h is the handler
// the run would call (nil when BaseURL is set). Callers that do work before
// starting a run (a CLI that dials the server or logs in first) use it to
// report misconfiguration before that work.
func (c Config) Validate(h http.Handler) error {
	if _, err := c.resolved().validate(h); err != nil {
		return err
	}
	return nil
}

// resolved returns a copy of c with defaults filled in; c is not modified.
func (c Config) resolved() Config {
	if c.Method == "" {
		c.Method = DefaultMethod
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Path == "" {
		c.Path = "/"
	}
	if c.Requests == 0 && c.Duration == 0 {
		c.Requests = DefaultRequests
	}
	if c.Clients == 0 {
		c.Clients = DefaultClients
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Name == "" {
		c.Name = c.Method + " " + c.Path
	}
	return c
}

// validate checks a resolved Config and returns the target URL, or a
// *ConfigError listing every problem.
func (c Config) validate(h http.Handler) (*url.URL, error) {
	var probs []Problem
	add := func(field, value, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)})
	}
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	v := func(x any) string { return fmt.Sprint(x) }

	if !validToken(c.Method) {
		add("Method", q(c.Method), "not a valid HTTP method")
	}
	if !strings.HasPrefix(c.Path, "/") {
		add("Path", q(c.Path), "must start with \"/\"")
	}
	if c.Requests < 0 {
		add("Requests", v(c.Requests), "must be 0 (default %d) or positive", DefaultRequests)
	}
	if c.Duration < 0 {
		add("Duration", v(c.Duration), "must be 0 (no time bound) or positive")
	}
	if c.Clients < 0 {
		add("Clients", v(c.Clients), "must be 0 (default %d) or positive", DefaultClients)
	}
	if c.Rate < 0 || c.Rate != c.Rate {
		add("Rate", v(c.Rate), "must be 0 (as fast as possible) or positive")
	}
	switch {
	case c.RampTo < 0 || c.RampTo != c.RampTo:
		add("RampTo", v(c.RampTo), "must be 0 (constant Rate) or positive")
	case c.RampTo > 0 && c.Rate == 0:
		add("RampTo", v(c.RampTo), "needs Rate, the starting rate (a ramp is for the open model)")
	case c.RampTo > 0 && c.Duration == 0:
		add("RampTo", v(c.RampTo), "needs Duration, the time the ramp takes")
	}
	if c.Timeout < 0 {
		add("Timeout", v(c.Timeout), "must be 0 (default %v) or positive", DefaultTimeout)
	}
	if st := c.Stream; st != nil {
		if st.For < 0 {
			add("Stream.For", v(st.For), "must be 0 (no time bound) or positive")
		}
		if st.Events < 0 {
			add("Stream.Events", v(st.Events), "must be 0 (no count bound) or positive")
		}
		if st.For == 0 && st.Events == 0 {
			add("Stream", "", "sets neither Stream.For nor Stream.Events: set one or both, or leave Stream nil for a run that is not streamed")
		}
	}
	if c.Body != nil && c.BodyFunc != nil {
		add("Body", "", "(%d bytes) and BodyFunc are both set: choose one", len(c.Body))
	}
	for _, s := range c.ExpectStatus {
		if s < 100 || s > 599 {
			add("ExpectStatus", v(s), "not an HTTP status (100..599)")
		}
	}

	c.validateShard(add)

	names := placeholders(c.Path)
	var missing []string
	for _, n := range names {
		if _, ok := c.PathParams[n]; !ok && !slices.Contains(missing, q(n)) {
			missing = append(missing, q(n))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Headers)) {
		if !httpguts.ValidHeaderFieldName(k) {
			add("Headers", q(k), "not a valid header name")
			continue
		}
		for _, hv := range c.Headers[k] {
			if !httpguts.ValidHeaderFieldValue(hv) {
				add("Headers", q(k), "value holds a control character (CR, LF or NUL)")
				break
			}
		}
	}
	if len(missing) == 1 {
		add("Path", q(c.Path), "no value for placeholder %s %s", missing[0], setPathParams)
	} else if len(missing) > 1 {
		add("Path", q(c.Path), "no value for placeholders %s %s", strings.Join(missing, ", "), setPathParams)
	}
	var unknown []string
	for _, m := range placeholderRE.FindAllStringSubmatch(c.Path, -1) {
		name, pattern := m[1], m[2]
		pv, ok := c.PathParams[name]
		if !ok || pattern == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			add("Path", q(c.Path), "placeholder %q has a bad pattern %q: %v", name, pattern, err)
		} else if !re.MatchString(pv) {
			add("PathParams", q(name)+" = "+q(pv), "does not match the placeholder's pattern %s, so the route would not match", pattern)
		}
	}
	for k := range c.PathParams {
		if !slices.Contains(names, k) {
			unknown = append(unknown, q(k))
		}
	}
	slices.Sort(unknown)
	if len(unknown) > 0 {
		add("PathParams", strings.Join(unknown, ", "), "no such placeholder in path %q", c.Path)
	}

	var base *url.URL
	if c.BaseURL == "" {
		if isNilHandler(h) {
			add("", "", "handler is nil and BaseURL is empty: pass a handler for an in-process run, or set BaseURL")
		}
		for _, f := range c.transportFields() {
			add(f, "", "is set but BaseURL is empty: an in-process run has no connection to configure")
		}
	} else {
		u, err := url.Parse(c.BaseURL)
		shown := secret.URL(c.BaseURL)
		switch {
		case err != nil && secret.Password(c.BaseURL) != "":
			// url.Parse's reason may quote part of the password.
			add("BaseURL", q(shown), "not a valid URL (check how the user and password are escaped)")
		case err != nil:
			add("BaseURL", q(shown), "%v", unwrapURLError(err))
		case u.Scheme != "http" && u.Scheme != "https":
			add("BaseURL", q(shown), "scheme must be http or https")
		case u.Host == "":
			add("BaseURL", q(shown), "no host")
		default:
			base = u
		}
		if c.Transport != nil {
			for _, f := range c.transportFields() {
				if f != "Transport" {
					add("Transport", "", "and %s are both set: a Transport of your own owns TLS and the protocol (configure them there)", f)
				}
			}
		} else if base != nil && base.Scheme == "http" {
			if c.TLS != nil {
				add("TLS", "", "is set but BaseURL %q is not https://", shown)
			}
			if c.HTTP2 {
				add("HTTP2", "", "with BaseURL %q: HTTP/2 needs an https:// BaseURL (HTTP/2 without TLS, h2c, is not supported)", shown)
			}
		}
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs}
	}
	return c.target(base)
}

// MaxShards is the most shards a run may be split into (Shard.Count).
const MaxShards = 1000

// runIDRE is the form of a Config.RunID. It holds no '.', which ShardID
// uses to join a run id and a shard index.
var runIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// String is the shard as the CLI's --shard takes it, "Index/Count".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ShardID is the id under which shard index of run runID saves its Result:
// "<runID>.<index>".
func ShardID(runID string, index int) string { return fmt.Sprintf("%s.%d", runID, index) }

// validateShard adds the problems of c.RunID and c.Shard.
func (c Config) validateShard(add func(field, value, format string, args ...any)) {
	s := c.Shard
	sharded := s != Shard{}
	switch {
	case c.RunID == "" && sharded:
		add("Shard", s.String(), "needs RunID, the run the shard is part of")
	case c.RunID != "" && !sharded:
		add("RunID", fmt.Sprintf("%q", c.RunID), "needs Shard: a run id names a run split into shards")
	case c.RunID != "" && !runIDRE.MatchString(c.RunID):
		add("RunID", fmt.Sprintf("%q", c.RunID), "must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit")
	}
	switch {
	case !sharded:
	case s.Count < 1 || s.Count > MaxShards:
		add("Shard", s.String(), "count must be 1 to %d", MaxShards)
	case s.Index < 0 || s.Index >= s.Count:
		add("Shard", s.String(), "index must be 0 to %d (shards count from 0)", s.Count-1)
	case c.Requests > 0 && c.Requests < int64(s.Count):
		add("Shard", s.String(), "Requests %d is fewer than the shards: each shard needs at least one request", c.Requests)
	}
}

// share returns c with the load of its shard only: see Config.Shard. c is
// resolved and valid.
func (c Config) share() Config {
	if c.Shard.Count <= 1 {
		return c
	}
	n, i := int64(c.Shard.Count), int64(c.Shard.Index)
	if c.Requests > 0 {
		q, r := c.Requests/n, c.Requests%n
		c.Requests = q
		if i < r {
			c.Requests++
		}
	}
	c.Rate /= float64(n)
	c.RampTo /= float64(n)
	return c
}

// transportFields names the fields that configure connections and are set.
func (c Config) transportFields() []string {
	var set []string
	if c.TLS != nil {
		set = append(set, "TLS")
	}
	if c.HTTP2 {
		set = append(set, "HTTP2")
	}
	if c.NetHTTP {
		set = append(set, "NetHTTP")
	}
	if c.Transport != nil {
		set = append(set, "Transport")
	}
	return set
}

// target fills the placeholders and joins Path and Query onto base (or onto
// a placeholder host for in-process runs).
func (c Config) target(base *url.URL) (*url.URL, error) {
	filled := placeholderRE.ReplaceAllStringFunc(c.Path, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		return url.PathEscape(c.PathParams[name])
	})
	ref, err := url.Parse(filled)
	if err != nil {
		return nil, &ConfigError{Problems: []Problem{{Field: "Path", Value: fmt.Sprintf("%q", c.Path), Msg: unwrapURLError(err).Error()}}}
	}
	u := &url.URL{Scheme: "http", Host: "localhost"}
	var prefix, rawPrefix string
	if base != nil {
		u = &url.URL{Scheme: base.Scheme, Host: base.Host, User: base.User}
		prefix, rawPrefix = strings.TrimSuffix(base.Path, "/"), strings.TrimSuffix(base.EscapedPath(), "/")
	}
	u.Path = prefix + ref.Path
	if ref.RawPath != "" {
		u.RawPath = rawPrefix + ref.EscapedPath()
	}
	q := ref.Query()
	for k, vs := range c.Query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

// isNilHandler reports whether h is nil, including a typed nil such as a
// nil *mux.Router or a nil HandlerFunc in a non-nil interface.
func isNilHandler(h http.Handler) bool {
	if h == nil {
		return true
	}
	switch v := reflect.ValueOf(h); v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Chan, reflect.Slice, reflect.Interface:
		return v.IsNil()
	}
	return false
}
