package dashboard_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandler_connections checks that a run's details show the
// connections it opened, and that runs without the figure show no row.
func TestHandler_connections(t *testing.T) {
	st := seeded(t)
	enqueue := st.runs[1]
	enqueue.Metrics.Connections = 10
	_, _, body := get(t, newDashboard(st, ""), "GET", "/runs/"+enqueue.ID, nil)
	assert.Contains(t, body, "<th>connections</th><td>10 opened</td>")

	_, _, body = get(t, newDashboard(st, ""), "GET", "/", nil)
	start := strings.Index(body, `id="run-01RUNENQUEUE"`)
	end := strings.Index(body, `id="run-01RUNXSS0001"`)
	require.True(t, start >= 0 && end > start, "rows of 01RUNENQUEUE and 01RUNXSS0001 not found in order")
	assert.Contains(t, body[start:end], "10 opened")
	assert.NotContains(t, body[end:], "<th>connections</th>", "runs without the figure show a connections row")
}
