package dashboard_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/apiload/apiload/loadtesting"
)

// TestHandler_sendLag checks that an open-model run's details show its
// send lag and late sends, and that a closed-model run's show no row.
func TestHandler_sendLag(t *testing.T) {
	tests := []struct {
		name string
		lag  *loadtesting.Latency
		late int64
		want string // "" means no send lag row
	}{
		{"open model, falling behind", &loadtesting.Latency{P50: 36 * time.Millisecond, P99: 81 * time.Millisecond, Max: 81 * time.Millisecond}, 9,
			"<th>send lag</th><td>p50 36ms, p99 81ms, max 81ms; 9 of 400 sent more than 1ms late (latency counts from the scheduled time)</td>"},
		{"open model, on schedule", &loadtesting.Latency{P50: time.Microsecond, P99: 300 * time.Microsecond, Max: 700 * time.Microsecond}, 0,
			"<th>send lag</th><td>p50 1.00µs, p99 300µs, max 700µs; none sent more than 1ms late</td>"},
		{"closed model", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := seeded(t)
			run := st.runs[1] // 400 requests
			run.Metrics.SendLag, run.Metrics.LateSends = tt.lag, tt.late
			_, _, body := get(t, newDashboard(st, ""), "GET", "/runs/"+run.ID, nil)
			if tt.want == "" {
				assert.NotContains(t, body, "send lag")
				return
			}
			assert.Contains(t, body, tt.want)
		})
	}
}
