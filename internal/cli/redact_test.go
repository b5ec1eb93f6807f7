package cli_test

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/store"
	"github.com/apiload/apiload/loadtesting"
)

// TestJSON_hidesSecretsOfOldRuns reads a run that was stored without
// today's redaction (written straight to the file backend, as an older
// apiload could have saved it): results --json and recent --json must not
// print its secrets.
func TestJSON_hidesSecretsOfOldRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	b, err := store.NewFile(dir)
	require.NoError(t, err)
	r := loadtesting.Result{
		Schema: loadtesting.SchemaVersion, ID: "01OLDRUN0000000000000000AA", Method: "GET", Path: "/me",
		URL:       "/me?api_key=s3cr3t-key",
		StartedAt: time.Now().UTC().Add(-time.Minute),
		Config:    loadtesting.RunConfig{Query: url.Values{"api_key": {"s3cr3t-key"}}},
		Metrics: loadtesting.Metrics{Requests: 1, Failed: 1, Errors: []loadtesting.ErrorSample{
			{Kind: "transport", Message: `Get "https://h/me?x=1;auth_token=s3cr3t-tok": EOF`}}},
	}
	data, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, b.Put(t.Context(), store.Record{ID: r.ID, StartedAt: r.StartedAt, Data: data}))
	storeURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	for _, args := range [][]string{{"results", r.ID, "--json"}, {"recent", "--json"}, {"results", r.ID}} {
		o := loadreport(t, false, append([]string{"--store", storeURL}, args...)...)
		require.Equal(t, 0, o.code, "%v: %s", args, o)
		require.Contains(t, o.stdout, r.ID, "%v", args)
		assert.NotContains(t, o.stdout+o.stderr, "s3cr3t", "%v prints a secret of a stored run", args)
	}
}
