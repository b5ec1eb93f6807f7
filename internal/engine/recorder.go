package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: 1 ns .. 1 h at 3 significant digits, values in
// nanoseconds, so in-process latencies well under a microsecond keep
// three significant digits too.
const (
	histLowest  = int64(1)
	histHighest = int64(time.Hour)
	histSigFigs = 3
)

// NewHistogram returns an empty latency histogram with the engine's geometry
// (nanoseconds, 1 ns .. 1 h, 3 significant digits).
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histSigFigs)
}

// shard is a histogram shared by a few workers. Workers batch their
// latencies locally and take the lock once per batch, not per request.
type shard struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
	lag  *hdrhistogram.Histogram // open model only: send lag
	// Streamed runs only: the time to each stream's first event, and the
	// gaps between events (recorded by the workers' streamObs).
	first, gap *hdrhistogram.Histogram
}

const batchSize = 256

// recorder is one worker's private tally. Only its worker writes to it
// while the worker is live; the live counters are atomics so Progress can
// read them from another goroutine.
type recorder struct {
	shard *shard
	lat   [batchSize]int64
	nlat  int
	lags  [batchSize]int64 // open model: send lags, flushed with lat
	nlags int

	status    [1000]int64 // by status code; 0 = no response
	succeeded int64
	failed    int64
	bytesIn   int64
	bytesOut  int64
	late      int64
	maxLag    time.Duration

	stream streamTally // streamed runs only

	done       atomic.Int64 // requests finished, for Progress
	doneFailed atomic.Int64 // of which failed
	_          [64]byte     // keep neighbouring recorders off this cache line
}

func (r *recorder) record(lat time.Duration, status int, ok bool, in, out int64) {
	v := int64(lat)
	if v < histLowest {
		v = histLowest
	} else if v > histHighest {
		v = histHighest
	}
	r.lat[r.nlat] = v
	r.nlat++
	if r.nlat == batchSize {
		r.flush()
	}
	if status >= 0 && status < len(r.status) {
		r.status[status]++
	}
	r.bytesIn += in
	r.bytesOut += out
	if ok {
		r.succeeded++
	} else {
		r.failed++
		r.doneFailed.Store(r.failed)
	}
	r.done.Store(r.succeeded + r.failed)
}

// lagged notes an open-model send that left lag after its scheduled time.
func (r *recorder) lagged(lag time.Duration) {
	if lag > lateThreshold {
		r.late++
	}
	r.maxLag = max(r.maxLag, lag)
	v := min(max(int64(lag), histLowest), histHighest)
	r.lags[r.nlags] = v
	r.nlags++
	if r.nlags == batchSize {
		r.flush()
	}
}

// streamed notes a stream that received events, the first after first,
// and whether the server ended it early.
func (r *recorder) streamed(events int64, first time.Duration, endedEarly bool) {
	t := &r.stream
	if t.streams == 0 || events < t.minEvents {
		t.minEvents = events
	}
	t.maxEvents = max(t.maxEvents, events)
	t.streams++
	t.events += events
	if endedEarly {
		t.endedEarly++
	}
	if events > 0 {
		t.firsts[t.nfirsts] = clampHist(int64(first))
		t.nfirsts++
		if t.nfirsts == len(t.firsts) {
			r.flush()
		}
	}
}

func (r *recorder) flush() {
	if r.nlat == 0 && r.nlags == 0 && r.stream.nfirsts == 0 {
		return
	}
	r.shard.mu.Lock()
	for _, v := range r.lat[:r.nlat] {
		_ = r.shard.hist.RecordValue(v) // clamped above, so never out of range
	}
	if r.shard.lag != nil {
		for _, v := range r.lags[:r.nlags] {
			_ = r.shard.lag.RecordValue(v)
		}
	}
	if r.shard.first != nil {
		for _, v := range r.stream.firsts[:r.stream.nfirsts] {
			_ = r.shard.first.RecordValue(v)
		}
	}
	r.shard.mu.Unlock()
	r.nlat, r.nlags, r.stream.nfirsts = 0, 0, 0
}

// sampler keeps the first MaxSamples failures.
type sampler struct {
	full    atomic.Bool
	mu      sync.Mutex
	samples []Sample
}

// MaxSamples is how many failures a run keeps as samples.
const MaxSamples = 100

// wants reports whether a sample could still be kept: a cheap check so
// callers skip building samples (and copying bodies) once there are enough.
func (s *sampler) wants() bool { return !s.full.Load() }

func (s *sampler) add(smp Sample) {
	if s.full.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) >= MaxSamples {
		return
	}
	s.samples = append(s.samples, smp)
	if len(s.samples) == MaxSamples {
		s.full.Store(true)
	}
}
