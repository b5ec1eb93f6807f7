package format

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{850 * time.Nanosecond, "850ns"},
		{412 * time.Microsecond, "412µs"},
		{1500 * time.Nanosecond, "1.50µs"},
		{8100 * time.Microsecond, "8.10ms"},
		{23400 * time.Microsecond, "23.4ms"},
		{41 * time.Millisecond, "41ms"},
		{1200 * time.Millisecond, "1.20s"},
		{97 * time.Second, "97s"},
		{-5 * time.Millisecond, "-5.00ms"},
		{math.MinInt64, "-9223372037s"}, // was "--9223372036854775808ns"
		{math.MaxInt64, "9223372037s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Duration(tt.in), "Duration(%v)", tt.in)
	}
}

func TestPercentRateMillis(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"zero percent", Percent(0), "0%"},
		{"small percent", Percent(0.0042), "0.42%"},
		{"quarter", Percent(0.25), "25.0%"},
		{"all", Percent(1), "100.0%"},
		{"big rate", Rate(12345.6), "12346"},
		{"small rate", Rate(12.34), "12.3"},
		{"millis", Millis(23400 * time.Microsecond), "23.4"},
		{"sub-ms", Millis(250 * time.Microsecond), "0.25"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got, tt.name)
	}
}
