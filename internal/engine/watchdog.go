package engine

import (
	"context"
	"time"
)

// cancelGrace is how long a request may go on ignoring a cancelled run
// before its worker is abandoned.
const cancelGrace = 100 * time.Millisecond

// watchdog ends requests at their deadline, cancels them all when the run's
// context ends, and abandons workers whose handler ignores both, so a hung
// handler can never hang the run. One goroutine serves the whole run.
func (r *Runner) watchdog() {
	defer close(r.watchdogDone)
	tick := min(max(r.plan.Timeout/20, time.Millisecond), 50*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	grace := min(max(r.plan.Timeout/10, 2*tick), time.Second)
	ctxDone := r.ctx.Done()
	var cancelledAt time.Time
	for {
		select {
		case <-r.stopWatchdog:
			return
		case <-ctxDone:
			ctxDone = nil
			cancelledAt = time.Now()
			r.stop.Store(true)
			r.scan(cancelledAt, cancelledAt, grace)
		case now := <-ticker.C:
			r.scan(now, cancelledAt, grace)
		}
	}
}

func (r *Runner) scan(now, cancelledAt time.Time, grace time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		rc := w.cur.Load()
		if rc == nil || w.state.Load() != stateInFlight {
			continue
		}
		cancelled := !cancelledAt.IsZero()
		if cancelled {
			rc.cancel(&runCancelled{context.Cause(r.ctx)})
		} else if rc.expire(now) {
			rc.cancel(context.DeadlineExceeded)
		}
		var abandon bool
		switch {
		case cancelled:
			abandon = now.Sub(cancelledAt) >= cancelGrace
		default:
			abandon = now.Sub(rc.expiry()) >= grace
		}
		if !abandon || !w.state.CompareAndSwap(stateInFlight, stateAbandoned) {
			continue
		}
		// The worker's goroutine is stuck in the handler and will exit
		// without touching its recorder when the handler returns, so the
		// recorder is ours to finish.
		// A status whose headers came in time is the response's, as for a
		// request that returned after its timeout.
		status := int(rc.status.Load())
		switch {
		case cancelled:
		case rc.timedOut():
			w.rec.record(now.Sub(rc.sched), status, false, 0, 0)
			r.sampler.add(Sample{Request: rc.n, Status: status, Kind: KindTimeout,
				Message: "handler still running after timeout " + r.plan.Timeout.String() + "; abandoned",
				At:      now.Sub(r.start)})
		case rc.reason() == errStreamDone:
			// The stream was read enough, but its handler went on, deaf to
			// its context and to its Writes failing.
			w.rec.record(now.Sub(rc.sched), status, false, 0, 0)
			r.sampler.add(Sample{Request: rc.n, Status: status, Kind: KindTimeout,
				Message: "stream closed by the client, but the handler still ran timeout " + r.plan.Timeout.String() +
					" later (it ignores its context and its failed Writes); abandoned",
				At: now.Sub(r.start)})
		}
		w.rec.flush()
		if !r.stop.Load() {
			r.spawnLocked(len(r.workers))
		}
		r.wg.Done() // on behalf of the abandoned goroutine
	}
}
