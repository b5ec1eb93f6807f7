// Package dashboard is the web dashboard of `loadreport serve`: the recent
// runs of a loadtesting.Store with summary cards, a drill-down per run
// (percentiles, status codes, sampled errors and the latency distribution
// drawn from the run's HDR histogram), p95 and req/s trends per endpoint, a
// side-by-side comparison of two runs, and a JSON API behind them.
//
// Everything is served from the binary: templates and assets are embedded,
// charts are inline SVG drawn on the server, and the pages load nothing from
// elsewhere (a Content-Security-Policy says so), so the dashboard works
// offline. Every value from a result (paths, error messages, response bodies)
// goes through html/template and is shown as text.
//
//	st, _ := loadtesting.OpenStore("file:///tmp/runs")
//	defer st.Close()
//	srv := &http.Server{Addr: "127.0.0.1:8089", Handler: dashboard.New(dashboard.Config{Store: st})}
//	log.Fatal(srv.ListenAndServe())
//
// Without a token the dashboard answers only requests addressed to a
// loopback name; set Config.Token to serve it beyond this machine.
package dashboard
