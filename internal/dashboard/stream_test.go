package dashboard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/apiload/apiload/loadtesting"
)

// TestHandler_stream checks that a streamed run's page and its row on the
// runs page show its stream metrics and stream settings, and that a run that
// was not streamed shows none of them.
func TestHandler_stream(t *testing.T) {
	stream := &loadtesting.StreamMetrics{
		Streams: 400, Events: 3980, EndedEarly: 2,
		EventsPerStream: loadtesting.EventCounts{Min: 4, Mean: 9.95, Max: 10},
		FirstEvent:      loadtesting.Latency{P50: 101 * time.Millisecond, P95: 104 * time.Millisecond, P99: 109 * time.Millisecond},
		Gap:             loadtesting.Latency{P50: 100 * time.Millisecond, P95: 102 * time.Millisecond, P99: 105 * time.Millisecond},
	}
	streamedRows := []string{
		`<h3>Latency <span class="muted">(to the response headers)</span></h3>`,
		`<h3 class="stream">Stream</h3>`,
		`<tr data-key="streams"><th>streams</th><td>400</td></tr>`,
		`<tr data-key="events"><th>events</th><td>3980</td></tr>`,
		`<tr data-key="per_stream_min"><th>per stream min</th><td>4</td></tr>`,
		`<tr data-key="per_stream_mean"><th>per stream mean</th><td>9.95</td></tr>`,
		`<tr data-key="per_stream_max"><th>per stream max</th><td>10</td></tr>`,
		`<tr data-key="ended_early"><th>ended early</th><td>2</td></tr>`,
		`<tr data-key="first_p50"><th>first event p50</th><td>101ms</td></tr>`,
		`<tr data-key="first_p95"><th>first event p95</th><td>104ms</td></tr>`,
		`<tr data-key="first_p99"><th>first event p99</th><td>109ms</td></tr>`,
		`<tr data-key="gap_p50"><th>gap p50</th><td>100ms</td></tr>`,
		`<tr data-key="gap_p95"><th>gap p95</th><td>102ms</td></tr>`,
		`<tr data-key="gap_p99"><th>gap p99</th><td>105ms</td></tr>`,
		`<th>timeout</th><td>30s (for the headers, and for each gap between events)</td>`,
		`<th>stream</th><td>each response read for 2.00s or 10 events, whichever comes first</td>`,
	}
	tests := []struct {
		name    string
		metrics *loadtesting.StreamMetrics
		config  *loadtesting.StreamConfig
		want    []string
		notWant []string
	}{
		{"streamed", stream, &loadtesting.StreamConfig{For: 2 * time.Second, Events: 10}, streamedRows, nil},
		{"not streamed", nil, nil, []string{"<h3>Latency</h3>", "<th>timeout</th><td>30s</td>"},
			[]string{"Stream", "first event", "ended early", "gap between events", "to the response headers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := seeded(t)
			run := st.runs[1]
			run.Metrics.Stream, run.Config.Stream = tt.metrics, tt.config
			for _, target := range []string{"/runs/" + run.ID, "/"} {
				_, _, body := get(t, newDashboard(st, ""), "GET", target, nil)
				for _, w := range tt.want {
					assert.True(t, strings.Contains(body, w), "GET %s lacks %q", target, w)
				}
				for _, w := range tt.notWant {
					assert.False(t, strings.Contains(body, w), "GET %s shows %q", target, w)
				}
			}
		})
	}
}
