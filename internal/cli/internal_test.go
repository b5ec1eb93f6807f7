package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		tty     bool
		noColor string
		term    string
		want    bool
	}{
		{true, "", "xterm-256color", true},
		{true, "1", "xterm-256color", false},
		{true, "anything", "", false},
		{true, "", "dumb", false},
		{false, "", "xterm-256color", false},
	}
	for _, tt := range tests {
		env := map[string]string{"NO_COLOR": tt.noColor, "TERM": tt.term}
		got := colorEnabled(tt.tty, func(k string) string { return env[k] })
		assert.Equal(t, tt.want, got, "colorEnabled(tty %v, NO_COLOR %q, TERM %q)", tt.tty, tt.noColor, tt.term)
	}
}

func TestParseRatio(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{"10%", 0.1, ""},
		{"0.1", 0.1, ""},
		{"0", 0, ""},
		{"0%", 0, ""},
		{"1", 1, ""},
		{"2.5 %", 0.025, ""},
		{"10", 0, "a bare number is a fraction (0.1 means 10%): write 10% for 10 percent"},
		{"-1%", 0, "must not be negative"},
		{"", 0, "want a percentage"},
		{"%", 0, "want a percentage"},
		{"ten", 0, "want a percentage"},
		{"Inf", 0, "want a percentage"},
	}
	for _, tt := range tests {
		got, err := parseRatio(tt.in)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, "parseRatio(%q)", tt.in)
			continue
		}
		if assert.NoError(t, err, "parseRatio(%q)", tt.in) {
			assert.Equal(t, tt.want, got, "parseRatio(%q)", tt.in)
		}
	}
}
