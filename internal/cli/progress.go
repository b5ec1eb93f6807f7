package cli

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// startProgress draws a progress bar on ErrOut until the returned func is
// called: done/total, req/s, errors and the time left.
func startProgress(ios *IOStreams, r *loadtesting.Running) (stop func()) {
	p := r.Progress()
	max := p.Total
	byTime := max == 0 || (p.Duration > 0 && p.Total == 0)
	if byTime {
		max = p.Duration.Milliseconds()
	}
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(ios.Color),
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			p := r.Progress()
			rate := 0.0
			if s := p.Elapsed.Seconds(); s > 0 {
				rate = float64(p.Done) / s
			}
			bar.Describe(fmt.Sprintf("%s req/s, %d errors", format.Rate(rate), p.Failed))
			if byTime {
				_ = bar.Set64(min(p.Elapsed.Milliseconds(), max))
			} else {
				_ = bar.Set64(min(p.Done, max))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		_ = bar.Finish()
		_ = bar.Clear()
	}
}
