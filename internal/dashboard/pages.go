package dashboard

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "render page "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type indexView struct {
	page
	Err     string
	Limit   int
	Summary summaryView
	Runs    []runView
	Trends  []trendView
}

// index answers GET /?limit=N: summary cards, the recent runs with their
// details, and the trends per endpoint; or how to make a first run.
func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	limit, err := parseLimit(r, h.cfg.Runs)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	v := indexView{page: h.page("Recent runs"), Limit: limit}
	v.Nav = "runs"
	status := http.StatusOK
	runs, err := h.cfg.Store.Recent(r.Context(), limit)
	if err != nil {
		v.Err = err.Error()
		status = http.StatusInternalServerError
	}
	runs = loadtesting.CombineShards(r.Context(), h.cfg.Store, nonNil(runs)) // a run split into shards is one row
	now := h.cfg.Now()
	v.Summary = summarize(runs)
	for _, res := range runs {
		v.Runs = append(v.Runs, newRunView(res, now))
	}
	v.Trends = trends(runs, h.cfg.MaxRegression)
	h.render(w, status, "index", v)
}

func nonNil(runs []*loadtesting.Result) []*loadtesting.Result {
	out := runs[:0:0]
	for _, r := range runs {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

type runPageView struct {
	page
	Run      runView
	Previous string      // the id of the endpoint's run before this one, if any
	Shards   *shardsView // the shards of a run merged from them, else nil
}

// shardsView lists the shards of a run split across processes.
type shardsView struct {
	Reported, Expected int
	Partial            bool
	Rows               []shardRow
}

// shardRow is one shard of a run, its own measurements.
type shardRow struct {
	Shard, ID                           string
	Requests                            int64
	ReqPerSec, P50, P99, ErrorRate, Ago string
}

// newShardsView describes run's shards.
func newShardsView(run *loadtesting.ShardedRun, now time.Time) *shardsView {
	v := &shardsView{Reported: len(run.Shards), Expected: run.Expected, Partial: run.Partial()}
	for _, s := range run.Shards {
		m := s.Metrics
		v.Rows = append(v.Rows, shardRow{
			Shard: s.Shard.String(), ID: s.ID, Requests: m.Requests, ReqPerSec: format.Rate(m.RequestRate),
			P50: format.Duration(m.Latency.P50), P99: format.Duration(m.Latency.P99),
			ErrorRate: format.Percent(m.ErrorRate), Ago: report.Ago(now, s.StartedAt),
		})
	}
	return v
}

// run answers GET /runs/{id}: one run's details on a page of its own.
func (h *Handler) run(w http.ResponseWriter, r *http.Request) {
	res, status, err := h.get(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, status, err.Error())
		return
	}
	v := runPageView{page: h.page(res.Method + " " + res.Path), Run: newRunView(res, h.cfg.Now())}
	if res.RunID != "" && res.Shard == nil { // merged from its shards
		if run, err := loadtesting.GetRun(r.Context(), h.cfg.Store, res.RunID); err == nil {
			v.Shards = newShardsView(run, h.cfg.Now())
		}
	}
	if recent, err := h.cfg.Store.Recent(r.Context(), MaxRuns); err == nil {
		if prev := previousOf(res, nonNil(recent)); prev != nil {
			v.Previous = prev.ID
		}
	}
	h.render(w, http.StatusOK, "run", v)
}

// previousOf returns the newest run of res's endpoint that started before
// res, from runs sorted newest first.
func previousOf(res *loadtesting.Result, runs []*loadtesting.Result) *loadtesting.Result {
	for _, o := range runs {
		if o.ID != res.ID && o.Method == res.Method && o.Path == res.Path && o.StartedAt.Before(res.StartedAt) {
			return o
		}
	}
	return nil
}

type compareView struct {
	page
	Err        string
	Choices    []choice
	Base, Head string // the ids picked
	Result     *comparison
}

// choice is one run offered in the compare view's pickers.
type choice struct {
	ID, Label string
}

type comparison struct {
	Base, Head    runView
	SameEndpoint  bool
	Rows          []compareRow
	Regressed     bool
	MaxRegression string
	Chart         *chart
}

type compareRow struct {
	Metric, Label, Base, Head, Change string
	Class                             string // "regressed", "better" or "" (within noise or no better)
}

// compare answers GET /compare?base=ID&head=ID. Without ids it picks the
// newest run as head and the run of the same endpoint before it (else the
// run before it) as base.
func (h *Handler) compare(w http.ResponseWriter, r *http.Request) {
	v := compareView{page: h.page("Compare runs")}
	v.Nav = "compare"
	runs, err := h.cfg.Store.Recent(r.Context(), MaxRuns)
	if err != nil {
		v.Err = err.Error()
		h.render(w, http.StatusInternalServerError, "compare", v)
		return
	}
	runs = nonNil(runs)
	now := h.cfg.Now()
	for _, res := range runs {
		v.Choices = append(v.Choices, choice{
			ID:    res.ID,
			Label: fmt.Sprintf("%s %s · %s · %s", res.Method, res.Path, report.Ago(now, res.StartedAt), res.ID),
		})
	}

	q := r.URL.Query()
	v.Base, v.Head = q.Get("base"), q.Get("head")
	if v.Base == "" && v.Head == "" {
		if len(runs) < 2 {
			h.render(w, http.StatusOK, "compare", v) // the page says what is missing
			return
		}
		head := runs[0]
		base := previousOf(head, runs)
		if base == nil {
			base = runs[1]
		}
		v.Base, v.Head = base.ID, head.ID
	}
	if v.Base == "" || v.Head == "" {
		v.Err = "pick two runs: ?base=ID&head=ID"
		h.render(w, http.StatusBadRequest, "compare", v)
		return
	}
	base, status, err := h.get(r, v.Base)
	if err != nil {
		v.Err = "base " + err.Error()
		h.render(w, status, "compare", v)
		return
	}
	head, status, err := h.get(r, v.Head)
	if err != nil {
		v.Err = "head " + err.Error()
		h.render(w, status, "compare", v)
		return
	}
	v.Result = newComparison(base, head, h.cfg.MaxRegression, now)
	h.render(w, http.StatusOK, "compare", v)
}

func newComparison(base, head *loadtesting.Result, maxRegression float64, now time.Time) *comparison {
	c := report.Compare(base, head, maxRegression)
	out := &comparison{
		Base:          newRunView(base, now),
		Head:          newRunView(head, now),
		SameEndpoint:  base.Method == head.Method && base.Path == head.Path,
		Regressed:     c.Regressed,
		MaxRegression: report.PercentText(c.MaxRegression),
		Chart:         latencyChart(series{Name: base.ID + " (base)", Result: base}, series{Name: head.ID, Result: head}),
	}
	for _, row := range c.Rows {
		cr := compareRow{
			Metric: row.Metric, Label: row.Label(),
			Base: row.Value(row.Base), Head: row.Value(row.Head), Change: row.Change(),
		}
		switch {
		case row.Regressed:
			cr.Class = "regressed"
		case row.Improved():
			cr.Class = "better"
		}
		out.Rows = append(out.Rows, cr)
	}
	return out
}
