// Package engine drives load: it runs a Plan's requests through a Transport
// with a fixed number of workers, records each outcome into per-worker
// recorders and merges them into a Report once at the end.
//
// Two models are supported. The closed model (Plan.Rate == 0) lets Clients
// workers send back to back until Requests or Duration is reached. The open
// model (Rate > 0) schedules request n at Start + n/Rate; latency is measured
// from that scheduled time, so a server that stalls cannot hide its queueing
// (coordinated omission), and sends that leave late are counted.
//
// A Plan that streams (Plan.Streaming) reads each response as a stream of
// events, server-sent events or flushed chunks, for StreamFor or up to
// StreamEvents, and measures the time to the first event and the gaps
// between events in histograms of their own (Report.Stream); see stream.go.
//
// The package knows nothing of testing.T, stores or terminals.
package engine
