package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

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
			if err := Results(&b, r, Options{Now: func() time.Time { return time.Unix(0, 0) }}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(b.String(), a) {
					t.Errorf("report has %q:\n%s", a, b.String())
				}
			}
		})
	}
}
