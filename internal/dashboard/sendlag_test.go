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
	st := seeded(t)
	open := st.runs[1]
	open.Config.Rate = 400
	open.Metrics.SendLag = &loadtesting.Latency{P50: 36 * time.Millisecond, P99: 81 * time.Millisecond, Max: 81 * time.Millisecond}
	open.Metrics.LateSends = 9
	_, _, body := get(t, newDashboard(st, ""), "GET", "/runs/"+open.ID, nil)
	assert.Contains(t, body, "<th>send lag</th><td>p50 36ms, p99 81ms, max 81ms; 9 of 400 sent more than 1ms late (latency counts from the scheduled time)</td>")

	closed := st.runs[0]
	_, _, body = get(t, newDashboard(st, ""), "GET", "/runs/"+closed.ID, nil)
	assert.NotContains(t, body, "send lag", "a closed-model run shows a send lag row")
}
