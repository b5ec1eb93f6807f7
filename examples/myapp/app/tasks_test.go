package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnqueue_badRequest(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantErr    string // substring of the "error" value
	}{
		{"not JSON", "queue=emails", 400, "invalid JSON body: invalid character 'q'"},
		{"truncated JSON", `{"queue":"emails"`, 400, "invalid JSON body: unexpected EOF"},
		{"empty body", "", 400, "invalid JSON body: request body is empty"},
		{"array instead of object", `["emails","send"]`, 400, "invalid JSON body: cannot unmarshal array"},
		{"queue not a string", `{"queue":5,"task":"send"}`, 400, "queue"},
		{"missing queue", `{"task":"send"}`, 400, `missing or empty field "queue"`},
		{"missing task", `{"queue":"emails"}`, 400, `missing or empty field "task"`},
		{"empty queue", `{"queue":"","task":"send"}`, 400, `missing or empty field "queue"`},
		{"both missing", `{}`, 400, `missing or empty field "queue", "task"`},
		{"null fields", `{"queue":null,"task":null}`, 400, `missing or empty field "queue", "task"`},
		{"body too large", `{"queue":"` + strings.Repeat("q", maxBodyBytes) + `","task":"send"}`, 413, "request body larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Router()
			rec := serve(t, h, http.MethodPost, "/api/v1/tasks/enqueue", tt.body, "")
			assert.Equal(t, tt.wantStatus, rec.Code, "status; body %s", rec.Body)
			got := decodeBody(t, rec)
			msg, _ := got["error"].(string)
			assert.Contains(t, msg, tt.wantErr, "body %s: the error", rec.Body)
			assert.Len(t, got, 1, "body %s: want only an error", rec.Body)
			// A rejected request must not create a task.
			assert.Equal(t, statusUnknown, taskStatus(t, h, "task-1"), "status of task-1 after a rejected enqueue")
		})
	}
}

func TestEnqueue_response(t *testing.T) {
	h := Router()
	for i := 1; i <= 2; i++ {
		rec := serve(t, h, http.MethodPost, "/api/v1/tasks/enqueue", `{"queue":"emails","task":"send-welcome"}`, "")
		require.Equal(t, http.StatusAccepted, rec.Code, "enqueue %d: status; body %s", i, rec.Body)
		id := fmt.Sprintf("task-%d", i)
		want := map[string]any{"task_id": id, "queue": "emails", "task": "send-welcome"}
		if diff := cmp.Diff(want, decodeBody(t, rec)); diff != "" {
			t.Errorf("enqueue %d body (-want +got):\n%s", i, diff)
		}
		assert.Equal(t, "/api/v1/tasks/status/"+id, rec.Header().Get("Location"), "enqueue %d: Location", i)
	}
}

// taskStatus asks h for the status of id and returns it, checking the rest of the response.
func taskStatus(t testing.TB, h http.Handler, id string) string {
	t.Helper()
	rec := serve(t, h, http.MethodGet, "/api/v1/tasks/status/"+id, "", "")
	require.Equal(t, http.StatusOK, rec.Code, "status of %s: HTTP status; body %s", id, rec.Body)
	got := decodeBody(t, rec)
	assert.Equal(t, id, got["task_id"], "status of %s: body %s: task_id", id, rec.Body)
	assert.Len(t, got, 2, "status of %s: body %s: want task_id and status only", id, rec.Body)
	st, _ := got["status"].(string)
	return st
}

// fakeClock is a clock that moves only when told. It is safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTaskStatus(t *testing.T) {
	tests := []struct {
		name    string
		enqueue int           // tasks to enqueue before asking
		advance time.Duration // clock step after enqueueing
		askNth  int           // ask for the id of the Nth task enqueued, from 1; 0 means askID
		askID   string
		want    string
	}{
		{"just enqueued", 1, 0, 1, "", "queued"},
		{"just before doneAfter", 1, 2*time.Second - time.Nanosecond, 1, "", "queued"},
		{"at doneAfter", 1, 2 * time.Second, 1, "", "done"},
		{"never enqueued", 1, 0, 0, "task-999", "unknown"},
		{"arbitrary id", 0, 0, 0, "anything", "unknown"},
		{"oldest forgotten past maxTasks", 4, 0, 1, "", "unknown"},
		{"second oldest kept at maxTasks", 4, 0, 2, "", "queued"},
		{"newest kept past maxTasks", 4, 0, 4, "", "queued"},
		{"ring wraps twice", 7, 0, 4, "", "unknown"},
		{"ring wraps twice, newest", 7, 0, 7, "", "queued"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			h := newRouter(options{now: clock.now, maxTasks: 3})
			var ids []string
			for range tt.enqueue {
				ids = append(ids, enqueueTask(t, h))
			}
			clock.advance(tt.advance)
			id := tt.askID
			if tt.askNth > 0 {
				id = ids[tt.askNth-1]
			}
			assert.Equal(t, tt.want, taskStatus(t, h, id), "status of %s", id)
		})
	}
}

func TestTaskStatus_router(t *testing.T) {
	h := Router()
	id := enqueueTask(t, h)
	assert.Equal(t, statusQueued, taskStatus(t, h, id), "status of %s right after enqueue", id)
	assert.Equal(t, statusUnknown, taskStatus(t, Router(), id), "status of %s on another Router", id)
}

func TestEnqueue_concurrent(t *testing.T) {
	const goroutines, perGoroutine = 50, 20
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	h := newRouter(options{now: clock.now})

	var (
		mu   sync.Mutex
		ids  []string
		errs []string
		wg   sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				body := fmt.Sprintf(`{"queue":"q%d","task":"t%d"}`, g, i)
				rec := serve(t, h, http.MethodPost, "/api/v1/tasks/enqueue", body, "")
				// Only the test goroutine may stop the test, so record problems.
				var got struct {
					TaskID string `json:"task_id"`
				}
				err := json.Unmarshal(rec.Body.Bytes(), &got)
				mu.Lock()
				switch {
				case rec.Code != http.StatusAccepted || err != nil || got.TaskID == "":
					errs = append(errs, fmt.Sprintf("goroutine %d enqueue %d: status %d, body %s", g, i, rec.Code, rec.Body))
				default:
					ids = append(ids, got.TaskID)
				}
				mu.Unlock()
				// Read while others write, to give the race detector something to see.
				serve(t, h, http.MethodGet, "/api/v1/tasks/status/task-1", "", "")
			}
		})
	}
	wg.Wait()
	assert.Empty(t, errs, "failed enqueues")

	assert.Len(t, ids, goroutines*perGoroutine, "task ids")
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "task id %s issued twice", id)
		seen[id] = true
		assert.Equal(t, statusQueued, taskStatus(t, h, id), "status of %s", id)
	}
}
