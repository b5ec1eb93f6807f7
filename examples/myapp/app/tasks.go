package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

// Task statuses reported by GET /api/v1/tasks/status/{task_id}.
const (
	statusQueued  = "queued"
	statusDone    = "done"
	statusUnknown = "unknown"
)

type enqueueRequest struct {
	Queue string `json:"queue"`
	Task  string `json:"task"`
}

type enqueueResponse struct {
	TaskID string `json:"task_id"`
	Queue  string `json:"queue"`
	Task   string `json:"task"`
}

type statusResponse struct {
	TaskID string `json:"task_id"`
	Status string `json:"status"`
}

// taskStore remembers when the latest max tasks were enqueued. It is safe for
// concurrent use.
type taskStore struct {
	mu       sync.Mutex
	enqueued map[string]time.Time // task id → enqueue time
	order    []string             // ring of ids in enqueue order, len ≤ max
	next     int                  // index in order of the oldest id once full
	max      int
}

func newTaskStore(max int) *taskStore {
	return &taskStore{enqueued: make(map[string]time.Time), max: max}
}

// add records id, forgetting the oldest task if the store is full.
func (ts *taskStore) add(id string, at time.Time) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.order) < ts.max {
		ts.order = append(ts.order, id)
	} else {
		delete(ts.enqueued, ts.order[ts.next])
		ts.order[ts.next] = id
		ts.next = (ts.next + 1) % ts.max
	}
	ts.enqueued[id] = at
}

// get returns when id was enqueued, if it is still remembered.
func (ts *taskStore) get(id string) (time.Time, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	at, ok := ts.enqueued[id]
	return at, ok
}

// enqueue handles POST /api/v1/tasks/enqueue.
func (s *server) enqueue(w http.ResponseWriter, r *http.Request) {
	var req enqueueRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	var missing []string
	if req.Queue == "" {
		missing = append(missing, `"queue"`)
	}
	if req.Task == "" {
		missing = append(missing, `"task"`)
	}
	if len(missing) > 0 {
		writeError(w, http.StatusBadRequest, "missing or empty field "+strings.Join(missing, ", "))
		return
	}
	id := "task-" + strconv.FormatUint(s.nextID.Add(1), 10)
	s.tasks.add(id, s.now())
	w.Header().Set("Location", fmt.Sprintf("/api/v1/tasks/status/%s", id))
	writeJSON(w, http.StatusAccepted, enqueueResponse{TaskID: id, Queue: req.Queue, Task: req.Task})
}

// taskStatus handles GET /api/v1/tasks/status/{task_id}. A remembered task
// is "queued" until doneAfter has passed since it was enqueued, then "done".
func (s *server) taskStatus(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["task_id"]
	status := statusUnknown
	if at, ok := s.tasks.get(id); ok {
		status = statusQueued
		if s.now().Sub(at) >= s.doneAfter {
			status = statusDone
		}
	}
	writeJSON(w, http.StatusOK, statusResponse{TaskID: id, Status: status})
}
