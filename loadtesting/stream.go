package loadtesting

import "time"

// StreamConfig makes each request of a run read its response as a stream
// (server-sent events, or any body flushed in chunks) for a while, instead
// of waiting for the body to end. Whichever of For and Events comes first
// ends a stream; the client then closes it, and that counts as a success.
// Config.Timeout still bounds the wait for the response headers and for
// each gap between events. At least one of For and Events must be set.
//
// Only a response whose status counts as a success (see
// Config.ExpectStatus) is a stream; any other is read to its end and fails
// as usual. A stream the server ends before For or Events is a failure of
// kind KindStream (StreamMetrics.EndedEarly).
//
// An event is a server-sent event (data: lines ended by a blank line) when
// the response's Content-Type is text/event-stream, and otherwise a piece
// of the body as the transport sees it. In-process, that is each Flush
// that carried bytes; through the lean HTTP/1.1 client (http:// and
// https://), each chunk of a chunked body (a server may cut a large flush
// into several chunks: net/http's does every 2 KiB); through net/http's
// client (HTTP/2, Config.NetHTTP, Config.Transport), which hides the
// chunks, each read that returned bytes, so chunks that arrive together
// count as one. Server-sent events are counted the same by all.
//
// In-process, the handler's Flushes are observed as they happen (what it
// writes and never flushes reaches a real server's client only when it
// returns, and so counts then); when the stream has been read enough its
// request's context is cancelled and its further Writes and Flushes fail,
// so it returns. Metrics.Latency holds the time to each response's
// headers, and a stream's events are in Metrics.Stream.
type StreamConfig struct {
	// For is how long each request reads its stream, from when its
	// response headers arrived. 0 means no time bound.
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
	// FirstEventHistogram and GapHistogram hold every first-event time and
	// every gap, encoded as Result.Histogram is (nanoseconds, 1 ns .. 1 h,
	// 3 significant digits), so that Merge combines shards exactly.
	FirstEventHistogram string `json:"first_event_histogram"`
	GapHistogram        string `json:"gap_histogram"`
}

// EventCounts summarises a count per stream.
type EventCounts struct {
	Min  int64   `json:"min"`
	Mean float64 `json:"mean"`
	Max  int64   `json:"max"`
}

// FirstEventPercentile returns the time to the first event at percentile p
// (0..100, e.g. 99.9) of the streams that received one, from
// FirstEventHistogram, or 0 when there is none or it cannot be read.
func (m *StreamMetrics) FirstEventPercentile(p float64) time.Duration {
	return streamPercentile(m, p, func(m *StreamMetrics) string { return m.FirstEventHistogram })
}

// GapPercentile returns the gap between consecutive events at percentile p
// (0..100) from GapHistogram, or 0 when there is none or it cannot be read.
func (m *StreamMetrics) GapPercentile(p float64) time.Duration {
	return streamPercentile(m, p, func(m *StreamMetrics) string { return m.GapHistogram })
}

func streamPercentile(m *StreamMetrics, p float64, enc func(*StreamMetrics) string) time.Duration {
	if m == nil || enc(m) == "" {
		return 0
	}
	h, err := decodeHistogram(enc(m))
	if err != nil || h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.ValueAtPercentile(p))
}
