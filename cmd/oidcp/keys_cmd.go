package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/keys"
)

func newKeysCmd() *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "List and rotate tenants' signing keys (JSON output)"}
	c.AddCommand(newKeysListCmd(), newKeysRotateCmd())
	return c
}

// keyOptions are the key manager's options derived from the token
// lifetimes: a retired key stays published as long as anything it signed
// can still be presented.
func (c Config) keyOptions() keys.Options {
	return keys.Options{MaxSignedLifetime: max(keys.DefaultMaxSignedLifetime, c.IDTokenLifetime, c.AccessTokenLifetime)}
}

// loadKEK returns the configured KEK, or in dev mode the dev KEK file
// under the data directory (created on first use).
func (c Config) loadKEK() ([]byte, error) {
	if c.KEK != "" {
		k, err := keys.ParseKEK(c.KEK)
		if err != nil {
			return nil, fmt.Errorf("kek: %w", err)
		}
		return k, nil
	}
	if !c.Dev {
		// Validate reports this first; kept as a guard for callers that skip it.
		return nil, fmt.Errorf("kek: is required outside dev mode; generate one with `openssl rand -base64 32` and set OIDCP_KEK")
	}
	return keys.LoadOrCreateDevKEK(devKEKPath(c.DataDir))
}

// keyTenants returns the tenants a keys command works on: the one named,
// or every configured tenant.
func keyTenants(cfg Config, tenant string) ([]string, error) {
	if tenant == "" {
		return cfg.tenantNames(), nil
	}
	if _, err := cfg.tenant(tenant); err != nil {
		return nil, fmt.Errorf("--tenant: %w", err)
	}
	return []string{tenant}, nil
}

// withKeys runs fn with a key manager over the configured store.
func withKeys(cmd *cobra.Command, fn func(ctx context.Context, e *commandEnv, km *keys.Manager) error) error {
	return withEnv(cmd, needs{kek: true}, func(ctx context.Context, e *commandEnv) error {
		kek, err := e.cfg.loadKEK()
		if err != nil {
			return err
		}
		opts := e.cfg.keyOptions()
		opts.Now = time.Now
		return fn(ctx, e, keys.New(e.store, kek, opts))
	})
}

func newKeysListCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List signing keys and their state (next, active, retired, expired) per tenant",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withKeys(cmd, func(ctx context.Context, e *commandEnv, km *keys.Manager) error {
				names, err := keyTenants(e.cfg, tenant)
				if err != nil {
					return err
				}
				return printKeys(ctx, cmd.OutOrStdout(), km, names)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant (default: all)")
	return cmd
}

func newKeysRotateCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Schedule the next signing key; it is published now and signs after the publish lead",
		Long: "rotate creates, for every alg, a next key that is published in JWKS at once and starts\n" +
			"signing after the publish lead (10m), so verifiers' caches pick it up first. The current\n" +
			"key retires then and stays published until what it signed has expired. Running it again\n" +
			"within the lead keeps the scheduled key. Prints every key of the rotated tenants.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withKeys(cmd, func(ctx context.Context, e *commandEnv, km *keys.Manager) error {
				names, err := keyTenants(e.cfg, tenant)
				if err != nil {
					return err
				}
				for _, t := range names {
					// A tenant that never served has no key to succeed;
					// give it one first so the rotation has something to retire.
					if err := km.EnsureKeys(ctx, t); err != nil {
						return err
					}
					if _, err := km.Rotate(ctx, t); err != nil {
						return err
					}
				}
				return printKeys(ctx, cmd.OutOrStdout(), km, names)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant (default: all)")
	return cmd
}

// printKeys writes every key of the tenants as JSON, by tenant; a tenant
// without keys shows [] rather than null.
func printKeys(ctx context.Context, w io.Writer, km *keys.Manager, tenants []string) error {
	out := map[string][]keys.KeyInfo{}
	for _, t := range tenants {
		ks, err := km.List(ctx, t)
		if err != nil {
			return err
		}
		if ks == nil {
			ks = []keys.KeyInfo{}
		}
		out[t] = ks
	}
	return writeJSON(w, out)
}
