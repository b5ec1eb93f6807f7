package loadtesting

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/apiload/apiload/internal/engine"
)

// maxErrorSamples is how many failures a Result keeps as samples.
const maxErrorSamples = 100

// Merge combines the Results of the shards of one run (processes that each
// sent a share of its load, see Config.Shard) into the Result of the whole
// run. It merges exactly what can be merged exactly:
//
//   - counts, status codes, bytes, connections and late sends are summed;
//   - the latency histograms are merged, so every percentile of the merged
//     Result is the percentile of all its requests, and Metrics.Latency is
//     read from the merged histogram;
//   - StartedAt is the earliest start and Duration runs to the latest end,
//     and the rates are recomputed over that span;
//   - error samples are concatenated in the order of the shards given,
//     each At shifted to count from the merged StartedAt (Request stays
//     the shard's own request number), and capped at 100;
//   - generator CPU and cores are summed; GeneratorBound is true when any
//     shard's generator was bound, with that shard's warning;
//   - Clients and the Requests, Rate and RampTo of Config are summed: the
//     whole run's settings.
//
// Metrics.SendLag is a summary without a histogram, so it cannot be merged
// exactly: the merged Result has none (each shard keeps its own).
//
// Metrics.Stream is merged exactly too: its counts are summed, the fewest
// and most events per stream are the shards' fewest and most, the mean is
// recomputed, and FirstEvent and Gap are read from the shards' merged
// histograms. A shard with stream counts but no histograms is an error.
//
// The merged Result's ID is the run id (Result.RunID) when the shards have
// one, else the first shard's ID; its Shard is nil. Shards of different
// runs, or of different configurations (name, method, path, URL, headers,
// and the rest of Config apart from the shares above), are an error naming
// both; so are two Results for the same shard index. Merge does not modify
// its arguments. Merge of one Result returns a copy of it as a merged
// Result.
func Merge(shards ...*Result) (*Result, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge: no results")
	}
	for i, s := range shards {
		if s == nil {
			return nil, fmt.Errorf("merge: result %d is nil", i)
		}
	}
	first := shards[0]
	seen := map[int]string{}
	for _, s := range shards {
		if s.RunID != first.RunID {
			return nil, fmt.Errorf("merge: result %s is of run %q, result %s of run %q", first.ID, first.RunID, s.ID, s.RunID)
		}
		if diff := configDiff(first, s); diff != "" {
			return nil, fmt.Errorf("merge: results %s and %s have different configurations (%s)", first.ID, s.ID, diff)
		}
		if s.Shard != nil {
			if other, dup := seen[s.Shard.Index]; dup {
				return nil, fmt.Errorf("merge: results %s and %s are both shard %d of run %q", other, s.ID, s.Shard.Index, s.RunID)
			}
			seen[s.Shard.Index] = s.ID
		}
	}

	hist, err := decodeHistogram(first.Histogram)
	if err != nil {
		return nil, fmt.Errorf("merge: result %s: %w", first.ID, err)
	}
	for _, s := range shards[1:] {
		h, err := decodeHistogram(s.Histogram)
		if err != nil {
			return nil, fmt.Errorf("merge: result %s: %w", s.ID, err)
		}
		if dropped := hist.Merge(h); dropped > 0 {
			return nil, fmt.Errorf("merge: result %s: %d latencies outside the range of result %s's histogram", s.ID, dropped, first.ID)
		}
	}
	enc, err := hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("merge: encode histogram: %w", err)
	}

	start, end := first.StartedAt, first.StartedAt.Add(first.Duration)
	for _, s := range shards[1:] {
		if s.StartedAt.Before(start) {
			start = s.StartedAt
		}
		if e := s.StartedAt.Add(s.Duration); e.After(end) {
			end = e
		}
	}

	out := &Result{
		Schema:    SchemaVersion,
		ID:        first.ID,
		Name:      first.Name,
		Method:    first.Method,
		Path:      first.Path,
		URL:       first.URL,
		StartedAt: start,
		Duration:  end.Sub(start),
		InProcess: first.InProcess,
		Config:    cloneRunConfig(first.Config),
		Histogram: string(enc),
		RunID:     first.RunID,
	}
	if first.RunID != "" {
		out.ID = first.RunID
	}
	out.Config.Requests, out.Config.Rate, out.Config.RampTo = 0, 0, 0
	m := &out.Metrics
	m.StatusCodes = map[int]int64{}
	var cpu time.Duration
	var protocols []string
	for _, s := range shards {
		out.Clients += s.Clients
		out.Config.Requests += s.Config.Requests
		out.Config.Rate += s.Config.Rate
		out.Config.RampTo += s.Config.RampTo
		for _, p := range strings.Split(s.Protocol, ", ") {
			if p != "" && !slices.Contains(protocols, p) {
				protocols = append(protocols, p)
			}
		}
		sm := s.Metrics
		m.Requests += sm.Requests
		m.Succeeded += sm.Succeeded
		m.Failed += sm.Failed
		m.LateSends += sm.LateSends
		m.BytesIn += sm.BytesIn
		m.BytesOut += sm.BytesOut
		m.Connections += sm.Connections
		for code, n := range sm.StatusCodes {
			m.StatusCodes[code] += n
		}
		shift := s.StartedAt.Sub(start)
		for _, e := range sm.Errors {
			if len(m.Errors) == maxErrorSamples {
				break
			}
			e.At += shift
			m.Errors = append(m.Errors, e)
		}
		cpu += sm.GeneratorCPU
		m.GeneratorCores += sm.GeneratorCores
		if sm.GeneratorBound && !m.GeneratorBound {
			m.GeneratorBound = true
			m.GeneratorWarning = sm.GeneratorWarning
			if s.Shard != nil {
				m.GeneratorWarning = fmt.Sprintf("shard %d: %s", s.Shard.Index, sm.GeneratorWarning)
			}
		}
	}
	out.Protocol = strings.Join(protocols, ", ")
	if m.Requests > 0 {
		m.ErrorRate = float64(m.Failed) / float64(m.Requests)
		m.GeneratorCPUPerRequest = cpu / time.Duration(m.Requests)
	}
	if secs := out.Duration.Seconds(); secs > 0 {
		m.Throughput = float64(m.Succeeded) / secs
		m.RequestRate = float64(m.Requests) / secs
	}
	if hist.TotalCount() > 0 {
		m.Latency = summarise(hist)
	}
	if m.Stream, err = mergeStream(shards); err != nil {
		return nil, err
	}
	m.GeneratorCPU = cpu
	if m.GeneratorCores > 0 && out.Duration > 0 {
		m.GeneratorBusy = cpu.Seconds() / (float64(m.GeneratorCores) * out.Duration.Seconds())
	}
	return out, nil
}

// configDiff names what differs between the configurations of a and b,
// apart from the per-shard shares (Clients, Config.Requests, Config.Rate,
// Config.RampTo); "" when nothing does.
func configDiff(a, b *Result) string {
	var diffs []string
	cmp := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			diffs = append(diffs, fmt.Sprintf("%s %v and %v", name, x, y))
		}
	}
	cmp("name", a.Name, b.Name)
	cmp("method", a.Method, b.Method)
	cmp("path", a.Path, b.Path)
	cmp("url", a.URL, b.URL)
	cmp("in-process", a.InProcess, b.InProcess)
	ac, bc := a.Config, b.Config
	ac.Requests, ac.Rate, ac.RampTo = 0, 0, 0
	bc.Requests, bc.Rate, bc.RampTo = 0, 0, 0
	av, bv := reflect.ValueOf(normalConfig(ac)), reflect.ValueOf(normalConfig(bc))
	for i := range av.NumField() {
		name, _, _ := strings.Cut(av.Type().Field(i).Tag.Get("json"), ",")
		cmp("config "+name, av.Field(i).Interface(), bv.Field(i).Interface())
	}
	var as, bs int
	if a.Shard != nil {
		as = a.Shard.Count
	}
	if b.Shard != nil {
		bs = b.Shard.Count
	}
	cmp("shard count", as, bs)
	return strings.Join(diffs, ", ")
}

// normalConfig makes empty maps and slices nil, so that a Config read back
// from JSON equals the one written.
func normalConfig(c RunConfig) RunConfig {
	if len(c.PathParams) == 0 {
		c.PathParams = nil
	}
	if len(c.Query) == 0 {
		c.Query = nil
	}
	if len(c.Headers) == 0 {
		c.Headers = nil
	}
	if len(c.ExpectStatus) == 0 {
		c.ExpectStatus = nil
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return c
}

// cloneRunConfig returns a copy of c sharing no map or slice with it.
func cloneRunConfig(c RunConfig) RunConfig {
	if c.PathParams != nil {
		pp := make(map[string]string, len(c.PathParams))
		for k, v := range c.PathParams {
			pp[k] = v
		}
		c.PathParams = pp
	}
	c.Query = cloneValues(c.Query)
	c.Headers = c.Headers.Clone()
	c.ExpectStatus = slices.Clone(c.ExpectStatus)
	c.Tags = slices.Clone(c.Tags)
	return c
}

func cloneValues[M ~map[string][]string](m M) M {
	if m == nil {
		return nil
	}
	out := make(M, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// mergeStream combines the shards' stream metrics; nil when no shard has
// any (the run was not streamed).
func mergeStream(shards []*Result) (*StreamMetrics, error) {
	var out *StreamMetrics
	var first, gap *hdrhistogram.Histogram
	for _, s := range shards {
		sm := s.Metrics.Stream
		if sm == nil {
			continue
		}
		f, err := streamHistogram(s, "first-event", sm.FirstEventHistogram, sm.FirstEvent != (Latency{}))
		if err != nil {
			return nil, err
		}
		g, err := streamHistogram(s, "gap", sm.GapHistogram, sm.Gap != (Latency{}))
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = &StreamMetrics{}
			first, gap = f, g
		} else {
			for _, h := range []struct {
				into, from *hdrhistogram.Histogram
				what       string
			}{{first, f, "first-event times"}, {gap, g, "gaps"}} {
				if dropped := h.into.Merge(h.from); dropped > 0 {
					return nil, fmt.Errorf("merge: result %s: %d %s outside the histogram's range", s.ID, dropped, h.what)
				}
			}
		}
		if sm.Streams > 0 {
			if out.Streams == 0 || sm.EventsPerStream.Min < out.EventsPerStream.Min {
				out.EventsPerStream.Min = sm.EventsPerStream.Min
			}
			out.EventsPerStream.Max = max(out.EventsPerStream.Max, sm.EventsPerStream.Max)
		}
		out.Streams += sm.Streams
		out.Events += sm.Events
		out.EndedEarly += sm.EndedEarly
	}
	if out == nil {
		return nil, nil
	}
	if out.Streams > 0 {
		out.EventsPerStream.Mean = float64(out.Events) / float64(out.Streams)
	}
	if first.TotalCount() > 0 {
		out.FirstEvent = summarise(first)
	}
	if gap.TotalCount() > 0 {
		out.Gap = summarise(gap)
	}
	for _, h := range []struct {
		enc *string
		h   *hdrhistogram.Histogram
	}{{&out.FirstEventHistogram, first}, {&out.GapHistogram, gap}} {
		b, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, fmt.Errorf("merge: encode stream histogram: %w", err)
		}
		*h.enc = string(b)
	}
	return out, nil
}

// streamHistogram decodes one of a shard's stream histograms. An empty one
// is an empty histogram only when the shard recorded nothing into it
// (recorded is false): otherwise the merge could not be exact.
func streamHistogram(s *Result, what, enc string, recorded bool) (*hdrhistogram.Histogram, error) {
	if enc == "" {
		if recorded {
			return nil, fmt.Errorf("merge: result %s: stream metrics without a %s histogram: cannot merge exactly", s.ID, what)
		}
		return engine.NewHistogram(), nil
	}
	h, err := decodeHistogram(enc)
	if err != nil {
		return nil, fmt.Errorf("merge: result %s: %s %w", s.ID, what, err)
	}
	return h, nil
}
