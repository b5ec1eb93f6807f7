package format

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatuses(t *testing.T) {
	tests := []struct {
		name   string
		counts map[int]int64
		keep   func(int) bool
		want   string
	}{
		{"nil", nil, nil, ""},
		{"one", map[int]int64{200: 500}, nil, "500×200"},
		{"ascending by status", map[int]int64{503: 2, 0: 3, 200: 498}, nil, "3×no response, 498×200, 2×503"},
		{"kept only", map[int]int64{503: 2, 0: 3, 200: 498}, func(c int) bool { return c != 200 }, "3×no response, 2×503"},
		{"none kept", map[int]int64{200: 1}, func(int) bool { return false }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Statuses(tt.counts, tt.keep))
		})
	}
}
