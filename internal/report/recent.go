package report

import (
	"fmt"
	"io"
	"time"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// NoRecent is what Recent prints when there are no runs.
const NoRecent = "No recent test runs."

// Recent writes one line per run, in the order given (stores return newest
// first): TEST ID, METHOD, PATH, REQ/S (all responses per second), P95 MS,
// ERROR % and WHEN, relative to o.Now. With no runs it writes NoRecent. Nil
// entries are skipped.
func Recent(w io.Writer, rs []*loadtesting.Result, o Options) error {
	p := palette{o.Color}
	now := o.now()
	var rows [][]string
	for _, r := range rs {
		if r == nil {
			continue
		}
		m := r.Metrics
		errPct := format.Percent(m.ErrorRate)
		if m.Failed > 0 {
			errPct = p.red(errPct)
		}
		rows = append(rows, []string{
			clean(r.ID),
			p.method(clean(r.Method)),
			clean(r.Path),
			format.Rate(m.RequestRate),
			format.Millis(m.Latency.P95),
			errPct,
			Ago(now, r.StartedAt),
		})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, NoRecent)
		return err
	}
	header := []string{"TEST ID", "METHOD", "PATH", "REQ/S", "P95 MS", "ERROR %", "WHEN"}
	for i, h := range header {
		header[i] = p.bold(h)
	}
	return table(w, header, rows)
}

// Ago says how long before now t was, the way a person would: "less than a
// minute ago", "1 minute ago", "5 hours ago", "3 days ago"; from 30 days on,
// the date ("2006-01-02"). A t after now (clock skew) is "just now".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.UTC().Format(time.DateOnly)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
