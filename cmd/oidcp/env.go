package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/storage"
)

// commandEnv is what most subcommands start from: validated configuration
// and an open, migrated store.
type commandEnv struct {
	cfg   Config
	store storage.Storage
}

// setup loads and validates the configuration (as much as n says the
// command needs) and opens and migrates the store. The caller closes
// env.store.
func setup(cmd *cobra.Command, n needs) (*commandEnv, error) {
	cfg, err := loadConfig(cmd.Flags())
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(n); err != nil {
		return nil, err
	}
	ctx := cmd.Context()
	store, err := openStore(ctx, cfg.DSN)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &commandEnv{cfg: cfg, store: store}, nil
}

func (e *commandEnv) close() { _ = e.store.Close() }

// withEnv runs fn with a set-up environment and closes it afterwards.
func withEnv(cmd *cobra.Command, n needs, fn func(ctx context.Context, e *commandEnv) error) error {
	e, err := setup(cmd, n)
	if err != nil {
		return err
	}
	defer e.close()
	return fn(cmd.Context(), e)
}
