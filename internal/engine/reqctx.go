package engine

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// reqCtx is the context of one request. Its deadline and cancellation are
// driven by the run's watchdog rather than by a timer per request, and it
// does not register with its parent, so starting a request costs one small
// allocation and takes no lock shared with other workers. Done's channel is
// created only when someone asks for it.
type reqCtx struct {
	parent   context.Context
	deadline time.Time

	// Set by the worker before the context is published; read-only after.
	n     int64     // request number
	sched time.Time // when latency starts counting
	sent  time.Time // when the request was handed to the transport
	// onCancel, when set, is told when the run is cancelled under the
	// request, so a transport blocked in I/O can unblock without a
	// goroutine watching Done.
	onCancel canceler
	// stream, set for a request of a streamed run (Plan.Streaming), is
	// what the transport reports the stream's events to.
	stream *streamObs
	// gap is, for a streamed request, the deadline that moves forward with
	// each event, in Unix nanoseconds; negated once the watchdog expired it
	// (see extend and expire). Unused for other requests.
	gap atomic.Int64
	// status is the response's status once its headers arrived in time,
	// for the watchdog to record if it abandons the request; 0 before.
	// Set by the in-process transport only.
	status atomic.Int32
	// expired is set, with err, when the watchdog ends the request at its
	// deadline: timedOut reads it without the lock, on every response's
	// headers in-process.
	expired atomic.Bool

	mu     sync.Mutex
	done   chan struct{}
	err    error
	afters []*afterFunc
}

// canceler is implemented by Senders that can interrupt a request in flight.
type canceler interface {
	cancelled(rc *reqCtx)
}

type afterFunc struct {
	f       func()
	stopped bool
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *reqCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *reqCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		if c.err != nil {
			c.done = closedChan
		} else {
			c.done = make(chan struct{})
		}
	}
	return c.done
}

// Err is context.DeadlineExceeded once the request timed out and
// context.Canceled once it ended otherwise (its stream read enough, the run
// cancelled), as the context.Context contract asks; reason says which.
func (c *reqCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.err == nil:
		return nil
	case c.expired.Load():
		return context.DeadlineExceeded
	}
	return context.Canceled
}

// reason is why the request's context ended: context.DeadlineExceeded
// (its timeout), errStreamDone (its stream was read enough), a
// *runCancelled (the run ended under it), or nil while it goes on.
func (c *reqCtx) reason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// runCancelled ends a request whose run's context ended under it. It wraps
// the run's cause, which may itself be context.DeadlineExceeded (a run
// context with a deadline), so that it is never taken for the request's
// own timeout.
type runCancelled struct{ cause error }

func (e *runCancelled) Error() string { return "run cancelled: " + e.cause.Error() }
func (e *runCancelled) Unwrap() error { return e.cause }

func (c *reqCtx) Value(key any) any { return c.parent.Value(key) }

// AfterFunc lets context.AfterFunc and derived contexts (context.WithCancel
// of this one, as net/http does) attach without starting a goroutine.
func (c *reqCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	c.afters = append(c.afters, a)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.err != nil || a.stopped {
			return false
		}
		a.stopped = true
		// Forget it: a stream's handler may derive a context per event.
		c.afters = slices.DeleteFunc(c.afters, func(x *afterFunc) bool { return x == a })
		return true
	}
}

// cancel ends the context with err; later calls do nothing. It reports
// whether this call ended it.
func (c *reqCtx) cancel(err error) bool {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return false
	}
	c.err = err
	if err == context.DeadlineExceeded {
		c.expired.Store(true)
	}
	if c.done != nil {
		close(c.done)
	} else {
		c.done = closedChan
	}
	afters := c.afters
	c.afters = nil
	c.mu.Unlock()
	for _, a := range afters {
		if !a.stopped {
			go a.f()
		}
	}
	if c.onCancel != nil && err != context.DeadlineExceeded && err != errStreamDone {
		// Deadlines are the transport's own to enforce, and so is the end
		// of a stream.
		c.onCancel.cancelled(c)
	}
	return true
}

// timedOut reports whether the watchdog ended the request at its deadline.
func (c *reqCtx) timedOut() bool { return c.expired.Load() }

// expiry is when the request times out: its deadline, or for a streamed
// request the deadline of the current gap.
func (c *reqCtx) expiry() time.Time {
	if c.stream == nil {
		return c.deadline
	}
	d := c.gap.Load()
	if d < 0 {
		d = -d
	}
	return time.Unix(0, d)
}

// expire reports whether the request is past its expiry at now. For a
// streamed request it marks the gap's deadline expired, at most once, so
// that an event arriving at the same moment either moved the deadline
// first (and expire reports false) or finds it expired (see extend).
func (c *reqCtx) expire(now time.Time) bool {
	if c.stream == nil {
		return now.After(c.deadline)
	}
	for {
		d := c.gap.Load()
		if d < 0 {
			return true
		}
		if !now.After(time.Unix(0, d)) {
			return false
		}
		if c.gap.CompareAndSwap(d, -d) {
			return true
		}
	}
}

// extend moves a streamed request's gap deadline to until. It returns
// false, moving nothing, when the deadline had already passed: at now, or
// by the watchdog's expire.
func (c *reqCtx) extend(now, until time.Time) bool {
	for {
		d := c.gap.Load()
		if d < 0 || now.UnixNano() > d {
			return false
		}
		if c.gap.CompareAndSwap(d, until.UnixNano()) {
			return true
		}
	}
}
