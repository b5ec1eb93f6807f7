// Command myapp is the example service, with apiload's load-testing
// command mounted in its own CLI:
//
//	myapp serve [--addr 127.0.0.1:8000]
//	myapp auth login EMAIL --print-token [--base-url URL]
//	myapp api-load-test list|run|recent|results|compare
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/apiload/apiload/loadtesting/loadcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRoot()
	code := loadcmd.ExitCode(root.ExecuteContext(ctx))
	stop()
	os.Exit(code)
}
