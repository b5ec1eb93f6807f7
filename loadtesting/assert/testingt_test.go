package assert_test

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	tassert "github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/apiload/apiload/internal/helpert"
	"github.com/apiload/apiload/loadtesting"
	loadassert "github.com/apiload/apiload/loadtesting/assert"
)

// testify's own handle types satisfy TestingT: it is the same interface.
var (
	_ loadassert.TestingT = tassert.TestingT(nil)
	_ loadassert.TestingT = (*tassert.CollectT)(nil)
	_ loadassert.TestingT = testing.TB(nil)
)

// errorfOnly is the smallest TestingT: testify's assert.TestingT, with no
// Helper method.
type errorfOnly struct{ errors []string }

func (e *errorfOnly) Errorf(format string, args ...any) {
	e.errors = append(e.errors, fmt.Sprintf(format, args...))
}

// ginkgoT has the shape of Ginkgo's GinkgoT(), reduced to the methods the
// assertions could use. FailNow is never called by package assert.
type ginkgoT struct {
	calls  []string
	errors []string
}

func (g *ginkgoT) Helper() { g.calls = append(g.calls, "Helper") }

func (g *ginkgoT) Errorf(format string, args ...any) {
	g.calls = append(g.calls, "Errorf")
	g.errors = append(g.errors, fmt.Sprintf(format, args...))
}

func (g *ginkgoT) FailNow() { g.calls = append(g.calls, "FailNow") }

func TestTestingT_shapes(t *testing.T) {
	hand := helpert.Health()
	t.Run("Errorf only, as testify's assert.TestingT", func(t *testing.T) {
		e := &errorfOnly{}
		tassert.True(t, loadassert.P95Below(e, hand, time.Hour), "passing goal")
		tassert.Empty(t, e.errors, "passing goal reported")
		tassert.False(t, loadassert.StatusCodesIn(e, hand, []int{200}, "only %s", "OK"), "failing goal")
		require.Len(t, e.errors, 1, "Errorf calls")
		tassert.True(t, strings.HasPrefix(e.errors[0], "statuses outside [200]: "), "message %q", e.errors[0])
		tassert.Contains(t, e.errors[0], "503")
		tassert.Contains(t, e.errors[0], ": only OK\n")
		tassert.Contains(t, e.errors[0], "\n    more:    loadreport results 01JDXQ3V")
	})
	t.Run("testify's assert.TestingT variable", func(t *testing.T) {
		e := &errorfOnly{}
		var tt tassert.TestingT = e
		tassert.False(t, loadassert.NoErrors(tt, hand))
		tassert.Len(t, e.errors, 1, "Errorf calls")
	})
	t.Run("GinkgoT shape", func(t *testing.T) {
		g := &ginkgoT{}
		tassert.False(t, loadassert.ErrorRateBelow(g, hand, 0.001))
		tassert.Equal(t, "Helper", g.calls[0], "calls %q: want Helper first", g.calls)
		tassert.NotContains(t, g.calls, "FailNow", "package assert must not stop the test")
		require.Len(t, g.errors, 1, "Errorf calls")
		tassert.Contains(t, g.errors[0], "error rate 0.40% (2 of 500), want < 0.10%\n")
	})
}

// loadSuite runs the assertions inside a testify suite, the way a user
// who organises tests with suite.Suite would call them.
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
	s.True(loadassert.NoErrors(s.T(), s.res))
	s.True(loadassert.StatusCodesIn(s.T(), s.res, []int{http.StatusOK}, "suite run"))
	s.True(loadassert.P99Below(s.T(), s.res, time.Hour))
}

func (s *loadSuite) TestBrokenGoalReported() {
	// A broken goal reported to a recorder inside the suite: s.T() itself
	// would fail the suite.
	g := &ginkgoT{}
	s.False(loadassert.ThroughputAbove(g, s.res, 1e12))
	s.Len(g.errors, 1)
}

func TestAssertions_testifySuite(t *testing.T) {
	suite.Run(t, new(loadSuite))
}

// helperT picks the line a failure is reported at the way testing.T does.
type helperT = helpert.T

// TestAssertions_reportAtCaller checks that a failure is reported at the
// test's line, not inside package assert: every function on the way to
// Errorf marks itself with Helper.
func TestAssertions_reportAtCaller(t *testing.T) {
	hand := helpert.Health()
	failing := []func(loadassert.TestingT) bool{
		func(t loadassert.TestingT) bool { return loadassert.P50Below(t, hand, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.P50Below(t, nil, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.P95Below(t, hand, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.P95Below(t, nil, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.P99Below(t, hand, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.P99Below(t, nil, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 99.9, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, hand, 150, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.PercentileBelow(t, nil, 50, time.Millisecond) },
		func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, hand, 0.001) },
		func(t loadassert.TestingT) bool { return loadassert.ErrorRateBelow(t, nil, 0.001) },
		func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, hand) },
		func(t loadassert.TestingT) bool { return loadassert.NoErrors(t, nil) },
		func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, hand, 1e6) },
		func(t loadassert.TestingT) bool { return loadassert.ThroughputAbove(t, nil, 1e6) },
		func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, hand, []int{200}) },
		func(t loadassert.TestingT) bool { return loadassert.StatusCodesIn(t, nil, []int{200}) },
	}
	for i, call := range failing {
		caller := runtime.FuncForPC(reflect.ValueOf(call).Pointer()).Name()
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := &helperT{}
			require.False(t, call(h), "%s: the assertion passed, want a failure", caller)
			tassert.Equal(t, []string{caller}, h.ReportedIn, "the failure is reported in the wrong function")
		})
	}
}
