package dashboard

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// TestVerdict_sameOnEverySurface judges a table of base/head pairs on
// every surface that says whether a run regressed: report.Compare (behind
// `loadreport compare`), its rendered text, the dashboard's compare view
// (the page's verdict and each row's class) and the trend card of the
// head's endpoint. All of them must give the verdict the row expects; the
// old trend rule, a bare p95 ratio, disagreed on several of these pairs.
func TestVerdict_sameOnEverySurface(t *testing.T) {
	const us, ms = time.Microsecond, time.Millisecond
	// mk builds a run of GET /checkout that started at minute i.
	mk := func(id string, i int, p95 time.Duration, throughput float64, failed, requests int64) *loadtesting.Result {
		r := &loadtesting.Result{ID: id, Name: "GET /checkout", Method: "GET", Path: "/checkout",
			StartedAt: time.Date(2026, 1, 2, 3, i, 0, 0, time.UTC)}
		r.Metrics.Requests, r.Metrics.Failed, r.Metrics.Succeeded = requests, failed, requests-failed
		r.Metrics.ErrorRate = float64(failed) / float64(requests)
		r.Metrics.Throughput, r.Metrics.RequestRate = throughput, throughput
		r.Metrics.Latency = loadtesting.Latency{P50: p95, P95: p95, P99: p95}
		return r
	}
	base := mk("BASE", 0, 20*ms, 400, 0, 500)
	tests := []struct {
		name       string
		base, head *loadtesting.Result
		max        float64
		// class is the dashboard's class of each row that is not plain:
		// "regressed" or "better".
		class     map[string]string
		regressed bool
	}{
		{"identical", base, mk("HEAD", 1, 20*ms, 400, 0, 500), 0.1, nil, false},
		{"p95 +20% at 10%", base, mk("HEAD", 1, 24*ms, 400, 0, 500), 0.1,
			map[string]string{"p50": "regressed", "p95": "regressed", "p99": "regressed"}, true},
		{"p95 +20% at 25%", base, mk("HEAD", 1, 24*ms, 400, 0, 500), 0.25, nil, false},
		{"p95 +8% at 10%: a change, not a regression", base, mk("HEAD", 1, 21600*us, 400, 0, 500), 0.1, nil, false},
		{"p95 -30% is better", base, mk("HEAD", 1, 14*ms, 400, 0, 500), 0.1,
			map[string]string{"p50": "better", "p95": "better", "p99": "better"}, false},
		// The old trend rule flagged these +200% as worse.
		{"microseconds: noise however large relatively",
			mk("BASE", 0, us, 400, 0, 500), mk("HEAD", 1, 3*us, 400, 0, 500), 0.1, nil, false},
		// The old trend rule looked at p95 only and missed these.
		{"throughput -20%", base, mk("HEAD", 1, 20*ms, 320, 0, 500), 0.1,
			map[string]string{"throughput": "regressed"}, true},
		{"error rate 0% -> 20%", base, mk("HEAD", 1, 20*ms, 400, 100, 500), 0.1,
			map[string]string{"error_rate": "regressed"}, true},
		{"one error in 500: not significant", base, mk("HEAD", 1, 20*ms, 400, 1, 500), 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.base
			// The rule itself.
			c := report.Compare(b, tt.head, tt.max)
			assert.Equal(t, tt.regressed, c.Regressed, "report.Compare")
			rowClass := map[string]string{}
			for _, row := range c.Rows {
				require.False(t, row.Regressed && row.Improved(), "row %s both regressed and improved", row.Metric)
				switch {
				case row.Regressed:
					rowClass[row.Metric] = "regressed"
				case row.Improved():
					rowClass[row.Metric] = "better"
				}
			}
			if diff := cmp.Diff(tt.class, rowClass, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("report rows (-want +got):\n%s", diff)
			}

			// loadreport compare's text.
			var buf bytes.Buffer
			require.NoError(t, report.RenderCompare(&buf, c, report.Options{}))
			assert.Equal(t, tt.regressed, bytes.Contains(buf.Bytes(), []byte("(regressed)")), "loadreport compare:\n%s", buf.String())

			// The dashboard's compare view.
			page := newComparison(b, tt.head, tt.max, tt.head.StartedAt)
			assert.Equal(t, tt.regressed, page.Regressed, "compare view verdict")
			pageClass := map[string]string{}
			for _, row := range page.Rows {
				if row.Class != "" {
					pageClass[row.Metric] = row.Class
				}
			}
			if diff := cmp.Diff(tt.class, pageClass, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("compare view rows (-want +got):\n%s", diff)
			}

			// The trend card: runs newest first, as the store returns them.
			cards := trends([]*loadtesting.Result{tt.head, b}, tt.max)
			require.Len(t, cards, 1)
			assert.Equal(t, tt.regressed, cards[0].Worse, "trend card")
			assert.Equal(t, c.Rows[1].Change(), cards[0].P95Change, "trend card's p95 change")
			assert.Equal(t, "/compare?base=BASE&head=HEAD", cards[0].Compare)
		})
	}
}
