package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Streams (Plan.Streaming): each request reads its response as a stream of
// events until Plan.StreamFor has passed since its headers arrived or
// Plan.StreamEvents events came. An event is a server-sent event when the
// response's Content-Type is text/event-stream (see sseScanner), and
// otherwise a piece of the body as the transport can see it:
//
//   - in-process, a Flush by the handler that carried bytes (and the bytes
//     still unflushed when it returns, which a server would send then);
//   - the lean HTTP/1.1 client (http:// and https://), a chunk of a
//     chunked body, or each read that returned bytes of a body framed
//     otherwise;
//   - net/http's client (HTTP/2, NetHTTP, a Transport of the user's), each
//     Read of the body that returned bytes: net/http hides the chunks, so
//     two chunks that arrive together count as one.
//
// In-process, events are observed as the handler flushes them, in the
// worker's goroutine, with no buffer between: the time of an event is the
// time of the Flush that sent it (or of the handler's return, which sends
// what was left), as a client of a real server would see it. A handler
// that writes events and never flushes them streams nothing, there as over
// the network. When the stream has been read enough, the request's context
// is cancelled and the handler's further Writes and Flushes fail, so it
// returns. Over the network the client stops reading
// and closes the connection, which is never reused half read.
//
// Timeout bounds the wait for the headers and, after them, each wait for
// the next event: the request's deadline moves forward with every event.

// errStreamDone ends a streamed request's context once the client has read
// the stream for Plan.StreamFor or Plan.StreamEvents: the stream is over,
// and it was a success. The in-process writer returns it from the
// handler's Writes after that.
var errStreamDone = errors.New("stream closed by the load client: read for as long as configured")

// Why a stream stopped being read.
const (
	streamOpen     = iota // still read (or never opened)
	streamDone            // StreamFor or StreamEvents reached: a success
	streamEnded           // the server ended it before that: EndedEarly
	streamTimedOut        // no event within Timeout
	streamFailed          // an error cut it (a reset, a malformed chunk, a cancelled run)
)

// streamGapBatch is how many gaps a worker keeps before it records them.
const streamGapBatch = 64

// streamObs follows one worker's streamed requests, one at a time. Its
// fields belong to the worker's goroutine, which the transports report
// events from; other goroutines reach a request only through its reqCtx.
type streamObs struct {
	// Per run.
	forDur    time.Duration
	maxEvents int64
	timeout   time.Duration
	expect    []int
	shard     *shard

	// Per request.
	rc      *reqCtx
	opened  bool      // headers with a success status arrived: a stream is read
	headers time.Time // when the headers arrived; zero when they did not
	sse     bool      // the body is text/event-stream
	scanner sseScanner
	forEnd  time.Time // headers + forDur; zero without StreamFor
	last    time.Time // the last event, or the headers before the first
	events  int64
	first   time.Duration // from the request's send to its first event
	end     int           // why reading stopped
	err     error         // what cut the stream, when end is streamFailed
	timer   *time.Timer   // in-process and net/http: ends the stream at forEnd

	gaps  [streamGapBatch]int64
	ngaps int
}

func newStreamObs(p *Plan, sh *shard) *streamObs {
	return &streamObs{forDur: p.StreamFor, maxEvents: p.StreamEvents, timeout: p.Timeout, expect: p.ExpectStatus, shard: sh}
}

// begin readies o for request rc: its first gap deadline is rc.deadline,
// the one for the headers.
func (o *streamObs) begin(rc *reqCtx) {
	o.rc = rc
	o.opened, o.sse = false, false
	o.headers, o.forEnd, o.last = time.Time{}, time.Time{}, time.Time{}
	o.events, o.first, o.end, o.err = 0, 0, streamOpen, nil
	o.scanner.reset()
	rc.stream = o
	rc.gap.Store(rc.deadline.UnixNano())
}

// isEventStream reports whether a Content-Type value is text/event-stream,
// with or without parameters, in any case. It allocates nothing: the lean
// client checks every response's Content-Type with it.
func isEventStream[T string | []byte](v T) bool {
	const mt = "text/event-stream"
	i := 0
	for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	if len(v)-i < len(mt) {
		return false
	}
	for k := 0; k < len(mt); k++ {
		c := v[i+k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != mt[k] {
			return false
		}
	}
	for i += len(mt); i < len(v) && (v[i] == ' ' || v[i] == '\t'); i++ {
	}
	return i == len(v) || v[i] == ';'
}

// open notes that the response headers arrived at now with status and
// reports whether the body is to be read as a stream: only a response
// whose status counts as a success is one (any other is read as usual,
// and fails as a status). With timer set, a timer ends the stream when
// StreamFor has passed; the transport that reads by deadlines sets none.
func (o *streamObs) open(now time.Time, status int, sse, timer bool) bool {
	o.headers = now
	o.rc.status.Store(int32(status)) // for the watchdog, should it abandon the request
	if !Succeeded(status, o.expect) {
		return false
	}
	if !o.rc.extend(now, now.Add(o.timeout)) {
		o.end = streamTimedOut // the headers came too late
		return false
	}
	o.opened, o.sse, o.last = true, sse, now
	if o.forDur > 0 {
		o.forEnd = now.Add(o.forDur)
		if timer {
			rc := o.rc // the timer may outlive this request; o does not belong to it
			o.timer = time.AfterFunc(o.forDur, func() { rc.cancel(errStreamDone) })
		}
	}
	return true
}

// add records n events that arrived at now and reports whether the stream
// is to be read further. It returns false once the stream is over: the
// events reached StreamEvents (the last of them counted), StreamFor had
// passed before they came (none counted), or the gap before them exceeded
// Timeout (none counted).
func (o *streamObs) add(now time.Time, n int) bool {
	if o.stopped() {
		return false
	}
	if !o.forEnd.IsZero() && !now.Before(o.forEnd) {
		o.finish(streamDone)
		return false
	}
	if !o.rc.extend(now, now.Add(o.timeout)) {
		o.end = streamTimedOut
		// End the request's context now, not at the watchdog's next tick,
		// so an in-process handler learns it timed out, not that it ended.
		o.rc.cancel(context.DeadlineExceeded)
		return false
	}
	for range n {
		if o.events == 0 {
			o.first = now.Sub(o.rc.sched)
		} else {
			o.gap(now.Sub(o.last))
		}
		o.last = now
		o.events++
		if o.maxEvents > 0 && o.events >= o.maxEvents {
			o.finish(streamDone)
			return false
		}
	}
	return true
}

// stopped reports whether the stream is over: ended here, or by its
// request's context (the StreamFor timer, the watchdog's timeout, a
// cancelled run).
func (o *streamObs) stopped() bool {
	if o.end != streamOpen {
		return true
	}
	switch err := o.rc.reason(); {
	case err == nil:
		return false
	case err == errStreamDone:
		o.end = streamDone
	case err == context.DeadlineExceeded:
		o.end = streamTimedOut
	default:
		o.end, o.err = streamFailed, err
	}
	return true
}

// finish ends the stream for reason. A stream read enough cancels its
// request's context, so an in-process handler sees it end.
func (o *streamObs) finish(reason int) {
	o.end = reason
	if reason == streamDone {
		o.rc.cancel(errStreamDone)
	}
}

// closed notes that the transport stopped reading the body with err (nil
// for its end). A stream still open was ended by the server, or by err.
func (o *streamObs) closed(err error) {
	if o.stopped() || !o.opened {
		return
	}
	if err == nil {
		o.end = streamEnded
		return
	}
	o.end, o.err = streamFailed, err
}

// readErr classifies err, a failed read of the stream's body, and returns
// what the transport returns: nil when the read failed because the stream
// had been read enough (its time was up, or its context ended for it).
func (o *streamObs) readErr(err error) error {
	if o.stopped() {
		if o.end == streamDone {
			return nil
		}
		return err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if !o.forEnd.IsZero() && !time.Now().Before(o.forEnd) {
			o.finish(streamDone)
			return nil
		}
		o.end = streamTimedOut
		return err
	}
	o.end, o.err = streamFailed, err
	return err
}

// settle ends o's request: it stops the StreamFor timer.
func (o *streamObs) settle() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
}

// gap records the time between two events.
func (o *streamObs) gap(d time.Duration) {
	o.gaps[o.ngaps] = clampHist(int64(d))
	o.ngaps++
	if o.ngaps == len(o.gaps) {
		o.flushGaps()
	}
}

// flushGaps moves the gaps kept into the shard's histogram.
func (o *streamObs) flushGaps() {
	if o.ngaps == 0 {
		return
	}
	o.shard.mu.Lock()
	for _, v := range o.gaps[:o.ngaps] {
		_ = o.shard.gap.RecordValue(v)
	}
	o.shard.mu.Unlock()
	o.ngaps = 0
}

func clampHist(v int64) int64 { return min(max(v, histLowest), histHighest) }

// endedMessage says how a stream ended early, for its sample.
func (o *streamObs) endedMessage() string {
	msg := "stream ended by the server after " + strconv.FormatInt(o.events, 10) + " events"
	if o.end == streamFailed && o.err != nil {
		msg = "stream cut after " + strconv.FormatInt(o.events, 10) + " events: " + o.err.Error()
	}
	var before string
	if o.maxEvents > 0 {
		before = strconv.FormatInt(o.maxEvents, 10) + " events"
	}
	if o.forDur > 0 {
		if before != "" {
			before += " or "
		}
		before += o.forDur.String()
	}
	return msg + ", before " + before
}

// timeoutMessage says how a stream timed out, for its sample.
func (o *streamObs) timeoutMessage() string {
	if o.events == 0 {
		return "no event within timeout " + o.timeout.String() + " after the headers"
	}
	return "no event within timeout " + o.timeout.String() + " after event " + strconv.FormatInt(o.events, 10)
}

// StreamReport is what a streamed run (Plan.Streaming) measured of its
// streams: the responses whose headers arrived with a status that counts
// as a success.
type StreamReport struct {
	Streams    int64 // streams opened
	Events     int64 // events over all streams
	MinEvents  int64 // fewest events in one stream (0 when there was none)
	MaxEvents  int64 // most events in one stream
	EndedEarly int64 // streams the server ended before StreamFor or StreamEvents
	// FirstEvent holds, in nanoseconds, the time from each request's send
	// (its scheduled time in the open model) to its stream's first event;
	// Gap the time between consecutive events of a stream.
	FirstEvent *hdrhistogram.Histogram
	Gap        *hdrhistogram.Histogram
}

// streamTally is a worker's count of its streams, kept in its recorder.
type streamTally struct {
	streams, events, endedEarly int64
	minEvents, maxEvents        int64
	firsts                      [streamGapBatch]int64
	nfirsts                     int
}

// --- lean HTTP/1.1 client ---

// readStream reads one response to a streamed request: the head as
// readResponse reads it, then, when o opens it, the body as a stream. A
// stream stopped before its body's end leaves the connection half read, so
// r.keepAlive is then false. The connection's deadline moves forward with
// each event (and never past the end of StreamFor).
func (s *h1Sender) readStream(o *streamObs, prefix *[]byte) (r h1Response, started bool, err error) {
	br := s.br
	r, f, started, err := readHead(br)
	if err != nil {
		return h1Response{}, started, err
	}
	if !o.open(time.Now(), r.status, f.eventStream, false) {
		return readFramedBody(br, r, f, s.headReq, prefix)
	}
	if noBody(r.status, s.headReq) {
		o.closed(nil)
		return r, started, nil
	}
	s.streamDeadline(o)
	switch {
	case f.chunked:
		r.bytes, err = s.streamChunked(o, prefix)
	case f.contentLength >= 0:
		r.bytes, err = s.streamBody(o, f.contentLength, false, prefix)
	default:
		r.bytes, err = s.streamBody(o, -1, false, prefix)
		r.keepAlive = false
	}
	if err == nil && o.end != streamEnded {
		r.keepAlive = false // stopped part way: the rest of the body is still coming
	}
	return r, started, err
}

// streamDeadline moves the connection's deadline to Timeout after the last
// event, or to the end of StreamFor when that comes first. It leaves alone
// a deadline that abortConn set: the run was cancelled.
func (s *h1Sender) streamDeadline(o *streamObs) {
	d := o.last.Add(o.timeout)
	if !o.forEnd.IsZero() && o.forEnd.Before(d) {
		d = o.forEnd
	}
	s.mu.Lock()
	if s.conn != nil && o.rc.Err() == nil {
		s.deadline = d
		s.conn.SetDeadline(d)
	}
	s.mu.Unlock()
}

// streamBody reads n body bytes (to end of file when n < 0) of a stream,
// keeping a prefix; inChunk says they are a chunk's, counted by the
// caller. It returns how many it read, and nil when it stopped because the
// stream was read enough.
func (s *h1Sender) streamBody(o *streamObs, n int64, inChunk bool, prefix *[]byte) (int64, error) {
	br := s.br
	var read int64
	for n < 0 || read < n {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if n < 0 && err == io.EOF {
					o.closed(nil)
					return read, nil
				}
				return read, o.readErr(eofIsUnexpected(err))
			}
		}
		k := br.Buffered()
		if n >= 0 {
			k = int(min(int64(k), n-read))
		}
		b, _ := br.Peek(k)
		*prefix = keepPrefix(*prefix, b)
		var more = true
		switch {
		case o.sse:
			if e := o.scanner.scan(b); e > 0 {
				more = o.add(time.Now(), e)
				s.streamDeadline(o)
			}
		case !inChunk:
			more = o.add(time.Now(), 1)
			s.streamDeadline(o)
		}
		br.Discard(k)
		read += int64(k)
		if !more {
			return read, o.readErr(nil)
		}
	}
	if !inChunk {
		o.closed(nil)
	}
	return read, nil
}

// streamChunked reads a chunked stream, each chunk an event unless the
// body is text/event-stream. A server may split one flush into several
// chunks (net/http's does every 2 KiB), which then count as several
// events: counting bursts of chunks instead would merge separate flushes
// whenever the client reads late, which is worse.
func (s *h1Sender) streamChunked(o *streamObs, prefix *[]byte) (int64, error) {
	br := s.br
	var total int64
	for {
		size, err := readChunkSize(br)
		if err != nil {
			return total, o.readErr(err)
		}
		if size == 0 {
			if err := readTrailers(br); err != nil {
				return total, o.readErr(err)
			}
			o.closed(nil)
			return total, nil
		}
		n, err := s.streamBody(o, size, true, prefix)
		total += n
		if err != nil || o.end != streamOpen {
			return total, err
		}
		if !o.sse && !o.add(time.Now(), 1) {
			return total, o.readErr(nil)
		}
		if !o.sse {
			s.streamDeadline(o)
		}
		if err := readChunkEnd(br); err != nil {
			return total, o.readErr(err)
		}
	}
}

// --- net/http's client ---

// readStream reads resp's body as a stream when o opens it, and reports
// whether it did; when it did not (a status that is no success), the
// caller reads the body as usual.
func (s *httpSender) readStream(o *streamObs, resp *http.Response, out *Outcome) (bool, error) {
	if !o.open(time.Now(), resp.StatusCode, isEventStream(resp.Header.Get("Content-Type")), true) {
		return false, nil
	}
	s.prefix = s.prefix[:0]
	var n int64
	defer func() { out.BytesIn, out.Body = n, s.prefix }()
	for {
		m, rerr := resp.Body.Read(s.buf)
		if m > 0 {
			s.prefix = keepPrefix(s.prefix, s.buf[:m])
			n += int64(m)
			e := 1
			if o.sse {
				e = o.scanner.scan(s.buf[:m])
			}
			if e > 0 && !o.add(time.Now(), e) {
				return true, o.readErr(nil)
			}
		}
		switch {
		case rerr == io.EOF:
			o.closed(nil)
			return true, nil
		case rerr != nil:
			return true, o.readErr(rerr)
		}
	}
}
