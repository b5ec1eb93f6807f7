// Command myapp is the example service, with apiload's load-testing
// command mounted in its own CLI:
//
//	myapp serve [--addr 127.0.0.1:8000]
//	myapp auth login EMAIL --print-token [--base-url URL]
//	myapp api-load-test list|run|recent|results|compare
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/apiload/apiload/loadtesting/loadcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes myapp with args on the given streams and returns the exit
// status (loadcmd.ExitCode). It prints an error once, as "Error: <msg>";
// after a usage error (exit 2) it adds one line of help naming the command
// that was called, not the whole usage.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	code := loadcmd.ExitCode(err)
	if errors.As(err, new(usageError)) {
		code = 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
		if code == 2 {
			if cmd == nil {
				cmd = root
			}
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return code
}
