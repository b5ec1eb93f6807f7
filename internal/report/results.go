package report

import (
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// Results writes the full report of one run: its name and id; target and
// protocol, start, duration, clients, requests, successes and failures;
// throughput and request rate; the connections an HTTP run opened; an
// open-model run's send lag; every latency percentile; a streamed run's
// streams, events and their timing (time to the first event, gaps between
// events); the status codes
// (2xx and 3xx green, 4xx yellow, 5xx and no response red, when o.Color);
// the first o.MaxErrors error samples; and the run's configuration. r's
// secrets were hidden where it was made (or read back from a Store);
// control characters in stored text are not printed.
func Results(w io.Writer, r *loadtesting.Result, o Options) error {
	if r == nil {
		return fmt.Errorf("report: no result")
	}
	p := palette{o.Color}
	m := r.Metrics
	ew := &errWriter{w: w}

	title := r.Name
	if title == "" {
		title = r.Method + " " + r.Path
	}
	ew.printf("%s  %s\n\n", p.bold(clean(title)), p.faint("run "+clean(r.ID)))

	target := clean(r.URL) + " (in-process)"
	if !r.InProcess {
		target = clean(r.URL) + " (over HTTP)"
		if r.Protocol != "" {
			target = clean(r.URL) + " (over " + clean(r.Protocol) + ")"
		}
	}
	started := "unknown"
	if !r.StartedAt.IsZero() {
		started = r.StartedAt.UTC().Format("2006-01-02 15:04:05 MST") + " (" + Ago(o.now(), r.StartedAt) + ")"
	}
	summary := [][]string{
		{"Request", p.method(clean(r.Method)) + " " + clean(r.Path)},
		{"Target", target},
		{"Started", started},
		{"Duration", format.Duration(r.Duration)},
		{"Clients", strconv.Itoa(r.Clients)},
		{"Requests", strconv.FormatInt(m.Requests, 10)},
		{"Succeeded", fmt.Sprintf("%d (%s)", m.Succeeded, format.Percent(ratio(m.Succeeded, m.Requests)))},
		{"Failed", failed(p, m)},
		{"Throughput", format.Rate(m.Throughput) + " req/s (successful responses)"},
		{"Request rate", format.Rate(m.RequestRate) + " req/s (all responses)"},
		{"Data", fmt.Sprintf("%s received, %s sent", bytesText(m.BytesIn), bytesText(m.BytesOut))},
	}
	if m.Connections > 0 {
		summary = append(summary, []string{"Connections", Connections(m, r.Clients)})
	}
	if lag := SendLag(m); lag != "" {
		summary = append(summary, []string{"Send lag", lag})
	}
	if m.GeneratorCPU > 0 {
		gen := fmt.Sprintf("%s CPU per request, %s busy of %d cores", format.Duration(m.GeneratorCPUPerRequest),
			format.Percent(m.GeneratorBusy), m.GeneratorCores)
		if r.InProcess {
			gen += " (handler included)"
		}
		summary = append(summary, []string{"Generator", gen})
		if m.GeneratorBound {
			summary = append(summary, []string{"", p.yellow("warning: " + clean(m.GeneratorWarning))})
		}
	}
	ew.table(nil, summary)

	l := m.Latency
	if m.Stream != nil || r.Config.Stream != nil {
		ew.section(p, "Latency (to the response headers)")
	} else {
		ew.section(p, "Latency")
	}
	ew.table(
		[]string{"MIN", "MEAN", "STDDEV", "P50", "P75", "P90", "P95", "P99", "P99.9", "MAX"},
		[][]string{{
			format.Duration(l.Min), format.Duration(l.Mean), format.Duration(l.StdDev),
			format.Duration(l.P50), format.Duration(l.P75), format.Duration(l.P90),
			format.Duration(l.P95), format.Duration(l.P99), format.Duration(l.P999),
			format.Duration(l.Max),
		}})

	if st := m.Stream; st != nil {
		ew.section(p, "Stream")
		ended := strconv.FormatInt(st.EndedEarly, 10)
		if st.EndedEarly > 0 {
			ended = p.red(ended + " (each is a failure of kind " + loadtesting.KindStream + ")")
		}
		ew.table(nil, [][]string{
			{"Streams", strconv.FormatInt(st.Streams, 10)},
			{"Events", StreamEvents(st)},
			{"Ended early", ended},
		})
		ew.printf("\n")
		ew.table(
			[]string{"", "P50", "P95", "P99", "MAX"},
			[][]string{
				{"First event", format.Duration(st.FirstEvent.P50), format.Duration(st.FirstEvent.P95), format.Duration(st.FirstEvent.P99), format.Duration(st.FirstEvent.Max)},
				{"Gap", format.Duration(st.Gap.P50), format.Duration(st.Gap.P95), format.Duration(st.Gap.P99), format.Duration(st.Gap.Max)},
			})
	}

	ew.section(p, "Status codes")
	if len(m.StatusCodes) == 0 {
		ew.printf("none recorded\n")
	} else {
		codes := slices.Sorted(maps.Keys(m.StatusCodes))
		rows := make([][]string, 0, len(codes))
		for _, c := range codes {
			label := strconv.Itoa(c)
			if c == 0 {
				label = "none"
			}
			n := m.StatusCodes[c]
			rows = append(rows, []string{p.status(c, label), strconv.FormatInt(n, 10), format.Percent(ratio(n, m.Requests))})
		}
		ew.table([]string{"STATUS", "COUNT", "SHARE"}, rows)
	}

	if len(m.Errors) > 0 || m.Failed > 0 {
		ew.errors(p, m, o.maxErrors())
	}

	ew.section(p, "Config")
	ew.table(nil, configRows(r))
	return ew.err
}

// Connections says in words how many connections a run with clients
// clients opened, and, when it opened one per request, that none was kept
// alive. The text report and the dashboard both show it.
func Connections(m loadtesting.Metrics, clients int) string {
	s := fmt.Sprintf("%d opened", m.Connections)
	if m.Requests > int64(clients) && m.Connections >= m.Requests {
		s += " (one per request: no connection was kept alive)"
	}
	return s
}

// SendLag says in words how late an open-model run's requests left after
// their scheduled send times: percentiles of the lag, and how many left
// more than a millisecond late. It is "" for a closed-model run (or one
// stored before the figure existed). The text report and the dashboard
// both show it.
func SendLag(m loadtesting.Metrics) string {
	l := m.SendLag
	if l == nil {
		return ""
	}
	s := fmt.Sprintf("p50 %s, p99 %s, max %s; ", format.Duration(l.P50), format.Duration(l.P99), format.Duration(l.Max))
	if m.LateSends == 0 {
		return s + "none sent more than 1ms late"
	}
	return s + fmt.Sprintf("%d of %d sent more than 1ms late (latency counts from the scheduled time)", m.LateSends, m.Requests)
}

// StreamEvents says in words how many events a streamed run received, in
// all and per stream: "50 (per stream: min 10, mean 10, max 10)". The text
// report and the dashboard both show it.
func StreamEvents(s *loadtesting.StreamMetrics) string {
	e := s.EventsPerStream
	return fmt.Sprintf("%d (per stream: min %d, mean %s, max %d)", s.Events, e.Min, format.Rate(e.Mean), e.Max)
}

// StreamConfig says in words how long each request of a streamed run read
// its stream: "for 2.00s or 10 events, whichever comes first". It is ""
// for a run that was not streamed (c nil). The text report and the
// dashboard both show it.
func StreamConfig(c *loadtesting.StreamConfig) string {
	switch {
	case c == nil:
		return ""
	case c.For > 0 && c.Events > 0:
		return fmt.Sprintf("for %s or %s, whichever comes first", format.Duration(c.For), events(c.Events))
	case c.For > 0:
		return "for " + format.Duration(c.For)
	}
	return "until " + events(c.Events)
}

func events(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

func failed(p palette, m loadtesting.Metrics) string {
	s := fmt.Sprintf("%d (%s)", m.Failed, format.Percent(m.ErrorRate))
	if m.Failed > 0 {
		return p.red(s)
	}
	return s
}

// errors writes up to limit error samples and says how many failures are not
// shown.
func (ew *errWriter) errors(p palette, m loadtesting.Metrics, limit int) {
	ew.section(p, "Errors")
	shown := min(limit, len(m.Errors))
	if shown > 0 {
		rows := make([][]string, 0, shown)
		for _, e := range m.Errors[:shown] {
			status := "none"
			if e.Status != 0 {
				status = strconv.Itoa(e.Status)
			}
			msg := e.Message
			if e.Body != "" {
				msg += ": " + e.Body
			}
			rows = append(rows, []string{
				strconv.FormatInt(e.Request, 10), format.Duration(e.At), p.status(e.Status, status), clean(e.Kind), oneLine(msg, 100),
			})
		}
		ew.table([]string{"REQUEST", "AT", "STATUS", "KIND", "MESSAGE"}, rows)
	}
	total := max(m.Failed, int64(len(m.Errors)))
	if more := total - int64(shown); more > 0 {
		note := fmt.Sprintf("and %d more failed requests", more)
		if len(m.Errors) > shown {
			note += fmt.Sprintf(" (--json has samples of the first %d)", len(m.Errors))
		}
		ew.printf("%s\n", note)
	}
}

func configRows(r *loadtesting.Result) [][]string {
	c := r.Config
	rows := [][]string{}
	if c.Requests > 0 {
		rows = append(rows, []string{"Requests", strconv.FormatInt(c.Requests, 10)})
	}
	if c.Duration > 0 {
		rows = append(rows, []string{"Duration", format.Duration(c.Duration)})
	}
	rate := "as fast as possible (closed model)"
	if c.Rate > 0 {
		rate = strconv.FormatFloat(c.Rate, 'g', -1, 64) + " req/s (open model)"
	}
	rows = append(rows,
		[]string{"Clients", strconv.Itoa(r.Clients)},
		[]string{"Rate", rate},
		[]string{"Timeout", format.Duration(c.Timeout)},
	)
	if s := StreamConfig(c.Stream); s != "" {
		rows[len(rows)-1][1] += " (for the headers, and for each gap between events)"
		rows = append(rows, []string{"Stream", "each response read " + s})
	}
	if len(c.PathParams) > 0 {
		keys := make([]string, 0, len(c.PathParams))
		for k := range c.PathParams {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + c.PathParams[k]
		}
		rows = append(rows, []string{"Path params", oneLine(strings.Join(parts, " "), 200)})
	}
	if len(c.Query) > 0 {
		rows = append(rows, []string{"Query", clean(url.Values(c.Query).Encode())})
	}
	if len(c.Headers) > 0 {
		keys := make([]string, 0, len(c.Headers))
		for k := range c.Headers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			label := ""
			if i == 0 {
				label = "Headers"
			}
			rows = append(rows, []string{label, oneLine(k, 80) + ": " + oneLine(strings.Join(c.Headers[k], ", "), 80)})
		}
	}
	switch {
	case c.BodyFunc:
		rows = append(rows, []string{"Body", "a fresh payload per request (BodyFunc)"})
	case c.BodyBytes > 0:
		rows = append(rows, []string{"Body", bytesText(int64(c.BodyBytes))})
	}
	if len(c.ExpectStatus) > 0 {
		parts := make([]string, len(c.ExpectStatus))
		for i, s := range c.ExpectStatus {
			parts[i] = strconv.Itoa(s)
		}
		rows = append(rows, []string{"Success", "status " + strings.Join(parts, ", ")})
	} else {
		rows = append(rows, []string{"Success", "status 200..399"})
	}
	if len(c.Tags) > 0 {
		rows = append(rows, []string{"Tags", oneLine(strings.Join(c.Tags, ", "), 200)})
	}
	return rows
}

// bytesText renders a byte count in binary units: 512 B, 12.3 KiB, 4.00 MiB.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		if v < unit || u == "TiB" {
			return format.Rate(v) + " " + u
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

func ratio(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// errWriter keeps the first write error so Results reads straight through.
type errWriter struct {
	w   io.Writer
	err error
}

func (ew *errWriter) printf(format string, args ...any) {
	if ew.err != nil {
		return
	}
	_, ew.err = fmt.Fprintf(ew.w, format, args...)
}

func (ew *errWriter) section(p palette, title string) {
	ew.printf("\n%s\n", p.bold(title))
}

func (ew *errWriter) table(header []string, rows [][]string) {
	if ew.err != nil {
		return
	}
	ew.err = table(ew.w, header, rows)
}
