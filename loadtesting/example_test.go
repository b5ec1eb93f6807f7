package loadtesting_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

func ExampleExec() {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	res, err := loadtesting.Exec(context.Background(), ok, loadtesting.Config{Requests: 40, Clients: 4})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Metrics.Requests, res.Metrics.StatusCodes)
	// Output: 40 map[204:40]
}

// ExampleConfig sends a POST with path parameters, a query, headers and a
// body, and prints what the handler received on the first request. The
// stored Config redacts the Authorization header.
func ExampleConfig() {
	var (
		mu   sync.Mutex
		seen []string // what the first request carried
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{user}/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if seen == nil {
			seen = []string{
				"request:   " + r.Method + " " + r.RequestURI,
				"user, id:  " + r.PathValue("user") + ", " + r.PathValue("id"),
				"tenant:    " + r.Header.Get("X-Tenant"),
				"auth:      " + r.Header.Get("Authorization"),
				"body:      " + string(body),
			}
		}
		w.WriteHeader(http.StatusCreated)
	})

	res, err := loadtesting.Exec(context.Background(), mux, loadtesting.Config{
		Method:     http.MethodPost,
		Path:       "/users/{user}/tasks/{id}",
		PathParams: map[string]string{"user": "ana maria", "id": "42"},
		Query:      url.Values{"notify": {"false"}},
		Headers: http.Header{
			"X-Tenant":      {"acme"},
			"Authorization": {"Bearer s3cret"},
		},
		Body:     []byte(`{"done":true}`),
		Requests: 10,
		Clients:  2,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range seen {
		fmt.Println(line)
	}
	fmt.Println("name:     ", res.Name)
	fmt.Println("statuses: ", res.Metrics.StatusSummary())
	fmt.Println("stored:   ", res.Config.Headers)
	// Output:
	// request:   POST /users/ana%20maria/tasks/42?notify=false
	// user, id:  ana maria, 42
	// tenant:    acme
	// auth:      Bearer s3cret
	// body:      {"done":true}
	// name:      POST /users/{user}/tasks/{id}
	// statuses:  10×201
	// stored:    map[Authorization:[[redacted]] X-Tenant:[acme]]
}

// ExampleResult_Percentile reads any percentile from a run's histogram.
// Latencies vary from run to run, so this prints only how they relate.
func ExampleResult_Percentile() {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	res, err := loadtesting.Exec(context.Background(), h, loadtesting.Config{Requests: 200, Clients: 4})
	if err != nil {
		log.Fatal(err)
	}
	p50, p99, p999 := res.Percentile(50), res.Percentile(99), res.Percentile(99.9)
	fmt.Println("p50 > 0:", p50 > 0)
	fmt.Println("p50 <= p99 <= p99.9:", p50 <= p99 && p99 <= p999)
	fmt.Println("p99 matches Metrics.Latency.P99:", p99 == res.Metrics.Latency.P99)
	// Output:
	// p50 > 0: true
	// p50 <= p99 <= p99.9: true
	// p99 matches Metrics.Latency.P99: true
}

// Example_loadTest shows the shape of a load test. It lives in a _test.go
// file next to the handlers it measures, and its name ends in Load so that
// `go test -run Load ./...` selects it:
//
//	import (
//		"net/http"
//		"testing"
//		"time"
//
//		"github.com/apiload/apiload/loadtesting"
//		loadassert "github.com/apiload/apiload/loadtesting/assert"
//	)
//
//	func TestHealthLoad(t *testing.T) {
//		res := loadtesting.Run(t, app.Router(), loadtesting.Config{
//			Path:     "/health/",
//			Requests: 500,
//			Clients:  10,
//		})
//		loadassert.P95Below(t, res, 20*time.Millisecond)
//		loadassert.ErrorRateBelow(t, res, 0.01)
//		loadassert.StatusCodesIn(t, res, []int{http.StatusOK})
//	}
//
// Run needs a *testing.T, so this example does the same work with Exec and
// checks the goals that do not depend on timing. In a test, t takes the
// place of report, and a broken goal fails the test with a small report.
func Example_loadTest() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })

	res, err := loadtesting.Exec(context.Background(), mux, loadtesting.Config{
		Path:     "/health/",
		Requests: 500,
		Clients:  10,
	})
	if err != nil {
		log.Fatal(err)
	}
	var report printT
	fmt.Println("requests:", res.Metrics.Requests)
	fmt.Println("statuses:", res.Metrics.StatusSummary())
	fmt.Println("error rate below 1%:", loadassert.ErrorRateBelow(report, res, 0.01))
	fmt.Println("only 200 OK:", loadassert.StatusCodesIn(report, res, []int{http.StatusOK}))
	// Output:
	// requests: 500
	// statuses: 500×200
	// error rate below 1%: true
	// only 200 OK: true
}

// printT is a loadassert.TestingT that prints failures instead of failing
// a test.
type printT struct{}

func (printT) Helper() {}

func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// Runs saved to a store can be read back later, here from a file store.
func ExampleOpenStore() {
	dir, err := os.MkdirTemp("", "apiload-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := loadtesting.OpenStore("file://" + filepath.ToSlash(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
	res, err := loadtesting.Exec(context.Background(), ok, loadtesting.Config{Requests: 20, Store: st})
	if err != nil {
		log.Fatal(err)
	}
	back, err := st.Get(context.Background(), res.ID)
	if err != nil {
		log.Fatal(err)
	}
	recent, err := st.Recent(context.Background(), 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Metrics.Requests, back.Percentile(50) == res.Percentile(50), len(recent))
	// Output: 20 true 1
}

// A ConfigError lists every problem of a Config, each naming its field and
// the value it had.
func ExampleConfigError() {
	err := loadtesting.Config{Path: "/tasks/{id}", Clients: -1}.Validate(okHandler)
	var ce *loadtesting.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Printf("%s %s: %s\n", p.Field, p.Value, p.Msg)
		}
	}
	fmt.Println(err)
	// Output:
	// Clients -1: must be 0 (default 10) or positive
	// Path "/tasks/{id}": no value for placeholder "id" (set PathParams)
	// config: Clients -1: must be 0 (default 10) or positive; path "/tasks/{id}": no value for placeholder "id" (set PathParams)
}
