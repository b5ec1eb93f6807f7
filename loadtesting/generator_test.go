package loadtesting_test

import (
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			assert.True(t, errors.As(err, &ce), "err %v, want a *ConfigError", err)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}

	// In a synctest bubble (fake time) every send leaves when it is due, so
	// 400/s rising to 1200/s over 250ms sends exactly the (400+1200)/2 ×
	// 0.25 = 200 requests it schedules.
	synctest.Test(t, func(t *testing.T) {
		res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Rate: 400, RampTo: 1200, Duration: 250 * time.Millisecond, Clients: 4})
		require.NoError(t, err)
		m := res.Metrics
		assert.Equal(t, int64(200), m.Requests)
		assert.Equal(t, 1200.0, res.Config.RampTo, "stored RampTo")
		assert.GreaterOrEqual(t, m.GeneratorCores, 1)
		assert.GreaterOrEqual(t, m.GeneratorCPU, time.Duration(0))
		assert.False(t, m.GeneratorBound, "in-process runs never warn")
		assert.Empty(t, m.GeneratorWarning, "in-process runs never warn")
		assert.Contains(t, res.OneLine(), "generator cpu ", "OneLine shows the generator's CPU per request")

		data, err := json.Marshal(res)
		require.NoError(t, err)
		for _, key := range []string{`"ramp_to":1200`, `"generator_cpu_ms":`, `"generator_cpu_per_request_ms":`, `"generator_cores":`, `"generator_busy":`, `"generator_bound":false`} {
			assert.Contains(t, string(data), key)
		}
		var back loadtesting.Result
		require.NoError(t, json.Unmarshal(data, &back))
		assert.Equal(t, m.GeneratorCores, back.Metrics.GeneratorCores, "round trip: GeneratorCores")
		assert.Equal(t, 1200.0, back.Config.RampTo, "round trip: RampTo")
		assert.InDelta(t, float64(m.GeneratorCPU), float64(back.Metrics.GeneratorCPU), float64(time.Microsecond), "round trip: GeneratorCPU")
	})
}
