package loadtesting

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/apiload/apiload/internal/engine"
	"github.com/apiload/apiload/internal/format"
)

// SchemaVersion is the version of the Result JSON this package writes.
const SchemaVersion = 1

// Result is what one run measured. It is JSON-serialisable and
// round-trips exactly, histogram included, so stored runs can be compared
// and merged later. The fields' json tags are the layout (snake_case keys);
// a time.Duration is written as milliseconds, a float, under a key ending
// in "_ms".
type Result struct {
	// Schema is the JSON layout version (SchemaVersion).
	Schema int `json:"schema"`
	// ID identifies the run; IDs sort by start time, except a shard's, which
	// is ShardID(RunID, Shard.Index).
	ID string `json:"id"`
	// Name is Config.Name, or "METHOD PATH".
	Name string `json:"name"`
	// Method and Path (the template, placeholders unfilled) of the requests.
	Method string `json:"method"`
	Path   string `json:"path"`
	// URL is the resolved target: the full URL for HTTP runs, the path and
	// query for in-process runs. Any password in it is redacted.
	URL string `json:"url"`
	// StartedAt is when the run started (UTC); Duration how long it ran.
	StartedAt time.Time     `json:"started_at"`
	Duration  time.Duration `json:"duration_ms"`
	// Clients is the concurrency the run used.
	Clients int `json:"clients"`
	// InProcess is true when the handler was called directly.
	InProcess bool `json:"in_process"`
	// Protocol is what the requests used: "HTTP/1.1", "HTTP/2.0" or
	// ProtocolInProcess. It comes from the responses (several are joined
	// with ", " if they differed), and is empty when it is unknown: a run
	// with Config.HTTP2 or Config.Transport that got no response, or a
	// Result stored before the field existed.
	Protocol string `json:"protocol"`
	// Config is the run's configuration, its secrets hidden (internal/secret).
	Config RunConfig `json:"config"`
	// Metrics are the measurements.
	Metrics Metrics `json:"metrics"`
	// Histogram is every request's latency as a compressed, base64-encoded
	// HDR histogram (nanoseconds, 1 ns .. 1 h, 3 significant digits).
	Histogram string `json:"histogram"`
	// RunID is Config.RunID: the run this Result is a shard of, shared by
	// all its shards. Empty for a run that was not split.
	RunID string `json:"run_id,omitempty"`
	// Shard is which share of run RunID this Result measured (Config.Shard);
	// nil for a run that was not split, and for the Result Merge returns.
	Shard *Shard `json:"shard,omitempty"`
}

// Shard is one share of a run split across processes: shard Index of Count,
// counted from 0 (as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX is).
// The zero Shard means the run is not split.
type Shard struct {
	// Index is this shard's number, from 0 to Count-1.
	Index int `json:"index"`
	// Count is how many shards the run has.
	Count int `json:"count"`
}

// RunConfig is the stored, redacted form of the Config a run used.
type RunConfig struct {
	Requests     int64             `json:"requests"`
	Duration     time.Duration     `json:"duration_ms"`
	Rate         float64           `json:"rate"`
	RampTo       float64           `json:"ramp_to,omitempty"` // 0: no ramp
	Timeout      time.Duration     `json:"timeout_ms"`
	PathParams   map[string]string `json:"path_params,omitempty"`
	Query        url.Values        `json:"query,omitempty"`
	Headers      http.Header       `json:"headers,omitempty"`
	BodyBytes    int               `json:"body_bytes"` // size of Config.Body
	BodyFunc     bool              `json:"body_func"`  // whether payloads came from Config.BodyFunc
	ExpectStatus []int             `json:"expect_status,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	Stream       *StreamConfig     `json:"stream,omitempty"` // nil: not streamed
}

// Metrics are a run's measurements.
type Metrics struct {
	// Requests counts every request that finished; Succeeded + Failed == Requests.
	Requests  int64 `json:"requests"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	// ErrorRate is Failed / Requests, from 0 to 1.
	ErrorRate float64 `json:"error_rate"`
	// Throughput is successful responses per second.
	Throughput float64 `json:"throughput"`
	// RequestRate is all finished requests per second.
	RequestRate float64 `json:"request_rate"`
	// Latency summarises the latency distribution.
	Latency Latency `json:"latency"`
	// SendLag summarises, for open-model runs (Config.Rate > 0), how late
	// each request left after its scheduled send time; it is nil for
	// closed-model runs. A request leaves late when every client is busy
	// (the target answers too slowly for the rate) or the generator cannot
	// keep up. Its latency still counts from the scheduled time, so the
	// lag is in Latency too: SendLag says how much of it was waiting to send.
	SendLag *Latency `json:"send_lag,omitempty"`
	// LateSends counts the open-model requests that left more than a
	// millisecond after their scheduled time; 0 for closed-model runs.
	LateSends int64 `json:"late_sends,omitempty"`
	// StatusCodes counts responses by status; 0 counts requests that got no
	// response (transport errors, panics, timeouts before the headers). A
	// request that timed out after its headers arrived counts under their
	// status.
	StatusCodes map[int]int64 `json:"status_codes"`
	// BytesIn and BytesOut count response and request body bytes.
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	// Connections counts the connections the run opened to BaseURL: one
	// per client when keep-alive held throughout, more when the server
	// closed some (a keep-alive timeout or request limit), about one per
	// request when it never kept one open. 0 for in-process runs.
	Connections int64 `json:"connections"`
	// Errors holds the first 100 failures.
	Errors []ErrorSample `json:"errors"`
	// Stream holds the stream measurements of a streamed run
	// (Config.Stream set); nil for any other run.
	Stream *StreamMetrics `json:"stream,omitempty"`

	// GeneratorCPU is the CPU time (user + system, from getrusage) that the
	// load-generating process used during the run. In-process runs call
	// the handler in the same process, so there it includes the handler's
	// CPU too; it is the generator's own cost only for runs with a BaseURL.
	GeneratorCPU time.Duration `json:"generator_cpu_ms"`
	// GeneratorCPUPerRequest is GeneratorCPU / Requests.
	GeneratorCPUPerRequest time.Duration `json:"generator_cpu_per_request_ms"`
	// GeneratorCores is how many CPUs the process could use (GOMAXPROCS).
	GeneratorCores int `json:"generator_cores"`
	// GeneratorBusy is GeneratorCPU / (GeneratorCores × Duration), from 0
	// to about 1: the share of its CPUs the generator kept busy.
	GeneratorBusy float64 `json:"generator_busy"`
	// GeneratorBound is true when a run with a BaseURL used nearly all the
	// CPU it had (GeneratorBusy >= 0.9): the generator, not the target, was
	// likely the bottleneck, and the rates measured say more about the
	// generator. GeneratorWarning then says so in words.
	GeneratorBound   bool   `json:"generator_bound"`
	GeneratorWarning string `json:"generator_warning,omitempty"`
}

// generatorBusyLimit is the share of its CPUs above which an out-of-process
// generator counts as the likely bottleneck.
const generatorBusyLimit = 0.9

// setGenerator fills the Generator fields from the run's CPU time.
func (m *Metrics) setGenerator(cpu time.Duration, cores int, wall time.Duration, inProcess bool) {
	m.GeneratorCPU, m.GeneratorCores = cpu, cores
	if m.Requests > 0 {
		m.GeneratorCPUPerRequest = cpu / time.Duration(m.Requests)
	}
	if cores > 0 && wall > 0 {
		m.GeneratorBusy = cpu.Seconds() / (float64(cores) * wall.Seconds())
	}
	if !inProcess && m.GeneratorBusy >= generatorBusyLimit {
		m.GeneratorBound = true
		m.GeneratorWarning = fmt.Sprintf("the load generator used %.2f of its %d CPUs (%s busy): it, not the target, likely limited the rate; give it more CPUs or run it on another machine",
			m.GeneratorBusy*float64(cores), cores, format.Percent(m.GeneratorBusy))
	}
}

// Latency summarises a latency distribution. Percentiles come from the HDR
// histogram, so they are exact to 3 significant digits.
type Latency struct {
	Min    time.Duration `json:"min_ms"`
	Mean   time.Duration `json:"mean_ms"`
	StdDev time.Duration `json:"stddev_ms"`
	P50    time.Duration `json:"p50_ms"`
	P75    time.Duration `json:"p75_ms"`
	P90    time.Duration `json:"p90_ms"`
	P95    time.Duration `json:"p95_ms"`
	P99    time.Duration `json:"p99_ms"`
	P999   time.Duration `json:"p999_ms"`
	Max    time.Duration `json:"max_ms"`
}

// ErrorSample describes one failed request.
type ErrorSample struct {
	// Request is the request's number within the run, from 0.
	Request int64 `json:"request"`
	// Status is the response status, 0 when there was no response.
	Status int `json:"status"`
	// Kind says what failed, one of KindStatus, KindTimeout, KindPanic,
	// KindTransport, KindPayload and KindStream, for a program to switch on.
	Kind string `json:"kind"`
	// Message says what went wrong.
	Message string `json:"message"`
	// Body is the start of the response body (at most 512 bytes).
	Body string `json:"body,omitempty"`
	// At is when the failure happened, counted from the start of the run.
	At time.Duration `json:"at_ms"`
}

// ProtocolInProcess is Result.Protocol for in-process runs: no protocol,
// the handler is called directly.
const ProtocolInProcess = "in-process"

// Failure kinds, the values of ErrorSample.Kind. They are the strings the
// JSON holds.
const (
	// KindStatus: a response came, but its status does not count as a
	// success (not 200..399, or not in Config.ExpectStatus).
	KindStatus = engine.KindStatus
	// KindTimeout: no complete response within Config.Timeout (for a
	// streamed run, no headers within it, or no next event within it).
	// When the response's headers arrived before the deadline, the sample
	// and Metrics.StatusCodes hold their status (200 for a body that never
	// ended, say); when they did not, the status is 0, no response. The
	// deadline is enforced at a granularity of Timeout/20 (1 ms to 50 ms),
	// so headers that arrive that little after it may still count.
	KindTimeout = engine.KindTimeout
	// KindPanic: the handler panicked (in-process runs); the message holds
	// the value it panicked with.
	KindPanic = engine.KindPanic
	// KindTransport: no response, for a reason other than the timeout: the
	// connection was refused or reset, TLS failed (an untrusted
	// certificate, say), the response was not valid HTTP, or
	// Config.Transport returned an error or panicked.
	KindTransport = engine.KindTransport
	// KindPayload: Config.BodyFunc returned an error, so the request was
	// not sent.
	KindPayload = engine.KindPayload
	// KindStream: a streamed response (Config.Stream) ended before
	// Config.Stream's For or Events was reached.
	KindStream = engine.KindStream
)

// Percentile returns the latency at percentile p (0..100, e.g. 99.9) from
// the run's histogram, or 0 when the run recorded nothing.
func (r *Result) Percentile(p float64) time.Duration {
	h, err := r.histogram()
	if err != nil || h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.ValueAtPercentile(p))
}

// Percentiles returns the latencies at each of ps (percents, as for
// Percentile) from one read of the run's histogram, and the number of
// latencies recorded in it. It returns nil, 0 when the run recorded
// nothing or its histogram cannot be read.
func (r *Result) Percentiles(ps ...float64) ([]time.Duration, int64) {
	h, err := r.histogram()
	if err != nil || h.TotalCount() == 0 {
		return nil, 0
	}
	out := make([]time.Duration, len(ps))
	for i, p := range ps {
		out[i] = time.Duration(h.ValueAtPercentile(p))
	}
	return out, h.TotalCount()
}

func (r *Result) histogram() (*hdrhistogram.Histogram, error) {
	if r == nil || r.Histogram == "" {
		return nil, fmt.Errorf("no histogram")
	}
	return decodeHistogram(r.Histogram)
}

// OneLine is a compact summary: method, path, mode (in-process, or the URL
// and protocol), requests, rate,
// percentiles, errors and id, then for a streamed run its streams.
func (r *Result) OneLine() string {
	m := r.Metrics
	mode := "in-process"
	if !r.InProcess {
		mode = r.URL
		if r.Protocol != "" {
			mode += " over " + r.Protocol
		}
	}
	line := fmt.Sprintf("%s %s (%s): %d requests, %d clients, %s req/s, p50 %s p95 %s p99 %s, errors %s, generator cpu %s/req, id %s",
		r.Method, r.Path, mode, m.Requests, r.Clients, format.Rate(m.RequestRate),
		format.Duration(m.Latency.P50), format.Duration(m.Latency.P95), format.Duration(m.Latency.P99),
		format.Percent(m.ErrorRate), format.Duration(m.GeneratorCPUPerRequest), r.ID)
	if st := m.Stream; st != nil {
		line += fmt.Sprintf("; streams %d, events %d, first event p50 %s, gap p50 %s p99 %s, ended early %d",
			st.Streams, st.Events, format.Duration(st.FirstEvent.P50), format.Duration(st.Gap.P50), format.Duration(st.Gap.P99), st.EndedEarly)
	}
	if m.GeneratorWarning != "" {
		line += "; warning: " + m.GeneratorWarning
	}
	return line
}

// Succeeded reports whether a response with status counted as a success in
// r's run: a status in Config.ExpectStatus when that is set, else one in
// 200..399. It is the rule the run itself applied.
func (r *Result) Succeeded(status int) bool {
	return engine.Succeeded(status, r.Config.ExpectStatus)
}

// StatusSummary renders the status distribution as count×status in
// ascending order of status, e.g. "2×no response, 498×200, 2×503": the
// form assertion failures use too.
func (m Metrics) StatusSummary() string {
	return format.Statuses(m.StatusCodes, nil)
}
