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
	if os.Getenv("CI") == "true" {
		t.Fatalf("no chromium on PATH: the browser tests need Debian's chromium package (.ci/run installs it)")
	}
	t.Skip("no chromium on PATH: install Debian's chromium package to run the browser tests")
	return ""
}

// seedRealRuns saves real runs, made by loadtesting.Exec on in-process
// handlers, to a file store in a temporary directory, and returns it with
// the runs newest first.
func seedRealRuns(t *testing.T) (loadtesting.Store, map[string]*loadtesting.Result) {
	t.Helper()
	st, err := loadtesting.OpenStore("file://" + filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
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
		if err != nil {
			t.Fatalf("run %s: %v", r.key, err)
		}
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
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string, v any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := jsonUnmarshal(raw, v); err != nil {
			t.Fatalf("%s: decode %s: %v", what, raw, err)
		}
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
	if cards["Runs"] != "5" || cards["Total failures"] != itoa(failures) {
		t.Errorf("cards %v: want 5 runs and %d failures", cards, failures)
	}

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
	if detail.Expanded != "true" {
		t.Errorf("toggle aria-expanded = %q after the click, want true", detail.Expanded)
	}
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
	if m.Failed != 25 || detail.Samples != 5 || !strings.Contains(detail.More, "and 20 more failed requests") {
		t.Errorf("%d failures: %d samples shown and %q, want 25 failures, 5 shown and \"and 20 more failed requests\"", m.Failed, detail.Samples, detail.More)
	}

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
	if chart.Points < 40 || strings.Count(chart.D, "L") != chart.Points-1 || !strings.HasPrefix(chart.D, "M") || chart.Height < 100 {
		t.Errorf("latency chart: %d points, %d px high, path %.80q...: want a drawn curve of at least 40 points", chart.Points, int(chart.Height), chart.D)
	}
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
	if xs.Path != "/xss/"+xssPayload {
		t.Errorf("path shows %q, want the text %q", xs.Path, "/xss/"+xssPayload)
	}
	if !strings.Contains(xs.Body, "oops "+xssPayload) {
		t.Errorf("error body shows %q, want the text %q", xs.Body, "oops "+xssPayload)
	}
	if xs.XSS != "undefined" {
		t.Errorf("typeof window.__xss = %q: markup from a result ran", xs.XSS)
	}
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
	shot(t, bctx, "compare.png")

	if err := chromedp.Cancel(bctx); err != nil {
		t.Errorf("close the browser: %v", err)
	}
}

// shot saves a full-page screenshot under the test's temporary directory
// (and under -screenshots, when set) and logs where.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
	if *screenshotDir != "" {
		keep := filepath.Join(*screenshotDir, name)
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Fatalf("save screenshot: %v", err)
		}
		t.Logf("screenshot kept: %s", keep)
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
