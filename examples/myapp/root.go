package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/examples/myapp/app"
	"github.com/apiload/apiload/loadtesting"
	"github.com/apiload/apiload/loadtesting/loadcmd"
)

// defaultAddr is where `serve` listens and where api-load-test sends by default.
const defaultAddr = "127.0.0.1:8000"

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "myapp",
		Short:         "The apiload example service",
		SilenceUsage:  true,
		SilenceErrors: true, // run prints the error, and a help line for misuse
	}
	root.AddCommand(
		newServeCmd(),
		newAuthCmd(),
		loadcmd.New(app.Router(),
			loadcmd.WithBaseURL("http://"+defaultAddr),
			loadcmd.WithLogin(login),
			// /api/v1/users is guarded by middleware (Router.Use), which
			// discovery cannot see: say so rather than rely on the probe.
			loadcmd.WithRouteOptions(loadtesting.RouteOptions{AuthPaths: []string{"/api/v1/users"}})),
	)
	return root
}

func newServeCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Serve the app over HTTP",
		Example: "  myapp serve\n  myapp serve --addr 127.0.0.1:9000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), addr, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", defaultAddr, "`host:port` to listen on")
	return cmd
}

// serve runs the app on addr until ctx ends.
func serve(ctx context.Context, addr string, log io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app.Router(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(log, "myapp listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newAuthCmd() *cobra.Command {
	auth := &cobra.Command{Use: "auth", Short: "Log in to a running myapp"}
	var printToken bool
	var baseURL string
	loginCmd := &cobra.Command{
		Use:     "login EMAIL",
		Short:   "Log in as EMAIL against a running server",
		Example: "  myapp auth login alice@example.com --print-token",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &loadcmd.UsageError{Err: fmt.Errorf("want one EMAIL argument, got %d", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			token, err := loginAt(cmd.Context(), &http.Client{Timeout: 30 * time.Second}, baseURL, args[0])
			if err != nil {
				return err
			}
			if printToken {
				fmt.Fprintln(cmd.OutOrStdout(), token)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "Logged in as %s\n", args[0])
			}
			return nil
		},
	}
	loginCmd.Flags().BoolVar(&printToken, "print-token", false, "print the bearer token")
	loginCmd.Flags().StringVar(&baseURL, "base-url", "http://"+defaultAddr, "the running server")
	auth.AddCommand(loginCmd)
	return auth
}

// login is the hook behind `api-load-test run --auth-as`: it logs in on the
// run's own target (in-process or the server), through loadcmd.Do.
func login(ctx context.Context, user string) (string, error) {
	req, err := loginRequest(ctx, "/api/v1/auth/login", user)
	if err != nil {
		return "", err
	}
	resp, err := loadcmd.Do(req)
	if err != nil {
		return "", err
	}
	return readToken(resp, user)
}

func loginAt(ctx context.Context, c *http.Client, baseURL, user string) (string, error) {
	req, err := loginRequest(ctx, baseURL+"/api/v1/auth/login", user)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	return readToken(resp, user)
}

func loginRequest(ctx context.Context, url, user string) (*http.Request, error) {
	body, _ := json.Marshal(map[string]string{"email": user})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func readToken(resp *http.Response, user string) (string, error) {
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.Token == "" {
		msg := out.Error
		if msg == "" {
			msg = resp.Status
		}
		return "", fmt.Errorf("login %s: %s", user, msg)
	}
	return out.Token, nil
}
