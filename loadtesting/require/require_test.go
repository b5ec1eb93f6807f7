package require_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	tassert "github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/apiload/apiload/internal/helpert"
	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
	loadrequire "github.com/apiload/apiload/loadtesting/require"
)

// testify's own handle types satisfy TestingT: it is the same interface.
var (
	_ loadrequire.TestingT = require.TestingT(nil)
	_ loadrequire.TestingT = (*tassert.CollectT)(nil)
	_ loadrequire.TestingT = testing.TB(nil)
)

// fakeT records what a function did to its TestingT, in order. FailNow
// ends the calling goroutine, as testing.T's does, so a call must run in
// a goroutine of its own (see call).
type fakeT struct {
	calls  []string // "Helper", "Errorf" or "FailNow"
	errors []string // each Errorf, formatted
}

func (f *fakeT) Helper() { f.calls = append(f.calls, "Helper") }

func (f *fakeT) Errorf(format string, args ...any) {
	f.calls = append(f.calls, "Errorf")
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) FailNow() {
	f.calls = append(f.calls, "FailNow")
	runtime.Goexit()
}

// call runs fn against t in a goroutine of its own, as a test body runs,
// and reports whether fn returned (false when FailNow stopped it). A panic
// is reported as a failure of the calling test.
func call(tb testing.TB, t loadrequire.TestingT, fn func(loadrequire.TestingT)) (returned bool) {
	tb.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn(t)
		returned = true
	}()
	if v := <-done; v != nil {
		tassert.Fail(tb, "the function panicked", "%v", v)
	}
	return returned
}

// TestRequire checks every function against its assert twin: on a held
// goal it neither reports nor stops; on a broken one it reports exactly
// what package assert reports, then calls FailNow, and the test stops.
func TestRequire(t *testing.T) {
	hand, tick := helpert.Health(), helpert.Ticker()
	tests := []struct {
		name    string
		require func(loadrequire.TestingT)
		assert  func(loadassert.TestingT) bool // the same check in package assert
		wantOK  bool
	}{
		{
			name:    "P50Below holds",
			require: func(t loadrequire.TestingT) { loadrequire.P50Below(t, hand, 9*time.Millisecond) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hand, 9*time.Millisecond) },
			wantOK:  true,
		},
		{
			name:    "P50Below broken",
			require: func(t loadrequire.TestingT) { loadrequire.P50Below(t, hand, 8*time.Millisecond, "p50 %s", "msg") },
			assert: func(t loadassert.TestingT) bool {
				return loadassert.P50Below(t, hand, 8*time.Millisecond, "p50 %s", "msg")
			},
		},
		{
			name:    "P95Below holds",
			require: func(t loadrequire.TestingT) { loadrequire.P95Below(t, hand, 30*time.Millisecond) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, 30*time.Millisecond) },
			wantOK:  true,
		},
		{
			name:    "P95Below broken",
			require: func(t loadrequire.TestingT) { loadrequire.P95Below(t, hand, 20*time.Millisecond, "health") },
			assert:  func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, 20*time.Millisecond, "health") },
		},
		{
			name:    "P99Below holds",
			require: func(t loadrequire.TestingT) { loadrequire.P99Below(t, hand, 50*time.Millisecond) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hand, 50*time.Millisecond) },
			wantOK:  true,
		},
		{
			name:    "P99Below broken by a nil result",
			require: func(t loadrequire.TestingT) { loadrequire.P99Below(t, nil, time.Hour) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.P99Below(t, nil, time.Hour) },
		},
		{
			name:    "PercentileBelow holds",
			require: func(t loadrequire.TestingT) { loadrequire.PercentileBelow(t, hand, 99.9, 100*time.Millisecond) },
			assert: func(t loadassert.TestingT) bool {
				return loadassert.PercentileBelow(t, hand, 99.9, 100*time.Millisecond)
			},
			wantOK: true,
		},
		{
			name:    "PercentileBelow broken by a bad percentile",
			require: func(t loadrequire.TestingT) { loadrequire.PercentileBelow(t, hand, 150, time.Hour) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 150, time.Hour) },
		},
		{
			name:    "ErrorRateBelow holds",
			require: func(t loadrequire.TestingT) { loadrequire.ErrorRateBelow(t, hand, 0.01) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, hand, 0.01) },
			wantOK:  true,
		},
		{
			name:    "ErrorRateBelow broken",
			require: func(t loadrequire.TestingT) { loadrequire.ErrorRateBelow(t, hand, 0.001, 42) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, hand, 0.001, 42) },
		},
		{
			name: "NoErrors holds",
			require: func(t loadrequire.TestingT) {
				loadrequire.NoErrors(t, &loadtesting.Result{Metrics: loadtesting.Metrics{Requests: 1, Succeeded: 1}})
			},
			assert: func(t loadassert.TestingT) bool {
				return loadassert.NoErrors(t, &loadtesting.Result{Metrics: loadtesting.Metrics{Requests: 1, Succeeded: 1}})
			},
			wantOK: true,
		},
		{
			name:    "NoErrors broken",
			require: func(t loadrequire.TestingT) { loadrequire.NoErrors(t, hand, "health") },
			assert:  func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, hand, "health") },
		},
		{
			name:    "ThroughputAbove holds",
			require: func(t loadrequire.TestingT) { loadrequire.ThroughputAbove(t, hand, 1000) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, hand, 1000) },
			wantOK:  true,
		},
		{
			name:    "ThroughputAbove broken by an empty run",
			require: func(t loadrequire.TestingT) { loadrequire.ThroughputAbove(t, &loadtesting.Result{ID: "01JDXT00"}, -1) },
			assert: func(t loadassert.TestingT) bool {
				return loadassert.ThroughputAbove(t, &loadtesting.Result{ID: "01JDXT00"}, -1)
			},
		},
		{
			name:    "StatusCodesIn holds",
			require: func(t loadrequire.TestingT) { loadrequire.StatusCodesIn(t, hand, []int{200, 503}) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, hand, []int{200, 503}) },
			wantOK:  true,
		},
		{
			name:    "FirstEventBelow holds",
			require: func(t loadrequire.TestingT) { loadrequire.FirstEventBelow(t, tick, 95, 31*time.Millisecond) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, tick, 95, 31*time.Millisecond) },
			wantOK:  true,
		},
		{
			name:    "FirstEventBelow broken by a run not streamed",
			require: func(t loadrequire.TestingT) { loadrequire.FirstEventBelow(t, hand, 95, time.Hour) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.FirstEventBelow(t, hand, 95, time.Hour) },
		},
		{
			name:    "EventGapBelow holds",
			require: func(t loadrequire.TestingT) { loadrequire.EventGapBelow(t, tick, 99, 111*time.Millisecond) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.EventGapBelow(t, tick, 99, 111*time.Millisecond) },
			wantOK:  true,
		},
		{
			name:    "EventGapBelow broken",
			require: func(t loadrequire.TestingT) { loadrequire.EventGapBelow(t, tick, 99, 110*time.Millisecond, "gap") },
			assert: func(t loadassert.TestingT) bool {
				return loadassert.EventGapBelow(t, tick, 99, 110*time.Millisecond, "gap")
			},
		},
		{
			name:    "EventsAtLeast holds",
			require: func(t loadrequire.TestingT) { loadrequire.EventsAtLeast(t, tick, 5) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, tick, 5) },
			wantOK:  true,
		},
		{
			name:    "EventsAtLeast broken",
			require: func(t loadrequire.TestingT) { loadrequire.EventsAtLeast(t, tick, 6) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.EventsAtLeast(t, tick, 6) },
		},
		{
			name:    "StatusCodesIn broken",
			require: func(t loadrequire.TestingT) { loadrequire.StatusCodesIn(t, hand, []int{200}, "only %d", 200) },
			assert:  func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, hand, []int{200}, "only %d", 200) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &fakeT{}
			var held bool
			require.True(t, call(t, want, func(lt loadrequire.TestingT) { held = tt.assert(lt) }),
				"package assert stopped the test")
			require.Equal(t, tt.wantOK, held, "the assert twin's result")

			f := &fakeT{}
			returned := call(t, f, tt.require)
			tassert.Equal(t, tt.wantOK, returned, "returned (false: stopped by FailNow); calls %q", f.calls)
			require.NotEmpty(t, f.calls, "no call to Helper")
			tassert.Equal(t, "Helper", f.calls[0], "calls %q: want Helper first", f.calls)
			tassert.Equal(t, want.errors, f.errors, "the report must be package assert's")
			if tt.wantOK {
				tassert.NotContains(t, f.calls, "FailNow")
				tassert.Empty(t, f.errors)
				return
			}
			tassert.Len(t, f.errors, 1, "Errorf calls")
			tassert.Equal(t, "FailNow", f.calls[len(f.calls)-1], "calls %q: want FailNow last, after the report", f.calls)
		})
	}
}

// TestRequire_coversAssert parses both packages and checks that require
// has every exported function of assert, with the same parameters.
func TestRequire_coversAssert(t *testing.T) {
	funcs := func(dir string) map[string]string {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		fset := token.NewFileSet()
		sigs := map[string]string{}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv != nil || !fd.Name.IsExported() {
					continue
				}
				var params []string
				for _, p := range fd.Type.Params.List {
					var b strings.Builder
					require.NoError(t, printer.Fprint(&b, fset, p.Type))
					for range max(1, len(p.Names)) {
						params = append(params, b.String())
					}
				}
				sigs[fd.Name.Name] = strings.Join(params, ", ")
			}
		}
		require.NotEmpty(t, sigs, "no exported function in %s", dir)
		return sigs
	}
	assertFuncs, requireFuncs := funcs("../assert"), funcs(".")
	tassert.Equal(t, slices.Sorted(maps.Keys(assertFuncs)), slices.Sorted(maps.Keys(requireFuncs)),
		"package require must have exactly the functions of package assert")
	for name, sig := range assertFuncs {
		if got, ok := requireFuncs[name]; ok {
			tassert.Equal(t, sig, got, "parameters of %s", name)
		}
	}
}

// helperT is helpert.T that stops the calling goroutine on FailNow, as
// testing.T does.
type helperT struct{ helpert.T }

func (h *helperT) FailNow() { runtime.Goexit() }

// TestRequire_reportAtCaller checks that a failure is reported at the
// test's line, not inside package require or assert.
func TestRequire_reportAtCaller(t *testing.T) {
	hand := helpert.Health()
	failing := []func(loadrequire.TestingT){
		func(t loadrequire.TestingT) { loadrequire.P50Below(t, hand, time.Millisecond) },
		func(t loadrequire.TestingT) { loadrequire.P95Below(t, hand, time.Millisecond) },
		func(t loadrequire.TestingT) { loadrequire.P99Below(t, nil, time.Millisecond) },
		func(t loadrequire.TestingT) { loadrequire.PercentileBelow(t, hand, 99.9, time.Millisecond) },
		func(t loadrequire.TestingT) { loadrequire.ErrorRateBelow(t, hand, 0.001) },
		func(t loadrequire.TestingT) { loadrequire.NoErrors(t, hand) },
		func(t loadrequire.TestingT) { loadrequire.ThroughputAbove(t, hand, 1e6) },
		func(t loadrequire.TestingT) { loadrequire.StatusCodesIn(t, hand, []int{200}) },
		func(t loadrequire.TestingT) { loadrequire.FirstEventBelow(t, hand, 50, time.Hour) },
		func(t loadrequire.TestingT) { loadrequire.EventGapBelow(t, hand, 50, time.Hour) },
		func(t loadrequire.TestingT) { loadrequire.EventsAtLeast(t, hand, 1) },
	}
	for i, fn := range failing {
		caller := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := &helperT{}
			require.False(t, call(t, h, fn), "%s: returned, want stopped", caller)
			tassert.Equal(t, []string{caller}, h.ReportedIn, "the failure is reported in the wrong function")
		})
	}
}

// ginkgoT has the shape of Ginkgo's GinkgoT(), reduced to the methods the
// functions could use. Like Ginkgo's, its FailNow stops the spec.
type ginkgoT struct{ fakeT }

func TestRequire_ginkgoShape(t *testing.T) {
	g := &ginkgoT{}
	returned := call(t, g, func(lt loadrequire.TestingT) {
		loadrequire.NoErrors(lt, helpert.Health(), "spec %q", "health")
	})
	tassert.False(t, returned, "want stopped by FailNow")
	tassert.Equal(t, []string{"Helper", "Errorf", "FailNow"}, slices.Compact(g.calls), "calls")
	require.Len(t, g.errors, 1, "Errorf calls")
	tassert.Contains(t, g.errors[0], `2 of 500 requests failed (0.40%), want none: spec "health"`+"\n")
}

// loadSuite uses both packages inside a testify suite, the way a user who
// organises tests with suite.Suite would.
type loadSuite struct {
	suite.Suite
	res *loadtesting.Result
}

func (s *loadSuite) SetupSuite() {
	res, err := loadtesting.Exec(s.T().Context(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		loadtesting.Config{Name: "suite", Requests: 40, Clients: 2})
	s.Require().NoError(err)
	s.res = res
}

func (s *loadSuite) TestGoalsHold() {
	loadrequire.NoErrors(s.T(), s.res)
	loadrequire.StatusCodesIn(s.T(), s.res, []int{http.StatusOK}, "suite run")
	loadrequire.P99Below(s.T(), s.res, time.Hour)
	s.True(loadassert.ErrorRateBelow(s.T(), s.res, 0.01))
}

func (s *loadSuite) TestBrokenGoalStops() {
	// A broken goal reported to a recorder inside the suite: s.T() itself
	// would fail the suite.
	f := &fakeT{}
	s.False(call(s.T(), f, func(lt loadrequire.TestingT) { loadrequire.ThroughputAbove(lt, s.res, 1e12) }))
	s.Len(f.errors, 1)
	s.Equal("FailNow", f.calls[len(f.calls)-1])
}

func TestRequire_testifySuite(t *testing.T) {
	suite.Run(t, new(loadSuite))
}

// childEnv marks the copy of the test binary that TestRequire_realT runs.
const childEnv = "APILOAD_REQUIRE_TEST_CHILD"

// TestRequire_realTChild is the test TestRequire_realT runs in a child
// process: it must fail, so it runs only there.
func TestRequire_realTChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("runs only as the child of TestRequire_realT")
	}
	res := helpert.Health()
	loadrequire.NoErrors(t, res, "child") // the line the failure must name
	fmt.Println("after FailNow: not reached")
}

// TestRequire_realT runs a failing require against a real *testing.T in a
// child process: the test fails, stops at the broken goal, and the report
// names the test's line, not one inside the package.
func TestRequire_realT(t *testing.T) {
	src, err := os.ReadFile("require_test.go")
	require.NoError(t, err)
	line := slices.IndexFunc(strings.Split(string(src), "\n"), func(l string) bool {
		return strings.HasSuffix(l, "// the line the failure must name")
	}) + 1
	require.Positive(t, line, "the child's NoErrors line not found")

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRequire_realTChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "the child test passed, want it to fail; output:\n%s", out)
	tassert.Contains(t, string(out), fmt.Sprintf("require_test.go:%d: 2 of", line)+" 500 requests failed (0.40%), want none: child\n")
	tassert.Contains(t, string(out), "--- FAIL: TestRequire_realTChild")
	tassert.NotContains(t, string(out), "not reached")
}
