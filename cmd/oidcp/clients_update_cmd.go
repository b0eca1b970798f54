package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage"
)

// handoffChange is an operator's change of a client's hand-off metadata;
// nil fields stay as they are.
type handoffChange struct {
	Portal     *bool     `json:"handoff_portal"`
	Initiate   *string   `json:"initiate_login_uri"`
	LaunchURIs *[]string `json:"launch_uris"`
}

// applyHandoffChange changes a stored client's hand-off metadata under
// clients' rules (CheckHandoff) and returns the client as stored.
func applyHandoffChange(ctx context.Context, store storage.ClientStore, tenant, id string, ch handoffChange, now time.Time) (storage.Client, error) {
	var out storage.Client
	err := store.UpdateClient(ctx, tenant, id, func(c storage.Client) (storage.Client, error) {
		if ch.Portal != nil {
			c.HandoffPortal = *ch.Portal
		}
		if ch.Initiate != nil {
			c.InitiateLoginURI = *ch.Initiate
		}
		if ch.LaunchURIs != nil {
			c.LaunchURIs = nil
			for _, u := range *ch.LaunchURIs {
				if u != "" {
					c.LaunchURIs = append(c.LaunchURIs, u)
				}
			}
		}
		if err := clients.CheckHandoff(c); err != nil {
			return c, err
		}
		c.UpdatedAt = now.UTC().Truncate(time.Microsecond)
		out = c
		return c, nil
	})
	return out, err
}

func newClientsUpdateCmd() *cobra.Command {
	var (
		tenant, id, initiate string
		portal               bool
		launch               []string
	)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change a client's hand-off metadata (portal flag, initiate_login_uri, launch URIs)",
		Long: "update changes only the flags given: --handoff-portal=true|false, --initiate-login-uri\n" +
			"(empty removes it), --launch-uri (repeat; replaces the list; --launch-uri \"\" empties it).",
		Example: `  oidcp clients update --tenant main --id portal --handoff-portal
  oidcp clients update --tenant sandbox --id my-tool \
    --initiate-login-uri http://127.0.0.1:9100/initiate --launch-uri http://127.0.0.1:9100/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			var ch handoffChange
			if f.Changed("handoff-portal") {
				ch.Portal = &portal
			}
			if f.Changed("initiate-login-uri") {
				ch.Initiate = &initiate
			}
			if f.Changed("launch-uri") {
				ch.LaunchURIs = &launch
			}
			if ch == (handoffChange{}) {
				return errors.New("nothing to change: give --handoff-portal, --initiate-login-uri or --launch-uri")
			}
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				c, err := applyHandoffChange(ctx, e.store, tenant, id, ch, time.Now())
				if errors.Is(err, storage.ErrNotFound) {
					return fmt.Errorf("no client %q in tenant %q", id, tenant)
				}
				if err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), c)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant (required)")
	f.StringVar(&id, "id", "", "client_id (required)")
	f.BoolVar(&portal, "handoff-portal", false, "first-party portal: may hand a citizen's login off to tools (POST /handoff)")
	f.StringVar(&initiate, "initiate-login-uri", "", "third-party-initiated login endpoint of the tool (OIDC Core §4)")
	f.StringArrayVar(&launch, "launch-uri", nil, "page a portal may open the tool at (hand-off target_link_uri, exact); repeat")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}
