// Package loadcmd is the load-testing command an app mounts in its own
// CLI, so that every route it serves can be loaded with no per-endpoint
// registration:
//
//	root.AddCommand(loadcmd.New(app.Router(),
//		loadcmd.WithBaseURL("http://127.0.0.1:8000"),
//		loadcmd.WithLogin(login)))
//
// gives `my-app api-load-test list|run|recent|results|compare`. Routes are
// discovered from a *mux.Router (or a loadtesting.RouteLister); runs are
// saved to the same store as loadtesting.Run and loadreport read.
//
// Exit codes follow ExitCode: 0 when a run completed (whatever the endpoint
// answered), 1 for an operational failure, 2 for misconfiguration.
package loadcmd

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/loadtesting"
)

// Option configures the command New builds.
type Option func(*options)

type options struct {
	baseURL  string
	login    loginFunc
	storeURL string
	name     string
	routes   loadtesting.RouteOptions
}

// WithBaseURL sets the server `run` sends to by default (without
// --in-process), e.g. "http://127.0.0.1:8000".
func WithBaseURL(url string) Option { return func(o *options) { o.baseURL = url } }

// WithLogin sets the hook `run --auth-as USER` calls once before the load
// (as the run's Config.Auth); the token it returns is sent as
// "Authorization: Bearer <token>". The hook can log in on the run's own
// target with Do.
func WithLogin(login func(ctx context.Context, user string) (token string, err error)) Option {
	return func(o *options) { o.login = login }
}

// WithRouteOptions sets how `list` discovers the routes, as
// loadtesting.RoutesWith takes them: AuthPaths marks routes as needing
// auth where the router cannot show it (middleware added with Use), and
// NoProbe turns off the unauthenticated GET that discovery otherwise sends
// to each route (as `list --no-probe` does).
func WithRouteOptions(ro loadtesting.RouteOptions) Option {
	return func(o *options) { o.routes = ro }
}

// WithStore sets the default store URL (the --store flag's default);
// without it, loadtesting.DefaultStoreURL() ($APILOAD_STORE or the file
// store in the user's cache directory).
func WithStore(url string) Option { return func(o *options) { o.storeURL = url } }

// WithName sets the command's name; default "api-load-test".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// New returns the `api-load-test` command for the app whose handler is h.
// It panics if h is nil (a programming error). The command writes to the
// streams cobra gives it (cmd.SetOut / SetErr) and draws a progress bar only
// when stderr is a terminal.
func New(h http.Handler, opts ...Option) *cobra.Command {
	if h == nil {
		panic("loadcmd: New with a nil handler")
	}
	o := options{name: "api-load-test"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.storeURL == "" {
		o.storeURL = loadtesting.DefaultStoreURL()
	}
	storeURL := o.storeURL
	app := &cli.App{
		IO:          cli.System(),
		Store:       func(context.Context) (loadtesting.Store, error) { return cli.OpenStoreFlag(storeURL) },
		Now:         time.Now,
		CommandPath: o.name,
	}
	cmd := &cobra.Command{
		Use:   o.name,
		Short: "Load-test this app's API routes",
		Long: `Load-test any route of this app, with no per-endpoint registration.

'list' shows the routes discovered from the app's router; 'run PATH' sends
load to one and reports latency percentiles, throughput, status codes and
sampled errors; 'recent', 'results' and 'compare' read the stored runs
(the same store as go test's loadtesting.Run and the loadreport tool).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// A bad flag anywhere below is misuse (exit 2), whichever root the
	// command is mounted under.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cli.Usagef("%w", err) })
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		// cobra runs only the nearest persistent pre-run hook: this one
		// would hide the host's (its config loading, say), so call it first.
		if err := runHostHook(cmd, c, args); err != nil {
			return err
		}
		app.IO = cli.Streams(c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
		app.CommandPath = cmd.CommandPath()
		return nil
	}
	cmd.PersistentFlags().StringVar(&storeURL, "store", o.storeURL,
		"save and read runs in the store at `URL`: redis://host:port/db, file:///abs/dir or none")
	cmd.PersistentFlags().Lookup("store").DefValue = secret.URL(o.storeURL)
	target := cli.RunTarget{Handler: h, DefaultBaseURL: o.baseURL}
	if o.login != nil {
		target.AuthAs = o.login.authAs(h)
	}
	cmd.AddCommand(
		newListCmd(app, h, o.routes),
		cli.NewAppRunCmd(app, target, nil),
		cli.NewRecentCmd(app, nil),
		cli.NewResultsCmd(app, nil),
		cli.NewCompareCmd(app, nil),
	)
	return cmd
}

// ExitCode maps an error from executing the command to the process exit
// status: 0 for nil, 2 for misconfiguration (a bad flag, a missing
// placeholder), 1 for anything else. Use it in main:
//
//	os.Exit(loadcmd.ExitCode(root.ExecuteContext(ctx)))
func ExitCode(err error) int { return cli.ExitCode(err) }

// UsageError marks misuse of an app's own command (a bad argument) so that
// ExitCode and Execute treat it like a bad flag: exit 2, with one line of
// help. Return &loadcmd.UsageError{Err: err} from a RunE or Args func.
type UsageError = cli.UsageError

// Execute runs the app's root command with args on the given streams and
// returns the process exit status (as ExitCode). It prints an error once,
// as "Error: <msg>", and after misuse one line of help naming the command
// that was called, not the whole usage; flag errors anywhere in the tree
// count as misuse. It sets root's streams, args and error handling:
//
//	os.Exit(loadcmd.Execute(ctx, root, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
func Execute(ctx context.Context, root *cobra.Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Execute(ctx, root, args, cli.Streams(stdin, stdout, stderr))
}

// runHostHook calls the persistent pre-run hook that cmd's own hook hides
// from c, the command being run: the nearest one above cmd. With
// cobra.EnableTraverseRunHooks cobra runs every hook itself, so it does
// nothing.
func runHostHook(cmd, c *cobra.Command, args []string) error {
	if cobra.EnableTraverseRunHooks {
		return nil
	}
	for p := cmd.Parent(); p != nil; p = p.Parent() {
		switch {
		case p.PersistentPreRunE != nil:
			return p.PersistentPreRunE(c, args)
		case p.PersistentPreRun != nil:
			p.PersistentPreRun(c, args)
			return nil
		}
	}
	return nil
}

func newListCmd(app *cli.App, h http.Handler, ro loadtesting.RouteOptions) *cobra.Command {
	var asJSON, noProbe bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the routes this app serves",
		Long: `List the routes discovered from the app's router, one per method and path:
METHOD, PATH, AUTH (whether the route needs a login), PARAMS (the path
placeholders to fill with 'run --path-param') and TAGS. A route tagged
STREAM answers a stream of server-sent events (text/event-stream): load it
with 'run --stream-for 2s' or '--stream-events 10', or every request waits
for its --timeout.

To fill AUTH, discovery sends one unauthenticated GET to each route that
answers GET (and is not marked as needing auth by the app), through the
app's handler in this process (placeholders filled with sample values): a
401 or 403 answer marks the route, and a text/event-stream answer tags it
STREAM (the probe stops at the first status, so a stream ends at once). Those
requests run the handlers, with whatever side effects a GET of them has. Give
--no-probe to send none; AUTH then shows only the routes the app marks, and
no route is tagged STREAM.`,
		Example: "  " + "my-app api-load-test list\n  my-app api-load-test list --no-probe\n  my-app api-load-test list --json | jq -r '.[].path'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := ro
			opts.NoProbe = opts.NoProbe || noProbe
			routes, err := loadtesting.RoutesWith(h, opts)
			if err != nil {
				return err
			}
			if asJSON {
				return report.JSON(app.IO.Out, routesJSON(routes))
			}
			return report.Routes(app.IO.Out, routes, report.Options{Color: app.IO.Color})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the routes as JSON")
	cmd.Flags().BoolVar(&noProbe, "no-probe", false, "send no request: AUTH shows only the routes the app marks")
	return cmd
}

type routeJSON struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Params []string `json:"params"`
	Auth   bool     `json:"auth"`
	Tags   []string `json:"tags"`
	Name   string   `json:"name,omitempty"`
	Stream bool     `json:"stream"` // the probe saw text/event-stream
}

func routesJSON(rs []loadtesting.Route) []routeJSON {
	out := make([]routeJSON, 0, len(rs))
	for _, r := range rs {
		j := routeJSON{Method: r.Method, Path: r.Path, Params: r.Params, Auth: r.Auth, Tags: r.Tags, Name: r.Name, Stream: r.Stream}
		if j.Params == nil {
			j.Params = []string{}
		}
		if j.Tags == nil {
			j.Tags = []string{}
		}
		out = append(out, j)
	}
	return out
}
