package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/apiload/apiload/loadtesting"
)

// Routes renders discovered routes: "Discovered N routes" and a table of
// METHOD (coloured per verb), PATH, AUTH, PARAMS (only when some route has
// one) and TAGS, where a route that answers a stream of server-sent events
// (Route.Stream) is also tagged STREAM.
func Routes(w io.Writer, routes []loadtesting.Route, o Options) error {
	p := palette{on: o.Color}
	noun := "routes"
	if len(routes) == 1 {
		noun = "route"
	}
	if _, err := fmt.Fprintf(w, "Discovered %d %s\n", len(routes), noun); err != nil {
		return err
	}
	if len(routes) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	withParams := false
	for _, r := range routes {
		if len(r.Params) > 0 {
			withParams = true
		}
	}
	header := []string{"METHOD", "PATH", "AUTH"}
	if withParams {
		header = append(header, "PARAMS")
	}
	header = append(header, "TAGS")
	rows := make([][]string, 0, len(routes))
	for _, r := range routes {
		auth := ""
		if r.Auth {
			auth = p.yellow("yes")
		}
		row := []string{p.method(r.Method), r.Path, auth}
		if withParams {
			row = append(row, strings.Join(r.Params, ", "))
		}
		tags := make([]string, 0, len(r.Tags)+1)
		for _, tag := range r.Tags {
			tags = append(tags, clean(tag))
		}
		if r.Stream {
			tags = append(tags, p.paint("STREAM", color.FgCyan))
		}
		row = append(row, strings.Join(tags, ", "))
		rows = append(rows, row)
	}
	return table(w, header, rows)
}
