package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// conformanceMain is the conformance suite's entry point. The conformance
// package sets it (conformanceMain = conformance.Main) when it lands; it
// takes the arguments after "oidcp conformance" and returns the exit code.
var conformanceMain = func(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "oidcp conformance: the conformance suite is not built into this binary yet")
	return 2
}

func newConformanceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "conformance [flags]",
		Short: "Run the OIDC conformance suite against an OP over HTTP",
		// The suite parses its own flags.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := conformanceMain(args, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				return exitError{code: code}
			}
			return nil
		},
	}
}

// newPersonsCmd is the registration point for the person registry's
// commands; `persons import` comes with the registry's import API.
func newPersonsCmd() *cobra.Command {
	persons := &cobra.Command{Use: "persons", Short: "Manage the person registry"}
	persons.AddCommand(&cobra.Command{
		Use:   "import FILE",
		Short: "Import persons and relations (not available yet)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("persons import: not available yet")
		},
	})
	return persons
}
