// Package kubernetes_test checks the Kubernetes manifests in this
// directory against the Kubernetes API types.
package kubernetes_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestLoadtestJob decodes loadtest-job.yaml strictly (an unknown or
// misspelt field is an error) into a batch/v1 Job and checks what makes
// its pods the shards of one run.
func TestLoadtestJob(t *testing.T) {
	data, err := os.ReadFile("loadtest-job.yaml")
	require.NoError(t, err)
	var job batchv1.Job
	require.NoError(t, yaml.UnmarshalStrict(data, &job))

	assert.Equal(t, "batch/v1", job.APIVersion)
	assert.Equal(t, "Job", job.Kind)
	spec := job.Spec
	require.NotNil(t, spec.CompletionMode)
	assert.Equal(t, batchv1.IndexedCompletion, *spec.CompletionMode)
	require.NotNil(t, spec.Completions)
	require.NotNil(t, spec.Parallelism)
	assert.Equal(t, *spec.Completions, *spec.Parallelism, "every shard runs at once")
	assert.Equal(t, corev1.RestartPolicyNever, spec.Template.Spec.RestartPolicy)

	require.Len(t, spec.Template.Spec.Containers, 1)
	c := spec.Template.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	index := env["JOB_COMPLETION_INDEX"]
	require.NotNil(t, index.ValueFrom, "JOB_COMPLETION_INDEX from the pod")
	require.NotNil(t, index.ValueFrom.FieldRef)
	assert.Equal(t, "metadata.annotations['batch.kubernetes.io/job-completion-index']", index.ValueFrom.FieldRef.FieldPath)
	runID := env["RUN_ID"]
	require.NotNil(t, runID.ValueFrom, "RUN_ID from the Job's name")
	require.NotNil(t, runID.ValueFrom.FieldRef)
	assert.Equal(t, "metadata.labels['batch.kubernetes.io/job-name']", runID.ValueFrom.FieldRef.FieldPath)
	assert.Equal(t, strings.TrimSpace(env["SHARDS"].Value), itoa(*spec.Completions), "SHARDS is the completions")
	store := env["APILOAD_STORE"]
	require.NotNil(t, store.ValueFrom, "the store URL from a Secret")
	require.NotNil(t, store.ValueFrom.SecretKeyRef, "the store URL from a Secret")
	assert.Empty(t, store.Value, "no store URL (and password) in the manifest")

	assert.Equal(t, "run", c.Args[0])
	assert.Contains(t, c.Args, "--run-id=$(RUN_ID)")
	assert.Contains(t, c.Args, "--shard=$(JOB_COMPLETION_INDEX)/$(SHARDS)")
	assert.LessOrEqual(t, len(job.Name), 64, "the Job's name is the run id: at most 64 characters")
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
