package loadtesting_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// TestExec_connections checks Metrics.Connections: at most one connection
// per client while the server keeps them open (a client that never got a
// request opens none), one per request when it closes every one, none
// in-process; and that the count survives JSON.
func TestExec_connections(t *testing.T) {
	keep := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	closeEach := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusNoContent)
	})
	tests := []struct {
		name     string
		h        http.Handler
		overHTTP bool
		min, max int64 // connections
	}{
		{"keep-alive: one per client", keep, true, 1, 3},
		{"server closes every connection: one per request", closeEach, true, 30, 30},
		{"in-process: none", keep, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadtesting.Config{Requests: 30, Clients: 3}
			h := tt.h
			if tt.overHTTP {
				srv := httptest.NewServer(tt.h)
				t.Cleanup(srv.Close)
				cfg.BaseURL, h = srv.URL, nil
			}
			res, err := loadtesting.Exec(t.Context(), h, cfg)
			require.NoError(t, err)
			assert.Equal(t, int64(0), res.Metrics.Failed, "failures: %+v", res.Metrics.Errors)
			assert.GreaterOrEqual(t, res.Metrics.Connections, tt.min)
			assert.LessOrEqual(t, res.Metrics.Connections, tt.max)

			data, err := json.Marshal(res)
			require.NoError(t, err)
			var back loadtesting.Result
			require.NoError(t, json.Unmarshal(data, &back))
			assert.Equal(t, res.Metrics.Connections, back.Metrics.Connections, "after a JSON round trip")
		})
	}
}
