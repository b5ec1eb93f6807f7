package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/apiload/apiload/loadtesting"
)

// TestStreamHint checks when a run ends with the hint to stream: only when
// it was not streamed and a request timed out after a 2xx answer.
func TestStreamHint(t *testing.T) {
	streamed := &loadtesting.StreamConfig{For: 2 * time.Second}
	timeoutAfter := func(status int) loadtesting.ErrorSample {
		return loadtesting.ErrorSample{Request: 3, Status: status, Kind: loadtesting.KindTimeout, Message: "no response body end within 3s"}
	}
	const hint200 = "hint: requests timed out after the server answered 200: the route seems to stream (server-sent events or chunks); " +
		"read each response as a stream with --stream-for 2s or --stream-events 10"
	tests := []struct {
		name      string
		cfg       *loadtesting.StreamConfig // the run's Config.Stream
		runConfig *loadtesting.StreamConfig // the Result's Config.Stream
		errors    []loadtesting.ErrorSample
		want      string
	}{
		{"timeouts after 200", nil, nil, []loadtesting.ErrorSample{timeoutAfter(200), timeoutAfter(200)}, hint200},
		{"a timeout after 206 among other failures", nil, nil, []loadtesting.ErrorSample{
			{Status: 503, Kind: loadtesting.KindStatus}, timeoutAfter(0), timeoutAfter(206),
		}, "hint: requests timed out after the server answered 206: the route seems to stream (server-sent events or chunks); " +
			"read each response as a stream with --stream-for 2s or --stream-events 10"},
		{"streamed: the flags were given", streamed, nil, []loadtesting.ErrorSample{timeoutAfter(200)}, ""},
		{"streamed: the Result says so", nil, streamed, []loadtesting.ErrorSample{timeoutAfter(200)}, ""},
		{"timeouts with no answer", nil, nil, []loadtesting.ErrorSample{timeoutAfter(0), timeoutAfter(0)}, ""},
		{"a timeout after a redirect", nil, nil, []loadtesting.ErrorSample{timeoutAfter(302)}, ""},
		{"a timeout after an error status", nil, nil, []loadtesting.ErrorSample{timeoutAfter(500)}, ""},
		{"status failures", nil, nil, []loadtesting.ErrorSample{{Status: 200, Kind: loadtesting.KindStatus}}, ""},
		{"a stream that ended early", nil, nil, []loadtesting.ErrorSample{{Status: 200, Kind: loadtesting.KindStream}}, ""},
		{"no failures", nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &loadtesting.Result{
				Config:  loadtesting.RunConfig{Stream: tt.runConfig},
				Metrics: loadtesting.Metrics{Errors: tt.errors},
			}
			assert.Equal(t, tt.want, streamHint(loadtesting.Config{Stream: tt.cfg}, res))
		})
	}
}
