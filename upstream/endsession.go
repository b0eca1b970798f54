package upstream

import (
	"context"
	"net/url"
)

// EndSessionURL is where to send the browser to log out upstream (OIDC
// RP-Initiated Logout 1.0 §2). postLogoutRedirectURI must be registered at
// the upstream; state comes back on it unchanged. Empty arguments are left
// out.
func (c *Client) EndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURI, state string) (string, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return "", err
	}
	if md.EndSessionEndpoint == "" {
		return "", ErrNoEndSession
	}
	q := url.Values{"client_id": {c.cfg.ClientID}}
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirectURI != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirectURI)
	}
	if state != "" {
		q.Set("state", state)
	}
	return withQuery(md.EndSessionEndpoint, q)
}
