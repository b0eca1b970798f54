package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/registration"
	"github.com/oidcp/oidcp/storage"
)

func newSandboxCmd() *cobra.Command {
	c := &cobra.Command{Use: "sandbox", Short: "Hand vendors initial access tokens for self-service registration (JSON output)"}
	c.AddCommand(newSandboxTokenCmd(), newSandboxRevokeCmd(), newSandboxTokensCmd())
	return c
}

// defaultTokenExpiry is how long an initial access token lasts unless
// --expires says otherwise.
const defaultTokenExpiry = 90 * 24 * time.Hour

// issuedToken is `sandbox token`'s output; the token is shown this once.
type issuedToken struct {
	storage.InitialAccessToken
	Token                string `json:"initial_access_token"`
	RegistrationEndpoint string `json:"registration_endpoint"`
}

func newSandboxTokenCmd() *cobra.Command {
	var tenant, vendor, expires string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Issue a vendor's initial access token (replaces the vendor's earlier one)",
		Long: "token issues the initial access token a vendor sends to the tenant's registration\n" +
			"endpoint (RFC 7591) to register its tools. Each vendor has one per tenant: a new one\n" +
			"replaces the old. It is printed once; only its hash is stored.",
		Example: `  oidcp sandbox token --vendor acme --expires 90d`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ttl, err := parseExpiry(expires)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				t, err := registrationTenant(e.cfg, tenant)
				if err != nil {
					return err
				}
				tok, iat, err := registration.IssueToken(ctx, e.store, t.Name, vendor, ttl, time.Now())
				if err != nil {
					return fmt.Errorf("--vendor: %w", err)
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "oidcp: the initial access token is shown only now; hand it to the vendor over a safe channel.")
				return writeJSON(cmd.OutOrStdout(), issuedToken{InitialAccessToken: iat, Token: tok,
					RegistrationEndpoint: e.cfg.Issuer(t.Name) + registration.PathRegister})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "sandbox", "tenant the vendor registers in")
	f.StringVar(&vendor, "vendor", "", "vendor name, 1–64 of a-z 0-9 . _ - (required)")
	f.StringVar(&expires, "expires", "90d", "lifetime, e.g. 90d, 36h or 0 for no expiry")
	_ = cmd.MarkFlagRequired("vendor")
	return cmd
}

func newSandboxRevokeCmd() *cobra.Command {
	var tenant, vendor string
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a vendor's initial access token (its clients keep working)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				err := registration.RevokeToken(ctx, e.store, tenant, vendor, time.Now())
				switch {
				case errors.Is(err, storage.ErrNotFound):
					return fmt.Errorf("vendor %q has no initial access token in tenant %q", vendor, tenant)
				case errors.Is(err, storage.ErrInactive):
					return fmt.Errorf("vendor %q's initial access token in tenant %q is already revoked", vendor, tenant)
				case err != nil:
					return err
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"tenant": tenant, "vendor": vendor, "revoked": true})
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "sandbox", "tenant")
	cmd.Flags().StringVar(&vendor, "vendor", "", "vendor name (required)")
	_ = cmd.MarkFlagRequired("vendor")
	return cmd
}

func newSandboxTokensCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "List the vendors' initial access tokens (without the tokens)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				ts, err := e.store.ListInitialAccessTokens(ctx, tenant)
				if err != nil {
					return err
				}
				if ts == nil {
					ts = []storage.InitialAccessToken{}
				}
				return writeJSON(cmd.OutOrStdout(), ts)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "sandbox", "tenant")
	return cmd
}

// registrationTenant returns the named tenant if it serves registration.
func registrationTenant(cfg Config, name string) (TenantConfig, error) {
	t, err := cfg.tenant(name)
	if err != nil {
		return t, fmt.Errorf("--tenant: %w", err)
	}
	if !t.registers() {
		return t, fmt.Errorf("--tenant: tenant %q does not serve self-service registration; it is on in sandbox tenants, or set tenants[].registration.enabled: true", name)
	}
	return t, nil
}

// parseExpiry reads a lifetime: a Go duration, or a number of days
// ("90d"); "0" means none.
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("%q is not a number of days from 0 to 3650, e.g. 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a lifetime; use e.g. 90d, 36h or 0", s)
	}
	return d, nil
}
