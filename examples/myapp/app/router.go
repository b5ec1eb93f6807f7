package app

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
)

// DemoUser is the email of a user that [Router] always knows, so load tests
// can log in without setup. See [Users] for every known user.
const DemoUser = "alice@example.com"

// maxBodyBytes bounds JSON request bodies.
const maxBodyBytes = 1 << 20

// Users returns the emails that POST /api/v1/auth/login accepts, sorted.
// The slice is a fresh copy; changing it changes nothing in the app.
func Users() []string {
	emails := make([]string, 0, 2)
	for email := range knownUsers() {
		emails = append(emails, email)
	}
	slices.Sort(emails)
	return emails
}

// knownUsers returns a fresh email → display name map.
func knownUsers() map[string]string {
	return map[string]string{
		DemoUser:          "Alice",
		"bob@example.com": "Bob",
	}
}

// options tune a server; the zero value gives the defaults Router uses.
type options struct {
	// now is the clock. Default time.Now.
	now func() time.Time
	// tick is the interval between server-sent events. Default 100ms.
	tick time.Duration
	// maxTasks is how many tasks are remembered; older ones are forgotten
	// and report "unknown". Default 10000.
	maxTasks int
	// doneAfter is how long after enqueue a task reports "done". Default 2s.
	doneAfter time.Duration
	// key signs bearer tokens. Default 32 random bytes.
	key []byte
}

func (o options) resolved() options {
	if o.now == nil {
		o.now = time.Now
	}
	if o.tick <= 0 {
		o.tick = 100 * time.Millisecond
	}
	if o.maxTasks <= 0 {
		o.maxTasks = 10000
	}
	if o.doneAfter <= 0 {
		o.doneAfter = 2 * time.Second
	}
	if len(o.key) == 0 {
		o.key = make([]byte, 32)
		rand.Read(o.key) // never returns an error since Go 1.24
	}
	return o
}

// server is the state behind one Router. Fields other than tasks and nextID
// are never written after newServer, so handlers may read them freely.
type server struct {
	now       func() time.Time
	tick      time.Duration
	doneAfter time.Duration
	key       []byte
	users     map[string]string // email → display name; read-only
	nextID    atomic.Uint64
	tasks     *taskStore
}

func newServer(o options) *server {
	o = o.resolved()
	return &server{
		now:       o.now,
		tick:      o.tick,
		doneAfter: o.doneAfter,
		key:       o.key,
		users:     knownUsers(),
		tasks:     newTaskStore(o.maxTasks),
	}
}

// Router returns a new handler serving the app's routes with fresh in-memory
// state: tasks enqueued and tokens issued by one Router are unknown to
// another. The dynamic type is *mux.Router, so callers may Walk it to
// discover routes (every route has a name). It is safe for concurrent use.
func Router() http.Handler {
	return newRouter(options{})
}

func newRouter(o options) *mux.Router {
	return newServer(o).routes()
}

func (s *server) routes() *mux.Router {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", req.Method, req.URL.Path))
	})

	r.HandleFunc("/health/", s.health).Methods(http.MethodGet).Name("health")

	// The subrouters hang off r directly: with a subrouter nested in another
	// (/api/v1 → /auth), mux v1.8.1 answers a wrong method with 404, not 405,
	// unless the inner subrouter is the outer one's last route.
	auth := r.PathPrefix("/api/v1/auth").Subrouter()
	auth.HandleFunc("/login", s.login).Methods(http.MethodPost).Name("auth.login")

	users := r.PathPrefix("/api/v1/users").Subrouter()
	users.Use(s.RequireAuth)
	users.HandleFunc("/me", s.me).Methods(http.MethodGet).Name("users.me")

	tasks := r.PathPrefix("/api/v1/tasks").Subrouter()
	tasks.HandleFunc("/status/{task_id}", s.taskStatus).Methods(http.MethodGet).Name("tasks.status")
	tasks.HandleFunc("/enqueue", s.enqueue).Methods(http.MethodPost).Name("tasks.enqueue")

	events := r.PathPrefix("/events").Subrouter()
	events.HandleFunc("/worker/stream", s.workerStream).Methods(http.MethodGet).Name("events.worker")

	return r
}

type healthResponse struct {
	Status string `json:"status"`
}

func (s *server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthResponse{Status: "ok"})
}

type errorResponse struct {
	Error string `json:"error"`
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorResponse{Error: msg})
}

// decodeJSON reads one JSON object from r's body into dst. On failure it
// writes a 400 (or 413) response naming the problem and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("unexpected data after the JSON object")
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "invalid JSON body: request body is empty")
	default:
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return false
}
