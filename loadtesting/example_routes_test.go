package loadtesting_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/apiload/apiload/loadtesting"
)

func ExampleRoutes() {
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	requireToken := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}

	r := mux.NewRouter()
	r.HandleFunc("/health/", ok).Methods(http.MethodGet, http.MethodHead)
	api := r.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/tasks/{id:[0-9]+}", ok).Methods(http.MethodGet, http.MethodDelete)
	api.Handle("/tasks", loadtesting.RequiresAuth(http.HandlerFunc(ok))).Methods(http.MethodPost) // marked
	users := api.PathPrefix("/users").Subrouter()
	users.Use(requireToken) // found by probing GET /api/v1/users/me
	users.HandleFunc("/me", ok).Methods(http.MethodGet).Name("me")

	routes, err := loadtesting.Routes(r)
	if err != nil {
		log.Fatal(err)
	}
	for _, rt := range routes {
		fmt.Println(rt.Method, rt.Path, rt.Params, rt.Auth, rt.Tags)
	}
	// Output:
	// POST /api/v1/tasks [] true [tasks]
	// DELETE /api/v1/tasks/{id:[0-9]+} [id] false [tasks]
	// GET /api/v1/tasks/{id:[0-9]+} [id] false [tasks]
	// GET /api/v1/users/me [] true [me]
	// GET /health/ [] false [health]
}
