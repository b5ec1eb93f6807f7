package dashboard_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// TestVerdict_sameOnEverySurface judges a table of base/head pairs on
// every surface that says whether a run regressed: report.Compare (behind
// `loadreport compare`) and its text, the dashboard's compare page (its
// verdict and each row's class) and the trend card that the index page
// shows for the pair's endpoint. All of them must give the verdict the row
// expects. The trend card once had a rule of its own, a bare p95 ratio,
// which disagreed on several of these pairs.
func TestVerdict_sameOnEverySurface(t *testing.T) {
	const us, ms = time.Microsecond, time.Millisecond
	// mk builds a run of GET /checkout that started i minutes before now.
	mk := func(id string, i int, p95 time.Duration, throughput float64, failed, requests int64) *loadtesting.Result {
		r := &loadtesting.Result{Schema: loadtesting.SchemaVersion, ID: id, Name: "GET /checkout", Method: "GET",
			Path: "/checkout", URL: "/checkout", StartedAt: now.Add(-time.Duration(i) * time.Minute)}
		r.Metrics.Requests, r.Metrics.Failed, r.Metrics.Succeeded = requests, failed, requests-failed
		r.Metrics.ErrorRate = float64(failed) / float64(requests)
		r.Metrics.Throughput, r.Metrics.RequestRate = throughput, throughput
		r.Metrics.Latency = loadtesting.Latency{P50: p95, P95: p95, P99: p95}
		return r
	}
	base := mk("BASE", 2, 20*ms, 400, 0, 500)
	tests := []struct {
		name       string
		base, head *loadtesting.Result
		max        float64
		// class is the class of each comparison row that is not plain:
		// "regressed" or "better"; nil when all are plain.
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
			mk("BASE", 2, us, 400, 0, 500), mk("HEAD", 1, 3*us, 400, 0, 500), 0.1, nil, false},
		// The old trend rule looked at p95 only and missed these.
		{"throughput -20%", base, mk("HEAD", 1, 20*ms, 320, 0, 500), 0.1,
			map[string]string{"throughput": "regressed"}, true},
		{"error rate 0% -> 20%", base, mk("HEAD", 1, 20*ms, 400, 100, 500), 0.1,
			map[string]string{"error_rate": "regressed"}, true},
		{"one error in 500: not significant", base, mk("HEAD", 1, 20*ms, 400, 1, 500), 0.1, nil, false},
	}
	rowRE := regexp.MustCompile(`<tr data-metric="(\w+)"(?: class="(\w+)")?>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The rule itself.
			c := report.Compare(tt.base, tt.head, tt.max)
			assert.Equal(t, tt.regressed, c.Regressed, "report.Compare")
			var rowClass, regressedLabels []string
			for _, row := range c.Rows {
				require.False(t, row.Regressed && row.Improved(), "row %s both regressed and improved", row.Metric)
				switch {
				case row.Regressed:
					rowClass = append(rowClass, row.Metric+"=regressed")
					regressedLabels = append(regressedLabels, row.Label())
				case row.Improved():
					rowClass = append(rowClass, row.Metric+"=better")
				}
			}
			assert.Equal(t, wantClasses(tt.class, c.Rows), rowClass, "report rows")

			// loadreport compare's text.
			var buf bytes.Buffer
			require.NoError(t, report.RenderCompare(&buf, c, report.Options{}))
			assert.Equal(t, tt.regressed, strings.Contains(buf.String(), "(regressed)"), "loadreport compare:\n%s", buf.String())

			st := &memStore{runs: []*loadtesting.Result{tt.head, tt.base}} // newest first
			h := dashboard.New(dashboard.Config{Store: st, Now: clock, MaxRegression: tt.max})

			// The compare page.
			status, _, body := get(t, h, "GET", "/compare?base="+tt.base.ID+"&head="+tt.head.ID, nil)
			require.Equal(t, 200, status, body)
			assert.Equal(t, tt.regressed, strings.Contains(body, `<p class="verdict bad" id="verdict">Regressed`), "compare page verdict")
			var pageClass []string
			for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
				if m[2] != "" {
					pageClass = append(pageClass, m[1]+"="+m[2])
				}
			}
			assert.Equal(t, rowClass, pageClass, "compare page rows")

			// The trend card on the index page.
			status, _, body = get(t, h, "GET", "/", nil)
			require.Equal(t, 200, status, body)
			require.Equal(t, 1, strings.Count(body, `<article class="trend`), "one trend card")
			assert.Equal(t, tt.regressed, strings.Contains(body, `<article class="trend worse">`), "trend card")
			if tt.regressed {
				assert.Contains(t, body, "regressed: "+strings.Join(regressedLabels, ", ")+"</span>", "the card names the metrics")
			} else {
				assert.Contains(t, body, "no regression against the run before")
			}
			assert.Contains(t, body, `href="/compare?base=`+tt.base.ID+`&amp;head=`+tt.head.ID+`"`, "the card links to the comparison")
		})
	}
}

// wantClasses lists class as "metric=class" in the order of rows.
func wantClasses(class map[string]string, rows []report.Row) []string {
	var out []string
	for _, r := range rows {
		if c, ok := class[r.Metric]; ok {
			out = append(out, r.Metric+"="+c)
		}
	}
	return out
}
