package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Sample is one sampled failure.
type Sample struct {
	Request int64         // request number, from 0
	Status  int           // 0 when there was no response
	Kind    string        // "status", "timeout", "panic", "transport", "payload" or "stream"
	Message string        // what went wrong, in words
	Body    string        // up to BodyPrefixLimit bytes of the response body
	At      time.Duration // time into the run when the failure was recorded
}

// Failure kinds used in Sample.Kind.
const (
	KindStatus    = "status"
	KindTimeout   = "timeout"
	KindPanic     = "panic"
	KindTransport = "transport"
	KindPayload   = "payload"
	KindStream    = "stream"
)

// Report is what a run measured.
type Report struct {
	Start   time.Time     // when the first request could be sent
	Elapsed time.Duration // from Start to the last response

	Requests  int64 // responses and failures recorded
	Succeeded int64
	Failed    int64
	Status    map[int]int64 // responses by status code; 0 counts requests with no response
	BytesIn   int64         // response body bytes
	BytesOut  int64         // request body bytes
	// Connections counts the connections the run's Transport opened: one
	// per client when keep-alive held, more when the server closed some
	// (a keep-alive timeout or request limit). 0 in-process.
	Connections int64

	// Latency holds every recorded request's latency in nanoseconds.
	Latency *hdrhistogram.Histogram
	// Errors holds the first MaxSamples failures.
	Errors []Sample

	// LateSends counts open-model requests sent more than a millisecond
	// after their scheduled time; MaxLag is the largest send lag seen.
	LateSends int64
	MaxLag    time.Duration
	// SendLag holds, for open-model runs, every request's send lag (actual
	// minus scheduled send time) in nanoseconds; it is empty in the closed
	// model. Lag is not hidden by catching up: a late request is sent at
	// once, and its latency still counts from its scheduled time.
	SendLag *hdrhistogram.Histogram

	// Stream holds the stream measurements of a streamed run
	// (Plan.Streaming); nil for any other.
	Stream *StreamReport

	// CPU is the process's CPU time (user + system, from getrusage) over
	// the run. It is the generator's own cost for runs over the network;
	// in-process it includes the handler's. 0 where getrusage is missing.
	CPU time.Duration
	// Cores is how many CPUs the process could use (GOMAXPROCS) during the run.
	Cores int
}

// Progress is a cheap snapshot of a run in flight.
type Progress struct {
	Done    int64 // requests finished
	Failed  int64 // of which failed
	Elapsed time.Duration
}

// Runner is a run in progress. Progress may be called from any goroutine.
type Runner struct {
	plan  Plan
	ctx   context.Context
	start time.Time

	next    atomic.Int64 // next request number to hand out
	stop    atomic.Bool
	shards  []*shard
	sampler sampler

	mu      sync.Mutex // guards workers (the watchdog appends replacements)
	workers []*worker
	wg      sync.WaitGroup

	watchdogDone chan struct{}
	stopWatchdog chan struct{}
	result       chan runResult
}

type runResult struct {
	rep *Report
	err error
}

// Worker states.
const (
	stateIdle int32 = iota
	stateInFlight
	stateAbandoned
)

type worker struct {
	id    int
	rec   *recorder
	state atomic.Int32
	cur   atomic.Pointer[reqCtx]
	so    *streamObs // streamed runs: made by the worker's goroutine on first use
}

// lateThreshold is how late an open-model send may leave before it counts as late.
const lateThreshold = time.Millisecond

// Start begins the run described by p and returns at once. The run ends when
// p's count or duration is reached or ctx ends; Wait returns its Report.
func Start(ctx context.Context, p Plan) *Runner {
	clients := p.Clients
	if p.Requests > 0 && int64(clients) > p.Requests {
		clients = int(p.Requests)
	}
	r := &Runner{
		plan:         p,
		ctx:          ctx,
		watchdogDone: make(chan struct{}),
		stopWatchdog: make(chan struct{}),
		result:       make(chan runResult, 1),
	}
	nshards := min(clients, runtime.GOMAXPROCS(0))
	for range max(nshards, 1) {
		sh := &shard{hist: NewHistogram()}
		if p.Rate > 0 {
			sh.lag = NewHistogram()
		}
		if p.Streaming() {
			sh.first, sh.gap = NewHistogram(), NewHistogram()
		}
		r.shards = append(r.shards, sh)
	}
	cc, _ := p.Transport.(connCounter)
	var conns0 int64
	if cc != nil {
		conns0 = cc.connections()
	}
	cpu0 := processCPU()
	r.start = time.Now()
	var durTimer *time.Timer
	if p.Duration > 0 {
		durTimer = time.AfterFunc(p.Duration, func() { r.stop.Store(true) })
	}
	r.mu.Lock()
	for i := range clients {
		r.spawnLocked(i)
	}
	r.mu.Unlock()
	go r.watchdog()
	go func() {
		r.wg.Wait()
		end := time.Now()
		cpu := processCPU() - cpu0
		if durTimer != nil {
			durTimer.Stop()
		}
		close(r.stopWatchdog)
		<-r.watchdogDone
		rep := r.report(end)
		rep.CPU, rep.Cores = cpu, runtime.GOMAXPROCS(0)
		if cc != nil {
			rep.Connections = cc.connections() - conns0
		}
		r.result <- runResult{rep, ctx.Err()}
	}()
	return r
}

// Run starts p and waits for its Report. The error is ctx's error when ctx
// ended the run early; the Report then holds what finished before it.
func Run(ctx context.Context, p Plan) (*Report, error) {
	return Start(ctx, p).Wait()
}

// Wait blocks until the run ends and returns its Report. Call it once.
func (r *Runner) Wait() (*Report, error) {
	res := <-r.result
	r.plan.Transport.CloseIdle()
	return res.rep, res.err
}

// Progress returns the counters of the run so far.
func (r *Runner) Progress() Progress {
	var p Progress
	r.mu.Lock()
	for _, w := range r.workers {
		p.Done += w.rec.done.Load()
		p.Failed += w.rec.doneFailed.Load()
	}
	r.mu.Unlock()
	p.Elapsed = time.Since(r.start)
	return p
}

func (r *Runner) spawnLocked(id int) {
	w := &worker{id: id, rec: &recorder{shard: r.shards[id%len(r.shards)]}}
	r.workers = append(r.workers, w)
	r.wg.Add(1)
	go r.work(w)
}

// claim hands out the next batch of request numbers: [n, end).
func (r *Runner) claim(batch int64) (n, end int64, ok bool) {
	n = r.next.Add(batch) - batch
	end = n + batch
	if total := r.plan.Requests; total > 0 {
		if n >= total {
			return 0, 0, false
		}
		end = min(end, total)
	}
	return n, end, true
}

func (r *Runner) batch() int64 {
	if r.plan.Rate > 0 || r.plan.Requests == 0 {
		return 1
	}
	b := r.plan.Requests / int64(r.plan.Clients*64)
	return max(1, min(b, 64))
}

func (r *Runner) work(w *worker) {
	sender := r.plan.Transport.NewSender()
	fast, _ := sender.(planSender)
	if fast != nil && !fast.preparePlan(&r.plan) {
		fast = nil
	}
	cn, _ := sender.(canceler)
	batch := r.batch()
	pace := newPacer(&r.plan)
	defer func() {
		pace.close()
		if w.state.Load() == stateAbandoned {
			return // the watchdog finished our recorder and accounted for us
		}
		w.rec.flush()
		r.wg.Done()
	}()
	for {
		n, end, ok := r.claim(batch)
		if !ok {
			return
		}
		for ; n < end; n++ {
			if r.stop.Load() || r.ctx.Err() != nil {
				return
			}
			var sched time.Time
			if r.plan.Rate > 0 {
				offset, ok := pace.offset(n)
				if !ok {
					return
				}
				sched = r.start.Add(offset)
				if !pace.wait(r.ctx, sched) {
					return
				}
			}
			if !r.send(w, sender, fast, cn, n, sched) {
				return // abandoned by the watchdog: the run goes on without this goroutine
			}
		}
	}
}

// send performs request n and records it. It returns false when the
// watchdog abandoned the worker while the request hung.
func (r *Runner) send(w *worker, s Sender, fast planSender, cn canceler, n int64, sched time.Time) bool {
	p := &r.plan
	body := p.Body
	if p.BodyFunc != nil {
		var err error
		body, err = p.BodyFunc(n)
		if err != nil {
			now := time.Now()
			w.rec.record(0, 0, false, 0, 0)
			r.sampler.add(Sample{Request: n, Kind: KindPayload, Message: "payload: " + err.Error(), At: now.Sub(r.start)})
			return true
		}
	}
	now := time.Now()
	if sched.IsZero() {
		sched = now
	} else {
		w.rec.lagged(now.Sub(sched))
	}
	rc := &reqCtx{parent: r.ctx, deadline: now.Add(p.Timeout), n: n, sched: sched, sent: now, onCancel: cn}
	so := r.streamObs(w) // nil unless the plan streams
	if so != nil {
		so.begin(rc)
	}
	var req *http.Request
	if fast == nil {
		req = r.newRequest(rc, body)
	}
	w.state.Store(stateInFlight)
	w.cur.Store(rc)
	if r.ctx.Err() != nil {
		// The run was cancelled as this request started, and the watchdog's
		// scan of the requests in flight may have just missed it: cancel it
		// now rather than at the watchdog's next tick.
		rc.cancel(&runCancelled{context.Cause(r.ctx)})
	}
	var out Outcome
	var err error
	if fast != nil {
		err = fast.sendPlan(rc, body, &out)
	} else {
		err = s.Send(req, &out)
	}
	end := time.Now()
	if so != nil {
		so.settle()
	}
	w.cur.Store(nil)
	if !w.state.CompareAndSwap(stateInFlight, stateIdle) {
		return false
	}
	if cerr := rc.reason(); cerr != nil && cerr != context.DeadlineExceeded && cerr != errStreamDone {
		return true // the run was cancelled under this request: not a measurement
	}
	lat := end.Sub(sched)
	timedOut := rc.timedOut()
	var opened, endedEarly bool
	if so != nil {
		opened = so.opened
		if !so.headers.IsZero() && !out.Late {
			lat = so.headers.Sub(sched) // a stream's latency is the time to its headers
		}
		so.flushGaps()
	}
	switch {
	case opened:
		// A stream outlives Timeout by design: only a gap longer than it
		// (or the wait for the headers) is a timeout.
		timedOut = timedOut || so.end == streamTimedOut
		var perr *PanicError
		endedEarly = !timedOut && (so.end == streamEnded || so.end == streamFailed && !errors.As(err, &perr))
		if so.end == streamDone || endedEarly {
			err = nil // the stream's end is the measurement, not a transport failure
		}
		w.rec.streamed(so.events, so.first, endedEarly)
	default:
		timedOut = timedOut || end.Sub(now) > p.Timeout
	}
	if timedOut && out.Late {
		out.Status = 0 // headers written after the deadline were never a response
	}
	ok := err == nil && !timedOut && !endedEarly && Succeeded(out.Status, p.ExpectStatus)
	w.rec.record(lat, out.Status, ok, out.BytesIn, int64(len(body)))
	if !ok && r.sampler.wants() { // past the first MaxSamples, don't build what would be dropped
		smp := Sample{Request: n, Status: out.Status, Body: string(out.Body), At: end.Sub(r.start)}
		var perr *PanicError
		switch {
		case timedOut && opened:
			smp.Kind, smp.Message = KindTimeout, so.timeoutMessage()
		case timedOut:
			smp.Kind, smp.Message = KindTimeout, "no response within timeout "+p.Timeout.String()
			if out.Status != 0 {
				smp.Message = "the headers came, but the body did not end within timeout " + p.Timeout.String()
			} else if err == nil {
				smp.Message = "response took longer than timeout " + p.Timeout.String()
			}
		case endedEarly:
			smp.Kind, smp.Message = KindStream, so.endedMessage()
		case errors.As(err, &perr):
			smp.Kind, smp.Message = KindPanic, perr.Error()
		case err != nil:
			smp.Kind, smp.Message = KindTransport, err.Error()
		default:
			smp.Kind, smp.Message = KindStatus, statusMessage(out.Status)
		}
		r.sampler.add(smp)
	}
	return true
}

// streamObs returns w's stream observer, made on first use, or nil when
// the plan does not stream.
func (r *Runner) streamObs(w *worker) *streamObs {
	if !r.plan.Streaming() {
		return nil
	}
	if w.so == nil {
		w.so = newStreamObs(&r.plan, w.rec.shard)
	}
	return w.so
}

func statusMessage(code int) string {
	if t := http.StatusText(code); t != "" {
		return "status " + strconv.Itoa(code) + " " + t
	}
	return "status " + strconv.Itoa(code)
}

// newRequest builds request n from the plan. Each request gets its own URL,
// header map and body reader, so a handler that changes them cannot disturb
// another worker.
func (r *Runner) newRequest(ctx context.Context, body []byte) *http.Request {
	p := &r.plan
	u := *p.URL
	req := &http.Request{
		Method:     p.Method,
		URL:        &u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     p.Header.Clone(),
		Host:       u.Host,
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if len(body) > 0 {
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	} else {
		req.Body = http.NoBody
	}
	return req.WithContext(ctx)
}
