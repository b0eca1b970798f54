package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/registry"
)

func newPersonsCmd() *cobra.Command {
	persons := &cobra.Command{Use: "persons", Short: "Manage the person and relation registry"}
	persons.AddCommand(newPersonsImportCmd())
	return persons
}

func newPersonsImportCmd() *cobra.Command {
	var dryRun bool
	var into string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import persons and relations from a JSON document (- reads stdin)",
		Long: "import validates every record of the document (docs/registry-import.md) and applies\n" +
			"all of them in one transaction, or none when any record is invalid: then every\n" +
			"problem is listed by record and field and the exit status is 1. Importing the same\n" +
			"document again changes nothing. The output is the number of persons and relations\n" +
			"created, updated and unchanged, as JSON. --dry-run checks and counts against the\n" +
			"registry but imports nothing.\n\n" +
			"--registry names the registry to import into (default main): one that a configured\n" +
			"tenant reads (tenants[].registry). The synthetic registry, which the sandbox and every\n" +
			"tenant behind the ID-porten mock read, accepts only synthetic numbers.",
		Example: `  oidcp persons import registry.json
  curl -s https://register.example/export | oidcp persons import -
  oidcp persons import --registry synthetic testdata.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := readImportFile(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			if err := registry.CheckName(into); err != nil {
				return fmt.Errorf("persons import: --registry: %w", err)
			}
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if known := e.cfg.registries(); !slices.Contains(known, into) {
					return fmt.Errorf("persons import: --registry: no tenant reads the registry %q; the configured tenants read %s (set tenants[].registry, or name one of those)", into, strings.Join(known, ", "))
				}
				run := registry.Import
				if dryRun {
					run = registry.DryRun
				}
				res, err := run(ctx, e.store, into, doc, time.Now())
				if err != nil {
					return fmt.Errorf("persons import %s: %w", args[0], err)
				}
				return writeJSON(cmd.OutOrStdout(), res)
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate and count against the registry, import nothing")
	cmd.Flags().StringVar(&into, "registry", registry.Main, "the registry to import into: one a tenant reads (tenants[].registry); synthetic accepts only synthetic numbers")
	return cmd
}

// readImportFile reads and decodes the document before any database work,
// so a malformed file fails fast.
func readImportFile(path string, stdin io.Reader) (registry.Document, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return registry.Document{}, fmt.Errorf("persons import: %w", err)
		}
		defer f.Close()
		r = f
	}
	doc, err := registry.Decode(r)
	if err != nil {
		return registry.Document{}, fmt.Errorf("persons import %s: %w", path, err)
	}
	return doc, nil
}
