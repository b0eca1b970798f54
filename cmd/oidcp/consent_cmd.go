package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// operatorName is who runs the CLI, for the usage log.
func operatorName() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

func withConsent(cmd *cobra.Command, tenant string, fn func(ctx context.Context, cw *consentWiring) error) error {
	return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
		if _, err := e.cfg.tenant(tenant); err != nil {
			return fmt.Errorf("--tenant: %w", err)
		}
		cw, err := newConsentWiring(e.cfg, e.store, time.Now, nil, nil)
		if err != nil {
			return err
		}
		return fn(ctx, cw)
	})
}

func newClientsDisableCmd() *cobra.Command {
	var tenant, id, reason, operator string
	cmd := &cobra.Command{
		Use:   "disable",
		Short: "Kill-switch: disable a client and revoke every grant and token it holds",
		Long: "disable marks the client disabled (invalid_client at every endpoint, no new login), revokes\n" +
			"every consent grant and every code, access and refresh token of the client, and queues a\n" +
			"back-channel logout for each person and session; a running oidcp delivers them. It is\n" +
			"logged in the usage log with --reason. `enable` reverses only the disabling.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withConsent(cmd, tenant, func(ctx context.Context, cw *consentWiring) error {
				res, err := cw.disableClient(ctx, tenant, id, operator, strings.TrimSpace(reason))
				if err != nil {
					if errors.Is(err, errNoReason) {
						return fmt.Errorf("--reason: %w", err)
					}
					return err
				}
				return writeJSON(cmd.OutOrStdout(), res)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant (required)")
	f.StringVar(&id, "id", "", "client_id (required)")
	f.StringVar(&reason, "reason", "", "why, for the usage log (required)")
	f.StringVar(&operator, "operator", operatorName(), "who disables it, for the usage log")
	for _, n := range []string{"tenant", "id", "reason"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newClientsEnableCmd() *cobra.Command {
	var tenant, id, reason, operator string
	cmd := &cobra.Command{
		Use:   "enable",
		Short: "Enable a disabled client again (revoked grants and tokens stay revoked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withConsent(cmd, tenant, func(ctx context.Context, cw *consentWiring) error {
				if err := cw.enableClient(ctx, tenant, id, operator, reason); err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"tenant": tenant, "client_id": id, "disabled": false})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant (required)")
	f.StringVar(&id, "id", "", "client_id (required)")
	f.StringVar(&reason, "reason", "", "why, for the usage log")
	f.StringVar(&operator, "operator", operatorName(), "who enables it, for the usage log")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}

func newConsentCmd() *cobra.Command {
	c := &cobra.Command{Use: "consent", Short: "List, give (on a person's documented behalf) and revoke consent grants (JSON output)"}
	c.AddCommand(newConsentGrantCmd(), newConsentRevokeCmd(), newConsentListCmd())
	return c
}

func newConsentGrantCmd() *cobra.Command {
	var r consent.Request
	cmd := &cobra.Command{
		Use:   "grant",
		Short: "Record a person's consent for a client's data-exchange scopes and print the grant",
		Long: "grant records a grant as if the data subject (or, with --actor, their representative)\n" +
			"had allowed it on the consent page: for test persons in the sandbox and for consent\n" +
			"documented outside oidcp. Identity scopes need no grant and are ignored.",
		Example: `  bin/oidcp consent grant --tenant sandbox --client my-tool --subject 17858012392 --scope health:measurements`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var scopes []string
			for _, s := range r.Scopes {
				scopes = append(scopes, strings.Fields(s)...)
			}
			r.Scopes = scopes
			return withConsent(cmd, r.Tenant, func(ctx context.Context, cw *consentWiring) error {
				client, err := cw.store.GetClient(ctx, r.Tenant, r.ClientID)
				if err != nil {
					return fmt.Errorf("--client: %q not found in tenant %q", r.ClientID, r.Tenant)
				}
				// The number itself stays out of the message, as out of logs.
				if !representation.ValidPID(r.Subject) {
					return errors.New("--subject: not a valid fødselsnummer (11 digits: a date, an individual number and two check digits)")
				}
				if r.Actor != "" && !representation.ValidPID(r.Actor) {
					return errors.New("--actor: not a valid fødselsnummer (11 digits: a date, an individual number and two check digits)")
				}
				// What the consent page could never record: a scope the
				// client is not registered for (data scopes must also be in
				// the tenant's catalogue, which the service checks).
				for _, s := range r.Scopes {
					if !slices.Contains(client.Scopes, s) {
						return fmt.Errorf("--scope %q: client %q is not registered for it; its scopes are %s", s, r.ClientID, strings.Join(client.Scopes, " "))
					}
				}
				if r.Actor != "" && r.Relation == "" {
					return errors.New("--relation is required with --actor (parent or assigned_power_of_attorney)")
				}
				if r.Relation != "" && r.Actor == "" {
					return errors.New("--actor is required with --relation: the representative's fødselsnummer")
				}
				g, err := cw.service.Grant(ctx, r)
				if err != nil {
					switch {
					case errors.Is(err, consent.ErrUnknownScope):
						return fmt.Errorf("--scope: %w; tenant %q declares %s", err, r.Tenant, strings.Join(cw.service.Catalogue(r.Tenant).Names(), ", "))
					case r.Relation == "power_of_attorney":
						return fmt.Errorf("--relation power_of_attorney: an ordinary power of attorney lets its holder act for the giver in named service areas, but not consent on the giver's behalf; only parent and assigned_power_of_attorney may consent for another (%w)", err)
					case errors.Is(err, consent.ErrRelationCannotConsent):
						return fmt.Errorf("--relation %q: %w", r.Relation, err)
					case errors.Is(err, consent.ErrRelationDoesNotHold):
						return fmt.Errorf("--actor/--relation: %w; the tenant's registry has no %s relation from --actor to --subject that allows consent now (oidcp persons import adds one)", err, r.Relation)
					}
					return err
				}
				return writeJSON(cmd.OutOrStdout(), g)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.Tenant, "tenant", "", "tenant (required)")
	f.StringVar(&r.ClientID, "client", "", "client_id (required)")
	f.StringVar(&r.Subject, "subject", "", "data subject's fødselsnummer (required)")
	f.StringVar(&r.Actor, "actor", "", "representative's fødselsnummer, when they gave it")
	f.StringVar(&r.Relation, "relation", "", "the representative's relation kind: parent or assigned_power_of_attorney (an ordinary power_of_attorney may not consent); it must hold in the tenant's registry")
	f.StringArrayVar(&r.Scopes, "scope", nil, "data-exchange scopes, space-separated or repeated (required)")
	for _, n := range []string{"tenant", "client", "subject", "scope"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newConsentRevokeCmd() *cobra.Command {
	var tenant, id, reason, operator string
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a grant: every token issued under it dies and the client gets a back-channel logout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withConsent(cmd, tenant, func(ctx context.Context, cw *consentWiring) error {
				res, err := cw.service.Revoke(ctx, tenant, id, storage.Revocation{By: consent.RevokedByOperator, Actor: operator, Reason: reason})
				switch {
				case errors.Is(err, storage.ErrNotFound):
					return fmt.Errorf("grant %q not found in tenant %q", id, tenant)
				case errors.Is(err, storage.ErrInactive):
					return fmt.Errorf("grant %q was revoked already", id)
				case err != nil:
					return err
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"tenant": tenant, "grant_id": id, "tokens_revoked": res.Tokens})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant (required)")
	f.StringVar(&id, "id", "", "grant id (required)")
	f.StringVar(&reason, "reason", "", "why, for the usage log")
	f.StringVar(&operator, "operator", operatorName(), "who revokes it, for the usage log")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}

func newConsentListCmd() *cobra.Command {
	var f storage.GrantFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's grants as a JSON array, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withConsent(cmd, f.Tenant, func(ctx context.Context, cw *consentWiring) error {
				gs, err := cw.service.List(ctx, f)
				if err != nil {
					return err
				}
				if gs == nil {
					gs = []storage.Grant{}
				}
				return writeJSON(cmd.OutOrStdout(), gs)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Tenant, "tenant", "", "tenant (required)")
	fl.StringVar(&f.ClientID, "client", "", "only this client's")
	fl.StringVar(&f.Subject, "subject", "", "only this data subject's")
	fl.BoolVar(&f.ActiveOnly, "active", false, "leave out revoked grants")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}
