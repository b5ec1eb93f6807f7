package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/http/httpguts"

	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/loadtesting"
)

// This file turns the flags of `run` into a loadtesting.Config, and states
// the Config's problems in the flags' words.

// addRunFlags defines run's flags on cmd, into o; app adds an app's own
// (--base-url, --in-process, --auth-as).
func addRunFlags(cmd *cobra.Command, o *RunOptions, app bool) {
	f := cmd.Flags()
	f.StringVarP(&o.Method, "method", "m", "", "HTTP `method` (default GET, or POST with a payload)")
	f.Int64VarP(&o.Requests, "requests", "n", 0, fmt.Sprintf("how many requests to send (default %d when --duration is not set)", loadtesting.DefaultRequests))
	f.IntVarP(&o.Clients, "clients", "c", loadtesting.DefaultClients, "requests in flight at once")
	f.DurationVar(&o.Duration, "duration", 0, "send for this long (e.g. 30s); with --requests too, whichever comes first")
	f.Float64Var(&o.Rate, "rate", 0, "target requests per second; latency then counts from each scheduled send (0: as fast as possible)")
	f.DurationVar(&o.Timeout, "timeout", loadtesting.DefaultTimeout, "per-request timeout")
	f.StringVar(&o.Payload, "payload", "", "JSON request body sent with every request")
	f.StringVar(&o.PayloadFile, "payload-file", "", "`file` with one JSON body, or JSON Lines used round-robin as per-request bodies")
	f.StringArrayVarP(&o.Headers, "header", "H", nil, "request header `Key=Value` or 'Key: Value' (repeatable)")
	f.StringArrayVarP(&o.PathParams, "path-param", "p", nil, "fill a path placeholder: `name=value` (repeatable)")
	f.StringArrayVar(&o.Query, "query", nil, "add a query parameter `key=value` (repeatable)")
	f.IntSliceVar(&o.ExpectStatus, "expect-status", nil, "statuses that count as success, e.g. 200,201 (default 200..399)")
	f.DurationVar(&o.StreamFor, "stream-for", 0, "read each response as a stream (SSE, or chunks) for this long, e.g. 2s; --timeout then bounds the wait for the headers and for each gap between events")
	f.IntVar(&o.StreamEvents, "stream-events", 0, "read each response as a stream until this many events (SSE events, or flushed chunks); with --stream-for, whichever comes first")
	f.StringVar(&o.Name, "name", "", "label for the run (default \"METHOD PATH\")")
	f.BoolVar(&o.JSON, "json", false, "print the full result as JSON")
	f.BoolVar(&o.Insecure, "insecure", false, "https: do not verify the server's certificate (prints a warning)")
	f.StringVar(&o.CACert, "ca-cert", "", "https: trust the CA certificates in this PEM `file` instead of the system's")
	f.StringVar(&o.ClientCert, "client-cert", "", "https: present the certificate in this PEM `file` (with --client-key)")
	f.StringVar(&o.ClientKey, "client-key", "", "https: the private key, a PEM `file`, of --client-cert")
	f.BoolVar(&o.HTTP2, "http2", false, "https: offer HTTP/2; --clients are then concurrent streams (default HTTP/1.1, a connection per client)")
	f.StringVar(&o.Client, "client", clientLean, "HTTP/1.1 client, for http:// and https:// targets: `lean` (apiload's own) or net/http (--http2 always uses net/http)")
	f.StringVar(&o.RunID, "run-id", "", "the `ID` of a run split across processes, shared by its shards (with --shard)")
	f.StringVar(&o.Shard, "shard", "", "send shard `INDEX/COUNT` of --run-id's load, INDEX from 0 to COUNT-1")
	f.StringVar(&o.StartAt, "start-at", "", "wait until this RFC 3339 `time` to begin, so that shards start together")
	if app {
		f.StringVar(&o.BaseURL, "base-url", o.Target.DefaultBaseURL, "the running app to send to, e.g. http://127.0.0.1:8000")
		f.BoolVar(&o.InProcess, "in-process", false, "call the app's handler directly, with no socket")
		f.StringVar(&o.AuthAs, "auth-as", "", "log in as `USER` once and send the token with every request")
	}
}

// config turns the flags into a loadtesting.Config. Every problem with a
// flag is a *UsageError naming the flag; all of them are reported at once.
func (o *RunOptions) config() (loadtesting.Config, error) {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	cfg := loadtesting.Config{
		Method:       strings.ToUpper(o.Method),
		Requests:     o.Requests,
		Clients:      o.Clients,
		Duration:     o.Duration,
		Rate:         o.Rate,
		Timeout:      o.Timeout,
		ExpectStatus: o.ExpectStatus,
		Name:         o.Name,
		Headers:      http.Header{},
	}
	if o.set("clients") && o.Clients < 1 {
		bad("--clients %d: must be at least 1", o.Clients)
	}
	if o.set("requests") && o.Requests < 1 {
		bad("--requests %d: must be at least 1", o.Requests)
	}
	if o.set("timeout") && o.Timeout <= 0 {
		bad("--timeout %v: must be positive", o.Timeout)
	}
	probs = append(probs, o.stream(&cfg)...)

	if o.App {
		if !strings.HasPrefix(o.Arg, "/") {
			bad("PATH %q: must start with \"/\" (a route as 'list' shows it)", o.Arg)
		}
		cfg.Path = o.Arg
		switch {
		case o.InProcess && o.Target.Handler == nil:
			bad("--in-process: this command has no handler to call")
		case o.InProcess && o.set("base-url"):
			bad("--in-process and --base-url %q: choose one", o.BaseURL)
		case !o.InProcess && o.BaseURL == "":
			bad("--base-url: no server to send to (give one, or use --in-process)")
		case !o.InProcess:
			if err := checkBaseURL(o.BaseURL); err != nil {
				bad("--base-url %q: %v", o.BaseURL, err)
			}
			cfg.BaseURL = o.BaseURL
		}
		if o.AuthAs != "" && o.Target.AuthAs == nil {
			bad("--auth-as %s: this app has no login hook", o.AuthAs)
		}
	} else {
		u, err := url.Parse(o.Arg)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("URL %q: want an absolute http:// or https:// URL, e.g. http://127.0.0.1:8000/health/", o.Arg)
		} else {
			cfg.BaseURL = (&url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User}).String()
			cfg.Path = u.Path
			if u.RawPath != "" {
				cfg.Path = u.RawPath // keep escapes as typed (/a%2Fb), braces stay placeholders
			}
			if cfg.Path == "" {
				cfg.Path = "/"
			}
			if u.RawQuery != "" {
				cfg.Query = u.Query()
			}
		}
	}

	for _, h := range o.Headers {
		k, v, ok := splitHeader(h)
		if !ok {
			bad("--header %q: want Key=Value or 'Key: Value'", redactFlagHeader(h))
			continue
		}
		cfg.Headers.Add(k, v)
	}
	if pp, err := pairs("--path-param", o.PathParams); err != nil {
		probs = append(probs, err...)
	} else {
		if len(pp) > 0 {
			cfg.PathParams = map[string]string{}
			for k, vs := range pp {
				cfg.PathParams[k] = vs[len(vs)-1]
			}
		}
	}
	if q, err := pairs("--query", o.Query); err != nil {
		probs = append(probs, err...)
	} else if len(q) > 0 {
		if cfg.Query == nil {
			cfg.Query = url.Values{}
		}
		for k, vs := range q {
			cfg.Query[k] = append(cfg.Query[k], vs...)
		}
	}

	switch {
	case o.Payload != "" && o.PayloadFile != "":
		bad("--payload and --payload-file: choose one")
	case o.Payload != "":
		if err := validJSON([]byte(o.Payload)); err != nil {
			bad("--payload: invalid JSON: %v", err)
		}
		cfg.Body = []byte(o.Payload)
	case o.PayloadFile != "":
		body, bodies, err := readPayloadFile(o.PayloadFile)
		switch {
		case err != nil:
			bad("--payload-file %s: %v", o.PayloadFile, err)
		case bodies != nil:
			cfg.BodyFunc = func(i int64) ([]byte, error) { return bodies[i%int64(len(bodies))], nil }
		default:
			cfg.Body = body
		}
	}
	probs = append(probs, o.connection(&cfg)...)
	probs = append(probs, o.sharding(&cfg)...)
	if cfg.Body != nil || cfg.BodyFunc != nil {
		if cfg.Method == "" {
			cfg.Method = http.MethodPost
		}
		if cfg.Headers.Get("Content-Type") == "" {
			cfg.Headers.Set("Content-Type", "application/json")
		}
	}
	// Everything the Config itself can judge (placeholders, method, rate,
	// statuses, headers) is checked by loadtesting, in the flags' words, now:
	// before the server is dialled or the login hook runs. Without a usable
	// target or path the problem is named above already.
	handler := o.Target.Handler
	if cfg.BaseURL != "" {
		handler = nil
	}
	if strings.HasPrefix(cfg.Path, "/") && (cfg.BaseURL != "" || handler != nil) {
		var ce *loadtesting.ConfigError
		if err := cfg.Validate(handler); errors.As(err, &ce) {
			for _, p := range ce.Problems {
				probs = append(probs, flagProblem(p, o.App))
			}
		}
	}
	if len(probs) > 0 {
		return cfg, &UsageError{Err: errors.New(strings.Join(probs, "; "))}
	}
	if o.AuthAs != "" {
		cfg.Auth = o.authAs(cfg)
	}
	return cfg, nil
}

// stream reads --stream-for and --stream-events into cfg.Stream (nil when
// neither is given) and returns their problems. A bad value is left out of
// the Config, so that its problem is stated once, here.
func (o *RunOptions) stream(cfg *loadtesting.Config) []string {
	var probs []string
	var s loadtesting.StreamConfig
	if o.set("stream-for") {
		if o.StreamFor <= 0 {
			probs = append(probs, fmt.Sprintf("--stream-for %v: must be positive (how long each request reads its stream)", o.StreamFor))
		} else {
			s.For = o.StreamFor
		}
	}
	if o.set("stream-events") {
		if o.StreamEvents < 1 {
			probs = append(probs, fmt.Sprintf("--stream-events %d: must be at least 1 (events each request reads)", o.StreamEvents))
		} else {
			s.Events = o.StreamEvents
		}
	}
	if s != (loadtesting.StreamConfig{}) {
		cfg.Stream = &s
	}
	return probs
}

// sharding reads --run-id, --shard and --start-at into cfg (the last is
// only checked: waitStart waits for it) and returns their problems. The
// Config judges the rest (an index past the count, a malformed id).
func (o *RunOptions) sharding(cfg *loadtesting.Config) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	idOK := true
	if o.set("run-id") && strings.TrimSpace(o.RunID) == "" {
		bad("--run-id %q: must be 1 to 64 letters, digits, '-' or '_'", o.RunID)
		idOK = false
	}
	cfg.RunID = o.RunID
	if o.set("shard") {
		i, n, ok := parseShard(o.Shard)
		switch {
		case !ok:
			bad("--shard %q: want INDEX/COUNT, e.g. 0/4 (INDEX from 0 to COUNT-1)", o.Shard)
		case n < 1:
			bad("--shard %s: count must be 1 to %d", o.Shard, loadtesting.MaxShards)
		case idOK:
			cfg.Shard = loadtesting.Shard{Index: i, Count: n}
		}
	}
	if o.StartAt != "" {
		if at, err := o.startAt(); err != nil {
			bad("--start-at %q: want an RFC 3339 time, e.g. 2026-12-01T12:00:00Z", o.StartAt)
		} else if late := o.now().Sub(at); late > time.Minute {
			bad("--start-at %s: %v in the past (more than a minute): give a time to come", o.StartAt, late.Round(time.Second))
		}
	}
	return probs
}

// parseShard parses "INDEX/COUNT" as two decimal integers.
func parseShard(s string) (index, count int, ok bool) {
	a, b, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return i, n, true
}

// startAt parses --start-at.
func (o *RunOptions) startAt() (time.Time, error) {
	return time.Parse(time.RFC3339Nano, o.StartAt)
}

// now is the clock of the options: Now, else time.Now.
func (o *RunOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// waitStart waits until --start-at, when it is given and still to come,
// or until ctx ends (an interrupt), whichever is first.
func (o *RunOptions) waitStart(ctx context.Context) error {
	if o.StartAt == "" {
		return nil
	}
	at, err := o.startAt()
	if err != nil {
		return nil // reported by config
	}
	wait := at.Sub(o.now())
	if wait <= 0 {
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "Waiting %v, until %s, to start\n", wait.Round(time.Millisecond), at.UTC().Format(time.RFC3339Nano))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("--start-at %s: stopped while waiting: %w", o.StartAt, context.Cause(ctx))
	}
}

// authAs is the Config.Auth hook of --auth-as: the app's login on cfg's
// target, its failure a *loginError naming the flag.
func (o *RunOptions) authAs(cfg loadtesting.Config) func(context.Context) (http.Header, error) {
	login, user := o.Target.AuthAs(o.AuthAs, cfg), o.AuthAs
	return func(ctx context.Context) (http.Header, error) {
		h, err := login(ctx)
		if err != nil {
			return nil, &loginError{user: user, err: err}
		}
		return h, nil
	}
}

// loginError is the failure of the --auth-as login. run reports it as it
// is: "--auth-as USER: <the hook's error>".
type loginError struct {
	user string
	err  error
}

func (e *loginError) Error() string { return fmt.Sprintf("--auth-as %s: %v", e.user, e.err) }

func (e *loginError) Unwrap() error { return e.err }

// The values of --client.
const (
	clientLean    = "lean"
	clientNetHTTP = "net/http"
)

// connection reads the flags about the connection (--insecure, --ca-cert,
// --client-cert, --client-key, --http2, --client) into cfg, whose BaseURL
// is set already (empty in-process), and returns their problems.
func (o *RunOptions) connection(cfg *loadtesting.Config) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	var tlsFlags []string // the https-only flags given
	for _, f := range []string{"insecure", "ca-cert", "client-cert", "client-key", "http2"} {
		if o.set(f) {
			tlsFlags = append(tlsFlags, "--"+f)
		}
	}
	switch o.Client {
	case clientLean, clientNetHTTP:
	default:
		bad("--client %q: want %s or %s", o.Client, clientLean, clientNetHTTP)
	}
	scheme := ""
	if u, err := url.Parse(cfg.BaseURL); err == nil && cfg.BaseURL != "" {
		scheme = u.Scheme
	}
	switch {
	case cfg.BaseURL == "" && !(o.App && o.InProcess):
		// No usable target: its flag's problem is reported already.
	case cfg.BaseURL == "" && (len(tlsFlags) > 0 || o.set("client")):
		if o.set("client") {
			tlsFlags = append(tlsFlags, "--client")
		}
		bad("%s: only for runs over HTTP; --in-process calls the handler directly", strings.Join(tlsFlags, ", "))
		return probs
	case scheme == "http" && len(tlsFlags) > 0:
		why := ""
		if o.set("http2") {
			why = " (HTTP/2 without TLS, h2c, is not supported)"
		}
		bad("%s: only for https:// targets, not %s%s", strings.Join(tlsFlags, ", "), secret.URL(cfg.BaseURL), why)
	case scheme == "https":
		cfg.HTTP2 = o.HTTP2
		var tprobs []string
		cfg.TLS, tprobs = o.tlsConfig()
		probs = append(probs, tprobs...)
	}
	cfg.NetHTTP = o.Client == clientNetHTTP && cfg.BaseURL != ""
	return probs
}

// tlsConfig builds the TLS settings of --insecure, --ca-cert, --client-cert
// and --client-key: nil when none is given. A file that cannot be read or
// parsed is a problem naming the flag and the file.
func (o *RunOptions) tlsConfig() (*tls.Config, []string) {
	if !o.Insecure && o.CACert == "" && o.ClientCert == "" && o.ClientKey == "" {
		return nil, nil
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	c := &tls.Config{InsecureSkipVerify: o.Insecure}
	if o.CACert != "" {
		pem, err := readFile(o.CACert)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			bad("--ca-cert %s: %v", o.CACert, err)
		case !pool.AppendCertsFromPEM(pem):
			bad("--ca-cert %s: no PEM certificate in the file", o.CACert)
		default:
			c.RootCAs = pool
		}
	}
	switch {
	case o.ClientCert != "" && o.ClientKey == "":
		bad("--client-cert %s: needs --client-key FILE, its private key", o.ClientCert)
	case o.ClientKey != "" && o.ClientCert == "":
		bad("--client-key %s: needs --client-cert FILE, the certificate it belongs to", o.ClientKey)
	case o.ClientCert != "":
		certPEM, cerr := readFile(o.ClientCert)
		if cerr != nil {
			bad("--client-cert %s: %v", o.ClientCert, cerr)
		}
		keyPEM, kerr := readFile(o.ClientKey)
		if kerr != nil {
			bad("--client-key %s: %v", o.ClientKey, kerr)
		}
		if cerr == nil && kerr == nil {
			cert, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				bad("--client-cert %s --client-key %s: %v", o.ClientCert, o.ClientKey, err)
			} else {
				c.Certificates = []tls.Certificate{cert}
			}
		}
	}
	return c, probs
}

// readFile reads a file named by a flag; its error leaves out the path,
// which the caller names with the flag.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err
	}
	return data, err
}

func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want http://host:port or https://host:port")
	}
	return nil
}

// splitHeader splits "Key=Value" or "Key: Value" at whichever separator
// comes first.
func splitHeader(s string) (key, value string, ok bool) {
	i := strings.IndexAny(s, ":=")
	if i <= 0 {
		return "", "", false
	}
	key, value = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if !httpguts.ValidHeaderFieldName(key) || !httpguts.ValidHeaderFieldValue(value) {
		return "", "", false
	}
	return key, value, true
}

// redactFlagHeader hides the value in a malformed --header when it may be
// a secret: when the name (the text before ':' or '=', or else the first
// word, as in "Authorization Bearer xyz") is a secret's, or empty.
func redactFlagHeader(s string) string {
	t := strings.TrimSpace(s)
	end := strings.IndexAny(t, ":=")
	if end < 0 {
		end = strings.IndexAny(t, " \t")
	}
	if end < 0 {
		return s // a bare word: no value to hide
	}
	if name := strings.TrimSpace(t[:end]); name == "" || secret.IsName(name) {
		return t[:end+1] + secret.Mask
	}
	return s
}

// pairs parses repeated name=value flags.
func pairs(flag string, vals []string) (url.Values, []string) {
	out := url.Values{}
	var probs []string
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(k) == "" {
			probs = append(probs, fmt.Sprintf("%s %q: want name=value", flag, v))
			continue
		}
		out.Add(strings.TrimSpace(k), val)
	}
	return out, probs
}

// flagProblems states every problem of ce in the CLI's words.
func flagProblems(ce *loadtesting.ConfigError, app bool) string {
	msgs := make([]string, len(ce.Problems))
	for i, p := range ce.Problems {
		msgs[i] = flagProblem(p, app)
	}
	return strings.Join(msgs, "; ")
}

// flagProblem states a Config problem in the CLI's words: the field's flag
// (or argument) in place of its name.
func flagProblem(p loadtesting.Problem, app bool) string {
	p.Field = flagName(p.Field, app)
	p.Msg = strings.Replace(p.Msg, "(set PathParams)", "(set --path-param NAME=VALUE)", 1)
	switch p.Field {
	case "--shard":
		p.Msg = strings.Replace(p.Msg, "needs RunID", "needs --run-id", 1)
		p.Msg = strings.Replace(p.Msg, "Requests ", "--requests ", 1)
	case "--run-id":
		p.Msg = strings.Replace(p.Msg, "needs Shard", "needs --shard INDEX/COUNT", 1)
	}
	p.Msg = strings.NewReplacer("Stream.For", "--stream-for", "Stream.Events", "--stream-events").Replace(p.Msg)
	return p.String()
}

// flagName is the flag or argument that sets the Config field named field;
// field itself for a field no flag sets.
func flagName(field string, app bool) string {
	switch field {
	case "Method", "Requests", "Duration", "Clients", "Rate", "Timeout", "Query", "Name":
		return "--" + strings.ToLower(field)
	case "Path":
		return "path" // the path of the PATH or URL argument
	case "PathParams":
		return "--path-param"
	case "Headers":
		return "--header"
	case "Body":
		return "--payload"
	case "BodyFunc":
		return "--payload-file"
	case "ExpectStatus":
		return "--expect-status"
	case "BaseURL":
		if app {
			return "--base-url"
		}
		return "URL"
	case "HTTP2":
		return "--http2"
	case "NetHTTP":
		return "--client net/http"
	case "RunID":
		return "--run-id"
	case "Shard":
		return "--shard"
	case "Stream.For":
		return "--stream-for"
	case "Stream.Events":
		return "--stream-events"
	case "Stream":
		return "--stream-for/--stream-events"
	}
	return field
}
