package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of the CLIs.
const (
	ExitOK    = 0 // the command did what was asked
	ExitError = 1 // an operational failure: store unreadable, run not found, a regression
	ExitUsage = 2 // misuse: a bad flag, argument or store URL
)

// UsageError is an error in how a command was called: a bad flag value, a
// missing argument, an unknown command or store URL. Execute exits 2 for
// it and adds one line of help.
type UsageError struct {
	Err error
}

// Error returns the message of the underlying error.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with a formatted message; %w wraps as in
// fmt.Errorf.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// flagError turns cobra's flag parsing errors into usage errors. Every
// command built here sets it, so the commands classify their errors the
// same way when mounted under another root.
func flagError(_ *cobra.Command, err error) error {
	return &UsageError{Err: err}
}

// ExitCode returns the exit code for err: 0 for nil, 2 for a usage error
// (a *UsageError, or cobra's unknown command), 1 for anything else.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case isUsage(err):
		return ExitUsage
	}
	return ExitError
}

func isUsage(err error) bool {
	var ue *UsageError
	if errors.As(err, &ue) {
		return true
	}
	// cobra reports an unknown subcommand with a plain error.
	return strings.HasPrefix(err.Error(), "unknown command ")
}

// Execute runs root with args, reading and writing ios, and returns the
// process exit code: 0 on success, 1 for an operational failure, 2 for a
// usage error. It prints an error once, as "Error: <msg>" on ios.ErrOut;
// after a usage error it adds one line, "Run '<cmd> --help' for usage.",
// naming the command that was called. It configures root (streams, args,
// silenced usage and errors) and may be called once per root.
func Execute(ctx context.Context, root *cobra.Command, args []string, ios *IOStreams) int {
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.SetFlagErrorFunc(flagError)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	fmt.Fprintf(ios.ErrOut, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
	if code == ExitUsage {
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}
