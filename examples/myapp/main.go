// Command myapp is the example service, with apiload's load-testing
// command mounted in its own CLI:
//
//	myapp serve [--addr 127.0.0.1:8000]
//	myapp auth login EMAIL --print-token [--base-url URL]
//	myapp api-load-test list|run|recent|results|compare
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
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
// status: loadcmd.Execute prints an error once and, after misuse (exit 2),
// one line of help naming the command that was called.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return loadcmd.Execute(ctx, newRoot(), args, stdin, stdout, stderr)
}
