package cli

import "github.com/apiload/apiload/loadtesting"

// Config exposes RunOptions.config to package cli_test: the Config that
// the flags a runF received translate to.
func (o *RunOptions) Config() (loadtesting.Config, error) { return o.config() }
