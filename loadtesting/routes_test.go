package loadtesting_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/examples/myapp/app"
	"github.com/apiload/apiload/loadtesting"
)

// Handlers for route tables.
var (
	routeOK  = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	route401 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "missing token", http.StatusUnauthorized)
	})
	route403 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) })
)

// routeGetOnly fails t if h is called with a method other than GET: discovery
// probes GET only.
func routeGetOnly(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method, "discovery sent %s %s; only GET may be probed", r.Method, r.URL.Path)
		h.ServeHTTP(w, r)
	})
}

// routeNotCalled fails t if the handler is called at all.
func routeNotCalled(t *testing.T, what string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Failf(t, "discovery called the handler", "%s: discovery called the handler with %s %s", what, r.Method, r.URL.Path)
	})
}

// routeRequireBearer is auth middleware of the kind mux's Router.Use adds.
func routeRequireBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			route401(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// routeUnwrapper is middleware that exposes the handler it wraps.
type routeUnwrapper struct{ h http.Handler }

func (u routeUnwrapper) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.h.ServeHTTP(w, r) }
func (u routeUnwrapper) Unwrap() http.Handler                             { return u.h }

// routeLister is a router of its own that lists its routes.
type routeLister struct {
	t      *testing.T
	routes []loadtesting.Route
}

func (l routeLister) Routes() []loadtesting.Route { return l.routes }

func (l routeLister) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	assert.Equal(l.t, http.MethodGet, r.Method, "discovery sent %s %s to a RouteLister; only GET may be probed", r.Method, r.URL.Path)
	if strings.HasPrefix(r.URL.Path, "/private/") {
		route403(w, r)
		return
	}
	routeOK(w, r)
}

func TestRoutes(t *testing.T) {
	const (
		GET, POST, PUT, PATCH, DELETE = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		ANY                           = loadtesting.MethodAny
	)
	tags := func(s ...string) []string { return s }
	params := tags

	tests := []struct {
		name    string
		handler func(t *testing.T) http.Handler
		opts    loadtesting.RouteOptions
		want    []loadtesting.Route
	}{
		{
			name: "nested subrouters give full templates; mounts are skipped",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/health/", routeOK).Methods(GET)
				api := r.PathPrefix("/api").Subrouter()
				v1 := api.PathPrefix("/v1").Subrouter()
				tasks := v1.PathPrefix("/tasks").Subrouter()
				tasks.Handle("/status/{id}", routeOK).Methods(GET)
				tasks.Handle("/enqueue", routeNotCalled(t, "POST enqueue")).Methods(POST)
				v1.Handle("/ping", routeOK).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/api/v1/ping", Tags: tags("ping")},
				{Method: POST, Path: "/api/v1/tasks/enqueue", Tags: tags("tasks")},
				{Method: GET, Path: "/api/v1/tasks/status/{id}", Params: params("id"), Tags: tags("tasks")},
				{Method: GET, Path: "/health/", Tags: tags("health")},
			},
		},
		{
			name: "params in order, regexp placeholders by name",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/orgs/{org}/repos/{id:[0-9]+}/codes/{code:[a-z]{3}}/{rest:.*}", routeOK).Methods(GET)
				r.Handle("/v/{b}/{a}", routeOK).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/orgs/{org}/repos/{id:[0-9]+}/codes/{code:[a-z]{3}}/{rest:.*}", Params: params("org", "id", "code", "rest"), Tags: tags("orgs")},
				{Method: GET, Path: "/v/{b}/{a}", Params: params("b", "a"), Tags: tags("v")},
			},
		},
		{
			name: "no method matcher is ANY; several methods are split and sorted; HEAD and OPTIONS left out",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/any", routeOK)
				r.Handle("/items/{id}", routeGetOnly(t, routeOK)).Methods(PUT, GET, DELETE, PATCH, POST)
				r.Handle("/items", routeOK).Methods(GET, http.MethodHead, http.MethodOptions)
				r.Handle("/preflight", routeNotCalled(t, "OPTIONS-only route")).Methods(http.MethodOptions)
				r.Handle("/lower", routeOK).Methods("get")
				return r
			},
			want: []loadtesting.Route{
				{Method: ANY, Path: "/any", Tags: tags("any")},
				{Method: GET, Path: "/items", Tags: tags("items")},
				{Method: DELETE, Path: "/items/{id}", Params: params("id"), Tags: tags("items")},
				{Method: GET, Path: "/items/{id}", Params: params("id"), Tags: tags("items")},
				{Method: PATCH, Path: "/items/{id}", Params: params("id"), Tags: tags("items")},
				{Method: POST, Path: "/items/{id}", Params: params("id"), Tags: tags("items")},
				{Method: PUT, Path: "/items/{id}", Params: params("id"), Tags: tags("items")},
				{Method: GET, Path: "/lower", Tags: tags("lower")},
			},
		},
		{
			name: "routes without a path are skipped; the first of two equal routes is kept",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Headers("X-Only", "1").Handler(routeOK)
				r.Handle("/dup", routeOK).Methods(GET).Name("first")
				r.Handle("/dup", routeNotCalled(t, "second /dup")).Methods(GET).Name("second")
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/dup", Tags: tags("first"), Name: "first"},
			},
		},
		{
			name: "tags: route name, else first segment after /api/vN",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/", routeOK).Methods(GET)
				r.Handle("/api/v2/tasks/status/{id}", routeOK).Methods(GET)
				r.Handle("/api/v1", routeOK).Methods(GET)
				r.Handle("/api/health", routeOK).Methods(GET)
				r.Handle("/{tenant}/things", routeOK).Methods(GET)
				r.Handle("/named/x", routeOK).Methods(GET).Name("things.x")
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/"},
				{Method: GET, Path: "/api/health", Tags: tags("api")},
				{Method: GET, Path: "/api/v1"},
				{Method: GET, Path: "/api/v2/tasks/status/{id}", Params: params("id"), Tags: tags("tasks")},
				{Method: GET, Path: "/named/x", Tags: tags("things.x"), Name: "things.x"},
				{Method: GET, Path: "/{tenant}/things", Params: params("tenant")},
			},
		},
		{
			name: "auth by RequiresAuth marker, on every method, without probing",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/me", loadtesting.RequiresAuth(routeNotCalled(t, "marked /me"))).Methods(GET, POST)
				r.Handle("/unwraps", routeUnwrapper{loadtesting.RequiresAuth(routeNotCalled(t, "/unwraps"))}).Methods(GET)
				r.Handle("/wrapped", http.HandlerFunc(loadtesting.RequiresAuth(routeOK).ServeHTTP)).Methods(GET)
				r.Handle("/public", routeOK).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/me", Auth: true, Tags: tags("me")},
				{Method: POST, Path: "/me", Auth: true, Tags: tags("me")},
				{Method: GET, Path: "/public", Tags: tags("public")},
				{Method: GET, Path: "/unwraps", Auth: true, Tags: tags("unwraps")},
				// A wrapper without an Unwrap method hides the mark.
				{Method: GET, Path: "/wrapped", Tags: tags("wrapped")},
			},
		},
		{
			name: "auth by RouteOptions.AuthPaths, templates and prefixes",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				admin := r.PathPrefix("/admin").Subrouter()
				admin.Handle("/users/{id}", routeNotCalled(t, "admin user")).Methods(GET, DELETE)
				r.Handle("/admin", routeOK).Methods(GET)
				r.Handle("/administrator", routeOK).Methods(GET)
				r.Handle("/tasks/{id}", routeNotCalled(t, "tasks")).Methods(GET)
				r.Handle("/tasks/{id}/logs", routeOK).Methods(GET)
				return r
			},
			opts: loadtesting.RouteOptions{AuthPaths: []string{"/admin/", "/tasks/{id}"}},
			want: []loadtesting.Route{
				{Method: GET, Path: "/admin", Tags: tags("admin")}, // "/admin/" covers what lies under it only
				{Method: DELETE, Path: "/admin/users/{id}", Params: params("id"), Auth: true, Tags: tags("admin")},
				{Method: GET, Path: "/admin/users/{id}", Params: params("id"), Auth: true, Tags: tags("admin")},
				{Method: GET, Path: "/administrator", Tags: tags("administrator")},
				{Method: GET, Path: "/tasks/{id}", Params: params("id"), Auth: true, Tags: tags("tasks")},
				{Method: GET, Path: "/tasks/{id}/logs", Params: params("id"), Auth: true, Tags: tags("tasks")},
			},
		},
		{
			name: "auth by probe: 401 and 403, through Router.Use middleware, for every method of the route",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/401", route401).Methods(GET)
				r.Handle("/403", route403) // ANY is probed with GET
				users := r.PathPrefix("/users").Subrouter()
				users.Use(routeRequireBearer)
				users.Handle("/me", routeGetOnly(t, routeOK)).Methods(GET, PUT)
				r.Handle("/names/{name:[a-z]+}", route401).Methods(GET) // probed as /names/a
				r.Handle("/ok/{id}", routeOK).Methods(GET)
				r.Handle("/teapot", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.WriteHeader(http.StatusTeapot)
				})).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/401", Auth: true, Tags: tags("401")},
				{Method: ANY, Path: "/403", Auth: true, Tags: tags("403")},
				{Method: GET, Path: "/names/{name:[a-z]+}", Params: params("name"), Auth: true, Tags: tags("names")},
				{Method: GET, Path: "/ok/{id}", Params: params("id"), Tags: tags("ok")},
				{Method: GET, Path: "/teapot", Tags: tags("teapot")},
				{Method: GET, Path: "/users/me", Auth: true, Tags: tags("users")},
				{Method: PUT, Path: "/users/me", Auth: true, Tags: tags("users")},
			},
		},
		{
			name: "NoProbe calls no handler",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/401", routeNotCalled(t, "NoProbe")).Methods(GET)
				r.Handle("/any", routeNotCalled(t, "NoProbe"))
				return r
			},
			opts: loadtesting.RouteOptions{NoProbe: true},
			want: []loadtesting.Route{
				{Method: GET, Path: "/401", Tags: tags("401")},
				{Method: ANY, Path: "/any", Tags: tags("any")},
			},
		},
		{
			name: "non-safe methods are never probed",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				for _, m := range []string{POST, PUT, PATCH, DELETE, "PURGE"} {
					r.Handle("/write", routeNotCalled(t, m+" /write")).Methods(m)
				}
				r.Handle("/write/{id}", routeNotCalled(t, "multi-method /write/{id}")).Methods(POST, DELETE)
				return r
			},
			want: []loadtesting.Route{
				{Method: DELETE, Path: "/write", Tags: tags("write")},
				{Method: PATCH, Path: "/write", Tags: tags("write")},
				{Method: POST, Path: "/write", Tags: tags("write")},
				{Method: "PURGE", Path: "/write", Tags: tags("write")},
				{Method: PUT, Path: "/write", Tags: tags("write")},
				{Method: DELETE, Path: "/write/{id}", Params: params("id"), Tags: tags("write")},
				{Method: POST, Path: "/write/{id}", Params: params("id"), Tags: tags("write")},
			},
		},
		{
			name: "a path whose GET another route serves is not probed",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/shared", route401).Methods(GET)
				r.Handle("/shared", routeNotCalled(t, "ANY /shared")) // GET /shared goes to the route above
				r.Handle("/q", routeNotCalled(t, "GET /q?page")).Methods(GET).Queries("page", "{page}")
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/q", Tags: tags("q")},
				{Method: ANY, Path: "/shared", Tags: tags("shared")}, // the 401 is GET's, not its
				{Method: GET, Path: "/shared", Auth: true, Tags: tags("shared")},
			},
		},
		{
			name: "streaming and slow probes end",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				// Server-sent events until the client goes away.
				r.HandleFunc("/sse", func(w http.ResponseWriter, req *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					rc := http.NewResponseController(w)
					tick := time.NewTicker(time.Millisecond)
					defer tick.Stop()
					for {
						fmt.Fprint(w, "data: tick\n\n")
						_ = rc.Flush()
						select {
						case <-req.Context().Done():
							return
						case <-tick.C:
						}
					}
				}).Methods(GET)
				// A stream that ignores its context but stops on a write error.
				r.HandleFunc("/stream-forever", func(w http.ResponseWriter, _ *http.Request) {
					for {
						if _, err := io.WriteString(w, "chunk\n"); err != nil {
							return
						}
					}
				}).Methods(GET)
				// A stream that is denied after its status is written.
				r.HandleFunc("/sse-denied", func(w http.ResponseWriter, req *http.Request) {
					w.WriteHeader(http.StatusForbidden)
					<-req.Context().Done()
				}).Methods(GET)
				// Says nothing until its context ends (the probe's 2s bound).
				r.HandleFunc("/silent", func(w http.ResponseWriter, req *http.Request) {
					<-req.Context().Done()
				}).Methods(GET)
				// Ignores its context entirely: the probe gives up on it.
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				r.HandleFunc("/stuck", func(w http.ResponseWriter, _ *http.Request) {
					<-release
				}).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/silent", Tags: tags("silent")},
				{Method: GET, Path: "/sse", Tags: tags("sse"), Stream: true},
				{Method: GET, Path: "/sse-denied", Auth: true, Tags: tags("sse-denied")},
				{Method: GET, Path: "/stream-forever", Tags: tags("stream-forever")},
				{Method: GET, Path: "/stuck", Tags: tags("stuck")},
			},
		},
		{
			name: "a text/event-stream answer marks a stream, for every method of the route",
			handler: func(t *testing.T) http.Handler {
				sse := func(contentType string, flush bool) http.HandlerFunc {
					return func(w http.ResponseWriter, req *http.Request) {
						w.Header().Set("Content-Type", contentType)
						if flush {
							w.WriteHeader(http.StatusOK)
							_ = http.NewResponseController(w).Flush()
						}
						<-req.Context().Done() // the first event would come later
					}
				}
				r := mux.NewRouter()
				r.Handle("/events", routeGetOnly(t, sse("text/event-stream", true))).Methods(GET, POST)
				r.Handle("/charset", sse("Text/Event-Stream; charset=utf-8", true)).Methods(GET)
				// Sets its headers but sends nothing until its context ends:
				// the probe reads them once the handler has returned.
				r.Handle("/silent-sse", sse("text/event-stream", false)).Methods(GET)
				r.Handle("/json", sse("application/json", true)).Methods(GET)
				r.Handle("/sse-401", routeRequireBearer(sse("text/event-stream", true))).Methods(GET)
				r.Handle("/sse-post", routeNotCalled(t, "POST /sse-post")).Methods(POST)
				r.Handle("/sse-marked", loadtesting.RequiresAuth(routeNotCalled(t, "GET /sse-marked"))).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/charset", Tags: tags("charset"), Stream: true},
				{Method: GET, Path: "/events", Tags: tags("events"), Stream: true},
				{Method: POST, Path: "/events", Tags: tags("events"), Stream: true},
				{Method: GET, Path: "/json", Tags: tags("json")},
				{Method: GET, Path: "/silent-sse", Tags: tags("silent-sse"), Stream: true},
				{Method: GET, Path: "/sse-401", Auth: true, Tags: tags("sse-401")},
				{Method: GET, Path: "/sse-marked", Auth: true, Tags: tags("sse-marked")},
				{Method: POST, Path: "/sse-post", Tags: tags("sse-post")},
			},
		},
		{
			name: "no stream without a probe",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.Handle("/events", routeNotCalled(t, "GET /events with NoProbe")).Methods(GET)
				return r
			},
			opts: loadtesting.RouteOptions{NoProbe: true},
			want: []loadtesting.Route{{Method: GET, Path: "/events", Tags: tags("events")}},
		},
		{
			name: "a probe that panics counts as no auth",
			handler: func(t *testing.T) http.Handler {
				r := mux.NewRouter()
				r.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") }).Methods(GET)
				r.HandleFunc("/panic-after-401", func(w http.ResponseWriter, _ *http.Request) {
					w.WriteHeader(http.StatusUnauthorized)
					panic(http.ErrAbortHandler)
				}).Methods(GET)
				r.HandleFunc("/panic-nil", func(http.ResponseWriter, *http.Request) { panic(nil) })
				r.Handle("/after", route401).Methods(GET)
				return r
			},
			want: []loadtesting.Route{
				{Method: GET, Path: "/after", Auth: true, Tags: tags("after")},
				{Method: GET, Path: "/panic", Tags: tags("panic")},
				{Method: GET, Path: "/panic-after-401", Tags: tags("panic-after-401")},
				{Method: ANY, Path: "/panic-nil", Tags: tags("panic-nil")},
			},
		},
		{
			name: "RouteLister routes are normalised and probed",
			handler: func(t *testing.T) http.Handler {
				return routeLister{t: t, routes: []loadtesting.Route{
					{Method: "post", Path: "/b/{id}"},
					{Path: "/a"},
					{Method: http.MethodHead, Path: "/a"},
					{Method: GET, Path: "/private/{x}", Tags: []string{"mine"}},
					{Method: PUT, Path: "/c", Auth: true, Params: []string{}, Name: "c.put"},
					{Method: POST, Path: "/d", Stream: true},
				}}
			},
			want: []loadtesting.Route{
				{Method: ANY, Path: "/a", Tags: tags("a")},
				{Method: POST, Path: "/b/{id}", Params: params("id"), Tags: tags("b")},
				{Method: PUT, Path: "/c", Auth: true, Tags: tags("c.put"), Name: "c.put"},
				{Method: POST, Path: "/d", Tags: tags("d"), Stream: true},
				{Method: GET, Path: "/private/{x}", Params: params("x"), Auth: true, Tags: tags("mine")},
			},
		},
		{
			name:    "example app",
			handler: func(*testing.T) http.Handler { return app.Router() },
			want: []loadtesting.Route{
				{Method: POST, Path: "/api/v1/auth/login", Tags: tags("auth.login"), Name: "auth.login"},
				{Method: POST, Path: "/api/v1/tasks/enqueue", Tags: tags("tasks.enqueue"), Name: "tasks.enqueue"},
				{Method: GET, Path: "/api/v1/tasks/status/{task_id}", Params: params("task_id"), Tags: tags("tasks.status"), Name: "tasks.status"},
				{Method: GET, Path: "/api/v1/users/me", Auth: true, Tags: tags("users.me"), Name: "users.me"},
				{Method: GET, Path: "/events/worker/stream", Tags: tags("events.worker"), Name: "events.worker", Stream: true},
				{Method: GET, Path: "/health/", Tags: tags("health"), Name: "health"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// In a synctest bubble the probes' 2s timeout and 1s grace are
			// fake time: a probe that a busy machine delays is not cut
			// short, and the slow rows take no real time.
			synctest.Test(t, func(t *testing.T) {
				got, err := loadtesting.RoutesWith(tt.handler(t), tt.opts)
				require.NoError(t, err, "RoutesWith")
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("routes (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestRoutes_sameAsRoutesWithZeroOptions(t *testing.T) {
	r := mux.NewRouter()
	r.Handle("/a/{id}", route401).Methods(http.MethodGet, http.MethodPost)
	want, err := loadtesting.RoutesWith(r, loadtesting.RouteOptions{})
	require.NoError(t, err)
	got, err := loadtesting.Routes(r)
	require.NoError(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Routes vs RoutesWith (-want +got):\n%s", diff)
	}
	if assert.Len(t, got, 2, "Routes = %+v, want GET and POST /a/{id} with Auth", got) {
		assert.True(t, got[0].Auth, "Routes = %+v, want GET and POST /a/{id} with Auth", got)
		assert.True(t, got[1].Auth, "Routes = %+v, want GET and POST /a/{id} with Auth", got)
	}
}

func TestRoutes_errors(t *testing.T) {
	brokenRoute := mux.NewRouter()
	brokenRoute.Handle("/ok", routeOK)
	brokenRoute.Handle("/x/{id:[}", routeOK).Name("broken")

	tests := []struct {
		name    string
		handler http.Handler
		opts    loadtesting.RouteOptions
		wantErr []string // substrings
	}{
		{"nil handler", nil, loadtesting.RouteOptions{}, []string{"routes: handler is nil"}},
		{"nil HandlerFunc", http.HandlerFunc(nil), loadtesting.RouteOptions{}, []string{"routes: handler is nil"}},
		{"nil *mux.Router", (*mux.Router)(nil), loadtesting.RouteOptions{}, []string{"nil *mux.Router"}},
		{"typed nil RouteLister", (*nilLister)(nil), loadtesting.RouteOptions{}, []string{"routes: handler is nil"}},
		{
			"ServeMux", http.NewServeMux(), loadtesting.RouteOptions{},
			[]string{"routes: cannot list the routes of *http.ServeMux: pass a *mux.Router or implement loadtesting.RouteLister"},
		},
		{"HandlerFunc", routeOK, loadtesting.RouteOptions{}, []string{"cannot list the routes of http.HandlerFunc"}},
		{"other handler type", http.RedirectHandler("/", http.StatusFound), loadtesting.RouteOptions{}, []string{"cannot list the routes of *http.redirectHandler"}},
		{"route with a bad pattern", brokenRoute, loadtesting.RouteOptions{}, []string{"routes: mux route #2 in walk order: error parsing regexp"}},
		{
			"every bad AuthPaths entry", mux.NewRouter(), loadtesting.RouteOptions{AuthPaths: []string{"/ok", "api/v1", ""}},
			[]string{`RouteOptions.AuthPaths[1] "api/v1": must start with "/"`, `RouteOptions.AuthPaths[2] "": must start with "/"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadtesting.RoutesWith(tt.handler, tt.opts)
			require.Error(t, err, "RoutesWith = %v, nil; want an error", got)
			assert.Nil(t, got, "RoutesWith returned routes with error %v", err)
			for _, want := range tt.wantErr {
				assert.ErrorContains(t, err, want)
			}
		})
	}
}

func TestRequiresAuth(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Method+" "+r.URL.Path)
		rc := http.NewResponseController(w)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "body")
		assert.NoError(t, rc.Flush(), "Flush through RequiresAuth")
	})
	serve := func(h http.Handler) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", nil))
		return rec
	}
	want, got := serve(inner), serve(loadtesting.RequiresAuth(inner))
	type resp struct {
		Code    int
		Header  http.Header
		Body    string
		Flushed bool
	}
	if diff := cmp.Diff(
		resp{want.Code, want.Header(), want.Body.String(), want.Flushed},
		resp{got.Code, got.Header(), got.Body.String(), got.Flushed},
	); diff != "" {
		t.Errorf("RequiresAuth changed the response (-unmarked +marked):\n%s", diff)
	}

	assert.Panics(t, func() { loadtesting.RequiresAuth(nil) }, "RequiresAuth(nil) did not panic")
}

// nilLister is a RouteLister whose nil pointer would panic if called.
type nilLister struct{ routes []loadtesting.Route }

func (l *nilLister) Routes() []loadtesting.Route                  { return l.routes }
func (l *nilLister) ServeHTTP(http.ResponseWriter, *http.Request) {}
