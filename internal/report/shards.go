package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// ShardedRun writes the report of a run split into shards: how many of its
// shards reported ("3 of 4 shards reported", partial until all have), one
// row per shard, then the full report (Results) of the merged run.
func ShardedRun(w io.Writer, run *loadtesting.ShardedRun, o Options) error {
	if run == nil || run.Merged == nil {
		return fmt.Errorf("report: no run")
	}
	p := palette{o.Color}
	ew := &errWriter{w: w}
	status := p.green("complete")
	if run.Partial() {
		status = p.yellow("partial: the merged result covers only these shards")
	}
	ew.printf("Run %s: %d of %d shards reported (%s)\n\n", clean(run.Merged.RunID), len(run.Shards), run.Expected, status)
	rows := make([][]string, 0, len(run.Shards))
	for _, s := range run.Shards {
		m := s.Metrics
		rows = append(rows, []string{
			s.Shard.String(), clean(s.ID), strconv.FormatInt(m.Requests, 10), format.Rate(m.RequestRate),
			format.Duration(m.Latency.P50), format.Duration(m.Latency.P99), format.Percent(m.ErrorRate),
			s.StartedAt.UTC().Format("15:04:05.000"),
		})
	}
	ew.table([]string{"SHARD", "ID", "REQUESTS", "REQ/S", "P50", "P99", "ERRORS", "STARTED"}, rows)
	ew.printf("\n")
	if ew.err != nil {
		return ew.err
	}
	return Results(w, run.Merged, o)
}
