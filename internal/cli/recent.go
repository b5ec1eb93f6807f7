package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// Limits of recent --limit.
const (
	DefaultRecentLimit = 10
	MaxRecentLimit     = 1000 // the store keeps no more
)

// RecentOptions are the inputs of `recent`.
type RecentOptions struct {
	IO    *IOStreams
	Store func(context.Context) (loadtesting.Store, error)
	Now   func() time.Time
	Limit int
	JSON  bool
}

// NewRecentCmd returns the `recent` command: a table of the newest runs,
// or with --json their full results as a JSON array. runF, when not nil,
// is called instead of the real work, with the parsed options.
func NewRecentCmd(app *App, runF func(context.Context, *RecentOptions) error) *cobra.Command {
	opts := &RecentOptions{}
	cmd := &cobra.Command{
		Use:   "recent",
		Short: "List the most recent load runs",
		Long: `List the most recent load runs, newest first: id, request, requests per
second (all responses), p95 latency, error rate and when it ran.

Runs are kept for 24 hours. Use an id with 'results' for the full report,
or two with 'compare'. With --json, the full results are printed as a JSON
array, for jq.`,
		Example: examples(app, `
  $CMD recent
  $CMD recent --limit 50
  $CMD recent --json | jq -r '.[0].id'
  $CMD recent --store redis://localhost:6379/0`),
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Limit < 1 || opts.Limit > MaxRecentLimit {
				return Usagef("--limit %d: must be from 1 to %d", opts.Limit, MaxRecentLimit)
			}
			opts.IO, opts.Store, opts.Now = app.IO, app.Store, app.now()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRecent(cmd.Context(), opts)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.Flags().IntVar(&opts.Limit, "limit", DefaultRecentLimit, fmt.Sprintf("list the newest `N` runs, 1 to %d", MaxRecentLimit))
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the full results as a JSON array")
	return cmd
}

func runRecent(ctx context.Context, opts *RecentOptions) error {
	st, err := openStore(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.Recent(ctx, opts.Limit)
	if err != nil {
		return err
	}
	rs = loadtesting.CombineShards(ctx, st, rs) // a run split into shards is one row
	if opts.JSON {
		if rs == nil {
			rs = []*loadtesting.Result{} // [] for jq, not null
		}
		return report.JSON(opts.IO.Out, rs)
	}
	if err := report.Recent(opts.IO.Out, rs, reportOptions(opts.IO, opts.Now)); err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Looked in %s. Load tests save their runs there (go test -run Load ./...);\nuse --store or $%s to read another store.\n",
			describeStore(st), loadtesting.StoreEnv)
	}
	return nil
}
