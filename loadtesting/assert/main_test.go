package assert_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests run real loads through loadtesting.Exec, which starts workers.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
