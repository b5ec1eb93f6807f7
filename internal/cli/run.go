package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/net/http/httpguts"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/loadtesting"
)

// RunTarget is what an app gives its `run` command: the handler for
// --in-process runs, the server to send to by default, and a login hook
// for --auth-as. The zero value (loadreport's `run URL`) has none of them.
type RunTarget struct {
	Handler        http.Handler
	DefaultBaseURL string
	Login          func(ctx context.Context, user string) (token string, err error)
}

// RunOptions are the inputs of `run`.
type RunOptions struct {
	IO     *IOStreams
	Store  func(context.Context) (loadtesting.Store, error)
	Now    func() time.Time
	Target RunTarget
	// App is true for an app's `run PATH`, false for loadreport's `run URL`.
	App bool

	Arg          string // the PATH or URL argument
	Method       string
	Requests     int64
	Clients      int
	Duration     time.Duration
	Rate         float64
	Timeout      time.Duration
	Payload      string
	PayloadFile  string
	Headers      []string
	PathParams   []string
	Query        []string
	BaseURL      string
	InProcess    bool
	ExpectStatus []int
	AuthAs       string
	Name         string
	JSON         bool
	Insecure     bool   // --insecure: skip verifying the server's certificate
	CACert       string // --ca-cert FILE: trust these roots instead of the system's
	ClientCert   string // --client-cert FILE, with ClientKey
	ClientKey    string // --client-key FILE
	HTTP2        bool   // --http2: offer HTTP/2 to an https:// target
	Client       string // --client: "lean" (default) or "net/http", for http:// targets

	set         func(name string) bool // whether a flag was given
	commandPath string
}

// NewRunCmd returns loadreport's `run URL`: load any running server, out
// of process, with the same flags as an app's `run PATH`.
func NewRunCmd(app *App, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run URL",
		Short: "Send load to a running server and report what it measured",
		Long: `Send load to URL over real HTTP, then print a report and save the run to the
store like every run. The run always completes: failed requests are statistics,
not errors, and the exit status is 0 whatever the endpoint answered.

URL may hold {placeholders}, each filled with --path-param NAME=VALUE.
Exit status: 0 when the run completed, 1 when the server cannot be reached
before the run or the store fails, 2 for a bad flag or a missing placeholder.`,
		Example: examples(app, `
  $CMD run http://127.0.0.1:8000/health/ -n 10000 -c 50
  $CMD run http://127.0.0.1:8000/api/v1/tasks/status/{task_id} -p task_id=abc-123 -n 100 -c 5
  $CMD run http://127.0.0.1:8000/api/v1/tasks/enqueue -m POST --payload '{"queue": "load_test", "task": "ping"}'
  $CMD run http://127.0.0.1:8000/health/ --duration 30s --rate 500 --json | jq .metrics.latency
  $CMD run https://127.0.0.1:8443/health/ --ca-cert ca.pem -n 1000 -c 10 --http2`),
		Args: exactArgs("URL"),
		RunE: runE(app, opts, runF),
	}
	cmd.SetFlagErrorFunc(flagError)
	addRunFlags(cmd, opts, false)
	return cmd
}

// NewAppRunCmd returns an app's `run PATH`: load one of its routes, out of
// process against the base URL by default, or in-process with --in-process.
func NewAppRunCmd(app *App, target RunTarget, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{Target: target, App: true}
	cmd := &cobra.Command{
		Use:   "run PATH",
		Short: "Load one route and report what it measured",
		Long: `Send load to PATH, then print a report and save the run to the store.

By default the load goes over real HTTP to --base-url (a running instance of
the app); --in-process calls the app's handler directly, with no socket. PATH
may hold {placeholders} as 'list' shows them, each filled with
--path-param NAME=VALUE. --auth-as USER logs in once, through the app's login
hook, and sends the token with every request.

The run always completes: failed requests are statistics, and the exit status
is 0 whatever the endpoint answered. 1: the login was refused, the server
cannot be reached, or the store fails. 2: a bad flag or a missing placeholder.`,
		Example: examples(app, `
  $CMD run /health/ --requests 500 --clients 10 --in-process
  $CMD run /api/v1/tasks/status/{task_id} --path-param task_id=abc-123 -n 100 -c 5 --in-process
  $CMD run /api/v1/tasks/enqueue --method POST --payload '{"queue": "load_test", "task": "ping"}' -n 200 -c 10 --in-process
  $CMD run /api/v1/users/me --header "Authorization=Bearer $TOKEN" -n 200 -c 5
  $CMD run /api/v1/users/me --auth-as alice@example.com -n 200 -c 5 --in-process`),
		Args: exactArgs("PATH"),
		RunE: runE(app, opts, runF),
	}
	cmd.SetFlagErrorFunc(flagError)
	addRunFlags(cmd, opts, true)
	return cmd
}

// runE fills opts from the parsed command and runs it (or runF, in tests).
func runE(app *App, opts *RunOptions, runF func(context.Context, *RunOptions) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		opts.Arg = args[0]
		opts.IO, opts.Store, opts.Now, opts.commandPath = app.IO, app.Store, app.now(), app.commandPath()
		opts.set = func(name string) bool { return cmd.Flags().Changed(name) }
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runRun(cmd.Context(), opts)
	}
}

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
	f.StringVar(&o.Name, "name", "", "label for the run (default \"METHOD PATH\")")
	f.BoolVar(&o.JSON, "json", false, "print the full result as JSON")
	f.BoolVar(&o.Insecure, "insecure", false, "https: do not verify the server's certificate (prints a warning)")
	f.StringVar(&o.CACert, "ca-cert", "", "https: trust the CA certificates in this PEM `file` instead of the system's")
	f.StringVar(&o.ClientCert, "client-cert", "", "https: present the certificate in this PEM `file` (with --client-key)")
	f.StringVar(&o.ClientKey, "client-key", "", "https: the private key, a PEM `file`, of --client-cert")
	f.BoolVar(&o.HTTP2, "http2", false, "https: offer HTTP/2; --clients are then concurrent streams (default HTTP/1.1, a connection per client)")
	f.StringVar(&o.Client, "client", clientLean, "HTTP client for http:// targets: `lean` (apiload's own) or net/http (https:// always uses net/http)")
	if app {
		f.StringVar(&o.BaseURL, "base-url", o.Target.DefaultBaseURL, "the running app to send to, e.g. http://127.0.0.1:8000")
		f.BoolVar(&o.InProcess, "in-process", false, "call the app's handler directly, with no socket")
		f.StringVar(&o.AuthAs, "auth-as", "", "log in as `USER` once and send the token with every request")
	}
}

func runRun(ctx context.Context, o *RunOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if o.Insecure {
		fmt.Fprintf(o.IO.ErrOut, "warning: --insecure: the certificate of %s is not verified, so anyone on the path could read and change the traffic\n", secret.URL(cfg.BaseURL))
	}
	var h http.Handler
	if cfg.BaseURL == "" {
		h = o.Target.Handler
	} else if err := reachable(ctx, cfg.BaseURL); err != nil {
		return err
	}
	if o.AuthAs != "" {
		lctx := context.WithValue(ctx, targetKey{}, loginTarget{handler: h, baseURL: cfg.BaseURL, tls: cfg.TLS})
		token, err := o.Target.Login(lctx, o.AuthAs)
		if err != nil {
			return fmt.Errorf("--auth-as %s: login refused: %w", o.AuthAs, err)
		}
		if token == "" {
			return fmt.Errorf("--auth-as %s: the login hook returned no token", o.AuthAs)
		}
		cfg.Headers.Set("Authorization", "Bearer "+token)
	}

	running, err := loadtesting.Start(ctx, h, cfg)
	if err != nil {
		var ce *loadtesting.ConfigError
		if errors.As(err, &ce) {
			return &UsageError{Err: errors.New(flagWords(ce.Error()))}
		}
		return err
	}
	stopBar := func() {}
	if o.IO.ErrTTY && !o.JSON {
		stopBar = startProgress(o.IO, running)
	}
	res, runErr := running.Wait()
	stopBar()
	if res == nil {
		return runErr
	}
	if o.JSON {
		if err := report.JSON(o.IO.Out, res); err != nil {
			return err
		}
	} else if err := report.Results(o.IO.Out, res, reportOptions(o.IO, o.Now)); err != nil {
		return err
	}
	if hint := o.tlsHint(res); hint != "" {
		fmt.Fprintln(o.IO.ErrOut, hint)
	}
	if err := saveRun(ctx, o, res); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("run %s stopped early: %w", res.ID, runErr)
	}
	return nil
}

func saveRun(ctx context.Context, o *RunOptions, res *loadtesting.Result) error {
	if o.Store == nil {
		return nil
	}
	st, err := o.Store(ctx)
	if err != nil {
		return fmt.Errorf("run %s not saved: %w", res.ID, err)
	}
	defer st.Close()
	if _, off := st.(loadtesting.NoStore); off {
		return nil
	}
	if err := st.Save(context.WithoutCancel(ctx), res); err != nil {
		return fmt.Errorf("run %s not saved: %w", res.ID, err)
	}
	fmt.Fprintf(o.IO.ErrOut, "Saved to %s: %s results %s\n", describeStore(st), o.commandPath, res.ID)
	return nil
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
		if o.AuthAs != "" && o.Target.Login == nil {
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
				probs = append(probs, flagWords(p))
			}
		}
	}
	if len(probs) > 0 {
		return cfg, &UsageError{Err: errors.New(strings.Join(probs, "; "))}
	}
	return cfg, nil
}

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

// tlsHint suggests the flag for a run whose requests failed on TLS: an
// untrusted certificate or a missing client certificate. "" when none fits.
func (o *RunOptions) tlsHint(res *loadtesting.Result) string {
	for _, e := range res.Metrics.Errors {
		if e.Kind != loadtesting.KindTransport {
			continue
		}
		switch {
		case !o.Insecure && o.CACert == "" && strings.Contains(e.Message, "x509: "):
			return "hint: the server's certificate is not trusted: give its CA with --ca-cert FILE, or skip verification with --insecure"
		case o.ClientCert == "" && strings.Contains(e.Message, "tls: certificate required"):
			return "hint: the server asks for a client certificate: give one with --client-cert FILE --client-key FILE"
		}
	}
	return ""
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

// validJSON reports why b is not one JSON document.
func validJSON(b []byte) error {
	// RawMessage checks the syntax of exactly one value without converting
	// numbers, so 1e400 is JSON and `{} {}` or `{}}` are not.
	return json.Unmarshal(b, new(json.RawMessage))
}

// readPayloadFile reads one JSON document, or JSON Lines (one document per
// line) to be used round-robin.
func readPayloadFile(path string) (body []byte, lines [][]byte, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, nil, pe.Err
		}
		return nil, nil, err
	}
	if validJSON(data) == nil {
		return data, nil, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := validJSON(line); err != nil {
			return nil, nil, fmt.Errorf("line %d: invalid JSON: %v", n, err)
		}
		lines = append(lines, bytes.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(lines) == 0 {
		return nil, nil, errors.New("no JSON in the file")
	}
	return nil, lines, nil
}

// flagWords rewrites a Config error in the CLI's words.
func flagWords(msg string) string {
	msg = strings.TrimPrefix(msg, "config: ")
	r := strings.NewReplacer(
		"(set PathParams)", "(set --path-param NAME=VALUE)",
		"PathParams ", "--path-param ",
		"Clients ", "--clients ",
		"Requests ", "--requests ",
		"Duration ", "--duration ",
		"Rate ", "--rate ",
		"Timeout ", "--timeout ",
		"ExpectStatus ", "--expect-status ",
		"Method ", "--method ",
		"BaseURL ", "--base-url ",
		"Headers ", "--header ",
	)
	return r.Replace(msg)
}

// reachable checks that something accepts connections at base before the
// load starts, so an unreachable server is one clear error, not a run of
// transport failures.
func reachable(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
		}
		return fmt.Errorf("cannot reach %s: %v", secret.URL(base), err)
	}
	return conn.Close()
}

// startProgress draws a progress bar on ErrOut until the returned func is
// called: done/total, req/s, errors and the time left.
func startProgress(ios *IOStreams, r *loadtesting.Running) (stop func()) {
	p := r.Progress()
	max := p.Total
	byTime := max == 0 || (p.Duration > 0 && p.Total == 0)
	if byTime {
		max = p.Duration.Milliseconds()
	}
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(ios.Color),
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			p := r.Progress()
			rate := 0.0
			if s := p.Elapsed.Seconds(); s > 0 {
				rate = float64(p.Done) / s
			}
			bar.Describe(fmt.Sprintf("%s req/s, %d errors", format.Rate(rate), p.Failed))
			if byTime {
				_ = bar.Set64(min(p.Elapsed.Milliseconds(), max))
			} else {
				_ = bar.Set64(min(p.Done, max))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		_ = bar.Finish()
		_ = bar.Clear()
	}
}

type targetKey struct{}

// loginTarget is where a run's load goes, made known to its login hook.
type loginTarget struct {
	handler http.Handler // set for in-process runs
	baseURL string       // set for runs over HTTP
	tls     *tls.Config  // the run's TLS settings, for https:// runs
}

// DoInTarget sends req to the target of the run whose login hook is
// calling: the app's handler for in-process runs, the base URL otherwise.
// req.URL holds just the path (and query), e.g. "/api/v1/auth/login".
// It fails when req's context does not come from a login hook.
func DoInTarget(req *http.Request) (*http.Response, error) {
	t, ok := req.Context().Value(targetKey{}).(loginTarget)
	if !ok {
		return nil, errors.New("not called from a run's login hook: no target in the request's context")
	}
	if t.handler != nil {
		rec := httptest.NewRecorder()
		t.handler.ServeHTTP(rec, req)
		return rec.Result(), nil
	}
	base, err := url.Parse(t.baseURL)
	if err != nil {
		return nil, err
	}
	r2 := req.Clone(req.Context())
	r2.URL = base.ResolveReference(&url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery})
	r2.Host = ""
	r2.RequestURI = ""
	client := &http.Client{Timeout: 30 * time.Second}
	if t.tls != nil {
		// The run's TLS settings, on a transport that keeps no connection
		// open once the login is answered.
		client.Transport = &http.Transport{TLSClientConfig: t.tls.Clone(), DisableKeepAlives: true}
	}
	return client.Do(r2)
}
