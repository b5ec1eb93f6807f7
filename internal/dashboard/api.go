package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/apiload/apiload/loadtesting"
)

// runsJSON is the body of GET /api/runs. It is an object, not a bare array,
// so fields can be added later without breaking clients.
type runsJSON struct {
	// Runs are the stored results, newest first, in loadtesting.Result's
	// JSON layout (with a "schema" version each).
	Runs []*loadtesting.Result `json:"runs"`
}

// errorJSON is the body of every API error.
type errorJSON struct {
	Error string `json:"error"`
}

// apiRuns answers GET /api/runs?limit=N.
func (h *Handler) apiRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := parseLimit(r, DefaultAPIRuns)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	runs, err := h.cfg.Store.Recent(r.Context(), limit)
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, err.Error())
		return
	}
	body := runsJSON{Runs: make([]*loadtesting.Result, 0, len(runs))}
	for _, res := range runs {
		if res != nil {
			body.Runs = append(body.Runs, res)
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// apiRun answers GET /api/runs/{id}.
func (h *Handler) apiRun(w http.ResponseWriter, r *http.Request) {
	res, status, err := h.get(r, r.PathValue("id"))
	if err != nil {
		writeAPIError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// get reads one run, with the status to answer when it cannot: 400 for an
// id that cannot be one, 404 when no live run has it, 500 when the store
// fails.
func (h *Handler) get(r *http.Request, id string) (*loadtesting.Result, int, error) {
	if err := checkID(id); err != nil {
		return nil, http.StatusBadRequest, err
	}
	res, err := loadtesting.Find(r.Context(), h.cfg.Store, id) // a run split into shards reads merged
	switch {
	case errors.Is(err, loadtesting.ErrNotFound):
		return nil, http.StatusNotFound, fmt.Errorf("run %s: not found (runs expire 24h after they are saved)", id)
	case err != nil:
		return nil, http.StatusInternalServerError, err
	case res == nil:
		return nil, http.StatusNotFound, fmt.Errorf("run %s: not found", id)
	}
	return res, http.StatusOK, nil
}

// checkID rejects what cannot be a run id before it reaches a store: ids
// are letters, digits, '-', '_' and '.', at most 128 of them, never "..".
func checkID(id string) error {
	ok := id != "" && len(id) <= 128 && !strings.Contains(id, "..")
	for _, c := range id {
		if !ok {
			break
		}
		ok = c == '-' || c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	if !ok {
		return fmt.Errorf("run id %q: ids are letters, digits, '-', '_' and '.' (at most 128)", id)
	}
	return nil
}

// parseLimit reads ?limit=, 1..MaxRuns, or returns def when there is none.
func parseLimit(r *http.Request, def int) (int, error) {
	q := r.URL.Query()
	if !q.Has("limit") {
		return def, nil
	}
	s := q.Get("limit")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxRuns {
		return 0, fmt.Errorf("limit %q: must be a whole number from 1 to %d", s, MaxRuns)
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v) // escapes <, > and & too
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	data, _ := json.Marshal(errorJSON{Error: msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
