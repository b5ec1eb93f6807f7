package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSucceeded(t *testing.T) {
	tests := []struct {
		name   string
		status int
		expect []int
		want   bool
	}{
		{"200 by default", 200, nil, true},
		{"399 by default", 399, nil, true},
		{"199 by default", 199, nil, false},
		{"400 by default", 400, nil, false},
		{"503 by default", 503, nil, false},
		{"no response by default", 0, nil, false},
		{"empty expect is the default", 204, []int{}, true},
		{"listed", 503, []int{200, 503}, true},
		{"not listed, though 2xx", 204, []int{200, 503}, false},
		{"no response, not listed", 0, []int{200}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Succeeded(tt.status, tt.expect))
		})
	}
}
