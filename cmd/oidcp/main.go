package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	// SIGINT and SIGTERM cancel the context: serve shuts down gracefully,
	// other commands abort their database work.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries an exit code other than 1 out of a command.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	// Multi-line errors (every problem of a config or a registration)
	// are indented under the first line.
	fmt.Fprintln(stderr, "oidcp:", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	return 1
}

// newRootCmd builds the command tree. Output goes to the given writers so
// tests can read it.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "oidcp",
		Short: "oidcp is an OpenID Connect Provider that federates ID-porten",
		Long: "oidcp is an OpenID Connect Provider and consent broker that federates ID-porten.\n\n" +
			"Settings come from flags, OIDCP_* environment variables and a YAML config file\n" +
			"(--config), in that order of precedence. See config.example.yaml.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	addConfigFlags(root.PersistentFlags())
	root.AddCommand(
		newServeCmd(),
		newMigrateCmd(),
		newClientsCmd(),
		newResourcesCmd(),
		newConsentCmd(),
		newKeysCmd(),
		newVersionCmd(),
		newConformanceCmd(),
		newPersonsCmd(),
		newSandboxCmd(),
	)
	return root
}
