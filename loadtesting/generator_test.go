package loadtesting_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apiload/apiload/loadtesting"
)

// TestExec_rampAndGenerator checks the loadtesting side of the benchmark
// work: Config.RampTo is validated and used, and every Result carries the
// generator's CPU figures, in Go and in JSON.
func TestExec_rampAndGenerator(t *testing.T) {
	tests := []struct {
		name    string
		cfg     loadtesting.Config
		wantErr string
	}{
		{"ramp needs a rate", loadtesting.Config{RampTo: 100, Duration: time.Second}, "RampTo 100: needs Rate"},
		{"ramp needs a duration", loadtesting.Config{RampTo: 100, Rate: 10}, "RampTo 100: needs Duration"},
		{"negative ramp", loadtesting.Config{RampTo: -1, Rate: 10, Duration: time.Second}, "RampTo -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadtesting.Exec(t.Context(), okHandler, tt.cfg)
			var ce *loadtesting.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err %v, want a ConfigError containing %q", err, tt.wantErr)
			}
		})
	}

	// 400/s rising to 1200/s over 250ms schedules (400+1200)/2 × 0.25 = 200 requests.
	res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Rate: 400, RampTo: 1200, Duration: 250 * time.Millisecond, Clients: 4})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics
	if m.Requests != 200 || res.Config.RampTo != 1200 {
		t.Errorf("requests %d, stored RampTo %v; want 200 and 1200", m.Requests, res.Config.RampTo)
	}
	if m.GeneratorCores < 1 || m.GeneratorCPU < 0 || m.GeneratorBound || m.GeneratorWarning != "" {
		t.Errorf("generator fields %+v: in-process runs never warn", m)
	}
	if !strings.Contains(res.OneLine(), "generator cpu ") {
		t.Errorf("OneLine %q lacks the generator's CPU per request", res.OneLine())
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"ramp_to":1200`, `"generator_cpu_ms":`, `"generator_cpu_per_request_ms":`, `"generator_cores":`, `"generator_busy":`, `"generator_bound":false`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	var back loadtesting.Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Metrics.GeneratorCores != m.GeneratorCores || back.Config.RampTo != 1200 ||
		(back.Metrics.GeneratorCPU-m.GeneratorCPU).Abs() > time.Microsecond {
		t.Errorf("round trip: %+v, want %+v", back.Metrics, m)
	}
}
