package require_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests run real loads through loadtesting.Exec, which starts workers,
// and stop fake tests with runtime.Goexit in goroutines of their own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
