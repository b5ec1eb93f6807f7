// Command loadreport lists, reports and compares the load runs that apiload
// stores. See docs/loadreport.md, or run loadreport --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/apiload/apiload/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ios := cli.System()
	code := cli.Execute(ctx, cli.NewLoadreport(ios), os.Args[1:], ios)
	stop()
	os.Exit(code)
}
