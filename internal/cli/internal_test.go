package cli

import (
	"strings"
	"testing"
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
		if got := colorEnabled(tt.tty, func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("colorEnabled(tty %v, NO_COLOR %q, TERM %q) = %v, want %v", tt.tty, tt.noColor, tt.term, got, tt.want)
		}
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
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("parseRatio(%q): %v", tt.in, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("parseRatio(%q) error = %v, want %q", tt.in, err, tt.wantErr)
		case err == nil && got != tt.want:
			t.Errorf("parseRatio(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
