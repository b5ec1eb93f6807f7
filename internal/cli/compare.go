package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// DefaultMaxRegression is compare's default --max-regression: 10%.
const DefaultMaxRegression = 0.10

// ErrRegressed is wrapped by the error compare returns when a metric
// regressed beyond --max-regression.
var ErrRegressed = errors.New("regressed")

// CompareOptions are the inputs of `compare`.
type CompareOptions struct {
	IO    *IOStreams
	Store func(context.Context) (loadtesting.Store, error)
	Now   func() time.Time
	// Base and Head are the ids of the runs, base first.
	Base, Head string
	// MaxRegression is the threshold as a ratio: 0.1 means 10%.
	MaxRegression float64
	JSON          bool
}

// NewCompareCmd returns the `compare <base-id> <new-id>` command: the two
// runs side by side with the change of each metric, regressions marked.
// It prints the comparison and then fails (exit 1) when a metric regressed
// beyond --max-regression, so CI can gate on it. runF, when not nil, is
// called instead of the real work.
func NewCompareCmd(app *App, runF func(context.Context, *CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{MaxRegression: DefaultMaxRegression}
	cmd := &cobra.Command{
		Use:   "compare <base-id> <new-id>",
		Short: "Compare two load runs and fail on a regression",
		Long: `Compare two load runs side by side: p50, p95 and p99 latency, throughput
(successful responses per second) and error rate, with the change of the new
run against the base and the number of requests behind each.

A change shown as "~" is within noise: under 5% (or under 10µs) for latency,
under 5% for throughput, and for the error rate a difference that a
two-proportion z-test does not find significant at the 5% level. Noise is
never a regression.

A row regressed when the new run is worse than the base by more than
--max-regression: latency higher, throughput lower (both relative), or the
error rate significantly higher by more than that share of the base rate
(taking the base as at least 1 pt, so a rise from 0% counts). compare prints
the table, then exits 1 naming the rows that regressed; otherwise it exits 0.`,
		Example: examples(app, `
  $CMD compare 01JDXQ3V5ZK8N2B7M4C1R9T6WQ 01JDXR8K2F4H6J8K0M2N4P6R8T
  $CMD compare 01JDXQ3V5ZK8N2B7M4C1R9T6WQ 01JDXR8K2F4H6J8K0M2N4P6R8T --max-regression 5%
  $CMD compare "$BASE" "$NEW" --max-regression 0.2 --json | jq '.rows[] | select(.regressed)'`),
		Args: exactArgs("<base-id>", "<new-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IO, opts.Store, opts.Now = app.IO, app.Store, app.now()
			opts.Base, opts.Head = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCompare(cmd.Context(), opts)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.Flags().Var((*ratioValue)(&opts.MaxRegression), "max-regression",
		"fail when a metric is worse than the base by more than `PERCENT` (10% or 0.1)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the comparison as JSON")
	return cmd
}

func runCompare(ctx context.Context, opts *CompareOptions) error {
	st, err := openStore(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	base, err := loadtesting.Find(ctx, st, opts.Base)
	if err != nil {
		return fmt.Errorf("base: %w", err)
	}
	head, err := loadtesting.Find(ctx, st, opts.Head)
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}
	if base.Method != head.Method || base.Path != head.Path {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the runs sent different requests: %s %s (base), %s %s (new)\n",
			base.Method, base.Path, head.Method, head.Path)
	}
	c := report.Compare(base, head, opts.MaxRegression)
	if opts.JSON {
		err = report.JSON(opts.IO.Out, c)
	} else {
		err = report.RenderCompare(opts.IO.Out, c, reportOptions(opts.IO, opts.Now))
	}
	if err != nil {
		return err
	}
	if regs := c.Regressions(); len(regs) > 0 {
		parts := make([]string, len(regs))
		for i, r := range regs {
			parts[i] = r.Label() + " " + r.Change()
		}
		return fmt.Errorf("%w beyond --max-regression %s: %s", ErrRegressed,
			report.PercentText(c.MaxRegression), strings.Join(parts, ", "))
	}
	return nil
}

// ratioValue is a flag holding a ratio, written as a percentage ("10%") or
// a fraction ("0.1").
type ratioValue float64

func (v *ratioValue) String() string { return report.PercentText(float64(*v)) }

func (v *ratioValue) Type() string { return "percent" }

func (v *ratioValue) Set(s string) error {
	r, err := parseRatio(s)
	if err != nil {
		return err
	}
	*v = ratioValue(r)
	return nil
}

// parseRatio reads "10%" or "0.1" as 0.1. A bare number above 1 is
// ambiguous ("10": 10% or 1000%?) and refused, as are negative numbers.
func parseRatio(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	num := strings.TrimSpace(strings.TrimSuffix(t, "%"))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a percentage like 10%% or a fraction like 0.1")
	}
	if v < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	if pct {
		return v / 100, nil
	}
	if v > 1 {
		return 0, fmt.Errorf("a bare number is a fraction (0.1 means 10%%): write %s%% for %s percent", num, num)
	}
	return v, nil
}
