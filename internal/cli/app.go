// Package cli holds the command machinery shared by the standalone
// `loadreport` binary and the `api-load-test` command an app embeds:
// streams, exit codes, and the recent, results and compare subcommands.
//
// Each subcommand lives in its own file with three parts: an options
// struct, a constructor NewXxxCmd(app, runF) that parses flags into the
// options (runF, when not nil, replaces the real work, so tests can check
// parsing alone), and runXxx(ctx, opts) that does the work against the
// injected store and streams. `run`, the largest, is split by job: the
// command (run.go), flags to a loadtesting.Config (runflags.go), the
// payload file reader (payload.go) and the progress bar (progress.go).
package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiload/apiload/internal/report"
	"github.com/apiload/apiload/loadtesting"
)

// App is what the subcommands share.
type App struct {
	// IO are the streams the commands use. Required.
	IO *IOStreams
	// Store opens the store the commands read, when a command first needs
	// it. The command closes it when done. A *UsageError from it exits 2.
	Store func(ctx context.Context) (loadtesting.Store, error)
	// Now is the clock for relative times ("5 minutes ago"). Default time.Now.
	Now func() time.Time
	// CommandPath is how users invoke the parent of the subcommands, for
	// the examples in help: "loadreport" (the default) or, in an app,
	// "my-app api-load-test".
	CommandPath string
}

func (a *App) commandPath() string {
	if a.CommandPath == "" {
		return "loadreport"
	}
	return a.CommandPath
}

func (a *App) now() func() time.Time {
	if a.Now == nil {
		return time.Now
	}
	return a.Now
}

// reportOptions are the rendering options for ios.
func reportOptions(ios *IOStreams, now func() time.Time) report.Options {
	return report.Options{Color: ios.Color, Now: now}
}

// openStore calls the store getter, failing clearly when there is none.
func openStore(ctx context.Context, get func(context.Context) (loadtesting.Store, error)) (loadtesting.Store, error) {
	if get == nil {
		return nil, errors.New("no store configured")
	}
	return get(ctx)
}

// describeStore names a store for hints, e.g. "file:///home/me/.cache/apiload".
func describeStore(st loadtesting.Store) string {
	if s, ok := st.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", st)
}

// exactArgs accepts exactly one argument per name, none of them empty; the
// names ("<base-id>") appear in the usage error.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			missing := names[len(args):]
			word := "argument"
			if len(missing) > 1 {
				word = "arguments"
			}
			return Usagef("missing %s %s", word, strings.Join(missing, " "))
		case len(args) > len(names):
			if len(names) == 0 {
				return Usagef("unexpected argument %q: this command takes none", args[0])
			}
			return Usagef("unexpected argument %q (want %s)", args[len(names)], strings.Join(names, " "))
		}
		for i, a := range args {
			if strings.TrimSpace(a) == "" {
				return Usagef("%s is empty", names[i])
			}
		}
		return nil
	}
}

// examples fills the command path into an Example block.
func examples(app *App, text string) string {
	return strings.ReplaceAll(strings.Trim(text, "\n"), "$CMD", app.commandPath())
}
