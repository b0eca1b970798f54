package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// metadata is the part of the OpenID Provider Metadata this client uses
// (OIDC Discovery §3, RFC 9126 §5, RFC 9207 §3).
type metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	PAREndpoint           string `json:"pushed_authorization_request_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
	IssParameterSupported bool   `json:"authorization_response_iss_parameter_supported"`
}

// metadata returns the cached discovery document, fetching it on first use
// and after metadataMaxAge. A failed refresh keeps the stale copy, so a
// short upstream outage does not break callbacks already under way.
func (c *Client) metadata(ctx context.Context) (*metadata, error) {
	c.mdMu.Lock()
	defer c.mdMu.Unlock()
	if c.md != nil && c.cfg.Now().Sub(c.mdFetch) < metadataMaxAge {
		return c.md, nil
	}
	md, err := c.fetchMetadata(ctx)
	if err != nil {
		if c.md != nil {
			return c.md, nil
		}
		return nil, err
	}
	c.md, c.mdFetch = md, c.cfg.Now()
	return md, nil
}

func (c *Client) fetchMetadata(ctx context.Context) (md *metadata, err error) {
	defer func(start time.Time) { c.observe("discovery", start, err) }(time.Now())
	// OIDC Discovery §4: the issuer with any trailing slash removed.
	u := strings.TrimSuffix(c.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	md = new(metadata)
	if err := c.getJSON(ctx, u, md); err != nil {
		return nil, fmt.Errorf("upstream: discovery: %w", err)
	}
	// §4.3: the document must name exactly the issuer we asked.
	if md.Issuer != c.cfg.Issuer {
		return nil, fmt.Errorf("upstream: discovery: issuer %q is not the configured %q", md.Issuer, c.cfg.Issuer)
	}
	if md.AuthorizationEndpoint == "" || md.TokenEndpoint == "" || md.JWKSURI == "" {
		return nil, errors.New("upstream: discovery: authorization, token or jwks endpoint missing")
	}
	return md, nil
}

// verificationKeys returns the RSA keys that may have signed a token with
// this kid. The set is fetched again after jwksMaxAge, so a key the issuer
// withdrew (after a compromise, say) stops being trusted, and when the
// discovery document names another jwks_uri. An unknown kid triggers one
// refetch (the issuer may have rotated), at most once per jwksMinRefetch
// so a flood of forged kids cannot turn us into a load generator against
// the issuer. If a due refetch fails, the old set keeps serving for up to
// metadataMaxAge, as the discovery document does, so a short outage of
// the issuer's JWKS endpoint does not stop logins.
func (c *Client) verificationKeys(ctx context.Context, jwksURI, kid string) ([]jose.JSONWebKey, error) {
	c.jwksMu.Lock()
	defer c.jwksMu.Unlock()
	age := c.cfg.Now().Sub(c.jwksFetch)
	cached := c.jwks != nil && c.jwksURI == jwksURI
	if cached && age < jwksMaxAge {
		if keys := matchKeys(c.jwks, kid); len(keys) > 0 {
			return keys, nil
		}
		if age < jwksMinRefetch {
			return nil, nil
		}
	}
	set, err := c.fetchJWKS(ctx, jwksURI)
	if err != nil {
		if cached && age < metadataMaxAge {
			if keys := matchKeys(c.jwks, kid); len(keys) > 0 {
				return keys, nil
			}
		}
		return nil, err
	}
	c.jwks, c.jwksURI, c.jwksFetch = set, jwksURI, c.cfg.Now()
	return matchKeys(set, kid), nil
}

func (c *Client) fetchJWKS(ctx context.Context, uri string) (set *jose.JSONWebKeySet, err error) {
	defer func(start time.Time) { c.observe("jwks", start, err) }(time.Now())
	set = new(jose.JSONWebKeySet)
	if err := c.getJSON(ctx, uri, set); err != nil {
		return nil, fmt.Errorf("upstream: jwks: %w", err)
	}
	return set, nil
}

// matchKeys picks public signing keys by kid; a token without kid may be
// checked against every signing key.
func matchKeys(set *jose.JSONWebKeySet, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range set.Keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if !k.IsPublic() {
			continue // a symmetric or private key has no place in a JWKS
		}
		out = append(out, k)
	}
	return out
}

func (c *Client) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseSize)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}
