package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/storage"
)

func newClientsCmd() *cobra.Command {
	c := &cobra.Command{Use: "clients", Short: "Register, list and delete OAuth clients (JSON output)"}
	c.AddCommand(newClientsCreateCmd(), newClientsListCmd(), newClientsDeleteCmd(), newClientsDisableCmd(), newClientsEnableCmd(), newClientsUpdateCmd())
	return c
}

// createdClient is create's output: the stored client, plus the secret
// when oidcp generated it. It is shown this once; only its hash is kept.
type createdClient struct {
	storage.Client
	ClientSecret string `json:"client_secret,omitempty"`
}

func newClientsCreateCmd() *cobra.Command {
	var (
		r      clients.Registration
		tenant string
		jwks   string
		names  = map[string]*string{} // --name-nb, --name-nn, --name-en
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a client and print it as JSON",
		Long: "create registers a client in a tenant. A confidential client that authenticates with a\n" +
			"secret gets a generated one when --secret is not given; it is printed once, as client_secret.",
		Example: `  oidcp clients create --tenant sandbox --id my-app \
    --redirect-uri http://127.0.0.1:9000/callback \
    --scope "openid profile pid offline_access" \
    --grant-type authorization_code --grant-type refresh_token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if jwks != "" {
				raw, err := readJWKSFlag(jwks)
				if err != nil {
					return err
				}
				r.JWKS = raw
			}
			for lang, name := range names {
				if *name != "" {
					if r.Names == nil {
						r.Names = map[string]string{}
					}
					r.Names[lang] = *name
				}
			}
			generated := ""
			if needsSecret(r) && r.Secret == "" {
				generated = clients.GenerateSecret()
				r.Secret = generated
			}
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				tc, err := e.cfg.tenant(tenant)
				if err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				r.OfferedScopes, r.DataScopes, r.Profile = tc.offeredScopes(), tc.dataScopeNames(), tc.Profile
				// Test clients on 127.0.0.1 only in dev mode, as serve's
				// outbound client allows them only there.
				r.AllowPrivateHosts = e.cfg.Dev
				c, err := clients.Build(tenant, r, time.Now())
				if err != nil {
					return err
				}
				if err := e.store.CreateClient(ctx, c); err != nil {
					if errors.Is(err, storage.ErrConflict) {
						return fmt.Errorf("client %q already exists in tenant %q; delete it first or choose another --id", c.ID, tenant)
					}
					return fmt.Errorf("create client: %w", err)
				}
				if generated != "" {
					fmt.Fprintln(cmd.ErrOrStderr(), "oidcp: client_secret was generated and is shown only now; store it safely.")
				}
				return writeJSON(cmd.OutOrStdout(), createdClient{Client: c, ClientSecret: generated})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant to register the client in (required)")
	f.StringVar(&r.ID, "id", "", "client_id (default: generated)")
	f.StringVar(&r.Name, "name", "", "display name shown on the consent page (default: the id)")
	for _, l := range []struct{ lang, in string }{{"nb", "bokmål"}, {"nn", "nynorsk"}, {"en", "English"}} {
		names[l.lang] = f.String("name-"+l.lang, "", "display name on pages in "+l.in+" (client_name#"+l.lang+"; pages fall back to nb, nn, then --name)")
	}
	f.StringVar(&r.Secret, "secret", "", "client secret for client_secret_basic/post (default: generated and printed once)")
	f.StringArrayVar(&r.RedirectURIs, "redirect-uri", nil, "redirect URI, exact; repeat for several")
	f.StringArrayVar(&r.PostLogoutRedirectURIs, "post-logout-redirect-uri", nil, "post-logout redirect URI; repeat for several")
	f.StringArrayVar(&r.Scopes, "scope", nil, `allowed scopes, space-separated or repeated (default "openid profile offline_access")`)
	f.StringArrayVar(&r.GrantTypes, "grant-type", nil, "authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:token-exchange; repeat (default authorization_code + refresh_token)")
	f.StringArrayVar(&r.Audience, "audience", nil, "audience the client may request tokens for; repeat")
	f.StringVar(&r.AuthMethod, "auth-method", "", "pin client_secret_basic, client_secret_post or private_key_jwt (default: the secret is accepted by Basic or post); public clients use none")
	f.BoolVar(&r.Public, "public", false, "public client (SPA, native app): no secret; PKCE, nonce and PAR required")
	f.BoolVar(&r.RelaxPKCE, "relax-pkce", false, "confidential clients only: do not require PKCE")
	f.BoolVar(&r.RelaxNonce, "relax-nonce", false, "confidential clients only: do not require nonce")
	f.BoolVar(&r.RequirePAR, "require-par", false, "require pushed authorization requests (always on for public clients)")
	f.StringVar(&r.IDTokenAlg, "id-token-alg", "", "RS256 (default), ES256 or PS256")
	f.StringVar(&r.JWKSURI, "jwks-uri", "", "private_key_jwt: URL of the client's JWK Set")
	f.StringVar(&jwks, "jwks", "", "private_key_jwt: the client's public JWK Set as JSON, or @FILE")
	f.StringVar(&r.AuthSigningAlg, "token-endpoint-auth-signing-alg", "", "private_key_jwt: accept only RS256, ES256 or PS256 assertions (default: each one a registered key fits)")
	f.StringVar(&r.BackchannelLogoutURI, "backchannel-logout-uri", "", "back-channel logout endpoint of the client")
	f.BoolVar(&r.BackchannelLogoutSessionRequired, "backchannel-logout-session-required", false, "the client needs sid in every logout token")
	f.StringVar(&r.InitiateLoginURI, "initiate-login-uri", "", "third-party-initiated login endpoint of the client (hand-off, OIDC Core §4)")
	f.StringArrayVar(&r.LaunchURIs, "launch-uri", nil, "page a portal may open the tool at (hand-off target_link_uri, exact); repeat; needs --initiate-login-uri")
	f.BoolVar(&r.HandoffPortal, "handoff-portal", false, "first-party portal: may hand a citizen's login off to tools (POST /handoff)")
	f.StringVar(&r.SectorIdentifier, "sector-identifier", "", "sector for pairwise subject identifiers, needed when redirect URIs are on several hosts; clients with the same one see the same sub for a person (default: the redirect URIs' host; for loopback or private-use URIs the client's id)")
	f.StringVar(&r.Category, "category", "", "identified (K2, default: may get pid and names) or pseudonymous (K3: pairwise ids only)")
	f.StringArrayVar(&r.AcceptedRelations, "accept-relation", nil, "relation under which a citizen may act for someone in the tool: parent, power_of_attorney or assigned_power_of_attorney; repeat (default none: the citizen acts only for themselves)")
	f.BoolVar(&r.Standalone, "standalone", false, "tool prescribed by a clinician: may accept only parent and assigned_power_of_attorney")
	f.StringVar(&r.AccessTokenFormat, "access-token-format", "", "opaque (default: checked by introspection) or jwt (RFC 9068: signed with the tenant's keys, still revocable via introspection)")
	f.BoolVar(&r.DPoPBoundAccessTokens, "dpop-bound-access-tokens", false, "every token request must carry a DPoP proof, so the client only gets sender-constrained tokens (RFC 9449 section 5.2)")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

// needsSecret reports whether the registration authenticates with a
// client secret, so create should generate one if none was given.
func needsSecret(r clients.Registration) bool {
	if r.Public {
		return false
	}
	switch r.AuthMethod {
	case "", clients.AuthClientSecretBasic, clients.AuthClientSecretPost:
		return true
	}
	return false
}

// readJWKSFlag takes inline JSON or @FILE.
func readJWKSFlag(v string) (json.RawMessage, error) {
	if path, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--jwks: %w", err)
		}
		v = string(b)
	}
	if !json.Valid([]byte(v)) {
		return nil, errors.New("--jwks: not valid JSON (give a JWK Set inline or as @file.json)")
	}
	return json.RawMessage(v), nil
}

func newClientsListCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's clients as a JSON array",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				cs, err := e.store.ListClients(ctx, tenant)
				if err != nil {
					return fmt.Errorf("list clients: %w", err)
				}
				if cs == nil {
					cs = []storage.Client{}
				}
				return writeJSON(cmd.OutOrStdout(), cs)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant (required)")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

func newClientsDeleteCmd() *cobra.Command {
	var tenant, id string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a client",
		Long: "delete revokes every consent grant and every code, access and refresh token of the\n" +
			"client and removes its registration; nodes stop accepting it within their one-second\n" +
			"client cache.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withEnv(cmd, needs{}, func(ctx context.Context, e *commandEnv) error {
				if _, err := e.cfg.tenant(tenant); err != nil {
					return fmt.Errorf("--tenant: %w", err)
				}
				// Revoke first: a deleted client's tokens must not outlive it,
				// and if deleting fails the kill-switch has still worked. Its
				// grants go too, so a client registered later under the same
				// id inherits no consent.
				cw, err := newConsentWiring(e.cfg, e.store, time.Now, nil, nil)
				if err != nil {
					return err
				}
				res, err := cw.service.RevokeClient(ctx, tenant, id, storage.Revocation{By: consent.RevokedByOperator, Actor: operatorName(), Reason: "client deleted"})
				if err != nil {
					return fmt.Errorf("revoke grants and tokens of client %q: %w", id, err)
				}
				n := res.Tokens
				if err := e.store.DeleteClient(ctx, tenant, id); err != nil {
					if errors.Is(err, storage.ErrNotFound) {
						return fmt.Errorf("client %q not found in tenant %q", id, tenant)
					}
					return fmt.Errorf("delete client: %w", err)
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"tenant": tenant, "deleted": id, "tokens_revoked": n, "grants_revoked": len(res.Grants)})
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant (required)")
	cmd.Flags().StringVar(&id, "id", "", "client_id (required)")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}
