package cli

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// ResultsOptions are the inputs of `results`.
type ResultsOptions struct {
	IO    *IOStreams
	Store func(context.Context) (loadtesting.Store, error)
	Now   func() time.Time
	ID    string
	JSON  bool
}

// NewResultsCmd returns the `results <id>` command: the full report of one
// run, or with --json the stored result. An unknown or expired id is an
// operational error (exit 1) naming the key it looked for. runF, when not
// nil, is called instead of the real work.
func NewResultsCmd(app *App, runF func(context.Context, *ResultsOptions) error) *cobra.Command {
	opts := &ResultsOptions{}
	cmd := &cobra.Command{
		Use:   "results <id>",
		Short: "Show the full report of one load run",
		Long: `Show the full report of one load run: target, clients, duration, requests,
successes and failures, throughput, every latency percentile, status codes,
the first error samples, and the run's configuration (sensitive headers are
stored redacted).

The id is printed by the load test ("loadreport results <id>") and listed by
'recent'. Runs expire after 24 hours.

The id of a run split into shards ('run --run-id R --shard i/N') shows the
shards saved so far merged exactly, every percentile over all their requests,
and says how many of the N reported: the run is partial until all have. With
--json the merged result carries "shards_expected", "partial" and "shards",
every shard's own result.`,
		Example: examples(app, `
  $CMD results 01JDXQ3V5ZK8N2B7M4C1R9T6WQ
  $CMD results 01JDXQ3V5ZK8N2B7M4C1R9T6WQ --json | jq .metrics.latency
  $CMD results nightly-42 --json | jq '{partial, p99: .metrics.latency.p99_ms}'
  $CMD results "$($CMD recent --limit 1 --json | jq -r '.[0].id')"`),
		Args: exactArgs("<id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IO, opts.Store, opts.Now = app.IO, app.Store, app.now()
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runResults(cmd.Context(), opts)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the stored result as JSON")
	return cmd
}

func runResults(ctx context.Context, opts *ResultsOptions) error {
	st, err := openStore(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.Get(ctx, opts.ID)
	if errors.Is(err, loadtesting.ErrNotFound) {
		// Not one run: perhaps the id of a run split into shards.
		run, rerr := loadtesting.GetRun(ctx, st, opts.ID)
		switch {
		case rerr == nil:
			if opts.JSON {
				return report.JSON(opts.IO.Out, run)
			}
			return report.ShardedRun(opts.IO.Out, run, reportOptions(opts.IO, opts.Now))
		case !errors.Is(rerr, loadtesting.ErrNotFound):
			return rerr // its shards do not merge, or the store failed
		}
	}
	if err != nil {
		return err // names the id and the key, e.g. "result X: not found (key ...; results expire after 24h)"
	}
	if opts.JSON {
		return report.JSON(opts.IO.Out, r)
	}
	return report.Results(opts.IO.Out, r, reportOptions(opts.IO, opts.Now))
}
