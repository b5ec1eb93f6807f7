package loadcmd_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/spf13/cobra"

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
