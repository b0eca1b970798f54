package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newMigrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and print the schema version",
		Long: "migrate applies every pending migration to the database named by --dsn (idempotent;\n" +
			"serve also migrates at start) and prints {\"schema_version\": N}.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				v, err := schemaVersion(ctx, e.store)
				if err != nil {
					return fmt.Errorf("migrate: read schema version: %w", err)
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"schema_version": v, "dsn": redactDSN(e.cfg.DSN)})
			})
		},
	}
}
