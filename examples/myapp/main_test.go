package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apiload/apiload/loadtesting"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// outcome is what one myapp invocation did.
type outcome struct {
	code           int
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", o.code, o.stdout, o.stderr)
}

// result parses stdout of a --json run.
func (o outcome) result(t *testing.T) *loadtesting.Result {
	t.Helper()
	var res loadtesting.Result
	require.NoError(t, json.Unmarshal([]byte(o.stdout), &res), "stdout does not parse as a Result:\n%v", o)
	return &res
}

// isolate points the default store (the user's cache directory) at a
// temporary directory and returns the URL of another, empty, file store.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	t.Setenv(loadtesting.StoreEnv, "")
	return "file://" + filepath.ToSlash(t.TempDir())
}

// myapp runs main's run in-process with args, on buffers.
func myapp(t *testing.T, args ...string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &out, &errOut)
	return outcome{code, out.String(), errOut.String()}
}
