package main

import (
	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/conformance"
)

// conformanceMain is the conformance suite's entry point: it takes the
// arguments after "oidcp conformance" and returns the exit code. The suite
// talks to the OP only over HTTP(S), so it judges any issuer, not just
// this binary's.
var conformanceMain = conformance.Main

func newConformanceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "conformance --issuer URL --client-config FILE [flags]",
		Short: "Run the OpenID Basic OP, Config OP and oidcp test plans against any OP",
		Long: "conformance runs the OpenID Foundation's Basic OP and Config OP test plans (same module\n" +
			"names and PASSED/WARNING/FAILED/SKIPPED semantics) and oidcp's own modules against an\n" +
			"issuer over HTTP(S), and prints a per-module table (--json FILE for the JSON report).\n" +
			"Run `oidcp conformance --help` for its flags; see docs/conformance.md.",
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
