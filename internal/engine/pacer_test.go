package engine

import (
	"math"
	"testing"
	"time"
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
			if ok != tt.wantOK || (ok && math.Abs(float64(got-tt.want)) > float64(time.Microsecond)) {
				t.Errorf("offset(%d) = %v, %v; want %v, %v", tt.n, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRun_rampSendsTheScheduledCount(t *testing.T) {
	// 200/s rising to 600/s over 250ms schedules (200+600)/2 × 0.25 = 100 requests.
	rep, err := Run(t.Context(), plan(okHandler(), func(p *Plan) {
		p.Requests, p.Duration, p.Rate, p.RampTo, p.Clients = 0, 250*time.Millisecond, 200, 600, 2
	}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 100 {
		t.Errorf("Requests %d, want 100", rep.Requests)
	}
	if rep.SendLag.TotalCount() != 100 {
		t.Errorf("send lag histogram holds %d values, want one per request", rep.SendLag.TotalCount())
	}
}

func TestRun_reportsCPU(t *testing.T) {
	rep, err := Run(t.Context(), plan(okHandler(), func(p *Plan) { p.Requests = 2000 }))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cores < 1 || rep.CPU < 0 {
		t.Errorf("cores %d cpu %v", rep.Cores, rep.CPU)
	}
	if rep.SendLag == nil || rep.SendLag.TotalCount() != 0 {
		t.Errorf("closed model: want an empty send lag histogram")
	}
}
