package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apiload/apiload/internal/format"
)

// durOf turns a row's milliseconds back into a duration, for formatting.
func durOf(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// Label is the row's name for people: "p50", "throughput", "error rate".
func (r Row) Label() string { return strings.ReplaceAll(r.Metric, "_", " ") }

// Value renders one of the row's values (Base or Head) in its unit.
func (r Row) Value(v float64) string {
	switch r.Unit {
	case "ms":
		return format.Duration(durOf(v))
	case "req/s":
		return format.Rate(v) + " req/s"
	case "ratio":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Change renders the row's change the way benchstat does: "~" within noise,
// "+9.5%" or "-22.2%" for a relative change, "+0.40 pt" for the error rate,
// "n/a" when a relative change is undefined (base 0).
func (r Row) Change() string {
	switch {
	case r.Noise:
		return "~"
	case r.Delta == nil:
		return "n/a"
	case r.DeltaKind == DeltaAbsolute && r.Unit == "ratio":
		return signed(*r.Delta*100, 2) + " pt"
	case r.DeltaKind == DeltaAbsolute:
		return signed(*r.Delta, 3)
	}
	return signed(*r.Delta*100, 1) + "%"
}

func signed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if v >= 0 {
		return "+" + s
	}
	return s
}

// RenderCompare writes c in benchstat's layout: the run name, a column per
// run (base first), the change "vs base", one row per metric, regressions
// marked "(regressed)" (red with o.Color, improvements green), and the
// sample size (requests) of each run. A legend line follows.
func RenderCompare(w io.Writer, c Comparison, o Options) error {
	p := palette{o.Color}
	name := clean(c.Base.Name)
	if c.Head.Name != c.Base.Name {
		name = clean(c.Base.Name) + " vs " + clean(c.Head.Name)
	}
	header := []string{p.bold(name), p.bold(clean(c.Base.ID) + " (base)"), p.bold(clean(c.Head.ID)), p.bold("vs base")}
	rows := make([][]string, 0, len(c.Rows)+1)
	for _, r := range c.Rows {
		change := r.Change()
		switch {
		case r.Regressed:
			change = p.red(change + " (regressed)")
		case r.Improved():
			change = p.green(change)
		}
		rows = append(rows, []string{r.Label(), r.Value(r.Base), r.Value(r.Head), change})
	}
	rows = append(rows, []string{"requests", strconv.FormatInt(c.Base.Requests, 10), strconv.FormatInt(c.Head.Requests, 10), ""})
	if err := table(w, header, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s\n", p.faint(fmt.Sprintf(
		"~ = within noise; regressed = worse than base by more than %s (error rate: of the base rate, at least 1 pt)",
		PercentText(c.MaxRegression))))
	return err
}

// PercentText renders a ratio as a plain percentage: 0.1 -> "10%", 0.025 -> "2.5%".
func PercentText(ratio float64) string {
	return points(ratio) + "%"
}

// points renders a ratio in percent without float noise: 0.07 -> "7". It
// rounds to 4 decimals only where that cannot overflow, so every finite
// ratio prints as a number that parses back.
func points(ratio float64) string {
	p := ratio * 100
	if math.Abs(p) < 1e12 {
		p = math.Round(p*1e4) / 1e4
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}
