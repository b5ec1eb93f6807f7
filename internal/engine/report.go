package engine

import "time"

func (r *Runner) report(end time.Time) *Report {
	rep := &Report{
		Start:   r.start,
		Elapsed: end.Sub(r.start),
		Status:  make(map[int]int64),
		Latency: NewHistogram(),
		SendLag: NewHistogram(),
	}
	if r.plan.Streaming() {
		rep.Stream = &StreamReport{FirstEvent: NewHistogram(), Gap: NewHistogram()}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		rec := w.rec
		if w.state.Load() != stateAbandoned {
			rec.flush() // normally done by the worker; harmless when already empty
		}
		rep.Succeeded += rec.succeeded
		rep.Failed += rec.failed
		rep.BytesIn += rec.bytesIn
		rep.BytesOut += rec.bytesOut
		rep.LateSends += rec.late
		rep.MaxLag = max(rep.MaxLag, rec.maxLag)
		if t := &rec.stream; t.streams > 0 && rep.Stream != nil {
			st := rep.Stream
			if st.Streams == 0 || t.minEvents < st.MinEvents {
				st.MinEvents = t.minEvents
			}
			st.MaxEvents = max(st.MaxEvents, t.maxEvents)
			st.Streams += t.streams
			st.Events += t.events
			st.EndedEarly += t.endedEarly
		}
		for code, n := range rec.status {
			if n > 0 {
				rep.Status[code] += n
			}
		}
	}
	for _, s := range r.shards {
		rep.Latency.Merge(s.hist)
		if s.lag != nil {
			rep.SendLag.Merge(s.lag)
		}
		if rep.Stream != nil {
			// Locked: a worker abandoned mid-stream may still record gaps.
			s.mu.Lock()
			rep.Stream.FirstEvent.Merge(s.first)
			rep.Stream.Gap.Merge(s.gap)
			s.mu.Unlock()
		}
	}
	rep.Requests = rep.Succeeded + rep.Failed
	r.sampler.mu.Lock()
	rep.Errors = append([]Sample(nil), r.sampler.samples...)
	r.sampler.mu.Unlock()
	return rep
}
