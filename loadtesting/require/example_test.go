package require_test

import (
	"fmt"
	"runtime"
	"time"

	"github.com/apiload/apiload/loadtesting"
	loadrequire "github.com/apiload/apiload/loadtesting/require"
)

// printT is a loadrequire.TestingT that prints failures and stops the
// goroutine it runs in, as testing.T's FailNow does. In a test, pass t.
type printT struct{}

func (printT) Helper() {}

func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (printT) FailNow() {
	fmt.Println("FailNow: the test stops here")
	runtime.Goexit()
}

// A broken goal prints the same report as package assert's, then stops the
// test, so the lines after it never run. The run here is built by hand so
// that the output is fixed; in a test it comes from loadtesting.Run:
//
//	res := loadtesting.Run(t, app.Router(), loadtesting.Config{Path: "/health/", Requests: 500})
//	loadrequire.NoErrors(t, res)
//	loadrequire.P95Below(t, res, 20*time.Millisecond, "health must stay fast")
func ExampleP95Below() {
	res := &loadtesting.Result{
		ID:        "01JDXQ3V",
		Name:      "GET /health/",
		InProcess: true,
		Clients:   10,
		Metrics: loadtesting.Metrics{
			Requests: 500, Succeeded: 500,
			StatusCodes: map[int]int64{200: 500},
			Latency: loadtesting.Latency{
				P50: 8100 * time.Microsecond, P90: 17900 * time.Microsecond, P95: 23400 * time.Microsecond,
				P99: 41 * time.Millisecond, Max: 97200 * time.Microsecond,
			},
		},
	}
	var t printT
	done := make(chan struct{})
	go func() { // the test's goroutine, which FailNow ends
		defer close(done)
		loadrequire.NoErrors(t, res) // holds: the test goes on
		loadrequire.P95Below(t, res, 20*time.Millisecond, "health must stay fast")
		fmt.Println("not reached")
	}()
	<-done
	// Output:
	// p95 latency 23.4ms, want < 20ms: health must stay fast
	//     run:     01JDXQ3V "GET /health/" in-process, 500 requests, 10 clients
	//     latency: p50 8.10ms  p90 17.9ms  p95 23.4ms  p99 41ms  max 97.2ms
	//     errors:  0 (0%)
	//     more:    loadreport results 01JDXQ3V
	// FailNow: the test stops here
}
