package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

func TestResults_connectionsLine(t *testing.T) {
	tests := []struct {
		name   string
		m      loadtesting.Metrics
		want   string // "" means no Connections line
		absent string
	}{
		{"none recorded (in-process, or stored before the field): no line", loadtesting.Metrics{Requests: 10}, "", "Connections"},
		{"keep-alive held", loadtesting.Metrics{Requests: 1000, Connections: 4}, "Connections   4 opened\n", "one per request"},
		{"one per request", loadtesting.Metrics{Requests: 1000, Connections: 1000},
			"Connections   1000 opened (one per request: no connection was kept alive)\n", ""},
		{"as many requests as clients: no hint", loadtesting.Metrics{Requests: 4, Connections: 4}, "Connections   4 opened\n", "one per request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &loadtesting.Result{Schema: 1, ID: "01TEST", Method: "GET", Path: "/x", URL: "http://127.0.0.1:8080/x", Clients: 4, Metrics: tt.m}
			var b bytes.Buffer
			require.NoError(t, Results(&b, r, Options{Now: func() time.Time { return time.Unix(0, 0) }}))
			if tt.want != "" {
				assert.Contains(t, b.String(), tt.want)
			}
			if tt.absent != "" {
				assert.NotContains(t, b.String(), tt.absent)
			}
		})
	}
}
