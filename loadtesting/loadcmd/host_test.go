package loadcmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/mux"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
	"github.com/apiload/apiload/loadtesting/loadcmd"
)

// TestNew_hostHooks mounts the command under a host root with persistent
// pre-run hooks: the host's nearest hook still runs, once, before the
// subcommand, and its error stops it.
func TestNew_hostHooks(t *testing.T) {
	errHost := errors.New("host config unreadable")
	tests := []struct {
		name     string
		hooks    func(root, group *cobra.Command, calls *[]string) // installs the host's hooks
		wantCode int
		want     []string // the hooks called, as "hook:command"
		wantRun  bool     // whether the run reached the handler
	}{
		{"no host hook", func(*cobra.Command, *cobra.Command, *[]string) {}, 0, nil, true},
		{"root PersistentPreRunE", func(root, _ *cobra.Command, calls *[]string) {
			root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
				*calls = append(*calls, "root:"+c.Name())
				return nil
			}
		}, 0, []string{"root:run"}, true},
		{"root PersistentPreRun", func(root, _ *cobra.Command, calls *[]string) {
			root.PersistentPreRun = func(c *cobra.Command, _ []string) { *calls = append(*calls, "root:"+c.Name()) }
		}, 0, []string{"root:run"}, true},
		{"the nearest hook, as cobra runs it", func(root, group *cobra.Command, calls *[]string) {
			root.PersistentPreRun = func(c *cobra.Command, _ []string) { *calls = append(*calls, "root:"+c.Name()) }
			group.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
				*calls = append(*calls, "group:"+c.Name())
				return nil
			}
		}, 0, []string{"group:run"}, true},
		{"the host's error stops the command", func(root, _ *cobra.Command, calls *[]string) {
			root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
				*calls = append(*calls, "root:"+c.Name())
				return errHost
			}
		}, 1, []string{"root:run"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			h := &recorder{}
			root := &cobra.Command{Use: "my-app"}
			group := &cobra.Command{Use: "tools"}
			group.AddCommand(loadcmd.New(h, loadcmd.WithStore("none")))
			root.AddCommand(group)
			tt.hooks(root, group, &calls)

			var out, errOut bytes.Buffer
			code := loadcmd.Execute(t.Context(), root, []string{"tools", "api-load-test", "run", "/x", "--in-process", "-n", "3", "--json"},
				strings.NewReader(""), &out, &errOut)
			require.Equal(t, tt.wantCode, code, "exit status; stderr:\n%s", errOut.String())
			assert.Equal(t, tt.want, calls, "host hooks called")
			assert.Equal(t, tt.wantRun, len(h.seen()) > 0, "the run reached the handler")
			if tt.wantRun {
				assert.Contains(t, out.String(), `"requests": 3`, "the command writes to the host's streams")
			} else {
				assert.Contains(t, errOut.String(), "Error: "+errHost.Error())
			}
		})
	}
}

// probedApp is a router whose /private answers 401 without credentials and
// /guarded 200 (its auth middleware is invisible to discovery); probes
// counts the requests each path served.
func probedApp(probes *atomic.Int64) *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/private", func(w http.ResponseWriter, _ *http.Request) {
		probes.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}).Methods("GET")
	r.HandleFunc("/guarded/me", func(w http.ResponseWriter, _ *http.Request) { probes.Add(1) }).Methods("GET")
	return r
}

// TestList_routeOptions checks that WithRouteOptions reaches discovery
// (AuthPaths marks, NoProbe sends nothing) and that --no-probe sends
// nothing either.
func TestList_routeOptions(t *testing.T) {
	tests := []struct {
		name       string
		opts       []loadcmd.Option
		args       []string
		wantAuth   map[string]bool // path → Auth
		wantProbes int64
	}{
		{"default: probe every GET route", nil, nil, map[string]bool{"/guarded/me": false, "/private": true}, 2},
		{"AuthPaths", []loadcmd.Option{loadcmd.WithRouteOptions(loadtesting.RouteOptions{AuthPaths: []string{"/guarded"}})}, nil,
			map[string]bool{"/guarded/me": true, "/private": true}, 1},
		{"NoProbe", []loadcmd.Option{loadcmd.WithRouteOptions(loadtesting.RouteOptions{NoProbe: true})}, nil,
			map[string]bool{"/guarded/me": false, "/private": false}, 0},
		{"--no-probe", nil, []string{"--no-probe"}, map[string]bool{"/guarded/me": false, "/private": false}, 0},
		{"--no-probe and AuthPaths", []loadcmd.Option{loadcmd.WithRouteOptions(loadtesting.RouteOptions{AuthPaths: []string{"/guarded/"}})}, []string{"--no-probe"},
			map[string]bool{"/guarded/me": true, "/private": false}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var probes atomic.Int64
			o := apiLoadTest(t, probedApp(&probes), tt.opts, append([]string{"list", "--json"}, tt.args...)...)
			require.Equal(t, 0, o.code, "%v", o)
			var routes []struct {
				Path string `json:"path"`
				Auth bool   `json:"auth"`
			}
			require.NoError(t, json.Unmarshal([]byte(o.stdout), &routes), "stdout:\n%s", o.stdout)
			got := map[string]bool{}
			for _, r := range routes {
				got[r.Path] = r.Auth
			}
			assert.Equal(t, tt.wantAuth, got, "Auth by path")
			assert.Equal(t, tt.wantProbes, probes.Load(), "requests discovery sent")
		})
	}

	t.Run("bad AuthPaths", func(t *testing.T) {
		var probes atomic.Int64
		o := apiLoadTest(t, probedApp(&probes), []loadcmd.Option{loadcmd.WithRouteOptions(loadtesting.RouteOptions{AuthPaths: []string{"users"}})}, "list")
		assert.Equal(t, 1, o.code, "%v", o)
		assert.EqualError(t, o.err, `routes: RouteOptions.AuthPaths[0] "users": must start with "/"`)
	})
}

// TestList_help checks that list's help says what discovery sends.
func TestList_help(t *testing.T) {
	o := apiLoadTest(t, testRouter(), nil, "list", "--help")
	require.Equal(t, 0, o.code, "%v", o)
	for _, want := range []string{
		"discovery sends one unauthenticated GET to each route",
		"Give --no-probe to send none",
		"A route tagged STREAM answers a stream of server-sent events (text/event-stream): load it with 'run --stream-for 2s' or '--stream-events 10'",
		"--no-probe ",
	} {
		assert.Contains(t, strings.Join(strings.Fields(o.stdout), " "), want)
	}
}
