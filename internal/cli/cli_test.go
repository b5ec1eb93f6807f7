package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

func fileStore(t *testing.T) string { return "file://" + filepath.ToSlash(t.TempDir()) }

func TestRecent(t *testing.T) {
	s := seed(t, fileStore(t))

	t.Run("table", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url)
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
		require.Len(t, lines, 5, "want a header and 4 rows, got\n%s", o.stdout)
		for _, col := range []string{"TEST ID", "METHOD", "PATH", "REQ/S", "P95 MS", "ERROR %", "WHEN"} {
			assert.Contains(t, lines[0], col, "header lacks a column")
		}
		for i, id := range s.newest() {
			assert.True(t, strings.HasPrefix(lines[i+1], id+" "), "row %d = %q, want run %s (newest first)", i+1, lines[i+1], id)
		}
		for _, want := range []string{"POST", "/api/v1/tasks", "100.0%"} {
			assert.Contains(t, lines[3], want, "failing run's row, want POST /api/v1/tasks with 100.0% errors")
		}
		assert.Contains(t, lines[1], "less than a minute ago", "WHEN of a fresh run")
		assert.Empty(t, o.stderr, "stderr")
	})

	t.Run("json", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url, "--json")
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		var rs []*loadtesting.Result
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &rs), "--json output does not parse as []Result:\n%s", o.stdout)
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff(s.newest(), ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		got := rs[2]
		assert.EqualValues(t, 100, got.Metrics.Requests, "failing run from JSON: requests")
		assert.EqualValues(t, 100, got.Metrics.StatusCodes[503], "failing run from JSON: status %v", got.Metrics.StatusCodes)
		assert.EqualValues(t, 100, got.Metrics.Failed, "failing run from JSON: failed")
		assert.Equal(t, loadtesting.Redacted, got.Config.Headers.Get("Authorization"), "Authorization header in stored run")
		assert.NotContains(t, o.stdout, "hunter2", "a secret header value reached the output")
	})

	t.Run("limit", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url, "--limit", "2", "--json")
		var rs []*loadtesting.Result
		require.Equal(t, 0, o.code, "%v", o)
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &rs), "%v", o)
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		assert.Equal(t, []string{s.same.ID, s.slower.ID}, ids, "--limit 2 gave %d runs, want the newest 2", len(rs))
	})
}

func TestRecent_empty(t *testing.T) {
	url := fileStore(t)
	o := loadreport(t, false, "recent", "--store", url)
	require.Equal(t, 0, o.code, "want exit 0 and %q, got\n%v", report.NoRecent, o)
	require.Equal(t, report.NoRecent+"\n", o.stdout, "want exit 0 and %q, got\n%v", report.NoRecent, o)
	for _, want := range []string{"Looked in " + url, "go test -run Load"} {
		assert.Contains(t, o.stderr, want, "stderr should say where it looked and how runs get there")
	}
	o = loadreport(t, false, "recent", "--store", url, "--json")
	assert.Equal(t, 0, o.code, "--json with no runs: want [] and no hint, got\n%v", o)
	assert.Equal(t, "[]\n", o.stdout, "--json with no runs: want [] and no hint, got\n%v", o)
	assert.Empty(t, o.stderr, "--json with no runs: want [] and no hint, got\n%v", o)
}

func TestResults(t *testing.T) {
	s := seed(t, fileStore(t))

	o := loadreport(t, false, "results", s.failing.ID, "--store", s.url)
	require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
	for _, want := range []string{
		s.failing.ID, "POST /api/v1/tasks", "(in-process)", "Requests      100", "Failed        100 (100.0%)",
		"P99.9", "Status codes", "503     100", "Errors", "database unavailable", "and 95 more failed requests",
		"Authorization: [redacted]",
	} {
		assert.Contains(t, o.stdout, want, "report lacks a line")
	}
	assert.NotContains(t, o.stdout, "hunter2", "a secret header value reached the report")

	o = loadreport(t, false, "results", s.ok.ID, "--store", s.url, "--json")
	var r loadtesting.Result
	require.Equal(t, 0, o.code, "--json:\n%v", o)
	require.NoError(t, json.Unmarshal([]byte(o.stdout), &r), "--json:\n%v", o)
	assert.Equal(t, s.ok.ID, r.ID, "--json gave another run")
	assert.EqualValues(t, 200, r.Metrics.Requests, "--json gave run %s with %d requests", r.ID, r.Metrics.Requests)
	assert.EqualValues(t, 200, r.Metrics.StatusCodes[200], "--json gave run %s with statuses %v", r.ID, r.Metrics.StatusCodes)
}

func TestResults_notFound(t *testing.T) {
	s := seed(t, fileStore(t))
	o := loadreport(t, false, "results", "01JNOSUCHRUN0000000000000", "--store", s.url)
	require.Equal(t, 1, o.code, "want exit 1, got\n%v", o)
	for _, want := range []string{"Error: result 01JNOSUCHRUN0000000000000", "not found", "key ", "results expire after 24h"} {
		assert.Contains(t, o.stderr, want, "stderr lacks a part")
	}
	assert.NotContains(t, o.stderr, "--help", "an operational error prints no usage and no output:\n%v", o)
	assert.Empty(t, o.stdout, "an operational error prints no usage and no output:\n%v", o)
	assert.Equal(t, 1, strings.Count(o.stderr, "Error:"), "error printed more than once:\n%s", o.stderr)
}

func TestCompare(t *testing.T) {
	s := seed(t, fileStore(t))

	t.Run("no regression", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.same.ID, "--store", s.url)
		require.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		for _, want := range []string{s.ok.ID + " (base)", s.same.ID, "vs base", "p50", "p95", "p99", "throughput", "error rate", "requests", "200"} {
			assert.Contains(t, o.stdout, want, "table lacks a part")
		}
		assert.NotContains(t, o.stdout, "(regressed)", "identical runs: no regression, no stderr\n%v", o)
		assert.Empty(t, o.stderr, "identical runs: no regression, no stderr\n%v", o)
	})

	t.Run("latency regression", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", s.url)
		require.Equal(t, 1, o.code, "want exit 1, got\n%v", o)
		for _, line := range strings.Split(o.stdout, "\n") {
			want := strings.HasPrefix(line, "p95") || strings.HasPrefix(line, "p99")
			assert.Equal(t, want, strings.Contains(line, "(regressed)"), "line %q: marked regressed", line)
		}
		assert.True(t, strings.HasPrefix(o.stderr, "Error: regressed beyond --max-regression 10%: p95 +"), "want one final line naming p95 and p99, got %q", o.stderr)
		assert.Contains(t, o.stderr, ", p99 +", "want one final line naming p95 and p99")
		assert.Equal(t, 1, strings.Count(o.stderr, "\n"), "want one final line naming p95 and p99, got %q", o.stderr)
	})

	t.Run("error rate and throughput regression, json", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.failing.ID, "--store", s.url, "--json", "--max-regression", "50%")
		require.Equal(t, 1, o.code, "want exit 1, got\n%v", o)
		var c report.Comparison
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &c), "--json:\n%s", o.stdout)
		var regressed []string
		for _, r := range c.Regressions() {
			regressed = append(regressed, r.Metric)
		}
		assert.True(t, c.Regressed, "Comparison.Regressed")
		assert.Contains(t, regressed, "error_rate", "regressed rows, want error_rate and throughput")
		assert.Contains(t, regressed, "throughput", "regressed rows, want error_rate and throughput")
		assert.Equal(t, 0.5, c.MaxRegression, "max regression")
		assert.EqualValues(t, 200, c.Base.Requests, "base requests")
		assert.EqualValues(t, 100, c.Head.Requests, "head requests")
		assert.Contains(t, o.stderr, "warning: the runs sent different requests", "stderr")
		assert.Contains(t, o.stderr, "error rate +100.00 pt", "stderr")
	})

	t.Run("improvement passes", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.slower.ID, s.ok.ID, "--store", s.url)
		assert.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
		assert.NotContains(t, o.stdout, "(regressed)", "an improvement is no regression")
	})

	t.Run("a generous threshold passes", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", s.url, "--max-regression", "1000000000%")
		assert.Equal(t, 0, o.code, "want exit 0, got\n%v", o)
	})

	t.Run("unknown base", func(t *testing.T) {
		o := loadreport(t, false, "compare", "NOPE", s.ok.ID, "--store", s.url)
		assert.Equal(t, 1, o.code, "want exit 1 naming the base, got\n%v", o)
		assert.Contains(t, o.stderr, "Error: base: result NOPE", "want exit 1 naming the base")
	})
}

// TestUsageErrors checks that misuse exits 2 with the message naming what
// was wrong and exactly one line of help, and prints nothing on stdout.
func TestUsageErrors(t *testing.T) {
	store := fileStore(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string // substring of the Error: line
		cmd     string // command named in the help line
	}{
		{"limit zero", []string{"recent", "--limit", "0", "--store", store}, "--limit 0: must be from 1 to 1000", "loadreport recent"},
		{"limit negative", []string{"recent", "--limit=-3", "--store", store}, "--limit -3", "loadreport recent"},
		{"limit too large", []string{"recent", "--limit", "1001", "--store", store}, "--limit 1001", "loadreport recent"},
		{"limit not a number", []string{"recent", "--limit", "ten", "--store", store}, `invalid argument "ten" for "--limit" flag`, "loadreport recent"},
		{"unknown flag", []string{"recent", "--bogus"}, "unknown flag: --bogus", "loadreport recent"},
		{"unknown root flag", []string{"--bogus"}, "unknown flag: --bogus", "loadreport"},
		{"unknown command", []string{"recnet"}, `unknown command "recnet" for "loadreport"`, "loadreport"},
		{"recent takes no argument", []string{"recent", "extra"}, `unexpected argument "extra"`, "loadreport recent"},
		{"results without id", []string{"results"}, "missing argument <id>", "loadreport results"},
		{"results with two ids", []string{"results", "a", "b"}, `unexpected argument "b" (want <id>)`, "loadreport results"},
		{"results with empty id", []string{"results", ""}, "<id> is empty", "loadreport results"},
		{"compare with one id", []string{"compare", "a"}, "missing argument <new-id>", "loadreport compare"},
		{"compare without ids", []string{"compare"}, "missing arguments <base-id> <new-id>", "loadreport compare"},
		{"max-regression word", []string{"compare", "a", "b", "--max-regression", "lots"}, `invalid argument "lots" for "--max-regression" flag`, "loadreport compare"},
		{"max-regression negative", []string{"compare", "a", "b", "--max-regression=-5%"}, `"--max-regression" flag: must not be negative`, "loadreport compare"},
		{"max-regression bare 10", []string{"compare", "a", "b", "--max-regression", "10"}, `"--max-regression" flag: a bare number is a fraction`, "loadreport compare"},
		{"max-regression NaN", []string{"compare", "a", "b", "--max-regression", "NaN%"}, `"--max-regression" flag`, "loadreport compare"},
		{"store with unknown scheme", []string{"recent", "--store", "ftp://example.com/runs"}, `--store "ftp://example.com/runs": unknown scheme "ftp"`, "loadreport recent"},
		{"store with bad db", []string{"results", "x", "--store", "redis://u:hunter2@127.0.0.1:6379/abc"}, `--store "redis://u:xxxxx@127.0.0.1:6379/abc": database number "abc"`, "loadreport results"},
		{"store with relative path", []string{"compare", "a", "b", "--store", "file://runs"}, `--store "file://runs"`, "loadreport compare"},
		{"store empty", []string{"recent", "--store", ""}, `--store "": empty URL`, "loadreport recent"},
		{"store without scheme", []string{"recent", "--store", "/tmp/runs"}, `--store "/tmp/runs": no scheme`, "loadreport recent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := loadreport(t, false, tt.args...)
			require.Equal(t, 2, o.code, "want exit 2, got\n%v", o)
			lines := strings.SplitAfter(o.stderr, "\n")
			assert.True(t, strings.HasPrefix(lines[0], "Error: "), "stderr should start with Error:\n%s", o.stderr)
			assert.Contains(t, o.stderr, tt.wantErr, "stderr should contain the error")
			assert.True(t, strings.HasSuffix(o.stderr, usageLine(tt.cmd)), "stderr should end with the one help line %q:\n%s", usageLine(tt.cmd), o.stderr)
			assert.Equal(t, 1, strings.Count(o.stderr, "--help"), "stderr should end with the one help line %q:\n%s", usageLine(tt.cmd), o.stderr)
			assert.NotContains(t, o.stderr, "Usage:", "the whole usage was printed")
			assert.NotContains(t, o.stderr, "Flags:", "the whole usage was printed")
			assert.Empty(t, o.stdout, "stdout")
			assert.NotContains(t, o.stderr, "hunter2", "password printed")
		})
	}
}

func TestHelp(t *testing.T) {
	t.Setenv(loadtesting.StoreEnv, "redis://ops:hunter2@10.0.0.7:6379/2")
	for _, args := range [][]string{{"--help"}, {"recent", "--help"}, {"results", "-h"}, {"compare", "--help"}, {"help", "compare"}, {}} {
		o := loadreport(t, false, args...)
		assert.Equal(t, 0, o.code, "%v: want exit 0 and no stderr, got\n%v", args, o)
		assert.Empty(t, o.stderr, "%v: want exit 0 and no stderr, got\n%v", args, o)
		assert.Contains(t, o.stdout, "Usage:", "%v: help lacks usage", args)
		assert.Contains(t, o.stdout, "--store URL", "%v: help lacks --store", args)
		assert.NotContains(t, o.stdout, "hunter2", "%v: the default store should show with its password hidden", args)
		assert.Contains(t, o.stdout, `(default "redis://ops:xxxxx@10.0.0.7:6379/2")`, "%v: the default store should show with its password hidden", args)
	}
	for _, sub := range []*cobra.Command{
		cli.NewRecentCmd(&cli.App{}, nil), cli.NewResultsCmd(&cli.App{}, nil), cli.NewCompareCmd(&cli.App{}, nil), cli.NewLoadreport(&cli.IOStreams{}),
	} {
		assert.NotEmpty(t, sub.Short, "%s: Short, Long and Example are all required", sub.Name())
		assert.NotEmpty(t, sub.Long, "%s: Short, Long and Example are all required", sub.Name())
		assert.NotEmpty(t, sub.Example, "%s: Short, Long and Example are all required", sub.Name())
		assert.Contains(t, sub.Example, "loadreport", "%s: examples should show real invocations", sub.Name())
	}
}

// TestStoreOpenedLazily checks that --help and usage errors do not open
// the store: a file store would create its directory.
func TestStoreOpenedLazily(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	url := "file://" + filepath.ToSlash(dir)
	for _, args := range [][]string{{"--store", url, "--help"}, {"recent", "--store", url, "--limit", "0"}, {"compare", "a", "--store", url}} {
		loadreport(t, false, args...)
		_, err := os.Stat(dir)
		require.ErrorIs(t, err, os.ErrNotExist, "%v opened the store", args)
	}
	o := loadreport(t, false, "recent", "--store", url)
	require.Equal(t, 0, o.code, "recent: %v", o)
	_, err := os.Stat(dir)
	assert.NoError(t, err, "recent did not open the store")
}

func TestStoreUnusable(t *testing.T) {
	// A directory under a regular file cannot be created: an operational
	// failure (exit 1), not a usage error.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	o := loadreport(t, false, "recent", "--store", "file://"+filepath.ToSlash(file)+"/runs")
	assert.Equal(t, 1, o.code, "want exit 1 naming --store without a help line, got\n%v", o)
	assert.Contains(t, o.stderr, "Error: --store ", "want exit 1 naming --store without a help line")
	assert.NotContains(t, o.stderr, "--help", "want exit 1 naming --store without a help line")
}

func TestColor(t *testing.T) {
	s := seed(t, fileStore(t))
	for _, args := range [][]string{
		{"recent", "--store", s.url},
		{"results", s.failing.ID, "--store", s.url},
		{"compare", s.ok.ID, s.failing.ID, "--store", s.url},
	} {
		plain := loadreport(t, false, args...)
		assert.NotContains(t, plain.stdout+plain.stderr, "\x1b[", "%v without a TTY: ANSI codes in output", args[0])
		colored := loadreport(t, true, args...)
		assert.Contains(t, colored.stdout, "\x1b[", "%v with colour on: no ANSI codes in output", args[0])
		assert.Equal(t, plain.code, colored.code, "%v: exit code without colour (want) and with (got)", args[0])
	}
	colored := loadreport(t, true, "results", s.failing.ID, "--store", s.url)
	assert.Contains(t, colored.stdout, "\x1b[31m503\x1b[0m", "503 is not red")
}

func TestSystem(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	assert.False(t, cli.System().Color, "System().Color with NO_COLOR set")
	t.Setenv("NO_COLOR", "")
	// go test's stdout is not a terminal.
	ios := cli.System()
	assert.False(t, ios.IsTTY, "System().IsTTY under go test")
	assert.False(t, ios.Color, "System().Color under go test")
	assert.Same(t, os.Stdout, ios.Out, "System() should use the process's standard streams")
	assert.Same(t, os.Stderr, ios.ErrOut, "System() should use the process's standard streams")
	assert.Same(t, os.Stdin, ios.In, "System() should use the process's standard streams")
}

// TestFlagParsing checks the parsed options through runF, with no store.
func TestFlagParsing(t *testing.T) {
	noStore := func(context.Context) (loadtesting.Store, error) {
		assert.Fail(t, "runF tests must not open the store")
		return nil, errors.New("no store")
	}
	ios := &cli.IOStreams{Out: &strings.Builder{}, ErrOut: &strings.Builder{}}
	app := &cli.App{IO: ios, Store: noStore}

	tests := []struct {
		name string
		args []string
		want float64
	}{
		{"default", nil, 0.10},
		{"percent", []string{"--max-regression", "2.5%"}, 0.025},
		{"fraction", []string{"--max-regression", "0.2"}, 0.2},
		{"zero", []string{"--max-regression", "0"}, 0},
		{"one", []string{"--max-regression", "1"}, 1},
		{"over 100 percent", []string{"--max-regression", "150%"}, 1.5},
		{"spaces", []string{"--max-regression", " 10 % "}, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *cli.CompareOptions
			cmd := cli.NewCompareCmd(app, func(_ context.Context, o *cli.CompareOptions) error { got = o; return nil })
			code := cli.Execute(t.Context(), cmd, append([]string{"BASE", "NEW"}, tt.args...), ios)
			require.Equal(t, 0, code, "exit code: %s", ios.ErrOut)
			require.NotNil(t, got, "runF was not called")
			assert.Equal(t, "BASE", got.Base, "options %+v", got)
			assert.Equal(t, "NEW", got.Head, "options %+v", got)
			assert.Equal(t, tt.want, got.MaxRegression, "options %+v", got)
		})
	}

	var recent *cli.RecentOptions
	cmd := cli.NewRecentCmd(app, func(_ context.Context, o *cli.RecentOptions) error { recent = o; return nil })
	code := cli.Execute(t.Context(), cmd, []string{"--limit", "1000", "--json"}, ios)
	if assert.Equal(t, 0, code, "recent --limit 1000 --json: exit code") && assert.NotNil(t, recent, "recent --limit 1000 --json: runF was not called") {
		assert.Equal(t, 1000, recent.Limit, "recent --limit 1000 --json: options %+v", recent)
		assert.True(t, recent.JSON, "recent --limit 1000 --json: options %+v", recent)
	}
	recent = nil
	cmd = cli.NewRecentCmd(app, func(_ context.Context, o *cli.RecentOptions) error { recent = o; return nil })
	code = cli.Execute(t.Context(), cmd, nil, ios)
	if assert.Equal(t, 0, code, "recent: exit code") && assert.NotNil(t, recent, "recent: runF was not called") {
		assert.Equal(t, 10, recent.Limit, "recent: options %+v; want limit 10", recent)
		assert.False(t, recent.JSON, "recent: options %+v", recent)
	}
}

// TestSubcommandsMounted checks that the subcommands classify their own
// errors when mounted under another root, as an app's api-load-test does.
func TestSubcommandsMounted(t *testing.T) {
	var out, errOut strings.Builder
	ios := &cli.IOStreams{Out: &out, ErrOut: &errOut}
	app := &cli.App{IO: ios, CommandPath: "my-app api-load-test"}
	root := &cobra.Command{Use: "my-app"}
	group := &cobra.Command{Use: "api-load-test"}
	group.AddCommand(cli.NewRecentCmd(app, nil))
	root.AddCommand(group)
	root.SetArgs([]string{"api-load-test", "recent", "--limit", "x"})
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SilenceErrors, root.SilenceUsage = true, true
	err := root.Execute()
	assert.Equal(t, 2, cli.ExitCode(err), "a flag error under another root: exit code (%v)", err)
	assert.Contains(t, cli.NewRecentCmd(app, nil).Example, "my-app api-load-test recent", "examples should use the app's command path")
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("store down"), 1},
		{cli.Usagef("--limit 0: bad"), 2},
		{&cli.UsageError{Err: errors.New("x")}, 2},
		{errors.Join(errors.New("a"), cli.Usagef("b")), 2},
		{cli.ErrRegressed, 1},
		{loadtesting.ErrNotFound, 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, cli.ExitCode(tt.err), "ExitCode(%v)", tt.err)
	}
}
