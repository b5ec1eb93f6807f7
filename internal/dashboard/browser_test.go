package dashboard_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/dashboard"
	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

var screenshotDir = flag.String("screenshots", "", "also copy the browser test's screenshots into this directory")

// chromium returns the path of the browser, or skips the test when there is
// none; under CI (CI=true) a missing browser fails the test instead.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	require.NotEqual(t, "true", os.Getenv("CI"), "no chromium on PATH: the browser tests need Debian's chromium package (.ci/run installs it)")
	t.Skip("no chromium on PATH: install Debian's chromium package to run the browser tests")
	return ""
}

// seedRealRuns saves real runs, made by loadtesting.Exec on in-process
// handlers, to a file store in a temporary directory, and returns it with
// the runs newest first.
func seedRealRuns(t *testing.T) (loadtesting.Store, map[string]*loadtesting.Result) {
	t.Helper()
	st, err := loadtesting.OpenStore("file://" + filepath.ToSlash(t.TempDir()))
	require.NoError(t, err, "open store")
	t.Cleanup(func() { _ = st.Close() })

	var n atomic.Int64
	health := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%10 == 0 { // a slow tail, so the curve has a shape
			time.Sleep(2 * time.Millisecond)
		}
		_, _ = w.Write([]byte("ok"))
	})
	enqueue := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%8 == 0 {
			http.Error(w, "queue full", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	xss := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("oops " + xssPayload))
	})
	remove := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })

	runs := map[string]*loadtesting.Result{}
	for _, r := range []struct {
		key string
		h   http.Handler
		cfg loadtesting.Config
	}{
		{"health-1", health, loadtesting.Config{Path: "/health", Requests: 300, Clients: 10}},
		{"enqueue", enqueue, loadtesting.Config{Method: "POST", Path: "/api/v1/tasks/enqueue", Requests: 200, Clients: 10,
			Body: []byte(`{"task":"ping"}`), ExpectStatus: []int{http.StatusAccepted}}},
		{"xss", xss, loadtesting.Config{Method: "PUT", Path: "/xss/" + xssPayload, Requests: 20, Clients: 2}},
		{"delete", remove, loadtesting.Config{Method: "DELETE", Path: "/api/v1/tasks/{task_id}",
			PathParams: map[string]string{"task_id": "abc-123"}, Requests: 100, Clients: 5}},
		{"health-2", health, loadtesting.Config{Path: "/health", Requests: 300, Clients: 10}},
	} {
		r.cfg.Store = st
		res, err := loadtesting.Exec(t.Context(), r.h, r.cfg)
		require.NoError(t, err, "run %s", r.key)
		runs[r.key] = res
		time.Sleep(2 * time.Millisecond) // distinct start times, so the order is certain
	}
	return st, runs
}

// browserRow is a row of the recent-runs table as the browser shows it.
type browserRow struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Rate   string `json:"rate"`
	P95    string `json:"p95"`
	Errors string `json:"errors"`
	When   string `json:"when"`
}

// TestBrowser loads the dashboard in headless Chromium against a store of
// real runs and checks what a person would look at.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	st, runs := seedRealRuns(t)

	srv := httptest.NewServer(dashboard.New(dashboard.Config{Store: st}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc() // waits for the browser process to exit
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(bctx, steps...), what)
	}
	eval := func(what, js string, v any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](js))
		require.NoError(t, err, what)
		require.NoError(t, json.Unmarshal(raw, v), "%s: decode %s", what, raw)
	}

	run("load the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#runs")))

	// The table: every run, newest first, with the values the store holds.
	var got []browserRow
	eval("read the table", `[...document.querySelectorAll("#runs tbody.run")].map(b => ({
		id: b.dataset.id,
		method: b.querySelector(".badge").textContent,
		path: b.querySelector("td.path a").textContent,
		rate: b.querySelector("td.rate").textContent,
		p95: b.querySelector("td.p95").textContent,
		errors: b.querySelector("td.errors").textContent,
		when: b.querySelector("td.when").textContent.trim(),
	}))`, &got)
	var want []browserRow
	for _, key := range []string{"health-2", "delete", "xss", "enqueue", "health-1"} {
		r := runs[key]
		want = append(want, browserRow{
			ID: r.ID, Method: r.Method, Path: r.Path,
			Rate: format.Rate(r.Metrics.RequestRate), P95: format.Millis(r.Metrics.Latency.P95),
			Errors: format.Percent(r.Metrics.ErrorRate), When: report.Ago(time.Now(), r.StartedAt),
		})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recent runs table (-want +got):\n%s", diff)
	}

	// The cards.
	var cards map[string]string
	eval("read the cards", `Object.fromEntries([...document.querySelectorAll(".card")].map(c =>
		[c.querySelector(".label").textContent, c.querySelector(".value").textContent]))`, &cards)
	var failures int64
	for _, r := range runs {
		failures += r.Metrics.Failed
	}
	assert.Equal(t, "5", cards["Runs"], "runs card")
	assert.Equal(t, itoa(failures), cards["Total failures"], "failures card")

	// Expand the POST run and read its percentiles.
	enq := runs["enqueue"]
	run("expand the POST run",
		chromedp.Click(chromedp.CSS("#run-"+enq.ID+" button.toggle")),
		chromedp.WaitVisible(chromedp.CSS("#detail-"+enq.ID+" table.percentiles")))
	var detail struct {
		Expanded    string            `json:"expanded"`
		Percentiles map[string]string `json:"percentiles"`
		Facts       map[string]string `json:"facts"`
		Samples     int               `json:"samples"`
		More        string            `json:"more"`
	}
	eval("read the POST run's details", `(() => {
		const d = document.getElementById("detail-`+enq.ID+`");
		return {
			expanded: document.querySelector("#run-`+enq.ID+` button.toggle").getAttribute("aria-expanded"),
			percentiles: Object.fromEntries([...d.querySelectorAll("table.percentiles tr")].map(tr => [tr.dataset.key, tr.querySelector("td").textContent])),
			facts: Object.fromEntries([...d.querySelectorAll("table.facts td[data-key]")].map(td => [td.dataset.key, td.textContent.trim()])),
			samples: d.querySelectorAll("ul.samples > li").length,
			more: (d.querySelector("p.more") || {textContent: ""}).textContent,
		};
	})()`, &detail)
	l := enq.Metrics.Latency
	wantPercentiles := map[string]string{
		"min": format.Duration(l.Min), "p50": format.Duration(l.P50), "p75": format.Duration(l.P75),
		"p90": format.Duration(l.P90), "p95": format.Duration(l.P95), "p99": format.Duration(l.P99),
		"p999": format.Duration(l.P999), "max": format.Duration(l.Max), "mean": format.Duration(l.Mean),
		"stddev": format.Duration(l.StdDev),
	}
	assert.Equal(t, "true", detail.Expanded, "toggle aria-expanded after the click")
	if diff := cmp.Diff(wantPercentiles, detail.Percentiles); diff != "" {
		t.Errorf("percentiles of the expanded row (-want +got):\n%s", diff)
	}
	m := enq.Metrics
	wantFacts := map[string]string{
		"id": enq.ID, "duration": format.Duration(enq.Duration), "requests": "200",
		"succeeded": itoa(m.Succeeded), "failed": itoa(m.Failed), "clients": "10", "mode": "in-process",
	}
	if diff := cmp.Diff(wantFacts, detail.Facts); diff != "" {
		t.Errorf("facts of the expanded row (-want +got):\n%s", diff)
	}
	assert.Equal(t, int64(25), m.Failed, "failures of the POST run")
	assert.Equal(t, 5, detail.Samples, "samples shown")
	assert.Contains(t, detail.More, "and 20 more failed requests")

	// Its latency chart: an SVG curve with data, laid out on the page.
	var chart struct {
		Points int     `json:"points"`
		D      string  `json:"d"`
		Height float64 `json:"height"`
		Ticks  []string
	}
	eval("read the chart", `(() => {
		const svg = document.querySelector("#detail-`+enq.ID+` svg.chart");
		const path = svg.querySelector("path.line");
		return {points: +path.dataset.points, d: path.getAttribute("d"), height: svg.getBoundingClientRect().height,
			ticks: [...svg.querySelectorAll(".axis text[text-anchor=middle]")].map(t => t.textContent)};
	})()`, &chart)
	assert.GreaterOrEqual(t, chart.Points, 40, "latency chart points")
	assert.Equal(t, chart.Points-1, strings.Count(chart.D, "L"), "latency chart: one L per point after the first, path %.80q...", chart.D)
	assert.True(t, strings.HasPrefix(chart.D, "M"), "latency chart path %.80q... starts with M", chart.D)
	assert.GreaterOrEqual(t, chart.Height, 100.0, "latency chart height (px)")
	if diff := cmp.Diff([]string{"0%", "90%", "99%", "99.9%"}, chart.Ticks); diff != "" {
		t.Errorf("x axis of 200 requests (-want +got):\n%s", diff)
	}

	// Trends: one per endpoint, GET /health with both runs.
	var trends map[string]int
	eval("read the trends", `Object.fromEntries([...document.querySelectorAll(".trend")].map(a =>
		[a.querySelector(".badge").textContent + " " + a.querySelector(".path").textContent, +a.querySelector("svg.spark.p95 path").dataset.points]))`, &trends)
	wantTrends := map[string]int{"GET /health": 2, "DELETE /api/v1/tasks/{task_id}": 1, "PUT /xss/" + xssPayload: 1, "POST /api/v1/tasks/enqueue": 1}
	if diff := cmp.Diff(wantTrends, trends); diff != "" {
		t.Errorf("trends (-want +got):\n%s", diff)
	}
	// GET /health's card judges its newest run against the one before, and
	// links to the compare view of that pair, which must give the same verdict.
	var card struct {
		Worse   bool   `json:"worse"`
		Compare string `json:"compare"`
	}
	eval("read GET /health's trend card", `(() => {
		const a = [...document.querySelectorAll(".trend")].find(a => a.querySelector(".path").textContent === "/health");
		return {worse: a.classList.contains("worse"), compare: a.querySelector(".verdict-line a").getAttribute("href")};
	})()`, &card)
	assert.Equal(t, "/compare?base="+runs["health-1"].ID+"&head="+runs["health-2"].ID, card.Compare, "the trend card's compare link")

	// Markup in a result is text: the path, the error message and the body.
	x := runs["xss"]
	run("expand the run with markup",
		chromedp.Click(chromedp.CSS("#run-"+x.ID+" button.toggle")),
		chromedp.WaitVisible(chromedp.CSS("#detail-"+x.ID+" ul.samples summary")),
		chromedp.Click(chromedp.CSS("#detail-"+x.ID+" ul.samples summary")),
		chromedp.WaitVisible(chromedp.CSS("#detail-"+x.ID+" pre.body")))
	var xs struct {
		Path    string `json:"path"`
		Body    string `json:"body"`
		XSS     string `json:"xss"`
		Scripts []string
	}
	eval("read the run with markup", `({
		path: document.querySelector("#run-`+x.ID+` td.path a").textContent,
		body: document.querySelector("#detail-`+x.ID+` pre.body").textContent,
		xss: typeof window.__xss,
		scripts: [...document.scripts].map(s => s.getAttribute("src")),
	})`, &xs)
	assert.Equal(t, "/xss/"+xssPayload, xs.Path, "the path shows as text")
	assert.Contains(t, xs.Body, "oops "+xssPayload, "the error body shows as text")
	assert.Equal(t, "undefined", xs.XSS, "typeof window.__xss: markup from a result ran")
	if diff := cmp.Diff([]string{"/static/app.js"}, xs.Scripts); diff != "" {
		t.Errorf("scripts in the page (-want +got):\n%s", diff)
	}

	shot(t, bctx, "dashboard.png")

	// Collapse again.
	run("collapse the POST run", chromedp.Click(chromedp.CSS("#run-"+enq.ID+" button.toggle")),
		chromedp.WaitNotVisible(chromedp.CSS("#detail-"+enq.ID)))

	// The compare view defaults to the newest run against its endpoint's run before.
	run("open the compare view", chromedp.Navigate(srv.URL+"/compare"), chromedp.WaitVisible(chromedp.CSS("#compare")))
	var cmpView struct {
		Base, Head string
		Metrics    []string
		Curves     int
	}
	eval("read the compare view", `({
		base: document.getElementById("pick-base").value,
		head: document.getElementById("pick-head").value,
		metrics: [...document.querySelectorAll("#compare tbody tr[data-metric]")].map(tr => tr.dataset.metric),
		curves: document.querySelectorAll("svg.chart path.line").length,
	})`, &cmpView)
	wantCmp := struct {
		Base, Head string
		Metrics    []string
		Curves     int
	}{runs["health-1"].ID, runs["health-2"].ID, []string{"p50", "p95", "p99", "throughput", "error_rate", "requests"}, 2}
	if diff := cmp.Diff(wantCmp, cmpView); diff != "" {
		t.Errorf("compare view (-want +got):\n%s", diff)
	}
	var regressed bool
	eval("read the compare view's verdict", `document.getElementById("verdict").classList.contains("bad")`, &regressed)
	assert.Equal(t, card.Worse, regressed, "the trend card and the compare view judge the same pair of runs")
	shot(t, bctx, "compare.png")

	// A streamed run's page shows its stream metrics. The engine fills them
	// in a streamed run; here they are set by hand on a copy of a real run.
	streamed := *runs["health-2"]
	streamed.ID = streamed.ID[:20] + "STREAM"
	streamed.Config.Stream = &loadtesting.StreamConfig{For: 2 * time.Second, Events: 10}
	streamed.Metrics.Stream = &loadtesting.StreamMetrics{
		Streams: 300, Events: 2990, EndedEarly: 1,
		EventsPerStream: loadtesting.EventCounts{Min: 0, Mean: 9.97, Max: 10},
		FirstEvent:      loadtesting.Latency{P50: 12 * time.Millisecond, P95: 18 * time.Millisecond, P99: 25 * time.Millisecond},
		Gap:             loadtesting.Latency{P50: 100 * time.Millisecond, P95: 103 * time.Millisecond, P99: 110 * time.Millisecond},
	}
	require.NoError(t, st.Save(t.Context(), &streamed), "save the streamed run")
	run("open the streamed run's page", chromedp.Navigate(srv.URL+"/runs/"+streamed.ID), chromedp.WaitVisible(chromedp.CSS("table.stream")))
	var streamRows map[string]string
	eval("read the stream table", `Object.fromEntries([...document.querySelectorAll("table.stream tr")].map(tr => [tr.dataset.key, tr.querySelector("td").textContent]))`, &streamRows)
	wantStream := map[string]string{
		"streams": "300", "events": "2990", "per_stream_min": "0", "per_stream_mean": "9.97", "per_stream_max": "10", "ended_early": "1",
		"first_p50": "12ms", "first_p95": "18ms", "first_p99": "25ms",
		"gap_p50": "100ms", "gap_p95": "103ms", "gap_p99": "110ms",
	}
	if diff := cmp.Diff(wantStream, streamRows); diff != "" {
		t.Errorf("stream metrics of a streamed run (-want +got):\n%s", diff)
	}
	var streamHeight float64
	eval("measure the stream table", `document.querySelector("table.stream").getBoundingClientRect().height`, &streamHeight)
	assert.Greater(t, streamHeight, 50.0, "the stream table is laid out (px)")
	shot(t, bctx, "stream.png")
	run("open a run that was not streamed", chromedp.Navigate(srv.URL+"/runs/"+runs["health-1"].ID), chromedp.WaitVisible(chromedp.CSS("table.percentiles")))
	var streamTables int
	eval("count stream tables", `document.querySelectorAll("table.stream").length`, &streamTables)
	assert.Zero(t, streamTables, "stream tables on the page of a run that was not streamed")

	assert.NoError(t, chromedp.Cancel(bctx), "close the browser")
}

// shot saves a full-page screenshot under the test's temporary directory
// (and under -screenshots, when set) and logs where.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, png, 0o644), "save screenshot")
	t.Logf("screenshot: %s", path)
	if *screenshotDir != "" {
		keep := filepath.Join(*screenshotDir, name)
		require.NoError(t, os.WriteFile(keep, png, 0o644), "save screenshot")
		t.Logf("screenshot kept: %s", keep)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
