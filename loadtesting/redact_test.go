package loadtesting

import (
	"net/url"
	"strings"
	"testing"
)

func TestIsSensitiveHeader(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true},
		{"authorization", true},
		{"Proxy-Authorization", true},
		{"X-Upstream-Authorization", true}, // any name holding "authorization"
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-Api-Key", true},
		{"x_api_key", true}, // query parameters are often spelled so
		{"api_key", true},
		{"X-Auth-Token", true},
		{"access_token", true},
		{"My-SECRET", true},
		{"Authorization ", true}, // not canonical: still a secret
		{"Accept", false},
		{"Content-Type", false},
		{"page", false},
		{"X-Trace-Id", false},
	}
	for _, tt := range tests {
		if got := IsSensitiveHeader(tt.name); got != tt.want {
			t.Errorf("IsSensitiveHeader(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRedactRawQuery(t *testing.T) {
	red := url.QueryEscape(Redacted)
	tests := []struct {
		name, in, want string
	}{
		{"none", "page=2&sort=asc", "page=2&sort=asc"},
		{"token", "page=2&access_token=s3cr3t", "page=2&access_token=" + red},
		{"bad escape in the value", "access_token=s3cr3t%zz&b=1", "access_token=" + red + "&b=1"},
		{"';' separates too", "a=1;api_key=s3cr3t", "a=1;api_key=" + red},
		{"name that cannot be unescaped", "to%zzken=s3cr3t", "to%zzken=" + red},
		{"escaped name", "access%5Ftoken=s3cr3t", "access%5Ftoken=" + red},
		{"repeated", "token=a&token=b", "token=" + red + "&token=" + red},
		{"no value", "token&x=1", "token&x=1"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactRawQuery(tt.in); got != tt.want {
				t.Errorf("redactRawQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResult_Redacted(t *testing.T) {
	r := &Result{
		URL: "https://u:pw-s3cr3t@h/p?api_key=q-s3cr3t",
		Config: RunConfig{
			Query:   url.Values{"api_key": {"q-s3cr3t"}, "page": {"2"}},
			Headers: map[string][]string{"Cookie": {"c-s3cr3t"}, "Accept": {"*/*"}},
		},
		Metrics: Metrics{Errors: []ErrorSample{{Kind: "transport", Message: `Get "https://h/p?x=1;session_token=m-s3cr3t": EOF`}}},
	}
	got := r.Redacted()
	for _, s := range []string{got.URL, got.Config.Query.Encode(), got.Config.Headers.Get("Cookie"), got.Metrics.Errors[0].Message} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("Redacted kept a secret: %q", s)
		}
	}
	if got.Config.Query.Get("page") != "2" || got.Config.Headers.Get("Accept") != "*/*" || !strings.HasPrefix(got.URL, "https://u:xxxxx@h/p?") {
		t.Errorf("Redacted lost what is no secret: %+v", got)
	}
	if !strings.Contains(r.URL, "pw-s3cr3t") || r.Metrics.Errors[0].Message == got.Metrics.Errors[0].Message {
		t.Errorf("Redacted modified its receiver")
	}
	if (*Result)(nil).Redacted() != nil {
		t.Errorf("nil.Redacted() != nil")
	}
}
