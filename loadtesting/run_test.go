package loadtesting_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// Tests about time run their load in a synctest bubble (synctest.Test):
// the clock is fake and moves only when every goroutine of the run waits,
// so a handler that sleeps 10ms takes exactly 10ms, and latencies, counts
// and durations are exact however busy the machine is. The HDR histogram
// keeps 3 significant digits, so a latency is checked to within 0.1%.

// hdrPrecision is the relative precision of a latency from the histogram.
const hdrPrecision = 1e-3

// assertLatency checks that got is want to the histogram's precision.
func assertLatency(t *testing.T, want, got time.Duration, name string) {
	t.Helper()
	assert.InEpsilon(t, float64(want), float64(got), hdrPrecision, "%s %v, want %v", name, got, want)
}

// sleeper answers 200 after sleeping d: in a bubble, exactly d of fake time.
func sleeper(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { time.Sleep(d) })
}

// everyNth fails every n-th request (by arrival) with 503.
func everyNth(n int64) http.Handler {
	var count atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if count.Add(1)%n == 0 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
}

func TestExec_countsAndStatuses(t *testing.T) {
	tests := []struct {
		name          string
		h             http.Handler
		cfg           loadtesting.Config
		wantRequests  int64
		wantFailed    int64
		wantStatus    map[int]int64
		wantErrorRate float64
		wantBytesIn   int64
	}{
		{"every 4th fails", everyNth(4), loadtesting.Config{Requests: 1000, Clients: 8},
			1000, 250, map[int]int64{200: 750, 503: 250}, 0.25, 750*2 + 250*int64(len("overloaded\n"))},
		{"default count", okHandler, loadtesting.Config{}, 100, 0, map[int]int64{204: 100}, 0, 0},
		{"more clients than requests", okHandler, loadtesting.Config{Requests: 3, Clients: 50}, 3, 0, map[int]int64{204: 3}, 0, 0},
		{"expect status turns 204 into failure", okHandler, loadtesting.Config{Requests: 20, ExpectStatus: []int{200}},
			20, 20, map[int]int64{204: 20}, 1, 0},
		{"expect status accepts 503", everyNth(2), loadtesting.Config{Requests: 20, Clients: 1, ExpectStatus: []int{200, 503}},
			20, 0, map[int]int64{200: 10, 503: 10}, 0, 10*2 + 10*int64(len("overloaded\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := loadtesting.Exec(t.Context(), tt.h, tt.cfg)
			require.NoError(t, err)
			m := res.Metrics
			assert.Equal(t, tt.wantRequests, m.Requests, "requests")
			assert.Equal(t, tt.wantFailed, m.Failed, "failed")
			assert.Equal(t, tt.wantRequests-tt.wantFailed, m.Succeeded, "succeeded")
			if diff := cmp.Diff(tt.wantStatus, m.StatusCodes); diff != "" {
				t.Errorf("status codes (-want +got):\n%s", diff)
			}
			assert.InDelta(t, tt.wantErrorRate, m.ErrorRate, 1e-12, "ErrorRate")
			var succeeded int64 // by the Result's rule: the run's own, read back
			for code, n := range m.StatusCodes {
				if res.Succeeded(code) {
					succeeded += n
				}
			}
			assert.Equal(t, m.Succeeded, succeeded, "Result.Succeeded agrees with the run")
			assert.Equal(t, tt.wantBytesIn, m.BytesIn, "BytesIn")
			assert.Len(t, m.Errors, int(min(tt.wantFailed, 100)), "error samples")
			if m.Succeeded > 0 {
				assert.Positive(t, m.Throughput, "Throughput with %d successes", m.Succeeded)
			}
			assert.GreaterOrEqual(t, m.RequestRate, m.Throughput, "RequestRate counts failures too")
		})
	}
}

// TestExec_concurrencyReachesButNeverExceedsClients runs handlers that sleep
// 2ms of fake time: every worker is in its handler at once, so the peak is
// exactly Clients, and each of the 20 rounds takes exactly 2ms.
func TestExec_concurrencyReachesButNeverExceedsClients(t *testing.T) {
	for _, clients := range []int{1, 4, 16} {
		t.Run(strconv.Itoa(clients), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var inFlight, peak atomic.Int64
				h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					n := inFlight.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(2 * time.Millisecond)
					inFlight.Add(-1)
				})
				res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: int64(clients * 20), Clients: clients})
				require.NoError(t, err)
				assert.Equal(t, int64(clients), peak.Load(), "peak concurrency, want exactly Clients")
				assert.Equal(t, int64(clients*20), res.Metrics.Requests)
				assert.Equal(t, 40*time.Millisecond, res.Duration, "20 rounds of 2ms")
				assert.InDelta(t, float64(clients)*500, res.Metrics.Throughput, 1e-9, "Clients requests every 2ms")
			})
		})
	}
}

// seen is what a handler observed of one request.
type seen struct {
	Method, Path, RawQuery, Body string
	Header                       http.Header
}

func recordingHandler(mu *sync.Mutex, got *[]seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*got = append(*got, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b),
			http.Header{"X-Trace": r.Header.Values("X-Trace"), "Authorization": r.Header.Values("Authorization")}})
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
}

func TestExec_requestArrivesAsSent(t *testing.T) {
	cfg := loadtesting.Config{
		Method:     "post",
		Path:       "/api/v1/tasks/{task_id}/notes/{note}",
		PathParams: map[string]string{"task_id": "abc-123", "note": "a b/c"},
		Query:      map[string][]string{"verbose": {"1"}, "tag": {"x", "y"}},
		Headers:    http.Header{"X-Trace": {"t1"}, "Authorization": {"Bearer s3cret"}},
		Body:       []byte(`{"queue":"load_test","task":"ping"}`),
		Requests:   30,
		Clients:    3,
	}
	want := seen{"POST", "/api/v1/tasks/abc-123/notes/a%20b%2Fc", "tag=x&tag=y&verbose=1", `{"queue":"load_test","task":"ping"}`,
		http.Header{"X-Trace": {"t1"}, "Authorization": {"Bearer s3cret"}}}

	for _, mode := range []string{"in-process", "http"} {
		t.Run(mode, func(t *testing.T) {
			var mu sync.Mutex
			var got []seen
			h := recordingHandler(&mu, &got)
			c := cfg
			if mode == "http" {
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				c.BaseURL = srv.URL
			}
			res, err := loadtesting.Exec(t.Context(), h, c)
			require.NoError(t, err)
			require.Len(t, got, 30, "requests the handler saw")
			for i, g := range got {
				if diff := cmp.Diff(want, g); diff != "" {
					t.Fatalf("request %d (-want +got):\n%s", i, diff)
				}
			}
			assert.Equal(t, int64(30*len(cfg.Body)), res.Metrics.BytesOut, "BytesOut")
			assert.Equal(t, loadtesting.Redacted, res.Config.Headers.Get("Authorization"), "stored Authorization")
			assert.Equal(t, "t1", res.Config.Headers.Get("X-Trace"), "stored X-Trace")
			assert.Equal(t, "Bearer s3cret", cfg.Headers.Get("Authorization"), "the caller's headers, unchanged")
		})
	}
}

func TestExec_bodyFuncGivesEachRequestItsPayload(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[string(b)]++
		mu.Unlock()
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Method: http.MethodPost, Requests: 50, Clients: 5,
		BodyFunc: func(i int64) ([]byte, error) {
			if i == 7 {
				return nil, io.ErrUnexpectedEOF
			}
			return []byte(`{"n":` + strconv.FormatInt(i, 10) + `}`), nil
		},
	})
	require.NoError(t, err)
	assert.Len(t, bodies, 49, "distinct bodies")
	for b, n := range bodies {
		assert.Equal(t, 1, n, "times body %s was sent", b)
	}
	require.Equal(t, int64(1), res.Metrics.Failed)
	require.Len(t, res.Metrics.Errors, 1)
	e := res.Metrics.Errors[0]
	assert.Equal(t, "payload", e.Kind)
	assert.Equal(t, int64(7), e.Request)
	assert.Contains(t, e.Message, "unexpected EOF", "the BodyFunc's error")
}

func TestExec_errorSamplesCappedWithRequestNumbers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, strings.Repeat("x", 2000), http.StatusInternalServerError)
	})
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 500, Clients: 4})
	require.NoError(t, err)
	assert.Equal(t, int64(500), res.Metrics.Failed)
	require.Len(t, res.Metrics.Errors, 100)
	nums := map[int64]bool{}
	for _, e := range res.Metrics.Errors {
		assert.True(t, e.Request >= 0 && e.Request < 500 && !nums[e.Request], "sample request number %d out of range or repeated", e.Request)
		nums[e.Request] = true
		assert.Equal(t, 500, e.Status)
		assert.Equal(t, "status", e.Kind)
		assert.Len(t, e.Body, 512, "a sample keeps the first 512 bytes of the body")
	}
}

// TestExec_panicsAndHungHandlersAreCounted: of every 10 requests one
// panics, one waits for its context (the 50ms timeout ends it), and the
// third of the run ignores its context until the test ends (the run
// abandons it). Fake time makes every other request answer at once.
func TestExec_panicsAndHungHandlersAreCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) }) // runs in the bubble, before synctest waits for the abandoned handler
		var n atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k := n.Add(1)
			switch k % 10 {
			case 1:
				panic("boom")
			case 2:
				<-r.Context().Done() // hangs until the timeout cancels it
				return
			case 3:
				if k < 10 {
					<-release // ignores its context entirely
				}
			}
			w.WriteHeader(http.StatusOK)
		})
		res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 100, Clients: 4, Timeout: 50 * time.Millisecond})
		require.NoError(t, err)
		m := res.Metrics
		assert.Equal(t, int64(100), m.Requests)
		assert.Equal(t, int64(21), m.Failed)
		kinds := map[string]int{}
		for _, e := range m.Errors {
			kinds[e.Kind]++
			if e.Kind == "panic" {
				assert.Contains(t, e.Message, "boom", "a panic sample names the panic value")
			}
		}
		assert.Equal(t, map[string]int{"panic": 10, "timeout": 11}, kinds, "failures by kind")
		assert.Equal(t, map[int]int64{0: 21, 200: 79}, m.StatusCodes)
	})
}

func TestExec_cancelReturnsPromptlyWithPartialResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var served atomic.Int64
		// From the 20th request on, handlers answer only when their request's
		// context ends, so Exec returns at once only if the cancel reaches the
		// requests in flight and stops the rest. (Without that, they would
		// end only at the 30s default timeout, of fake time.)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := served.Add(1)
			if n == 20 {
				cancel()
			}
			if n >= 20 {
				<-r.Context().Done()
			}
		})
		res, err := loadtesting.Exec(ctx, h, loadtesting.Config{Requests: 1_000_000, Clients: 4})
		assert.ErrorIs(t, err, context.Canceled)
		require.NotNil(t, res, "a partial result")
		assert.Zero(t, res.Duration, "the run's length: the cancel ended it at once")
		// The 19 requests before the 20th were answered, but up to 3 were
		// still in flight on other clients when the cancel came: those are
		// cut short, and cut-short requests are not measurements.
		assert.GreaterOrEqual(t, res.Metrics.Requests, int64(16))
		assert.LessOrEqual(t, res.Metrics.Requests, int64(19))
		assert.Zero(t, res.Metrics.Failed, "requests cut short by the cancellation counted as failures")
	})
}

// TestExec_latencies runs handlers that sleep a known time of the fake
// clock, so every percentile, the run's length and its rates are exact.
func TestExec_latencies(t *testing.T) {
	type percentiles struct{ Min, P50, P75, P90, P99, Max time.Duration }
	const ms = time.Millisecond
	tests := []struct {
		name         string
		h            func() http.Handler
		cfg          loadtesting.Config
		want         percentiles
		wantDuration time.Duration // 0: not known in advance
	}{
		// 200 requests in rounds of 10, 10ms each.
		{"10ms handler", func() http.Handler { return sleeper(10 * ms) }, loadtesting.Config{Requests: 200, Clients: 10},
			percentiles{10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms}, 200 * ms},
		// 100 requests each of 200µs, 400µs, ... 1400µs: the 350th of the
		// 700 is the last of the 800µs ones, the 525th a 1200µs one.
		{"seven latencies", func() http.Handler {
			var n atomic.Int64
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(time.Duration(n.Add(1)%7+1) * 200 * time.Microsecond)
			})
		}, loadtesting.Config{Requests: 700, Clients: 7},
			percentiles{200 * time.Microsecond, 800 * time.Microsecond, 1200 * time.Microsecond, 1400 * time.Microsecond, 1400 * time.Microsecond, 1400 * time.Microsecond},
			0}, // the clients' shares of the work depend on who arrives first
		// One client, a 20ms handler, sends due every 5ms: request i is sent
		// at 20i ms, 15i ms late, and its latency counts from when it was due
		// (coordinated omission): 15i+20 ms, so the 10th is 155ms, the 15th
		// 230ms and the 20th 305ms.
		{"latency counts from the scheduled send", func() http.Handler { return sleeper(20 * ms) },
			loadtesting.Config{Rate: 200, Requests: 20, Clients: 1},
			percentiles{20 * ms, 155 * ms, 230 * ms, 275 * ms, 305 * ms, 305 * ms}, 400 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res, err := loadtesting.Exec(t.Context(), tt.h(), tt.cfg)
				require.NoError(t, err)
				l := res.Metrics.Latency
				got := percentiles{l.Min, l.P50, l.P75, l.P90, l.P99, l.Max}
				for _, p := range []struct {
					name      string
					want, got time.Duration
				}{
					{"min", tt.want.Min, got.Min}, {"p50", tt.want.P50, got.P50}, {"p75", tt.want.P75, got.P75},
					{"p90", tt.want.P90, got.P90}, {"p99", tt.want.P99, got.P99}, {"max", tt.want.Max, got.Max},
				} {
					assertLatency(t, p.want, p.got, p.name)
				}
				assert.Equal(t, l.P99, res.Percentile(99), "Percentile(99) and Latency.P99")
				assert.Equal(t, l.Max, res.Percentile(100), "Percentile(100) and Latency.Max")
				if tt.wantDuration > 0 {
					assert.Equal(t, tt.wantDuration, res.Duration, "the run's length")
					assert.InDelta(t, float64(tt.cfg.Requests)/tt.wantDuration.Seconds(), res.Metrics.Throughput, 1e-9, "throughput")
				}
			})
		})
	}
}

func TestExec_durationBoundsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// No request count: only the Duration can end this run. Each of the
		// 2 clients sends back to back, 3ms a request: the ones sent at
		// 198ms end at 201ms, and none starts after 200ms.
		res, err := loadtesting.Exec(t.Context(), sleeper(3*time.Millisecond), loadtesting.Config{Duration: 200 * time.Millisecond, Clients: 2})
		require.NoError(t, err)
		assert.Equal(t, int64(2*67), res.Metrics.Requests)
		assert.Equal(t, 201*time.Millisecond, res.Duration)

		// With a count too, the first bound reached wins.
		res, err = loadtesting.Exec(t.Context(), sleeper(3*time.Millisecond), loadtesting.Config{Duration: time.Hour, Requests: 10, Clients: 2})
		require.NoError(t, err)
		assert.Equal(t, int64(10), res.Metrics.Requests)
		assert.Equal(t, 15*time.Millisecond, res.Duration)
	})
}

func TestExec_rateSchedulesSends(t *testing.T) {
	tests := []struct {
		name         string
		cfg          loadtesting.Config
		wantRequests int
	}{
		// The last of 40 requests at 200/s is due 195ms after the first.
		{"count", loadtesting.Config{Rate: 200, Requests: 40, Clients: 4}, 40},
		// Rate with Duration: the schedule stops at the duration, after the
		// request due at 290ms.
		{"duration", loadtesting.Config{Rate: 100, Duration: 300 * time.Millisecond, Clients: 2}, 30},
		// 100/s rising to 300/s over 500ms: (100+300)/2 × 0.5s.
		{"ramp", loadtesting.Config{Rate: 100, RampTo: 300, Duration: 500 * time.Millisecond, Clients: 3}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var mu sync.Mutex
				var arrivals []time.Duration
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					arrivals = append(arrivals, time.Since(start))
					mu.Unlock()
				})
				res, err := loadtesting.Exec(t.Context(), h, tt.cfg)
				require.NoError(t, err)
				assert.Equal(t, int64(tt.wantRequests), res.Metrics.Requests)
				require.Len(t, arrivals, tt.wantRequests)
				// Request n is due when n requests have been due before it:
				// at rate r(t) = r0 + k·t, n = r0·t + k·t²/2.
				r0 := tt.cfg.Rate
				k := 0.0
				if tt.cfg.RampTo > 0 {
					k = (tt.cfg.RampTo - tt.cfg.Rate) / tt.cfg.Duration.Seconds()
				}
				for n, got := range arrivals {
					due := got.Seconds()
					assert.InDelta(t, float64(n), r0*due+k*due*due/2, 1e-6, "request %d arrived at %v", n, got)
				}
				assert.Equal(t, arrivals[len(arrivals)-1], res.Duration, "the run ends with its last, instant, request")
			})
		})
	}
}

// TestExec_sendLag checks that an open-model run's send lag reaches the
// Result (and its JSON), and that a closed-model run has none.
func TestExec_sendLag(t *testing.T) {
	tests := []struct {
		name     string
		h        http.Handler
		cfg      loadtesting.Config
		wantLag  bool // a SendLag summary
		wantLate int64
		wantP50  time.Duration
		wantMax  time.Duration
	}{
		// One client and a 10ms handler at 1000/s: request i is due at i ms
		// but leaves at 10i ms, 9i ms late.
		{"open model falls behind", sleeper(10 * time.Millisecond), loadtesting.Config{Rate: 1000, Requests: 10, Clients: 1},
			true, 9, 36 * time.Millisecond, 81 * time.Millisecond},
		{"open model keeps to the schedule", okHandler, loadtesting.Config{Rate: 200, Requests: 20, Clients: 2},
			true, 0, 0, 0},
		{"closed model", sleeper(10 * time.Millisecond), loadtesting.Config{Requests: 10, Clients: 1},
			false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res, err := loadtesting.Exec(t.Context(), tt.h, tt.cfg)
				require.NoError(t, err)
				m := res.Metrics
				assert.Equal(t, tt.wantLate, m.LateSends, "LateSends")
				data, err := json.Marshal(res)
				require.NoError(t, err)
				if !tt.wantLag {
					assert.Nil(t, m.SendLag, "SendLag of a closed-model run")
					assert.NotContains(t, string(data), `"send_lag"`)
					return
				}
				require.NotNil(t, m.SendLag, "SendLag of an open-model run")
				// The histogram keeps 3 significant digits.
				assert.InDelta(t, float64(tt.wantP50), float64(m.SendLag.P50), float64(tt.wantP50/1000+time.Microsecond), "send lag p50")
				assert.InDelta(t, float64(tt.wantMax), float64(m.SendLag.Max), float64(tt.wantMax/1000+time.Microsecond), "send lag max")

				var back loadtesting.Result
				require.NoError(t, json.Unmarshal(data, &back))
				assert.Equal(t, m.SendLag, back.Metrics.SendLag, "send lag after a JSON round trip")
				assert.Equal(t, m.LateSends, back.Metrics.LateSends, "late sends after a JSON round trip")
			})
		})
	}
}

func TestExec_httpMatchesInProcess(t *testing.T) {
	cfg := loadtesting.Config{Requests: 400, Clients: 8, Path: "/x"}
	inproc, err := loadtesting.Exec(t.Context(), everyNth(4), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(everyNth(4))
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	remote, err := loadtesting.Exec(t.Context(), nil, cfg)
	require.NoError(t, err)
	if diff := cmp.Diff(inproc.Metrics.StatusCodes, remote.Metrics.StatusCodes); diff != "" {
		t.Errorf("status codes in-process vs http (-in +http):\n%s", diff)
	}
	assert.Equal(t, inproc.Metrics.BytesIn, remote.Metrics.BytesIn, "BytesIn in-process and over HTTP")
	assert.True(t, inproc.InProcess, "in-process run: InProcess")
	assert.False(t, remote.InProcess, "HTTP run: InProcess")
	assert.Equal(t, "/x", inproc.URL)
	assert.Equal(t, srv.URL+"/x", remote.URL)
}

func TestExec_transportErrorsAreCounted(t *testing.T) {
	srv := httptest.NewServer(okHandler)
	url := srv.URL
	srv.Close() // nothing listens there now
	res, err := loadtesting.Exec(t.Context(), nil, loadtesting.Config{BaseURL: url, Requests: 5, Clients: 1})
	require.NoError(t, err)
	require.Equal(t, int64(5), res.Metrics.Failed)
	require.Equal(t, int64(5), res.Metrics.StatusCodes[0], "requests with no response")
	e := res.Metrics.Errors[0]
	assert.Equal(t, "transport", e.Kind)
	assert.Contains(t, e.Message, "refused", "the error names the refused connection")
}

func TestResult_JSONRoundTrip(t *testing.T) {
	res, err := loadtesting.Exec(t.Context(), everyNth(3), loadtesting.Config{
		Name: "checkout", Requests: 90, Clients: 3, Path: "/t/{id}", PathParams: map[string]string{"id": "7"},
		Headers: http.Header{"X-Api-Key": {"k"}, "Accept": {"application/json"}}, Tags: []string{"smoke"},
	})
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	for _, key := range []string{`"schema":1`, `"p95_ms":`, `"status_codes":{"200":60,"503":30}`, `"started_at":`, `"histogram":"`, `"error_rate":`, `"protocol":"in-process"`, `"connections":0`} {
		assert.Contains(t, string(b), key)
	}
	assert.NotContains(t, string(b), `"k"`, "the API key's value")
	var back loadtesting.Result
	require.NoError(t, json.Unmarshal(b, &back))
	if diff := cmp.Diff(res, &back, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	assert.Equal(t, loadtesting.ProtocolInProcess, back.Protocol, "Protocol after the round trip")
	assert.Equal(t, res.Percentile(99.9), back.Percentile(99.9), "the histogram survives the round trip")

	bad := strings.Replace(string(b), `"schema":1`, `"schema":99`, 1)
	assert.ErrorContains(t, json.Unmarshal([]byte(bad), &back), "schema 99")
}

func TestResult_IDsSortByStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ids []string
		for range 3 {
			res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 1})
			require.NoError(t, err)
			ids = append(ids, res.ID)
			time.Sleep(time.Millisecond) // IDs carry their start to the millisecond
		}
		assert.IsIncreasing(t, ids, "ids sort by start")
	})
}

func TestExec_resultHoldsNoQuerySecrets(t *testing.T) {
	var got string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Query().Get("access_token") })
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Requests: 1, Clients: 1, Query: map[string][]string{"access_token": {"s3cr3t"}, "page": {"2"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t", got, "the handler sees the real access_token")
	b, err := json.Marshal(res)
	require.NoError(t, err)
	for _, out := range []string{res.URL, string(b), res.OneLine()} {
		assert.NotContains(t, out, "s3cr3t", "the returned Result keeps the secret")
	}
	assert.Contains(t, res.URL, "page=2", "the harmless query")
}

func TestExec_clientsReportsTheConcurrencyUsed(t *testing.T) {
	res, err := loadtesting.Exec(t.Context(), okHandler, loadtesting.Config{Requests: 3, Clients: 50})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Clients, "3 requests with 50 clients configured: no more than 3 can run")
}

func TestExec_authRunsOnceAndItsHeadersGoEverywhere(t *testing.T) {
	var calls, served atomic.Int64
	var bad atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Trace") != "t1" {
			bad.Add(1)
		}
	})
	caller := http.Header{"X-Trace": {"t1"}}
	res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{
		Requests: 50, Clients: 5, Headers: caller,
		Auth: func(ctx context.Context) (http.Header, error) {
			calls.Add(1)
			return http.Header{"authorization": {"Bearer t0ken"}}, nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), calls.Load(), "Auth calls")
	assert.Equal(t, int64(50), served.Load(), "requests served")
	assert.Zero(t, bad.Load(), "requests without Auth's header or the caller's")
	assert.Equal(t, loadtesting.Redacted, res.Config.Headers.Get("Authorization"), "stored Authorization")
	assert.Equal(t, http.Header{"X-Trace": {"t1"}}, caller, "the caller's Headers, unchanged")

	tests := []struct {
		name    string
		auth    func(context.Context) (http.Header, error)
		wantErr string
	}{
		{"login refused", func(context.Context) (http.Header, error) { return nil, io.ErrUnexpectedEOF }, "Auth: unexpected EOF (no request was sent)"},
		{"bad header name", func(context.Context) (http.Header, error) { return http.Header{"X A": {"1"}}, nil }, `Auth: header "X A" is not a valid header name`},
		{"CRLF in a value", func(context.Context) (http.Header, error) { return http.Header{"X-A": {"1\r\nX-B: 2"}}, nil }, `Auth: header "X-A": value holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served.Store(0)
			res, err := loadtesting.Exec(t.Context(), h, loadtesting.Config{Requests: 5, Auth: tt.auth})
			assert.ErrorContains(t, err, tt.wantErr)
			assert.Nil(t, res, "no result")
			assert.Zero(t, served.Load(), "requests sent after Auth failed")
		})
	}
}
