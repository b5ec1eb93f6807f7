package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/secret"
	"github.com/apiload/apiload/loadtesting"
)

// NewLoadreport returns the root command of the `loadreport` binary, on
// ios. Its persistent flag --store (default loadtesting.DefaultStoreURL(),
// shown in help with any password hidden) names the store; the store is
// opened only when a subcommand needs it, and a bad URL is a usage error
// naming --store. Run it with Execute.
func NewLoadreport(ios *IOStreams) *cobra.Command {
	defaultURL := loadtesting.DefaultStoreURL()
	storeURL := defaultURL
	app := &App{
		IO:          ios,
		Store:       func(context.Context) (loadtesting.Store, error) { return OpenStoreFlag(storeURL) },
		Now:         time.Now,
		CommandPath: "loadreport",
	}
	root := &cobra.Command{
		Use:   "loadreport",
		Short: "Read, report and compare stored API load runs",
		Long: `loadreport reads the load runs that apiload saves (from loadtesting.Run in
go test, or from an app's api-load-test command) and reports on them.

Runs are read from --store, by default $` + loadtesting.StoreEnv + ` or else a file store in
the user's cache directory, where load tests save by default:

  redis://[user:pass@]host:port/db   a Redis server (rediss:// for TLS)
  file:///abs/dir                    one JSON file per run in dir
  none                               keep nothing

Stored runs expire after 24 hours. Exit status: 0 on success, 1 when a run is
not found, a store cannot be read or compare finds a regression, 2 on misuse
(a bad flag, argument or store URL).`,
		Example: `  go test -run Load ./...
  loadreport recent
  loadreport results 01JDXQ3V5ZK8N2B7M4C1R9T6WQ
  loadreport compare 01JDXQ3V5ZK8N2B7M4C1R9T6WQ 01JDXR8K2F4H6J8K0M2N4P6R8T
  APILOAD_STORE=redis://localhost:6379/0 loadreport recent`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.PersistentFlags().StringVar(&storeURL, "store", defaultURL,
		"read runs from the store at `URL`: redis://host:port/db, file:///abs/dir or none")
	root.PersistentFlags().Lookup("store").DefValue = secret.URL(defaultURL)

	// One line per subcommand; `run` and `serve` go here too.
	root.AddCommand(
		NewRecentCmd(app, nil),
		NewResultsCmd(app, nil),
		NewCompareCmd(app, nil),
		NewRunCmd(app, nil),
		NewServeCmd(app, nil),
	)
	return root
}

// OpenStoreFlag opens the store named by the --store flag's value. A URL
// that cannot name a store (unknown scheme, bad db number, relative path)
// is a *UsageError naming --store; a store that cannot be opened (a
// directory that cannot be created) is an operational error. Passwords are
// never printed.
func OpenStoreFlag(rawURL string) (loadtesting.Store, error) {
	st, err := loadtesting.OpenStore(rawURL)
	if err == nil {
		return st, nil
	}
	// OpenStore says `store "<redacted url>": <reason>`; keep the reason.
	reason := err
	if inner := errors.Unwrap(err); inner != nil {
		reason = inner
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("--store %q: %w", secret.URL(rawURL), reason)
	}
	return nil, &UsageError{Err: fmt.Errorf("--store %q: %w", secret.URL(rawURL), reason)}
}
