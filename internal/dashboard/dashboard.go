package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/apiload/apiload/loadtesting"
)

// Defaults applied by the zero Config.
const (
	// DefaultRuns is how many recent runs the page shows without ?limit.
	DefaultRuns = 50
	// MaxRuns is the largest ?limit the page and the API accept.
	MaxRuns = 100
	// DefaultAPIRuns is how many runs GET /api/runs returns without ?limit.
	DefaultAPIRuns = 20
	// DefaultMaxRegression is the relative worsening the compare view and
	// the trend cards flag as a regression: 0.10 is 10%.
	DefaultMaxRegression = 0.10
)

// Config configures the dashboard. Only Store is required.
type Config struct {
	// Store is where runs are read from. Required. The dashboard only reads
	// it and never closes it.
	Store loadtesting.Store
	// StoreName describes Store on the page, e.g. "file:///home/me/.cache/apiload".
	// Default: Store's String method, if it has one. It must hold no password.
	StoreName string
	// Token, when not empty, is required by every page and API call: as the
	// header "Authorization: Bearer <token>", as the cookie the dashboard
	// sets, or as ?token=<token> on a first visit (which sets the cookie and
	// redirects to the same page without it). A missing or wrong token gets
	// 401. Empty means no token: the dashboard then answers only requests
	// addressed to a loopback name (localhost, 127.0.0.1, [::1]), so a web
	// page elsewhere cannot read it by DNS rebinding.
	Token string
	// Now is the clock behind "5 minutes ago". Default time.Now.
	Now func() time.Time
	// Runs is how many recent runs the page shows when the URL has no
	// ?limit. Default DefaultRuns; at most MaxRuns.
	Runs int
	// MaxRegression is the relative worsening (0.10 = 10%) beyond which the
	// compare view and the trend cards flag a metric as regressed, by
	// report.Compare's rule. Default DefaultMaxRegression.
	MaxRegression float64
}

// Handler serves the dashboard: the HTML pages, the JSON API under /api/
// and the embedded static assets under /static/. Make one with New. It is
// safe for concurrent use.
//
//	GET /                  summary cards, recent runs, trends per endpoint (?limit=1..100)
//	GET /runs/{id}         one run
//	GET /compare           pick two runs; ?base=ID&head=ID compares them
//	GET /api/runs          recent runs as JSON, newest first (?limit=1..100, default 20)
//	GET /api/runs/{id}     one run as JSON (404 when unknown or expired)
type Handler struct {
	cfg   Config
	auth  *tokenAuth // nil without a token
	pages map[string]*template.Template
	mux   *http.ServeMux
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the dashboard for cfg. It panics when cfg.Store is nil: that
// is a programming error.
func New(cfg Config) *Handler {
	if cfg.Store == nil {
		panic("dashboard.New: Config.Store is nil")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Runs <= 0 {
		cfg.Runs = DefaultRuns
	}
	cfg.Runs = min(cfg.Runs, MaxRuns)
	if cfg.MaxRegression <= 0 {
		cfg.MaxRegression = DefaultMaxRegression
	}
	if cfg.StoreName == "" {
		if s, ok := cfg.Store.(fmt.Stringer); ok {
			cfg.StoreName = s.String()
		}
	}
	h := &Handler{cfg: cfg, pages: parsePages()}
	if cfg.Token != "" {
		h.auth = newTokenAuth(cfg.Token)
	}

	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic("dashboard: embedded static assets: " + err.Error())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.HandleFunc("GET /runs/{id}", h.run)
	mux.HandleFunc("GET /compare", h.compare)
	mux.HandleFunc("GET /api/runs", h.apiRuns)
	mux.HandleFunc("GET /api/runs/{id}", h.apiRun)
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint %s %s: see GET /api/runs and GET /api/runs/{id}", r.Method, r.URL.Path))
	})
	// One segment: files only, no directory listing.
	mux.Handle("GET /static/{file}", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /", h.notFound) // and 405 for any other method: the dashboard only reads
	h.mux = mux
	return h
}

// parsePages parses each page template together with the shared layout.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"index", "run", "compare", "error"} {
		t := template.New(name).Funcs(funcs)
		t = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
		pages[name] = t
	}
	return pages
}

// ServeHTTP answers one request: security headers first, then the host or
// token check, then the route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// Everything is served from here: no inline scripts, no other origins.
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")

	if h.auth == nil {
		if !loopbackHost(r.Host) {
			h.fail(w, r, http.StatusForbidden, fmt.Sprintf("host %q: without a token the dashboard answers only loopback names (localhost, 127.0.0.1, [::1]); start it with --token to serve it under another name", r.Host))
			return
		}
	} else if !h.auth.check(w, r) {
		return
	}
	h.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine's loopback
// interface: localhost, a name under .localhost, or a loopback IP.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isAPI reports whether r is for the JSON API, which answers errors in JSON.
func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

// fail answers an error in the form the caller reads: JSON for the API, an
// HTML page otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r) {
		writeAPIError(w, status, msg)
		return
	}
	h.render(w, status, "error", errorView{page: h.page(http.StatusText(status)), Status: status, Message: msg})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, http.StatusNotFound, fmt.Sprintf("no page at %s", r.URL.Path))
}
