package cli_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/loadtesting"
)

// outcome is what one loadreport invocation did.
type outcome struct {
	code           int
	stdout, stderr string
}

// loadreport runs the loadreport root in-process with args, on buffers.
// color sets both IsTTY and Color, as System does for a terminal.
func loadreport(t *testing.T, color bool, args ...string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, IsTTY: color, Color: color}
	code := cli.Execute(t.Context(), cli.NewLoadreport(ios), args, ios)
	return outcome{code, out.String(), errOut.String()}
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", o.code, o.stdout, o.stderr)
}

var (
	okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	})
	failHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
	})
)

// seeded are the runs saved in a test store, oldest first.
type seeded struct {
	url string
	// ok answers 200; failing answers 503; slower is a copy of ok with
	// twice its p95 and p99; same is a copy of ok with another id.
	ok, failing, slower, same *loadtesting.Result
}

// newest lists the ids newest first, as recent does.
func (s seeded) newest() []string {
	return []string{s.same.ID, s.slower.ID, s.failing.ID, s.ok.ID}
}

// seed saves real runs from loadtesting.Exec, and two hand-made variants,
// to the store at url.
func seed(t *testing.T, url string) seeded {
	t.Helper()
	st, err := loadtesting.OpenStore(url)
	require.NoError(t, err)
	defer st.Close()
	s := seeded{url: url}
	s.ok = execRun(t, okHandler, loadtesting.Config{Path: "/health/", Requests: 200, Clients: 4, Store: st})
	s.failing = execRun(t, failHandler, loadtesting.Config{Method: "POST", Path: "/api/v1/tasks", Requests: 100, Clients: 4,
		Headers: http.Header{"Authorization": {"Bearer hunter2"}}, Store: st})

	slower := *s.ok
	slower.ID = s.ok.ID[:20] + "SLOWER"
	slower.StartedAt = s.failing.StartedAt.Add(time.Millisecond)
	slower.Metrics.Latency.P95 = 2*s.ok.Metrics.Latency.P95 + time.Millisecond
	slower.Metrics.Latency.P99 = 2*s.ok.Metrics.Latency.P99 + time.Millisecond
	s.slower = &slower
	same := *s.ok
	same.ID = s.ok.ID[:20] + "SAMEAS"
	same.StartedAt = slower.StartedAt.Add(time.Millisecond)
	s.same = &same
	for _, r := range []*loadtesting.Result{s.slower, s.same} {
		require.NoError(t, st.Save(t.Context(), r))
	}
	return s
}

func execRun(t *testing.T, h http.Handler, cfg loadtesting.Config) *loadtesting.Result {
	t.Helper()
	r, err := loadtesting.Exec(t.Context(), h, cfg)
	require.NoError(t, err, "Exec")
	return r
}

// usageLine is the one line of help after a usage error.
func usageLine(cmd string) string { return "Run '" + cmd + " --help' for usage.\n" }
