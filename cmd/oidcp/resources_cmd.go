package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/resources"
	"github.com/oidcp/oidcp/storage"
)

func newResourcesCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "resources",
		Short: "Register the APIs token exchange may issue tokens for, with their inbound access policy (JSON output)",
		Long: "A resource is an API that clients may obtain tokens for by token exchange (RFC 8693):\n" +
			"a client presents a citizen's access token and the resource's audience, and gets a token\n" +
			"for that audience when the resource's policy lists the client. See docs/token-exchange.md.",
	}
	c.AddCommand(newResourcesAddCmd(), newResourcesListCmd(), newResourcesRemoveCmd())
	return c
}

func newResourcesAddCmd() *cobra.Command {
	var (
		r      resources.Registration
		tenant string
	)
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Register a resource, or replace the policy of one, and print it as JSON",
		Long: "add registers a resource in a tenant with the clients allowed to exchange tokens for it\n" +
			"and the scopes it accepts; given an audience that exists, it replaces that resource's\n" +
			"policy. Every allowed client must be registered in the tenant; one not registered for the\n" +
			"token exchange grant is reported, as it cannot use the policy until it is.",
		Example: `  oidcp resources add --tenant main --audience https://api.example/ehelse \
    --name "eHelse API" --allow-client my-tool --scope "pid health:measurements"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				stored, warnings, err := putResource(ctx, e.store, tenant, r, time.Now())
				for _, w := range warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), "oidcp: "+w)
				}
				if err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), stored)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant (required)")
	f.StringVar(&r.Audience, "audience", "", "the resource's identifier: an absolute URI, or the API's own client_id if it introspects its tokens or exchanges them onward (required)")
	f.StringVar(&r.Name, "name", "", "display name")
	f.StringArrayVar(&r.AllowedClients, "allow-client", nil, "client_id allowed to exchange tokens for the resource; repeat (at least one)")
	f.StringArrayVar(&r.Scopes, "scope", nil, "scopes the resource accepts, space-separated or repeated; pid lets its tokens carry the fødselsnummer (default none)")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("audience")
	return cmd
}

// errUnknownClient: a policy names a client the tenant does not have.
var errUnknownClient = errors.New("client is not registered in the tenant")

// putResource validates r, checks that every allowed client exists in
// the tenant, stores the resource and returns it as stored, with a
// warning for each allowed client not registered for the grant (it
// cannot use the policy until it is). Shared by the CLI and the
// operator API.
func putResource(ctx context.Context, store storage.Storage, tenant string, r resources.Registration, now time.Time) (storage.Resource, []string, error) {
	res, err := resources.Build(tenant, r, now)
	if err != nil {
		return storage.Resource{}, nil, err
	}
	var warnings []string
	for _, id := range res.AllowedClients {
		c, err := store.GetClient(ctx, tenant, id)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Resource{}, nil, fmt.Errorf("allowed clients: %w: client %q is not registered in tenant %q", errUnknownClient, id, tenant)
		}
		if err != nil {
			return storage.Resource{}, nil, fmt.Errorf("read client %q: %w", id, err)
		}
		if !slices.Contains(c.GrantTypes, clients.GrantTokenExchange) {
			warnings = append(warnings, fmt.Sprintf("client %q is not registered for the grant type %s; it cannot exchange tokens until it is", id, clients.GrantTokenExchange))
		}
	}
	if err := store.PutResource(ctx, res); err != nil {
		return storage.Resource{}, nil, fmt.Errorf("store resource: %w", err)
	}
	stored, err := store.GetResource(ctx, tenant, res.Audience)
	if err != nil {
		return storage.Resource{}, nil, fmt.Errorf("read resource back: %w", err)
	}
	return stored, warnings, nil
}

func newResourcesListCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's resources as a JSON array",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				rs, err := e.store.ListResources(ctx, tenant)
				if err != nil {
					return fmt.Errorf("list resources: %w", err)
				}
				if rs == nil {
					rs = []storage.Resource{}
				}
				return writeJSON(cmd.OutOrStdout(), rs)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant (required)")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

func newResourcesRemoveCmd() *cobra.Command {
	var tenant, audience string
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Remove a resource: no client can exchange tokens for it any more",
		Long: "remove deletes the resource and its policy; exchanges for it are refused at once\n" +
			"(invalid_target). Tokens already issued for it stay valid until they expire or their\n" +
			"grant, login session or client is revoked.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				if err := e.store.DeleteResource(ctx, tenant, audience); err != nil {
					if errors.Is(err, storage.ErrNotFound) {
						return fmt.Errorf("resource %q not found in tenant %q", audience, tenant)
					}
					return fmt.Errorf("remove resource: %w", err)
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"tenant": tenant, "removed": audience})
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant (required)")
	cmd.Flags().StringVar(&audience, "audience", "", "the resource's audience (required)")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("audience")
	return cmd
}
