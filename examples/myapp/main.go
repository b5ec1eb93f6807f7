// Command myapp is the example service: `go run ./examples/myapp` serves
// it on 127.0.0.1:8000 (override with -addr).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/apiload/apiload/examples/myapp/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("myapp", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	srv := &http.Server{Addr: *addr, Handler: app.Router(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("myapp listening on http://%s", *addr)
	select {
	case err := <-errc:
		fmt.Fprintf(os.Stderr, "myapp: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "myapp: shutdown: %v\n", err)
		return 1
	}
	return 0
}
