// Command loadgen is apiload's generator for bench/compare.sh: it runs
// loadtesting.Exec against a URL and prints one line of JSON with what the
// comparison needs. (A `loadreport run URL` may replace it.)
//
//	loadgen -c 10 -d 5s -url http://127.0.0.1:8080/
//
// -client nethttp sends through net/http's client instead of the lean
// HTTP/1.1 one, to compare the two.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/apiload/apiload/internal/engine"
	"github.com/apiload/apiload/loadtesting"
)

type summary struct {
	Client          string  `json:"client"`
	Requests        int64   `json:"requests"`
	Failed          int64   `json:"failed"`
	ReqPerS         float64 `json:"req_per_s"`
	P50MS           float64 `json:"p50_ms"`
	P99MS           float64 `json:"p99_ms"`
	CPUPerRequestUS float64 `json:"cpu_per_request_us"`
	CPUBusy         float64 `json:"cpu_busy"`
	LagP99MS        float64 `json:"lag_p99_ms"` // open model (-rate): send lag p99; 0 otherwise
	Warning         string  `json:"warning,omitempty"`
}

func main() {
	clients := flag.Int("c", 10, "connections (clients)")
	n := flag.Int64("n", 0, "requests (0: bounded by -d)")
	d := flag.Duration("d", 0, "duration (0: bounded by -n)")
	rate := flag.Float64("rate", 0, "requests/s (0: as fast as possible)")
	rampTo := flag.Float64("ramp-to", 0, "requests/s at the end of -d (linear ramp from -rate)")
	target := flag.String("url", "", "target URL (loopback)")
	client := flag.String("client", "lean", "lean (HTTP/1.1 client) or nethttp")
	full := flag.Bool("json", false, "print the full Result JSON instead of the summary")
	flag.Parse()

	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		fail(2, "-url %q: want an absolute http URL", *target)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var s summary
	switch *client {
	case "lean":
		base := *u
		base.Path, base.RawQuery = "", ""
		path := u.Path
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		res, err := loadtesting.Exec(ctx, nil, loadtesting.Config{
			BaseURL: base.String(), Path: path, Clients: *clients, Requests: *n, Duration: *d,
			Rate: *rate, RampTo: *rampTo, Store: loadtesting.NoStore{},
		})
		if err != nil {
			fail(1, "%v", err)
		}
		if *full {
			json.NewEncoder(os.Stdout).Encode(res)
			return
		}
		m := res.Metrics
		s = summary{Client: "lean", Requests: m.Requests, Failed: m.Failed, ReqPerS: m.RequestRate,
			P50MS: ms(m.Latency.P50), P99MS: ms(m.Latency.P99),
			CPUPerRequestUS: float64(m.GeneratorCPUPerRequest) / 1e3, CPUBusy: m.GeneratorBusy, Warning: m.GeneratorWarning}
		if m.SendLag != nil {
			s.LagP99MS = ms(m.SendLag.P99)
		}
	case "nethttp":
		rep, err := engine.Run(ctx, engine.Plan{Method: http.MethodGet, URL: u, Requests: *n, Duration: *d,
			Clients: *clients, Rate: *rate, RampTo: *rampTo, Timeout: 30 * time.Second, Transport: engine.NetHTTP(*clients)})
		if err != nil {
			fail(1, "%v", err)
		}
		s = summary{Client: "nethttp", Requests: rep.Requests, Failed: rep.Failed,
			ReqPerS: float64(rep.Requests) / rep.Elapsed.Seconds(),
			P50MS:   float64(rep.Latency.ValueAtPercentile(50)) / 1e6, P99MS: float64(rep.Latency.ValueAtPercentile(99)) / 1e6,
			LagP99MS: float64(rep.SendLag.ValueAtPercentile(99)) / 1e6}
		if rep.Requests > 0 {
			s.CPUPerRequestUS = float64(rep.CPU) / float64(rep.Requests) / 1e3
			s.CPUBusy = rep.CPU.Seconds() / (float64(rep.Cores) * rep.Elapsed.Seconds())
		}
	default:
		fail(2, "-client %q: want lean or nethttp", *client)
	}
	json.NewEncoder(os.Stdout).Encode(s)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(code)
}
