package report_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// TestResults_sendLag checks the Send lag line: shown for open-model runs
// (with the late sends, if any), absent for closed-model runs and runs
// stored before the figure existed.
func TestResults_sendLag(t *testing.T) {
	lag := &loadtesting.Latency{P50: 36 * time.Millisecond, P99: 81 * time.Millisecond, Max: 81 * time.Millisecond}
	tests := []struct {
		name   string
		m      loadtesting.Metrics
		want   string // "" means no Send lag line
		golden string // "" means no golden file
	}{
		{"open model, falling behind", loadtesting.Metrics{Requests: 100, SendLag: lag, LateSends: 9},
			"Send lag      p50 36ms, p99 81ms, max 81ms; 9 of 100 sent more than 1ms late (latency counts from the scheduled time)\n",
			"results_open_model"},
		{"open model, on schedule", loadtesting.Metrics{Requests: 100, SendLag: &loadtesting.Latency{P50: time.Nanosecond, P99: 210 * time.Microsecond, Max: 640 * time.Microsecond}},
			"Send lag      p50 1ns, p99 210µs, max 640µs; none sent more than 1ms late\n", ""},
		{"closed model, or stored before the figure", loadtesting.Metrics{Requests: 100}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := health("01JPA0000000000000000000LG", time.Hour)
			r.Metrics.SendLag, r.Metrics.LateSends = tt.m.SendLag, tt.m.LateSends
			r.Metrics.Requests = tt.m.Requests
			var buf bytes.Buffer
			require.NoError(t, report.Results(&buf, r, opts(false)))
			if tt.want == "" {
				assert.NotContains(t, buf.String(), "Send lag")
			} else {
				assert.Contains(t, buf.String(), tt.want)
			}
			if tt.golden != "" {
				golden(t, tt.golden, buf.Bytes())
			}
		})
	}
}
