package loadcmd_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/spf13/cobra"

	"github.com/apiload/apiload/loadtesting"
	"github.com/apiload/apiload/loadtesting/loadcmd"
)

// An app mounts the command in its own CLI and gets every route loadable,
// with no per-endpoint registration.
func ExampleNew() {
	r := mux.NewRouter()
	r.HandleFunc("/health/", func(w http.ResponseWriter, _ *http.Request) {}).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/tasks/status/{task_id}", func(w http.ResponseWriter, _ *http.Request) {}).Methods(http.MethodGet)

	root := &cobra.Command{Use: "my-app"}
	root.AddCommand(loadcmd.New(r, loadcmd.WithBaseURL("http://127.0.0.1:8000"), loadcmd.WithStore("none")))
	root.SetArgs([]string{"api-load-test", "list"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Println("exit", loadcmd.ExitCode(err))
	}
	// Output:
	// Discovered 2 routes
	//
	// METHOD  PATH                            AUTH  PARAMS   TAGS
	// GET     /api/v1/tasks/status/{task_id}        task_id  tasks
	// GET     /health/                                       health
}

// An app whose auth middleware is added with mux's Router.Use, which route
// discovery cannot see, names the guarded prefix with AuthPaths; NoProbe
// keeps `list` from calling any handler.
func ExampleWithRouteOptions() {
	r := mux.NewRouter()
	r.HandleFunc("/health/", func(w http.ResponseWriter, _ *http.Request) {}).Methods(http.MethodGet)
	users := r.PathPrefix("/api/v1/users").Subrouter()
	users.Use(func(next http.Handler) http.Handler { return next }) // checks a token, say
	users.HandleFunc("/me", func(w http.ResponseWriter, _ *http.Request) {}).Methods(http.MethodGet)

	root := &cobra.Command{Use: "my-app"}
	root.AddCommand(loadcmd.New(r, loadcmd.WithStore("none"),
		loadcmd.WithRouteOptions(loadtesting.RouteOptions{AuthPaths: []string{"/api/v1/users"}, NoProbe: true})))
	root.SetArgs([]string{"api-load-test", "list"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Println("exit", loadcmd.ExitCode(err))
	}
	// Output:
	// Discovered 2 routes
	//
	// METHOD  PATH              AUTH  TAGS
	// GET     /api/v1/users/me  yes   users
	// GET     /health/                health
}
