package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

func fileStore(t *testing.T) string { return "file://" + filepath.ToSlash(t.TempDir()) }

func TestRecent(t *testing.T) {
	s := seed(t, fileStore(t))

	t.Run("table", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url)
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
		lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
		if len(lines) != 5 {
			t.Fatalf("want a header and 4 rows, got\n%s", o.stdout)
		}
		for _, col := range []string{"TEST ID", "METHOD", "PATH", "REQ/S", "P95 MS", "ERROR %", "WHEN"} {
			if !strings.Contains(lines[0], col) {
				t.Errorf("header %q lacks %q", lines[0], col)
			}
		}
		for i, id := range s.newest() {
			if !strings.HasPrefix(lines[i+1], id+" ") {
				t.Errorf("row %d = %q, want run %s (newest first)", i+1, lines[i+1], id)
			}
		}
		if !strings.Contains(lines[3], "POST") || !strings.Contains(lines[3], "/api/v1/tasks") || !strings.Contains(lines[3], "100.0%") {
			t.Errorf("failing run's row = %q, want POST /api/v1/tasks with 100.0%% errors", lines[3])
		}
		if !strings.Contains(lines[1], "less than a minute ago") {
			t.Errorf("WHEN of a fresh run: %q", lines[1])
		}
		if o.stderr != "" {
			t.Errorf("stderr: %q", o.stderr)
		}
	})

	t.Run("json", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url, "--json")
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
		var rs []*loadtesting.Result
		if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil {
			t.Fatalf("--json output does not parse as []Result: %v\n%s", err, o.stdout)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff(s.newest(), ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		got := rs[2]
		if got.Metrics.Requests != 100 || got.Metrics.StatusCodes[503] != 100 || got.Metrics.Failed != 100 {
			t.Errorf("failing run from JSON: requests %d, status %v, failed %d", got.Metrics.Requests, got.Metrics.StatusCodes, got.Metrics.Failed)
		}
		if h := got.Config.Headers.Get("Authorization"); h != loadtesting.Redacted {
			t.Errorf("Authorization header in stored run = %q, want %q", h, loadtesting.Redacted)
		}
		if strings.Contains(o.stdout, "hunter2") {
			t.Error("a secret header value reached the output")
		}
	})

	t.Run("limit", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", s.url, "--limit", "2", "--json")
		var rs []*loadtesting.Result
		if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil || o.code != 0 {
			t.Fatalf("%v\n%v", err, o)
		}
		if len(rs) != 2 || rs[0].ID != s.same.ID || rs[1].ID != s.slower.ID {
			t.Errorf("--limit 2 gave %d runs, want the newest 2", len(rs))
		}
	})
}

func TestRecent_empty(t *testing.T) {
	url := fileStore(t)
	o := loadreport(t, false, "recent", "--store", url)
	if o.code != 0 || o.stdout != report.NoRecent+"\n" {
		t.Fatalf("want exit 0 and %q, got\n%v", report.NoRecent, o)
	}
	if !strings.Contains(o.stderr, "Looked in "+url) || !strings.Contains(o.stderr, "go test -run Load") {
		t.Errorf("stderr should say where it looked and how runs get there:\n%s", o.stderr)
	}
	o = loadreport(t, false, "recent", "--store", url, "--json")
	if o.code != 0 || o.stdout != "[]\n" || o.stderr != "" {
		t.Errorf("--json with no runs: want [] and no hint, got\n%v", o)
	}
}

func TestResults(t *testing.T) {
	s := seed(t, fileStore(t))

	o := loadreport(t, false, "results", s.failing.ID, "--store", s.url)
	if o.code != 0 {
		t.Fatalf("want exit 0, got\n%v", o)
	}
	for _, want := range []string{
		s.failing.ID, "POST /api/v1/tasks", "(in-process)", "Requests      100", "Failed        100 (100.0%)",
		"P99.9", "Status codes", "503     100", "Errors", "database unavailable", "and 95 more failed requests",
		"Authorization: [redacted]",
	} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, o.stdout)
		}
	}
	if strings.Contains(o.stdout, "hunter2") {
		t.Error("a secret header value reached the report")
	}

	o = loadreport(t, false, "results", s.ok.ID, "--store", s.url, "--json")
	var r loadtesting.Result
	if err := json.Unmarshal([]byte(o.stdout), &r); err != nil || o.code != 0 {
		t.Fatalf("--json: %v\n%v", err, o)
	}
	if r.ID != s.ok.ID || r.Metrics.Requests != 200 || r.Metrics.StatusCodes[200] != 200 {
		t.Errorf("--json gave run %s with %d requests, %v", r.ID, r.Metrics.Requests, r.Metrics.StatusCodes)
	}
}

func TestResults_notFound(t *testing.T) {
	s := seed(t, fileStore(t))
	o := loadreport(t, false, "results", "01JNOSUCHRUN0000000000000", "--store", s.url)
	if o.code != 1 {
		t.Fatalf("want exit 1, got\n%v", o)
	}
	for _, want := range []string{"Error: result 01JNOSUCHRUN0000000000000", "not found", "key ", "results expire after 24h"} {
		if !strings.Contains(o.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, o.stderr)
		}
	}
	if strings.Contains(o.stderr, "--help") || o.stdout != "" {
		t.Errorf("an operational error prints no usage and no output:\n%v", o)
	}
	if n := strings.Count(o.stderr, "Error:"); n != 1 {
		t.Errorf("error printed %d times:\n%s", n, o.stderr)
	}
}

func TestCompare(t *testing.T) {
	s := seed(t, fileStore(t))

	t.Run("no regression", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.same.ID, "--store", s.url)
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
		for _, want := range []string{s.ok.ID + " (base)", s.same.ID, "vs base", "p50", "p95", "p99", "throughput", "error rate", "requests", "200"} {
			if !strings.Contains(o.stdout, want) {
				t.Errorf("table lacks %q:\n%s", want, o.stdout)
			}
		}
		if strings.Contains(o.stdout, "(regressed)") || o.stderr != "" {
			t.Errorf("identical runs: no regression, no stderr\n%v", o)
		}
	})

	t.Run("latency regression", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", s.url)
		if o.code != 1 {
			t.Fatalf("want exit 1, got\n%v", o)
		}
		for _, line := range strings.Split(o.stdout, "\n") {
			want := strings.HasPrefix(line, "p95") || strings.HasPrefix(line, "p99")
			if got := strings.Contains(line, "(regressed)"); got != want {
				t.Errorf("line %q: marked regressed %v, want %v", line, got, want)
			}
		}
		if !strings.HasPrefix(o.stderr, "Error: regressed beyond --max-regression 10%: p95 +") ||
			!strings.Contains(o.stderr, ", p99 +") || strings.Count(o.stderr, "\n") != 1 {
			t.Errorf("want one final line naming p95 and p99, got %q", o.stderr)
		}
	})

	t.Run("error rate and throughput regression, json", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.failing.ID, "--store", s.url, "--json", "--max-regression", "50%")
		if o.code != 1 {
			t.Fatalf("want exit 1, got\n%v", o)
		}
		var c report.Comparison
		if err := json.Unmarshal([]byte(o.stdout), &c); err != nil {
			t.Fatalf("--json: %v\n%s", err, o.stdout)
		}
		var regressed []string
		for _, r := range c.Regressions() {
			regressed = append(regressed, r.Metric)
		}
		if !c.Regressed || !slices.Contains(regressed, "error_rate") || !slices.Contains(regressed, "throughput") {
			t.Errorf("regressed rows %v, want error_rate and throughput", regressed)
		}
		if c.MaxRegression != 0.5 || c.Base.Requests != 200 || c.Head.Requests != 100 {
			t.Errorf("max %v, requests %d/%d", c.MaxRegression, c.Base.Requests, c.Head.Requests)
		}
		if !strings.Contains(o.stderr, "warning: the runs sent different requests") || !strings.Contains(o.stderr, "error rate +100.00 pt") {
			t.Errorf("stderr:\n%s", o.stderr)
		}
	})

	t.Run("improvement passes", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.slower.ID, s.ok.ID, "--store", s.url)
		if o.code != 0 || strings.Contains(o.stdout, "(regressed)") {
			t.Fatalf("want exit 0, got\n%v", o)
		}
	})

	t.Run("a generous threshold passes", func(t *testing.T) {
		o := loadreport(t, false, "compare", s.ok.ID, s.slower.ID, "--store", s.url, "--max-regression", "1000000000%")
		if o.code != 0 {
			t.Fatalf("want exit 0, got\n%v", o)
		}
	})

	t.Run("unknown base", func(t *testing.T) {
		o := loadreport(t, false, "compare", "NOPE", s.ok.ID, "--store", s.url)
		if o.code != 1 || !strings.Contains(o.stderr, "Error: base: result NOPE") {
			t.Fatalf("want exit 1 naming the base, got\n%v", o)
		}
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
			if o.code != 2 {
				t.Fatalf("want exit 2, got\n%v", o)
			}
			lines := strings.SplitAfter(o.stderr, "\n")
			if !strings.HasPrefix(lines[0], "Error: ") || !strings.Contains(o.stderr, tt.wantErr) {
				t.Errorf("stderr should start with Error: and contain %q:\n%s", tt.wantErr, o.stderr)
			}
			if !strings.HasSuffix(o.stderr, usageLine(tt.cmd)) || strings.Count(o.stderr, "--help") != 1 {
				t.Errorf("stderr should end with the one help line %q:\n%s", usageLine(tt.cmd), o.stderr)
			}
			if strings.Contains(o.stderr, "Usage:") || strings.Contains(o.stderr, "Flags:") {
				t.Errorf("the whole usage was printed:\n%s", o.stderr)
			}
			if o.stdout != "" {
				t.Errorf("stdout: %q", o.stdout)
			}
			if strings.Contains(o.stderr, "hunter2") {
				t.Errorf("password printed: %s", o.stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Setenv(loadtesting.StoreEnv, "redis://ops:hunter2@10.0.0.7:6379/2")
	for _, args := range [][]string{{"--help"}, {"recent", "--help"}, {"results", "-h"}, {"compare", "--help"}, {"help", "compare"}, {}} {
		o := loadreport(t, false, args...)
		if o.code != 0 || o.stderr != "" {
			t.Errorf("%v: want exit 0 and no stderr, got\n%v", args, o)
		}
		if !strings.Contains(o.stdout, "Usage:") || !strings.Contains(o.stdout, "--store URL") {
			t.Errorf("%v: help lacks usage or --store:\n%s", args, o.stdout)
		}
		if strings.Contains(o.stdout, "hunter2") || !strings.Contains(o.stdout, `(default "redis://ops:xxxxx@10.0.0.7:6379/2")`) {
			t.Errorf("%v: the default store should show with its password hidden:\n%s", args, o.stdout)
		}
	}
	for _, sub := range []*cobra.Command{
		cli.NewRecentCmd(&cli.App{}, nil), cli.NewResultsCmd(&cli.App{}, nil), cli.NewCompareCmd(&cli.App{}, nil), cli.NewLoadreport(&cli.IOStreams{}),
	} {
		if sub.Short == "" || sub.Long == "" || sub.Example == "" {
			t.Errorf("%s: Short, Long and Example are all required", sub.Name())
		}
		if !strings.Contains(sub.Example, "loadreport") {
			t.Errorf("%s: examples should show real invocations:\n%s", sub.Name(), sub.Example)
		}
	}
}

// TestStoreOpenedLazily checks that --help and usage errors do not open
// the store: a file store would create its directory.
func TestStoreOpenedLazily(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	url := "file://" + filepath.ToSlash(dir)
	for _, args := range [][]string{{"--store", url, "--help"}, {"recent", "--store", url, "--limit", "0"}, {"compare", "a", "--store", url}} {
		loadreport(t, false, args...)
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v opened the store (stat: %v)", args, err)
		}
	}
	if o := loadreport(t, false, "recent", "--store", url); o.code != 0 {
		t.Fatalf("recent: %v", o)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("recent did not open the store: %v", err)
	}
}

func TestStoreUnusable(t *testing.T) {
	// A directory under a regular file cannot be created: an operational
	// failure (exit 1), not a usage error.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o := loadreport(t, false, "recent", "--store", "file://"+filepath.ToSlash(file)+"/runs")
	if o.code != 1 || !strings.Contains(o.stderr, "Error: --store ") || strings.Contains(o.stderr, "--help") {
		t.Errorf("want exit 1 naming --store without a help line, got\n%v", o)
	}
}

func TestColor(t *testing.T) {
	s := seed(t, fileStore(t))
	for _, args := range [][]string{
		{"recent", "--store", s.url},
		{"results", s.failing.ID, "--store", s.url},
		{"compare", s.ok.ID, s.failing.ID, "--store", s.url},
	} {
		plain := loadreport(t, false, args...)
		if strings.Contains(plain.stdout+plain.stderr, "\x1b[") {
			t.Errorf("%v without a TTY: ANSI codes in output:\n%q", args[0], plain.stdout)
		}
		colored := loadreport(t, true, args...)
		if !strings.Contains(colored.stdout, "\x1b[") {
			t.Errorf("%v with colour on: no ANSI codes in output", args[0])
		}
		if plain.code != colored.code {
			t.Errorf("%v: exit %d without colour, %d with", args[0], plain.code, colored.code)
		}
	}
	colored := loadreport(t, true, "results", s.failing.ID, "--store", s.url)
	if !strings.Contains(colored.stdout, "\x1b[31m503\x1b[0m") {
		t.Errorf("503 is not red:\n%q", colored.stdout)
	}
}

func TestSystem(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	if ios := cli.System(); ios.Color {
		t.Error("System().Color with NO_COLOR set")
	}
	t.Setenv("NO_COLOR", "")
	// go test's stdout is not a terminal.
	if ios := cli.System(); ios.IsTTY || ios.Color {
		t.Errorf("System() under go test: IsTTY %v, Color %v; want false, false", ios.IsTTY, ios.Color)
	}
	if ios := cli.System(); ios.Out != os.Stdout || ios.ErrOut != os.Stderr || ios.In != os.Stdin {
		t.Error("System() should use the process's standard streams")
	}
}

// TestFlagParsing checks the parsed options through runF, with no store.
func TestFlagParsing(t *testing.T) {
	noStore := func(context.Context) (loadtesting.Store, error) {
		t.Error("runF tests must not open the store")
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
			if code := cli.Execute(t.Context(), cmd, append([]string{"BASE", "NEW"}, tt.args...), ios); code != 0 {
				t.Fatalf("exit %d: %s", code, ios.ErrOut)
			}
			if got == nil || got.Base != "BASE" || got.Head != "NEW" || got.MaxRegression != tt.want {
				t.Errorf("options %+v, want max regression %v", got, tt.want)
			}
		})
	}

	var recent *cli.RecentOptions
	cmd := cli.NewRecentCmd(app, func(_ context.Context, o *cli.RecentOptions) error { recent = o; return nil })
	if code := cli.Execute(t.Context(), cmd, []string{"--limit", "1000", "--json"}, ios); code != 0 || recent == nil || recent.Limit != 1000 || !recent.JSON {
		t.Errorf("recent --limit 1000 --json: exit %d, options %+v", code, recent)
	}
	recent = nil
	cmd = cli.NewRecentCmd(app, func(_ context.Context, o *cli.RecentOptions) error { recent = o; return nil })
	if code := cli.Execute(t.Context(), cmd, nil, ios); code != 0 || recent == nil || recent.Limit != 10 || recent.JSON {
		t.Errorf("recent: exit %d, options %+v; want limit 10", code, recent)
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
	if cli.ExitCode(err) != 2 {
		t.Errorf("a flag error under another root: exit %d (%v), want 2", cli.ExitCode(err), err)
	}
	if ex := cli.NewRecentCmd(app, nil).Example; !strings.Contains(ex, "my-app api-load-test recent") {
		t.Errorf("examples should use the app's command path:\n%s", ex)
	}
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
		if got := cli.ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
