package dashboard

import (
	"fmt"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// funcs are the helpers the templates call.
var funcs = template.FuncMap{
	"methodClass": methodClass,
}

// page is what every page's layout needs.
type page struct {
	Title string
	Store string
	Nav   string // "runs" or "compare": the highlighted tab
}

func (h *Handler) page(title string) page {
	return page{Title: title, Store: h.cfg.StoreName}
}

type errorView struct {
	page
	Status  int
	Message string
}

// methodClass is the CSS class of a method badge: one colour per verb.
func methodClass(method string) string {
	switch strings.ToUpper(method) {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return "m-" + strings.ToLower(method)
	}
	return "m-other"
}

// kv is one labelled value in a detail table.
type kv struct {
	Key, Label, Value string
}

// statusView is one row of a run's status-code distribution.
type statusView struct {
	Code  string // "200", or "none" for requests that got no response
	Class string // s2xx .. s5xx, snone
	Count int64
	Share string  // "99.6%"
	Bar   float64 // bar width in the 100-wide SVG
}

// errorSampleView is one sampled failure.
type errorSampleView struct {
	Request int64
	Status  string
	Kind    string
	Message string
	Body    string
	At      string
}

// runView is a run as the page shows it: the table row and its details.
type runView struct {
	ID, Name, Method, Path, URL string
	StartedAt                   string // RFC 3339, for the datetime attribute
	Started                     string // for people: "2026-01-02 15:04:05 UTC"
	Ago                         string
	ReqPerSec, Throughput       string
	P95MS                       string
	ErrorRate                   string
	HasErrors                   bool
	Duration                    string
	Requests, Succeeded, Failed int64
	Clients                     int
	Mode                        string // "in-process", or the URL of an HTTP run
	Protocol                    string // of an HTTP run: "HTTP/1.1", "HTTP/2.0"; "" when unknown
	InProcess                   bool
	Latency                     []kv
	Stream                      []kv // a streamed run's stream metrics; nil for any other run
	Config                      []kv
	Tags                        []string
	Statuses                    []statusView
	Errors                      []errorSampleView
	MoreErrors                  int64 // failed requests beyond the samples shown
	Sampled                     int   // how many failures the run kept as samples
	Chart                       *chart
}

// maxShownErrors is how many sampled errors a run's details show.
const maxShownErrors = 5

func newRunView(r *loadtesting.Result, now time.Time) runView {
	m := r.Metrics
	l := m.Latency
	v := runView{
		ID: r.ID, Name: r.Name, Method: r.Method, Path: r.Path, URL: r.URL,
		StartedAt:  r.StartedAt.UTC().Format(time.RFC3339),
		Started:    r.StartedAt.UTC().Format("2006-01-02 15:04:05 MST"),
		Ago:        report.Ago(now, r.StartedAt),
		ReqPerSec:  format.Rate(m.RequestRate),
		Throughput: format.Rate(m.Throughput),
		P95MS:      format.Millis(l.P95),
		ErrorRate:  format.Percent(m.ErrorRate),
		HasErrors:  m.Failed > 0,
		Duration:   format.Duration(r.Duration),
		Requests:   m.Requests, Succeeded: m.Succeeded, Failed: m.Failed,
		Clients:   r.Clients,
		InProcess: r.InProcess,
		Protocol:  r.Protocol,
		Mode:      "in-process",
		Tags:      r.Config.Tags,
		Latency: []kv{
			{"min", "min", format.Duration(l.Min)},
			{"p50", "p50", format.Duration(l.P50)},
			{"p75", "p75", format.Duration(l.P75)},
			{"p90", "p90", format.Duration(l.P90)},
			{"p95", "p95", format.Duration(l.P95)},
			{"p99", "p99", format.Duration(l.P99)},
			{"p999", "p99.9", format.Duration(l.P999)},
			{"max", "max", format.Duration(l.Max)},
			{"mean", "mean", format.Duration(l.Mean)},
			{"stddev", "std dev", format.Duration(l.StdDev)},
		},
		Chart: latencyChart(series{Name: r.ID, Result: r}),
	}
	if !r.InProcess {
		v.Mode = r.URL
	}
	c := r.Config
	rate := "as fast as possible"
	if c.Rate > 0 {
		rate = format.Rate(c.Rate) + " req/s"
	}
	timeout := format.Duration(c.Timeout)
	if c.Stream != nil {
		timeout += " (for the headers, and for each gap between events)"
	}
	v.Config = []kv{{"rate", "rate", rate}, {"timeout", "timeout", timeout}}
	if sc := report.StreamConfig(c.Stream); sc != "" {
		v.Config = append(v.Config, kv{"stream", "stream", "each response read " + sc})
	}
	v.Stream = streamKVs(m.Stream)
	if c.Duration > 0 {
		v.Config = append(v.Config, kv{"duration", "duration limit", format.Duration(c.Duration)})
	}
	if c.BodyBytes > 0 || c.BodyFunc {
		body := fmt.Sprintf("%d bytes", c.BodyBytes)
		if c.BodyFunc {
			body = "fresh per request (BodyFunc)"
		}
		v.Config = append(v.Config, kv{"body", "body", body})
	}
	if len(c.ExpectStatus) > 0 {
		v.Config = append(v.Config, kv{"expect", "expected status", fmt.Sprint(c.ExpectStatus)})
	}
	if m.Connections > 0 {
		v.Config = append(v.Config, kv{"connections", "connections", report.Connections(m, r.Clients)})
	}
	if lag := report.SendLag(m); lag != "" {
		v.Config = append(v.Config, kv{"sendlag", "send lag", lag})
	}
	if m.GeneratorCPU > 0 {
		gen := format.Duration(m.GeneratorCPUPerRequest) + " CPU/request"
		if m.GeneratorBound {
			gen += " (generator-bound: " + m.GeneratorWarning + ")"
		}
		v.Config = append(v.Config, kv{"generator", "generator", gen})
	}

	codes := slices.Sorted(maps.Keys(m.StatusCodes))
	var total int64
	for _, code := range codes {
		total += m.StatusCodes[code]
	}
	for _, code := range codes {
		n := m.StatusCodes[code]
		s := statusView{Code: strconv.Itoa(code), Class: fmt.Sprintf("s%dxx", code/100), Count: n}
		if code == 0 {
			s.Code, s.Class = "none", "snone"
		}
		if total > 0 {
			s.Share = format.Percent(float64(n) / float64(total))
			s.Bar = round1(100 * float64(n) / float64(total))
		}
		v.Statuses = append(v.Statuses, s)
	}

	shown := min(maxShownErrors, len(m.Errors))
	v.Sampled = len(m.Errors)
	v.MoreErrors = max(m.Failed, int64(len(m.Errors))) - int64(shown)
	for _, e := range m.Errors[:shown] {
		status := strconv.Itoa(e.Status)
		if e.Status == 0 {
			status = "no response"
		}
		v.Errors = append(v.Errors, errorSampleView{
			Request: e.Request, Status: status, Kind: e.Kind, Message: e.Message, Body: e.Body,
			At: format.Duration(e.At),
		})
	}
	return v
}

// streamKVs are the rows of a streamed run's Stream panel; nil when s is
// nil (a run that was not streamed).
func streamKVs(s *loadtesting.StreamMetrics) []kv {
	if s == nil {
		return nil
	}
	return []kv{
		{"streams", "streams", strconv.FormatInt(s.Streams, 10)},
		{"events", "events", strconv.FormatInt(s.Events, 10)},
		{"per_stream_min", "per stream min", strconv.FormatInt(s.EventsPerStream.Min, 10)},
		{"per_stream_mean", "per stream mean", format.Rate(s.EventsPerStream.Mean)},
		{"per_stream_max", "per stream max", strconv.FormatInt(s.EventsPerStream.Max, 10)},
		{"ended_early", "ended early", strconv.FormatInt(s.EndedEarly, 10)},
		{"first_p50", "first event p50", format.Duration(s.FirstEvent.P50)},
		{"first_p95", "first event p95", format.Duration(s.FirstEvent.P95)},
		{"first_p99", "first event p99", format.Duration(s.FirstEvent.P99)},
		{"gap_p50", "gap p50", format.Duration(s.Gap.P50)},
		{"gap_p95", "gap p95", format.Duration(s.Gap.P95)},
		{"gap_p99", "gap p99", format.Duration(s.Gap.P99)},
	}
}

// summaryView is the row of cards at the top of the page.
type summaryView struct {
	Runs          int
	AvgReqPerSec  string
	AvgP95        string
	TotalFailures int64
	Requests      int64
}

func summarize(runs []*loadtesting.Result) summaryView {
	s := summaryView{Runs: len(runs)}
	if len(runs) == 0 {
		return s
	}
	var rate float64
	var p95 time.Duration
	for _, r := range runs {
		rate += r.Metrics.RequestRate
		p95 += r.Metrics.Latency.P95
		s.TotalFailures += r.Metrics.Failed
		s.Requests += r.Metrics.Requests
	}
	s.AvgReqPerSec = format.Rate(rate / float64(len(runs)))
	s.AvgP95 = format.Duration(p95 / time.Duration(len(runs)))
	return s
}

// trendView is one method+path with its p95 and req/s over recent runs.
type trendView struct {
	Method, Path string
	Runs         int
	LatestP95    string
	LatestRate   string
	P95Change    string // latest against the run before, as report.Row.Change puts it ("+12.0%", "~"); empty with one run
	// Worse is report.Compare's verdict on the latest run against the one
	// before, the same verdict the compare view gives that pair; Regressed
	// names the metrics that regressed ("p95, error rate") and Compare links
	// to that view.
	Worse     bool
	Regressed string
	Compare   string
	P95, Rate *spark
}

// maxTrends caps the endpoints shown in the trends section; maxTrendPoints
// the runs per trend.
const (
	maxTrends      = 12
	maxTrendPoints = 20
)

// trends groups runs (newest first) by method and path, newest endpoint
// first, each with its runs oldest first.
func trends(runs []*loadtesting.Result, maxRegression float64) []trendView {
	type group struct {
		method, path string
		runs         []*loadtesting.Result
	}
	var order []*group
	byKey := map[string]*group{}
	for _, r := range runs {
		key := r.Method + " " + r.Path
		g := byKey[key]
		if g == nil {
			if len(order) == maxTrends {
				continue
			}
			g = &group{method: r.Method, path: r.Path}
			byKey[key] = g
			order = append(order, g)
		}
		if len(g.runs) < maxTrendPoints {
			g.runs = append(g.runs, r)
		}
	}
	out := make([]trendView, 0, len(order))
	for _, g := range order {
		rs := slices.Clone(g.runs)
		slices.Reverse(rs) // oldest first, left to right
		last := rs[len(rs)-1]
		t := trendView{
			Method: g.method, Path: g.path, Runs: len(rs),
			LatestP95:  format.Duration(last.Metrics.Latency.P95),
			LatestRate: format.Rate(last.Metrics.RequestRate),
		}
		p95 := make([]sparkPoint, len(rs))
		rate := make([]sparkPoint, len(rs))
		for i, r := range rs {
			p95[i] = sparkPoint{Value: float64(r.Metrics.Latency.P95), Title: r.ID + ": p95 " + format.Duration(r.Metrics.Latency.P95)}
			rate[i] = sparkPoint{Value: r.Metrics.RequestRate, Title: r.ID + ": " + format.Rate(r.Metrics.RequestRate) + " req/s"}
		}
		if len(rs) > 1 {
			prev := rs[len(rs)-2]
			c := report.Compare(prev, last, maxRegression)
			t.Worse = c.Regressed
			t.Compare = "/compare?" + url.Values{"base": {prev.ID}, "head": {last.ID}}.Encode()
			var regressed []string
			for _, row := range c.Rows {
				if row.Metric == report.MetricP95 {
					t.P95Change = row.Change()
				}
				if row.Regressed {
					regressed = append(regressed, row.Label())
				}
			}
			t.Regressed = strings.Join(regressed, ", ")
		}
		t.P95 = sparkline("p95", p95)
		t.Rate = sparkline("rate", rate)
		out = append(out, t)
	}
	return out
}
