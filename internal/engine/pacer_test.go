package engine

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPacer_offset(t *testing.T) {
	tests := []struct {
		name   string
		plan   Plan
		n      int64
		want   time.Duration
		wantOK bool
	}{
		{"constant rate", Plan{Rate: 1000}, 250, 250 * time.Millisecond, true},
		{"constant rate ends at duration", Plan{Rate: 1000, Duration: time.Second}, 1000, 0, false},
		{"ramp up: first request at once", Plan{Rate: 100, RampTo: 300, Duration: time.Second}, 0, 0, true},
		// 100/s rising by 200/s²: 100t + 100t² requests by t; 75 by 0.5s.
		{"ramp up: halfway", Plan{Rate: 100, RampTo: 300, Duration: time.Second}, 75, 500 * time.Millisecond, true},
		{"ramp up: all 200 fit in the duration", Plan{Rate: 100, RampTo: 300, Duration: time.Second}, 199, 996_662_955, true},
		{"ramp up: ends at duration", Plan{Rate: 100, RampTo: 300, Duration: time.Second}, 200, 0, false},
		// 300/s falling by 200/s²: 300t - 100t²; 125 by 0.5s.
		{"ramp down: halfway", Plan{Rate: 300, RampTo: 100, Duration: time.Second}, 125, 500 * time.Millisecond, true},
		{"ramp down: past the end", Plan{Rate: 300, RampTo: 100, Duration: time.Second}, 200, 0, false},
		{"ramp down: never reached", Plan{Rate: 300, RampTo: 100, Duration: time.Second}, 10_000, 0, false},
		{"ramp without duration is constant", Plan{Rate: 10, RampTo: 1000}, 5, 500 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := newPacer(&tt.plan).offset(tt.n)
			assert.Equal(t, tt.wantOK, ok)
			if ok {
				assert.InDelta(t, float64(tt.want), float64(got), float64(time.Microsecond), "offset(%d)", tt.n)
			}
		})
	}
}

// TestRun_scheduleEndsAtDuration runs paced schedules bounded by Duration
// in a synctest bubble (fake time), where every send leaves on schedule, so
// the run sends exactly the requests due before the Duration and ends as
// the last of them is answered.
func TestRun_scheduleEndsAtDuration(t *testing.T) {
	tests := []struct {
		name         string
		rate, rampTo float64
		duration     time.Duration
		clients      int
		want         int64
	}{
		{"constant: 100/s for 300ms", 100, 0, 300 * time.Millisecond, 2, 30},
		// (200+600)/2 × 0.25s: 100 requests.
		{"ramp: 200/s rising to 600/s over 250ms", 200, 600, 250 * time.Millisecond, 2, 100},
		// (600+200)/2 × 0.25s: 100 requests, the first ones closest together.
		{"ramp: 600/s falling to 200/s over 250ms", 600, 200, 250 * time.Millisecond, 2, 100},
		{"one client keeps up with a fast handler", 1000, 0, 50 * time.Millisecond, 1, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := plan(okHandler(), func(p *Plan) {
					p.Requests, p.Duration, p.Rate, p.RampTo, p.Clients = 0, tt.duration, tt.rate, tt.rampTo, tt.clients
				})
				last, ok := newPacer(&p).offset(tt.want - 1)
				require.True(t, ok, "request %d is due within the duration", tt.want-1)
				_, ok = newPacer(&p).offset(tt.want)
				require.False(t, ok, "request %d is due after the duration", tt.want)

				rep, err := Run(t.Context(), p)
				require.NoError(t, err)
				assert.Equal(t, tt.want, rep.Requests)
				assert.Equal(t, tt.want, rep.SendLag.TotalCount(), "send lags, one per request")
				assert.Equal(t, int64(0), rep.LateSends)
				assert.Equal(t, time.Duration(0), rep.MaxLag)
				assert.Equal(t, last, rep.Elapsed, "elapsed: when the last request was due")
			})
		})
	}
}

func TestRun_reportsCPU(t *testing.T) {
	rep, err := Run(t.Context(), plan(okHandler(), func(p *Plan) { p.Requests = 2000 }))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rep.Cores, 1)
	assert.GreaterOrEqual(t, rep.CPU, time.Duration(0))
	require.NotNil(t, rep.SendLag)
	assert.Equal(t, int64(0), rep.SendLag.TotalCount(), "closed model: want an empty send lag histogram")
}

func TestHasMonotonic(t *testing.T) {
	now := time.Now()
	assert.True(t, hasMonotonic(now), "time.Now()")
	assert.True(t, hasMonotonic(now.Add(time.Second)), "time.Now().Add")
	assert.False(t, hasMonotonic(now.Round(0)), "time.Now().Round(0)")
	synctest.Test(t, func(t *testing.T) {
		assert.False(t, hasMonotonic(time.Now()), "time.Now() in a synctest bubble")
	})
}
