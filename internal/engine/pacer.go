package engine

import (
	"context"
	"math"
	"time"
)

// pacer turns request numbers into send times for the open model: a
// constant rate, or a rate that changes linearly from Plan.Rate to
// Plan.RampTo over Plan.Duration. Each worker has its own: workers take
// request numbers from the shared counter and wait for each one's send
// time. Sends are never bunched early; a worker that falls behind sends at
// once, and the lag is recorded and counted from the scheduled time.
type pacer struct {
	rate     float64       // requests per second at the start; 0 = closed model
	slope    float64       // change of rate per second (ramp), 0 when constant
	duration time.Duration // the schedule ends here; 0 = never

	timer *time.Timer
	hr    *hrTimer // nil until needed, or where unavailable (noHR)
	noHR  bool
}

func newPacer(p *Plan) *pacer {
	pc := pacer{rate: p.Rate, duration: p.Duration}
	if p.Rate > 0 && p.RampTo > 0 && p.Duration > 0 && p.RampTo != p.Rate {
		pc.slope = (p.RampTo - p.Rate) / p.Duration.Seconds()
	}
	return &pc
}

// offset returns when request n is due, from the start of the run, and
// false when the schedule ends before it.
//
// With rate r(t) = r0 + k·t, the requests due by t number r0·t + k·t²/2;
// request n is due at the t solving k·t²/2 + r0·t = n, written in the form
// that stays exact as k approaches 0: t = 2n / (r0 + sqrt(r0² + 2kn)).
func (pc *pacer) offset(n int64) (time.Duration, bool) {
	var secs float64
	if pc.slope == 0 {
		secs = float64(n) / pc.rate
	} else {
		disc := pc.rate*pc.rate + 2*pc.slope*float64(n)
		if disc < 0 {
			return 0, false // a falling ramp never reaches n
		}
		secs = 2 * float64(n) / (pc.rate + math.Sqrt(disc))
	}
	d := time.Duration(math.Round(secs * float64(time.Second)))
	if pc.duration > 0 && d >= pc.duration {
		return 0, false
	}
	return d, true
}

// fineWait is the stretch before a send time that a worker waits out on a
// precise timer (see hrTimer). Go's timers are exact while the process is
// busy, but when every goroutine waits the runtime sleeps in epoll_wait with
// a timeout in whole milliseconds, so a timer due in 300µs fires ~700µs
// late: paced sends would leave up to a millisecond behind schedule.
const fineWait = 2 * time.Millisecond

// wait blocks until sched, or returns false when ctx ends first. Long waits
// sleep on a Go timer, which ctx can interrupt, until fineWait before sched;
// the rest is slept on the worker's precise timer, with no spinning.
//
// The precise timer counts on the kernel's monotonic clock, so it is used
// only when sched carries a monotonic reading too. Times made inside a
// testing/synctest bubble carry none (their clock is fake), and there Go's
// timers, which follow the fake clock exactly, do all the waiting.
func (pc *pacer) wait(ctx context.Context, sched time.Time) bool {
	wait := time.Until(sched)
	if wait > fineWait {
		if pc.timer == nil {
			pc.timer = time.NewTimer(wait - fineWait)
		} else {
			pc.timer.Reset(wait - fineWait)
		}
		select {
		case <-pc.timer.C:
		case <-ctx.Done():
			return false
		}
		wait = time.Until(sched)
	}
	if wait <= 0 {
		return true
	}
	if pc.hr == nil && !pc.noHR {
		pc.noHR = !hasMonotonic(sched)
	}
	if pc.hr == nil && !pc.noHR {
		pc.hr = newHRTimer()
		pc.noHR = pc.hr == nil
	}
	if pc.hr != nil && pc.hr.sleep(wait) {
		return true
	}
	if pc.timer == nil {
		pc.timer = time.NewTimer(wait)
	} else {
		pc.timer.Reset(wait)
	}
	select {
	case <-pc.timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// close releases the pacer's timers.
func (pc *pacer) close() {
	if pc.timer != nil {
		pc.timer.Stop()
	}
	if pc.hr != nil {
		pc.hr.close()
	}
}

// hasMonotonic reports whether t carries a monotonic clock reading, which
// Round(0) strips.
func hasMonotonic(t time.Time) bool { return t != t.Round(0) }
