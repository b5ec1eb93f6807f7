package loadtesting

import "time"

// StreamConfig makes each request of a run read its response as a stream
// (server-sent events, or any body flushed in chunks) for a while, instead
// of waiting for the body to end. Whichever of For and Events comes first
// ends a stream; the client then closes it, and that counts as a success.
// Config.Timeout still bounds the wait for the response headers and for
// each gap between events. At least one of For and Events must be set.
type StreamConfig struct {
	// For is how long each request reads its stream, from when it was
	// sent. 0 means no time bound.
	For time.Duration `json:"for_ms,omitempty"`
	// Events ends a stream after this many events: SSE events for a
	// text/event-stream body, flushed chunks for any other. 0 means no
	// count bound.
	Events int `json:"events,omitempty"`
}

// StreamMetrics are the measurements of a streamed run (Config.Stream set).
// Metrics.Latency still holds the time to each response's headers.
type StreamMetrics struct {
	// Streams counts the streams opened: responses whose headers arrived.
	Streams int64 `json:"streams"`
	// Events counts every event received, over all streams.
	Events int64 `json:"events"`
	// EventsPerStream summarises how many events each stream received.
	EventsPerStream EventCounts `json:"events_per_stream"`
	// FirstEvent summarises the time from each request's send to its
	// stream's first event.
	FirstEvent Latency `json:"first_event"`
	// Gap summarises the time between consecutive events of a stream.
	Gap Latency `json:"gap"`
	// EndedEarly counts the streams the server ended before Config.Stream's
	// For or Events was reached; each is also a failure of kind KindStream.
	EndedEarly int64 `json:"ended_early"`
}

// EventCounts summarises a count per stream.
type EventCounts struct {
	Min  int64   `json:"min"`
	Mean float64 `json:"mean"`
	Max  int64   `json:"max"`
}
