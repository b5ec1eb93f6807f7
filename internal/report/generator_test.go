package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

func TestResults_generatorLine(t *testing.T) {
	tests := []struct {
		name      string
		inProcess bool
		m         loadtesting.Metrics
		want      []string
		absent    []string
	}{
		{"no CPU figures: no line", false, loadtesting.Metrics{Requests: 10}, nil, []string{"Generator"}},
		{"over HTTP, not bound", false,
			loadtesting.Metrics{Requests: 10, GeneratorCPU: 100 * time.Microsecond, GeneratorCPUPerRequest: 10 * time.Microsecond, GeneratorCores: 2, GeneratorBusy: 0.25},
			[]string{"Generator", "10µs CPU per request, 25.0% busy of 2 cores"}, []string{"warning", "handler included"}},
		{"in-process counts the handler", true,
			loadtesting.Metrics{Requests: 10, GeneratorCPU: time.Millisecond, GeneratorCPUPerRequest: 100 * time.Microsecond, GeneratorCores: 2, GeneratorBusy: 0.5},
			[]string{"(handler included)"}, []string{"warning"}},
		{"generator-bound run warns", false,
			loadtesting.Metrics{Requests: 10, GeneratorCPU: time.Second, GeneratorCPUPerRequest: 100 * time.Millisecond, GeneratorCores: 2, GeneratorBusy: 0.97,
				GeneratorBound: true, GeneratorWarning: "the generator used 97% of its 2 cores"},
			[]string{"warning: the generator used 97% of its 2 cores"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &loadtesting.Result{Schema: 1, ID: "01TEST", Method: "GET", Path: "/x", InProcess: tt.inProcess, Metrics: tt.m}
			var b bytes.Buffer
			require.NoError(t, Results(&b, r, Options{Now: func() time.Time { return time.Unix(0, 0) }}))
			for _, w := range tt.want {
				assert.Contains(t, b.String(), w)
			}
			for _, a := range tt.absent {
				assert.NotContains(t, b.String(), a)
			}
		})
	}
}
