package loadtesting

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResult_Redacted(t *testing.T) {
	r := &Result{
		Name: "GET /p?api_key=q-s3cr3t",
		Path: "/p?api_key=q-s3cr3t",
		URL:  "https://u:pw-s3cr3t@h/p?api_key=q-s3cr3t&key=AIza-s3cr3t",
		Config: RunConfig{
			Query:      url.Values{"api_key": {"q-s3cr3t"}, "auth": {"a-s3cr3t"}, "page": {"2"}},
			Headers:    http.Header{"Cookie": {"c-s3cr3t"}, "Accept": {"*/*"}},
			PathParams: map[string]string{"id": "7"},
		},
		Metrics: Metrics{Errors: []ErrorSample{{
			Kind:    "transport",
			Message: `Get "https://h/p?x=1;session_token=m-s3cr3t": EOF`,
			Body:    `{"error":"bad request","echo":"/p?password=b-s3cr3t"}`,
		}}},
	}
	got := r.Redacted()
	for what, s := range map[string]string{
		"Name": got.Name, "Path": got.Path, "URL": got.URL, "Config.Query": got.Config.Query.Encode(),
		"Config.Headers": got.Config.Headers.Get("Cookie"), "error message": got.Metrics.Errors[0].Message,
		"error body": got.Metrics.Errors[0].Body,
	} {
		assert.NotContains(t, s, "s3cr3t", "Redacted kept a secret in %s", what)
	}
	assert.Equal(t, "2", got.Config.Query.Get("page"), "what is no secret stays")
	assert.Equal(t, "*/*", got.Config.Headers.Get("Accept"), "what is no secret stays")
	assert.Equal(t, "https://u:xxxxx@h/p?api_key=xxxxx&key=xxxxx", got.URL)
	assert.Equal(t, Redacted, got.Config.Headers.Get("Cookie"))

	assert.Contains(t, r.URL, "pw-s3cr3t", "Redacted modified its receiver")
	got.Config.PathParams["id"] = "changed"
	assert.Equal(t, "7", r.Config.PathParams["id"], "Redacted shares a map with its receiver")
	assert.Nil(t, (*Result)(nil).Redacted())
}
