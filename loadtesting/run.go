package loadtesting

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/oklog/ulid/v2"

	"github.com/apiload/apiload/internal/engine"
)

// Run sends cfg's load to h and returns what it measured. The load goes
// in-process, straight to h.ServeHTTP, unless cfg.BaseURL is set; h may
// then be nil. A bad cfg stops the test with t.Fatalf naming the field and
// its value. Failed requests do not fail the test: they are statistics, to
// be checked with package assert. Run logs a one-line summary, saves the
// Result to cfg.Store (default: DefaultStore()) and logs where it went.
//
// Runs share the machine's CPU, so latency goals are not meaningful with
// t.Parallel or while other load runs.
func Run(t testing.TB, h http.Handler, cfg Config) *Result {
	t.Helper()
	res, err := execute(t.Context(), h, cfg)
	if err != nil {
		t.Fatalf("loadtesting: %v", err)
	}
	t.Logf("load run %s", res.OneLine())
	st := cfg.Store
	if st == nil {
		url := DefaultStoreURL()
		opened, err := openStore(url, func(msg string) { t.Logf("loadtesting: warning: %s", msg) })
		if err != nil {
			t.Logf("loadtesting: warning: run %s not saved: %v (check $%s)", res.ID, err, StoreEnv)
			return res
		}
		defer opened.Close()
		st = opened
	}
	if _, off := st.(NoStore); off {
		return res
	}
	if err := st.Save(withWarn(t.Context(), func(m string) { t.Logf("loadtesting: warning: %s", m) }), res); err != nil {
		t.Logf("loadtesting: warning: run %s not saved: %v", res.ID, err)
		return res
	}
	t.Logf("saved to %s: loadreport results %s", describe(st), res.ID)
	return res
}

// Exec is Run for code that is not a test. It returns a *ConfigError,
// before sending anything, when cfg is invalid. When ctx ends first, Exec
// stops promptly and returns the partial Result together with ctx's error.
// It saves the Result only when cfg.Store is set; if saving fails it returns
// the Result with the error.
func Exec(ctx context.Context, h http.Handler, cfg Config) (*Result, error) {
	res, err := execute(ctx, h, cfg)
	if res == nil || cfg.Store == nil {
		return res, err
	}
	if serr := cfg.Store.Save(context.WithoutCancel(ctx), res); serr != nil {
		return res, errors.Join(err, serr)
	}
	return res, err
}

func describe(st Store) string {
	if s, ok := st.(interface{ String() string }); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", st)
}

func execute(ctx context.Context, h http.Handler, cfg Config) (*Result, error) {
	r, err := Start(ctx, h, cfg)
	if err != nil {
		return nil, err
	}
	return r.Wait()
}

func newResult(c Config, target *url.URL, inProcess bool, protocol string, rep *engine.Report) (*Result, error) {
	hist, err := rep.Latency.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, errors.New("encode latency histogram: " + err.Error())
	}
	id, err := ulid.New(ulid.Timestamp(rep.Start), rand.Reader)
	if err != nil {
		return nil, errors.New("make run id: " + err.Error())
	}
	res := &Result{
		Schema:    SchemaVersion,
		ID:        id.String(),
		Name:      c.Name,
		Method:    c.Method,
		Path:      c.Path,
		StartedAt: rep.Start.UTC().Round(0),
		Duration:  rep.Elapsed,
		Clients:   effectiveClients(c),
		InProcess: inProcess,
		Protocol:  protocol,
		Config: RunConfig{
			Requests: c.Requests, Duration: c.Duration, Rate: c.Rate, RampTo: c.RampTo, Timeout: c.Timeout,
			PathParams: c.PathParams, Query: c.Query, Headers: c.Headers,
			BodyBytes: len(c.Body), BodyFunc: c.BodyFunc != nil,
			ExpectStatus: c.ExpectStatus, Tags: c.Tags,
		},
		Histogram: string(hist),
	}
	if c.Shard.Count > 0 {
		res.ID = ShardID(c.RunID, c.Shard.Index)
		res.RunID = c.RunID
		shard := c.Shard
		res.Shard = &shard
	}
	res.URL = target.String()
	if inProcess {
		res.URL = target.RequestURI()
	}
	if c.Stream != nil {
		sc := *c.Stream
		res.Config.Stream = &sc
	}
	res.Metrics = metricsFrom(rep)
	if rep.Stream != nil {
		sm, err := streamMetrics(rep.Stream)
		if err != nil {
			return nil, err
		}
		res.Metrics.Stream = sm
	}
	res.Metrics.setGenerator(rep.CPU, rep.Cores, rep.Elapsed, inProcess)
	// This is where a Result is made, so it is where its secrets are hidden
	// (package secret decides what they are): what Run returns, logs and
	// saves is the same, and nothing of the caller's Config is shared with
	// the Result.
	red := redactResult(res, knownSecrets(c, target))
	return &red, nil
}

func metricsFrom(rep *engine.Report) Metrics {
	m := Metrics{
		Requests:    rep.Requests,
		Succeeded:   rep.Succeeded,
		Failed:      rep.Failed,
		StatusCodes: rep.Status,
		BytesIn:     rep.BytesIn,
		BytesOut:    rep.BytesOut,
		Connections: rep.Connections,
	}
	if m.Requests > 0 {
		m.ErrorRate = float64(m.Failed) / float64(m.Requests)
	}
	if secs := rep.Elapsed.Seconds(); secs > 0 {
		m.Throughput = float64(m.Succeeded) / secs
		m.RequestRate = float64(m.Requests) / secs
	}
	if rep.Latency.TotalCount() > 0 {
		m.Latency = summarise(rep.Latency)
	}
	// The engine keeps send lags only in the open model.
	if rep.SendLag != nil && rep.SendLag.TotalCount() > 0 {
		lag := summarise(rep.SendLag)
		m.SendLag = &lag
		m.LateSends = rep.LateSends
	}
	for _, s := range rep.Errors {
		m.Errors = append(m.Errors, ErrorSample(s))
	}
	return m
}

// summarise reads a Latency summary from a histogram of nanoseconds.
func summarise(h *hdrhistogram.Histogram) Latency {
	ps := h.ValueAtPercentilesSlice([]float64{50, 75, 90, 95, 99, 99.9})
	return Latency{
		Min:    time.Duration(h.Min()),
		Mean:   time.Duration(h.Mean()),
		StdDev: time.Duration(h.StdDev()),
		P50:    time.Duration(ps[0]),
		P75:    time.Duration(ps[1]),
		P90:    time.Duration(ps[2]),
		P95:    time.Duration(ps[3]),
		P99:    time.Duration(ps[4]),
		P999:   time.Duration(ps[5]),
		Max:    time.Duration(h.Max()),
	}
}

// effectiveClients is the concurrency a run could reach: no more workers
// start than there are requests to send.
func effectiveClients(c Config) int {
	if c.Requests > 0 && int64(c.Clients) > c.Requests {
		return int(c.Requests)
	}
	return c.Clients
}

// streamMetrics summarises a streamed run's streams, keeping the two
// histograms so that Merge can combine shards exactly.
func streamMetrics(st *engine.StreamReport) (*StreamMetrics, error) {
	first, err := st.FirstEvent.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, errors.New("encode first-event histogram: " + err.Error())
	}
	gap, err := st.Gap.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, errors.New("encode gap histogram: " + err.Error())
	}
	m := &StreamMetrics{
		Streams:             st.Streams,
		Events:              st.Events,
		EventsPerStream:     EventCounts{Min: st.MinEvents, Max: st.MaxEvents},
		EndedEarly:          st.EndedEarly,
		FirstEventHistogram: string(first),
		GapHistogram:        string(gap),
	}
	if st.Streams > 0 {
		m.EventsPerStream.Mean = float64(st.Events) / float64(st.Streams)
	}
	if st.FirstEvent.TotalCount() > 0 {
		m.FirstEvent = summarise(st.FirstEvent)
	}
	if st.Gap.TotalCount() > 0 {
		m.Gap = summarise(st.Gap)
	}
	return m, nil
}
