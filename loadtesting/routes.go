package loadtesting

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// MethodAny is the Route.Method of a route that matches every method (a mux
// route without a Methods matcher).
const MethodAny = "ANY"

// Route is one method and path template that a handler serves, as listed
// by Routes.
type Route struct {
	// Method is the HTTP method in upper case, or MethodAny ("ANY") for a
	// route that accepts every method.
	Method string
	// Path is the path template in the gorilla/mux style, such as
	// "/api/v1/tasks/status/{task_id}" or "/tasks/{id:[0-9]+}". It can be
	// used as Config.Path once each placeholder has a Config.PathParams entry.
	Path string
	// Params are the names of Path's placeholders, in order ("task_id").
	Params []string
	// Auth reports that the route needs credentials: the app marks it (see
	// RequiresAuth and RouteOptions.AuthPaths), or an unauthenticated GET
	// probe answered 401 or 403. False means no sign of auth was found, not
	// that the route is public.
	Auth bool
	// Tags group routes in listings: the mux route name if it has one, else
	// the first path segment after an optional /api/vN prefix
	// ("/api/v1/tasks/{id}" → "tasks"). A path with no such segment ("/")
	// has no tags.
	Tags []string
	// Name is the mux route name; empty if the route has none.
	Name string
	// Stream reports that the route answers with a stream of server-sent
	// events: the unauthenticated GET probe was answered with Content-Type
	// text/event-stream (or the RouteLister says so). Load such a route with
	// Config.Stream set. False means no probe saw a stream: the route was
	// not probed (RouteOptions.NoProbe, a route needing auth, or one that
	// does not answer GET), or it did not answer text/event-stream.
	Stream bool
}

// RouteLister is implemented by handlers that list their own routes, for
// routers other than *mux.Router. Routes normalises what Routes() returns:
// an empty Method becomes MethodAny, HEAD and OPTIONS are dropped, nil
// Params and Tags are derived from Path, and the result is sorted.
type RouteLister interface {
	Routes() []Route
}

// RouteOptions tunes RoutesWith. The zero value is what Routes uses.
type RouteOptions struct {
	// AuthPaths marks routes as needing auth: a route's Auth is true when its
	// Path equals an entry or lies under it ("/api/v1/users" and
	// "/api/v1/users/" both cover "/api/v1/users/me"; "/" covers every
	// route). Use it for auth middleware that Routes cannot see, such as
	// mux's Router.Use. Each entry must start with "/".
	AuthPaths []string
	// NoProbe turns the unauthenticated probe off, so that discovery never
	// calls a handler. By default each GET and ANY route not already marked
	// is sent one GET without credentials.
	NoProbe bool
}

// Routes lists the routes that h serves, sorted by Path and then Method. It
// is RoutesWith(h, RouteOptions{}); see there.
func Routes(h http.Handler) ([]Route, error) {
	return RoutesWith(h, RouteOptions{})
}

// RoutesWith lists the routes that h serves, sorted by Path and then Method.
//
// h must be a *mux.Router (its subrouters are walked too) or implement
// RouteLister; any other handler, or nil, is an error. A mux route gives one
// Route per method, and MethodAny when it has no Methods matcher. HEAD and
// OPTIONS are left out, as are mux routes without a path template or
// without a handler of their own (a PathPrefix(...).Subrouter() mount).
// When two routes share a method and path, the first registered is kept, as
// mux matches it first.
//
// A Route's Auth is true when
//   - its mux handler is wrapped by RequiresAuth, or
//   - its Path is covered by o.AuthPaths, or
//   - unless o.NoProbe is set, a GET without credentials, sent through
//     h.ServeHTTP to the path with each placeholder filled with "1",
//     answers 401 or 403. Only GET and ANY routes are probed, never another
//     method; the answer holds for every method of that mux route. A probe
//     stops at the first status the handler sends (its request context is
//     then cancelled, so a stream ends) and waits at most 2s for one. A
//     probe that panics counts as not needing auth. For a *mux.Router, a
//     path whose GET would be served by a different route is not probed.
//
// A Route's Stream is true when that same probe's answer has Content-Type
// text/event-stream (or a RouteLister reports it).
//
// Probes run one at a time, each handler in a goroutine of its own that
// RoutesWith waits for; only a handler that neither answers within 2s nor
// returns within 1s of its context being cancelled is left running.
func RoutesWith(h http.Handler, o RouteOptions) ([]Route, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if r, ok := h.(*mux.Router); ok && r == nil {
		return nil, errors.New("routes: handler is a nil *mux.Router")
	}
	if isNilHandler(h) {
		return nil, errors.New("routes: handler is nil: pass a *mux.Router or a handler that implements loadtesting.RouteLister")
	}
	var found []found
	switch r := h.(type) {
	case RouteLister:
		found = listed(r.Routes())
	case *mux.Router:
		if r == nil {
			return nil, errors.New("routes: handler is a nil *mux.Router")
		}
		var err error
		if found, err = walk(r); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("routes: cannot list the routes of %T: pass a *mux.Router or implement loadtesting.RouteLister", h)
	}

	var routes []Route
	seen := make(map[[2]string]bool)
	for _, f := range found {
		auth, stream := f.marked || o.coversAuth(f.path), f.stream
		if !auth && !o.NoProbe && f.probe {
			a := probe(h, f.muxRouter, f.muxRoute, f.path)
			auth, stream = a.auth(), stream || a.stream()
		}
		for _, m := range f.methods {
			key := [2]string{m, f.path}
			if seen[key] {
				continue
			}
			seen[key] = true
			routes = append(routes, Route{
				Method: m,
				Path:   f.path,
				Params: slices.Clone(f.params),
				Auth:   auth || f.authByMethod[m],
				Tags:   slices.Clone(f.tags),
				Name:   f.name,
				Stream: stream,
			})
		}
	}
	slices.SortStableFunc(routes, func(a, b Route) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return routes, nil
}

// found is one mux route (or one listed Route) before it is split by method.
type found struct {
	path         string
	methods      []string // upper case, without HEAD and OPTIONS, never empty
	params, tags []string
	name         string
	marked       bool            // wrapped by RequiresAuth
	stream       bool            // Stream as a RouteLister reported it
	authByMethod map[string]bool // Auth as a RouteLister reported it
	probe        bool            // GET may be probed
	muxRouter    *mux.Router     // the router passed to Routes, for Match
	muxRoute     *mux.Route
}

// walk collects r's routes, subrouters included.
func walk(r *mux.Router) ([]found, error) {
	var out []found
	n := 0
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		n++
		if err := route.GetError(); err != nil {
			// A route with an error never matches and has no template.
			return fmt.Errorf("routes: mux route #%d in walk order%s: %w", n, describeName(route), err)
		}
		h := route.GetHandler()
		if _, mount := h.(*mux.Router); h == nil || mount {
			return nil // a subrouter mount: its routes are walked on their own
		}
		path, err := route.GetPathTemplate()
		if err != nil {
			return nil // no path to list (a Host- or Headers-only route)
		}
		methods, err := route.GetMethods()
		if err != nil {
			methods = nil // no Methods matcher: any method
		}
		f := found{
			path:      path,
			params:    placeholders(path),
			name:      route.GetName(),
			marked:    marked(h),
			muxRouter: r,
			muxRoute:  route,
		}
		f.methods, f.probe = keptMethods(methods)
		if len(f.methods) == 0 {
			return nil // HEAD or OPTIONS only
		}
		f.tags = tagsFor(f.name, path)
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listed turns a RouteLister's routes into found entries, one per route.
func listed(rs []Route) []found {
	var out []found
	for _, r := range rs {
		m := strings.ToUpper(r.Method)
		var methods []string
		if m != "" && m != MethodAny {
			methods = []string{m}
		}
		f := found{path: r.Path, params: r.Params, tags: r.Tags, name: r.Name, stream: r.Stream}
		f.methods, f.probe = keptMethods(methods)
		if len(f.methods) == 0 {
			continue
		}
		if f.params == nil {
			f.params = placeholders(r.Path)
		}
		if f.tags == nil {
			f.tags = tagsFor(r.Name, r.Path)
		}
		f.authByMethod = map[string]bool{f.methods[0]: r.Auth}
		f.probe = f.probe && !r.Auth
		out = append(out, f)
	}
	return out
}

// keptMethods drops HEAD and OPTIONS from methods (upper-casing them) and
// reports whether the route answers GET, so may be probed. No methods at
// all means any method.
func keptMethods(methods []string) (kept []string, get bool) {
	if len(methods) == 0 {
		return []string{MethodAny}, true
	}
	for _, m := range methods {
		m = strings.ToUpper(m)
		switch m {
		case http.MethodHead, http.MethodOptions:
			continue
		case http.MethodGet:
			get = true
		}
		if !slices.Contains(kept, m) {
			kept = append(kept, m)
		}
	}
	return kept, get
}

func describeName(r *mux.Route) string {
	if n := r.GetName(); n != "" {
		return fmt.Sprintf(" (name %q)", n)
	}
	return ""
}

// apiVersionRE matches an /api/vN prefix and what follows it.
var apiVersionRE = regexp.MustCompile(`^/api/v[0-9]+(/|$)`)

// tagsFor returns a route's tags: its name if set, else the first path
// segment after an optional /api/vN prefix, unless that is a placeholder.
func tagsFor(name, path string) []string {
	if name != "" {
		return []string{name}
	}
	rest := strings.TrimPrefix(path, "/")
	if loc := apiVersionRE.FindStringIndex(path); loc != nil {
		rest = path[loc[1]:]
	}
	seg, _, _ := strings.Cut(rest, "/")
	if seg == "" || strings.HasPrefix(seg, "{") {
		return nil
	}
	return []string{seg}
}

// check reports every bad field of o.
func (o RouteOptions) check() error {
	var errs []error
	for i, p := range o.AuthPaths {
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, fmt.Errorf("routes: RouteOptions.AuthPaths[%d] %q: must start with \"/\"", i, p))
		}
	}
	return errors.Join(errs...)
}

// coversAuth reports whether path is one of o.AuthPaths or lies under one.
func (o RouteOptions) coversAuth(path string) bool {
	for _, p := range o.AuthPaths {
		if path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// RequiresAuth returns h unchanged in behaviour but marked, so that Routes
// reports the mux route that holds it with Auth true:
//
//	r.Handle("/api/v1/users/me", loadtesting.RequiresAuth(authn(meHandler)))
//
// It marks; it does not check credentials. Routes sees the mark only on the
// handler a mux route holds (directly, or through wrappers with an
// Unwrap() http.Handler method). Middleware added with mux's Router.Use is
// applied per request and is invisible to Routes, so Use(RequiresAuth)
// marks nothing: mark the handler, or list the prefix in
// RouteOptions.AuthPaths. It panics if h is nil.
func RequiresAuth(h http.Handler) http.Handler {
	if isNilHandler(h) {
		panic("loadtesting.RequiresAuth: nil handler")
	}
	return authMarked{h}
}

// authMarked is the handler RequiresAuth returns.
type authMarked struct{ h http.Handler }

func (a authMarked) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.h.ServeHTTP(w, r) }

// Unwrap returns the marked handler.
func (a authMarked) Unwrap() http.Handler { return a.h }

// marked reports whether h, or a handler it unwraps to, is RequiresAuth's.
func marked(h http.Handler) bool {
	for range 100 { // bounded, in case a chain of Unwraps loops
		switch v := h.(type) {
		case authMarked:
			return true
		case interface{ Unwrap() http.Handler }:
			h = v.Unwrap()
		default:
			return false
		}
	}
	return false
}
