// Command loadreport lists, reports and compares the load runs that apiload
// stores. See docs/loadreport.md, or run loadreport --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/apiload/apiload/internal/cli"
)

func main() {
	// go-redis logs every failed dial to stderr; the store already reports
	// an unreachable Redis once, in words.
	redis.SetLogger(silent{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ios := cli.System()
	code := cli.Execute(ctx, cli.NewLoadreport(ios), os.Args[1:], ios)
	stop()
	os.Exit(code)
}

// silent is a go-redis logger that drops everything.
type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}
