package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/loadtesting"
)

// DefaultServeAddr is serve's default --addr: loopback only.
const DefaultServeAddr = "127.0.0.1:8089"

// DashboardTokenEnv is the environment variable serve reads the token from
// when --token is not given, so the token need not show in `ps`.
const DashboardTokenEnv = "APILOAD_DASHBOARD_TOKEN"

// minTokenLen is the token length below which serve warns: the dashboard
// does not limit attempts, so a short token can be guessed.
const minTokenLen = 16

// serveShutdownTimeout bounds how long serve waits for requests in flight
// once asked to stop.
const serveShutdownTimeout = 5 * time.Second

// ServeOptions are the inputs of `serve`.
type ServeOptions struct {
	IO    *IOStreams
	Store func(context.Context) (loadtesting.Store, error)
	Now   func() time.Time
	// Addr is the host:port to listen on.
	Addr string
	// Token, when not empty, is required by every page and API call.
	Token string

	// listening, when set, is called with the address once the server
	// accepts connections (tests use it to find the port of :0).
	listening func(net.Addr)
}

// NewServeCmd returns the `serve` command: the web dashboard of the store's
// runs, until ctx ends (Ctrl-C). It listens on loopback by default and
// refuses any other --addr without a token (exit 2, naming --addr). runF,
// when not nil, is called instead of the real work, with the parsed options.
func NewServeCmd(app *App, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a web dashboard of the stored load runs",
		Long: `Serve a web dashboard of the stored load runs: summary cards, the recent runs
with their percentiles, status codes, sampled errors and latency distribution,
p95 and req/s trends per endpoint, and a side-by-side comparison of two runs.
A JSON API sits behind it: GET /api/runs?limit=N (1 to 100) and
GET /api/runs/{id}. Everything is served from the binary; nothing is loaded
from the internet.

It listens on ` + DefaultServeAddr + ` (this machine only) unless --addr says otherwise.
Any address that is not loopback needs a token (--token, or $` + DashboardTokenEnv + `),
since anyone who can reach the port could read the runs, response bodies
included. With a token every page and API call needs it: open the dashboard
once with ?token=<token> (a cookie keeps it), or send the header
"Authorization: Bearer <token>". Serve it over TLS, through a reverse proxy,
when it leaves a trusted network.

It stops on Ctrl-C (SIGINT) or SIGTERM, letting requests in flight finish.`,
		Example: examples(app, `
  $CMD serve
  $CMD serve --addr 127.0.0.1:9000 --store redis://localhost:6379/0
  `+DashboardTokenEnv+`="$(openssl rand -hex 16)" $CMD serve --addr 0.0.0.0:8089
  curl -s http://127.0.0.1:8089/api/runs?limit=5 | jq -r '.runs[].id'`),
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("token") {
				opts.Token = os.Getenv(DashboardTokenEnv)
			}
			if err := checkServeAddr(opts.Addr, opts.Token); err != nil {
				return err
			}
			opts.IO, opts.Store, opts.Now = app.IO, app.Store, app.now()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.Flags().StringVar(&opts.Addr, "addr", DefaultServeAddr, "listen on `HOST:PORT`; an address that is not loopback needs --token")
	cmd.Flags().StringVar(&opts.Token, "token", "", "require this `TOKEN` on every page and API call (default $"+DashboardTokenEnv+")")
	return cmd
}

// checkServeAddr refuses an --addr that cannot be listened on, and one that
// is reachable from other machines when there is no token. Only loopback
// IPs and "localhost" count as loopback: an empty host (":8089") listens on
// every interface, and other names are not resolved to guess.
func checkServeAddr(addr, token string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return Usagef("--addr %q: want HOST:PORT, e.g. %s", addr, DefaultServeAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return Usagef("--addr %q: port %q is not a number from 0 to 65535", addr, port)
	}
	if token == "" && !isLoopback(host) {
		return Usagef("--addr %q is not a loopback address: anyone who can reach it could read the runs; set --token (or $%s) to serve beyond this machine, or use 127.0.0.1",
			addr, DashboardTokenEnv)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// runServe serves the dashboard on opts.Addr until ctx ends, then shuts
// down gracefully and returns nil. A port that cannot be bound or a store
// that cannot be opened is an error.
func runServe(ctx context.Context, opts *ServeOptions) error {
	st, err := openStore(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", opts.Addr, err)
	}
	srv := &http.Server{
		Handler: dashboard.New(dashboard.Config{
			Store: st, StoreName: describeStore(st), Token: opts.Token, Now: opts.Now,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(opts.IO.ErrOut, "loadreport serve: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(opts.IO.Out, "Serving the runs in %s at %s\n", describeStore(st), url)
	if opts.Token != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Every page and API call needs the token: open %s?token=<token> once, or send \"Authorization: Bearer <token>\".\n", url)
		if len(opts.Token) < minTokenLen {
			fmt.Fprintf(opts.IO.ErrOut, "warning: the token has only %d characters; use %d or more random ones (openssl rand -hex 16), as attempts are not limited\n",
				len(opts.Token), minTokenLen)
		}
	}
	fmt.Fprintln(opts.IO.ErrOut, "Press Ctrl-C to stop.")
	if opts.listening != nil {
		opts.listening(ln.Addr())
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close() // requests still running after the timeout are cut off
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Stopped.")
	return nil
}
