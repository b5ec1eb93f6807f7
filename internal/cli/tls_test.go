package cli_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/testcert"
)

// TestRun_TLS runs both CLIs (loadreport's `run URL` and an app's `run
// PATH --base-url`) against HTTPS servers with a self-signed certificate,
// one of which demands a client certificate. --insecure, --ca-cert and the
// client-cert pair each make every request succeed; without them each
// request fails with a message naming the cause, and a hint names the flag.
func TestRun_TLS(t *testing.T) {
	client := testcert.NewClient(t, "load-generator")
	plain := testcert.NewServer(t, okHandler, testcert.Options{HTTP2: true})
	mutual := testcert.NewServer(t, okHandler, testcert.Options{ClientCA: client})
	plainCA, mutualCA := testcert.ServerCAFile(t, plain), testcert.ServerCAFile(t, mutual)
	certFile, keyFile := client.Files(t)

	tests := []struct {
		name     string
		srv      *httptest.Server
		args     []string
		wantOut  []string // in stdout
		wantErr  []string // in stderr
		warnings int      // lines of stderr starting "warning:"
	}{
		{"no flags: untrusted certificate", plain, nil,
			[]string{"Failed        20 (100.0%)", "transport  tls: failed to verify certificate: x509: certificate signed by unknown authority"},
			[]string{"hint: the server's certificate is not trusted: give its CA with --ca-cert FILE, or skip verification with --insecure"}, 0},
		{"--insecure", plain, []string{"--insecure"},
			[]string{"Succeeded     20 (100.0%)", "(over HTTP/1.1)"},
			[]string{"warning: --insecure: the certificate of " + plain.URL + " is not verified"}, 1},
		{"--ca-cert", plain, []string{"--ca-cert", plainCA},
			[]string{"Succeeded     20 (100.0%)", "(over HTTP/1.1)"}, nil, 0},
		{"--ca-cert --http2", plain, []string{"--ca-cert", plainCA, "--http2"},
			[]string{"Succeeded     20 (100.0%)", "(over HTTP/2.0)"}, nil, 0},
		{"--client net/http over https", plain, []string{"--ca-cert", plainCA, "--client", "net/http"},
			[]string{"Succeeded     20 (100.0%)", "(over HTTP/1.1)"}, nil, 0},
		{"client certificate", mutual, []string{"--ca-cert", mutualCA, "--client-cert", certFile, "--client-key", keyFile},
			[]string{"Succeeded     20 (100.0%)", "(over HTTP/1.1)"}, nil, 0},
		{"client certificate missing", mutual, []string{"--ca-cert", mutualCA},
			[]string{"Failed        20 (100.0%)", "transport  remote error: tls: certificate required"},
			[]string{"hint: the server asks for a client certificate: give one with --client-cert FILE --client-key FILE"}, 0},
	}
	for _, tt := range tests {
		for _, app := range []bool{false, true} {
			name := tt.name + ", loadreport run URL"
			if app {
				name = tt.name + ", app run PATH"
			}
			t.Run(name, func(t *testing.T) {
				store := fileStore(t)
				var o outcome
				if app {
					args := append([]string{"/health/", "--base-url", tt.srv.URL, "-n", "20", "-c", "2"}, tt.args...)
					o = appRun(t, cli.RunTarget{Handler: okHandler}, store, false, args...)
				} else {
					args := append([]string{"run", tt.srv.URL + "/health/", "-n", "20", "-c", "2", "--store", store}, tt.args...)
					o = loadreport(t, false, args...)
				}
				require.Equal(t, 0, o.code, "%v", o)
				for _, w := range tt.wantOut {
					assert.Contains(t, o.stdout, w)
				}
				for _, w := range tt.wantErr {
					assert.Contains(t, o.stderr, w)
				}
				warnings := 0
				for line := range strings.Lines(o.stderr) {
					if strings.HasPrefix(line, "warning:") {
						warnings++
					}
				}
				assert.Equal(t, tt.warnings, warnings, "warning lines on stderr:\n%s", o.stderr)
				if len(tt.wantErr) == 0 {
					assert.NotContains(t, o.stderr, "hint:")
				}
			})
		}
	}
}

// TestRun_clientNetHTTP checks that --client net/http sends an http://
// run through net/http's client: the server sees net/http's User-Agent
// instead of the lean client's.
func TestRun_clientNetHTTP(t *testing.T) {
	agents := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents <- r.UserAgent()
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		client, wantAgent string
	}{
		{"lean", "apiload"},
		{"net/http", "Go-http-client/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			o := loadreport(t, false, "run", srv.URL+"/", "-n", "10", "-c", "2", "--client", tt.client, "--store", fileStore(t))
			require.Equal(t, 0, o.code, "%v", o)
			assert.Contains(t, o.stdout, "Succeeded     10 (100.0%)")
			assert.Contains(t, o.stdout, "(over HTTP/1.1)")
			for range 10 {
				assert.Equal(t, tt.wantAgent, <-agents)
			}
		})
	}
}

// TestRunConfig_TLS checks the TLS settings the TLS flags give.
func TestRunConfig_TLS(t *testing.T) {
	client := testcert.NewClient(t, "load-generator")
	caFile := testcert.WriteFile(t, "ca.pem", client.CertPEM)
	certFile, keyFile := client.Files(t)
	const url = "https://127.0.0.1:8443/"
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, c *tls.Config)
	}{
		{"none", []string{url}, func(t *testing.T, c *tls.Config) { assert.Nil(t, c) }},
		{"--insecure", []string{url, "--insecure"}, func(t *testing.T, c *tls.Config) {
			require.NotNil(t, c)
			assert.True(t, c.InsecureSkipVerify)
			assert.Nil(t, c.RootCAs)
		}},
		{"--ca-cert", []string{url, "--ca-cert", caFile}, func(t *testing.T, c *tls.Config) {
			require.NotNil(t, c)
			assert.False(t, c.InsecureSkipVerify)
			assert.True(t, c.RootCAs.Equal(client.Pool()), "RootCAs hold just the file's certificate")
		}},
		{"client pair", []string{url, "--client-cert", certFile, "--client-key", keyFile}, func(t *testing.T, c *tls.Config) {
			require.NotNil(t, c)
			require.Len(t, c.Certificates, 1)
			assert.Equal(t, client.TLS(t).Certificate, c.Certificates[0].Certificate)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parsedConfig(t, false, cli.RunTarget{}, tt.args)
			require.NoError(t, err)
			tt.check(t, cfg.TLS)
		})
	}
}
