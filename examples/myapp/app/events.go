package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

type workerEvent struct {
	Seq    int       `json:"seq"`
	Worker string    `json:"worker"`
	Time   time.Time `json:"time"`
}

// workerStream handles GET /events/worker/stream: one server-sent event every
// s.tick until the client goes away, or until ?count=N events were sent.
func (s *server) workerStream(w http.ResponseWriter, r *http.Request) {
	count := 0 // 0 means until the client goes away
	if v := r.URL.Query().Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("count %q: must be a positive integer", v))
			return
		}
		count = n
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return // cannot stream through this writer
	}

	ctx := r.Context()
	ticker := time.NewTicker(s.tick)
	defer ticker.Stop()
	for seq := 1; count == 0 || seq <= count; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		data, err := json.Marshal(workerEvent{Seq: seq, Worker: "worker-1", Time: s.now().UTC()})
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
