package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/loadtesting"
)

// RunTarget is what an app gives its `run` command: the handler for
// --in-process runs, the server to send to by default, and the login for
// --auth-as. The zero value (loadreport's `run URL`) has none of them.
type RunTarget struct {
	Handler        http.Handler
	DefaultBaseURL string
	// AuthAs, when set, makes --auth-as USER work: it returns the hook that
	// logs in as user, which run sets as the Config's Auth (run once before
	// the load). cfg is the run's Config: its BaseURL and TLS say where the
	// load goes (Handler when BaseURL is empty). An error from the hook ends
	// the run before anything is sent (exit 1), reported as
	// "--auth-as USER: <error>". nil: --auth-as is a usage error.
	AuthAs func(user string, cfg loadtesting.Config) func(ctx context.Context) (http.Header, error)
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
	Insecure     bool          // --insecure: skip verifying the server's certificate
	CACert       string        // --ca-cert FILE: trust these roots instead of the system's
	ClientCert   string        // --client-cert FILE, with ClientKey
	ClientKey    string        // --client-key FILE
	HTTP2        bool          // --http2: offer HTTP/2 to an https:// target
	Client       string        // --client: "lean" (default) or "net/http", for http:// targets
	RunID        string        // --run-id: the run this process is a shard of
	Shard        string        // --shard INDEX/COUNT, counted from 0
	StartAt      string        // --start-at: an RFC 3339 time to begin at
	StreamFor    time.Duration // --stream-for: read each response as a stream this long
	StreamEvents int           // --stream-events: read each stream until this many events

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

To load past what one machine can send, run the same command in N processes
(on N hosts, or as a Kubernetes Indexed Job) with --run-id R and --shard i/N
(i from 0 to N-1): each sends its share (--requests/N, or the full --duration
at --rate/N) and saves its result as shard i of run R; --start-at makes them
begin together. 'results R' merges the shards exactly.

A streaming endpoint (server-sent events, or a body flushed in chunks) does
not end by itself: --stream-for 2s or --stream-events 10 reads each response
as a stream and reports its events (time to the first event, gaps between
events, streams the server ended early). --timeout then bounds the wait for
the headers and for each gap between events.

Exit status: 0 when the run completed, 1 when the server cannot be reached
before the run or the store fails, 2 for a bad flag or a missing placeholder.`,
		Example: examples(app, `
  $CMD run http://127.0.0.1:8000/health/ -n 10000 -c 50
  $CMD run http://127.0.0.1:8000/api/v1/tasks/status/{task_id} -p task_id=abc-123 -n 100 -c 5
  $CMD run http://127.0.0.1:8000/api/v1/tasks/enqueue -m POST --payload '{"queue": "load_test", "task": "ping"}'
  $CMD run http://127.0.0.1:8000/health/ --duration 30s --rate 500 --json | jq .metrics.latency
  $CMD run https://127.0.0.1:8443/health/ --ca-cert ca.pem -n 1000 -c 10 --http2
  $CMD run http://127.0.0.1:8000/events/stream -n 50 -c 50 --stream-for 5s --stream-events 20
  $CMD run http://api.internal/health/ -n 100000 --run-id nightly-42 --shard 0/4 --start-at 2026-12-01T12:00:00Z`),
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
hook, and sends the token with every request. For a streaming route ('list'
tags it STREAM), --stream-for 2s or --stream-events 10 reads each response as
a stream and reports its events; --timeout then bounds the wait for the
headers and for each gap between events.

The run always completes: failed requests are statistics, and the exit status
is 0 whatever the endpoint answered. 1: the login was refused, the server
cannot be reached, or the store fails. 2: a bad flag or a missing placeholder.`,
		Example: examples(app, `
  $CMD run /health/ --requests 500 --clients 10 --in-process
  $CMD run /api/v1/tasks/status/{task_id} --path-param task_id=abc-123 -n 100 -c 5 --in-process
  $CMD run /api/v1/tasks/enqueue --method POST --payload '{"queue": "load_test", "task": "ping"}' -n 200 -c 10 --in-process
  $CMD run /api/v1/users/me --header "Authorization=Bearer $TOKEN" -n 200 -c 5
  $CMD run /api/v1/users/me --auth-as alice@example.com -n 200 -c 5 --in-process
  $CMD run /events/worker/stream -n 20 -c 20 --stream-for 2s --in-process`),
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

// runRun checks the flags, reaches the server (or the handler), runs the
// load with a progress bar on a terminal, prints the report and saves it.
func runRun(ctx context.Context, o *RunOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if o.Insecure {
		fmt.Fprintf(o.IO.ErrOut, "warning: --insecure: the certificate of %s is not verified, so anyone on the path could read and change the traffic\n", secret.URL(cfg.BaseURL))
	}
	if err := o.waitStart(ctx); err != nil {
		return err
	}
	var h http.Handler
	if cfg.BaseURL == "" {
		h = o.Target.Handler
	} else if err := reachable(ctx, cfg.BaseURL); err != nil {
		return err
	}
	running, err := loadtesting.Start(ctx, h, cfg)
	if err != nil {
		var ce *loadtesting.ConfigError
		var le *loginError
		switch {
		case errors.As(err, &ce):
			return &UsageError{Err: errors.New(flagProblems(ce, o.App))}
		case errors.As(err, &le):
			return le // without Start's "Auth: … (no request was sent)"
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
	if hint := streamHint(cfg, res); hint != "" {
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
	if res.Shard != nil {
		fmt.Fprintf(o.IO.ErrOut, "Saved shard %s of run %s to %s: %s results %s\n", res.Shard, res.RunID, describeStore(st), o.commandPath, res.RunID)
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "Saved to %s: %s results %s\n", describeStore(st), o.commandPath, res.ID)
	return nil
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

// streamHint suggests --stream-for and --stream-events for a run that was
// not streamed (cfg.Stream unset) but whose requests timed out after the
// server had answered with a 2xx status: the headers came and the body never
// ended, which is what a stream does to a run that reads each body to its
// end. "" when that is not what happened.
//
// It judges from the Result rather than from the route's Content-Type (as
// 'list' probes it), because the Result holds the evidence for every kind
// of run: loadreport's `run URL` has no handler to probe, an app's `run PATH`
// over HTTP may reach another build of the app than the one in this
// process, a body streamed in plain chunks has no tell-tale type, and a
// probe would send one more request (with its side effects) that the run
// does not need. It relies on the engine recording the status of a response
// whose headers arrived even when its body then timed out; a timeout before
// any answer (status 0) is a slow or stuck server, not a stream, and gets no
// hint.
func streamHint(cfg loadtesting.Config, res *loadtesting.Result) string {
	if cfg.Stream != nil || res.Config.Stream != nil {
		return ""
	}
	for _, e := range res.Metrics.Errors {
		if e.Kind == loadtesting.KindTimeout && e.Status >= 200 && e.Status < 300 {
			return fmt.Sprintf("hint: requests timed out after the server answered %d: the route seems to stream (server-sent events or chunks); "+
				"read each response as a stream with --stream-for 2s or --stream-events 10", e.Status)
		}
	}
	return ""
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
