package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage"
)

// Metadata is client metadata as RFC 7591 §2 (and OIDC Dynamic
// Registration §2, RFC 9126 §6, OIDC Back-Channel Logout §2.2) name it,
// plus oidcp's own category, accepted_relations, standalone and
// access_token_format. Unknown fields are ignored (RFC 7591 §2).
type Metadata struct {
	RedirectURIs                []string        `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs      []string        `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes                  []string        `json:"grant_types,omitempty"`
	ResponseTypes               []string        `json:"response_types,omitempty"`
	TokenEndpointAuthMethod     string          `json:"token_endpoint_auth_method,omitempty"`
	TokenEndpointAuthSigningAlg string          `json:"token_endpoint_auth_signing_alg,omitempty"`
	JWKSURI                     string          `json:"jwks_uri,omitempty"`
	JWKS                        json.RawMessage `json:"jwks,omitempty"`
	Scope                       string          `json:"scope,omitempty"`
	ClientName                  string          `json:"client_name,omitempty"`
	PolicyURI                   string          `json:"policy_uri,omitempty"`
	LogoURI                     string          `json:"logo_uri,omitempty"`
	InitiateLoginURI            string          `json:"initiate_login_uri,omitempty"`
	LaunchURIs                  []string        `json:"launch_uris,omitempty"`
	BackchannelLogoutURI        string          `json:"backchannel_logout_uri,omitempty"`
	IDTokenSignedResponseAlg    string          `json:"id_token_signed_response_alg,omitempty"`
	RequirePAR                  bool            `json:"require_pushed_authorization_requests,omitempty"`
	Category                    string          `json:"category,omitempty"`
	AcceptedRelations           []string        `json:"accepted_relations,omitempty"`
	Standalone                  bool            `json:"standalone,omitempty"`
	AccessTokenFormat           string          `json:"access_token_format,omitempty"`
	DPoPBoundAccessTokens       bool            `json:"dpop_bound_access_tokens,omitempty"`
	// ClientID is only read on update (RFC 7592 §2.2 requires it).
	ClientID string `json:"client_id,omitempty"`
	// HandoffPortal is only the operator's to set; a registration that
	// asks for it is refused (registration).
	HandoffPortal json.RawMessage `json:"handoff_portal,omitempty"`
	// ClientNames are the language-tagged client_name#<tag> members
	// (RFC 7591 §2.2), by tag as given. encoding/json cannot name such
	// members, so decodeMetadata reads them and Response writes them.
	ClientNames map[string]string `json:"-"`
}

// clientNamePrefix starts a language-tagged client_name (RFC 7591 §2.2).
const clientNamePrefix = "client_name#"

// Response is what registration and RFC 7592 reads answer: the client's
// metadata with the server-assigned fields (RFC 7591 §3.2.1, RFC 7592 §3).
type Response struct {
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string `json:"registration_client_uri"`
	Metadata
	// Vendor is who registered the client (the initial access token's).
	Vendor string `json:"vendor"`
}

// decodeMetadata reads a JSON object of client metadata. A value of the
// wrong type is invalid_client_metadata naming the field.
func decodeMetadata(r io.Reader) (Metadata, error) {
	var m Metadata
	body, err := io.ReadAll(r)
	if err != nil {
		return m, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return m, fieldError("invalid_client_metadata", te.Field, fmt.Sprintf("must be a JSON %s", jsonKind(te.Field)))
		}
		return m, &Error{Code: "invalid_client_metadata", Description: "the body must be a JSON object of client metadata (RFC 7591 §3.1): " + err.Error()}
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return m, &Error{Code: "invalid_client_metadata", Description: "the body must be a JSON object of client metadata (RFC 7591 §3.1): " + err.Error()}
	}
	for k, raw := range members {
		tag, ok := strings.CutPrefix(k, clientNamePrefix)
		if !ok {
			continue
		}
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return m, fieldError("invalid_client_metadata", k, "must be a JSON string")
		}
		if m.ClientNames == nil {
			m.ClientNames = map[string]string{}
		}
		m.ClientNames[tag] = name
	}
	return m, nil
}

// MarshalJSON writes the response with the language-tagged names as
// client_name#<tag> members beside client_name (RFC 7591 §2.2).
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response // without this method
	out, err := json.Marshal(plain(r))
	if err != nil || len(r.ClientNames) == 0 {
		return out, err
	}
	var b bytes.Buffer
	b.Write(out[:len(out)-1]) // up to the closing brace
	for _, tag := range slices.Sorted(maps.Keys(r.ClientNames)) {
		k, _ := json.Marshal(clientNamePrefix + tag)
		v, _ := json.Marshal(r.ClientNames[tag])
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func jsonKind(field string) string {
	switch field {
	case "redirect_uris", "post_logout_redirect_uris", "grant_types", "response_types", "accepted_relations", "launch_uris":
		return "array of strings"
	case "jwks":
		return "object (a JWK Set)"
	case "require_pushed_authorization_requests", "standalone":
		return "boolean"
	}
	return "string"
}

// registration maps m to the clients package's Registration. Checks
// clients.Build does not make (it has no response_types input) are
// returned as FieldError-like errors here.
func (m Metadata) registration() (clients.Registration, error) {
	r := clients.Registration{
		Name:                   m.ClientName,
		Names:                  m.ClientNames,
		RedirectURIs:           m.RedirectURIs,
		PostLogoutRedirectURIs: m.PostLogoutRedirectURIs,
		GrantTypes:             m.GrantTypes,
		AuthMethod:             m.TokenEndpointAuthMethod,
		AuthSigningAlg:         m.TokenEndpointAuthSigningAlg,
		JWKSURI:                m.JWKSURI,
		JWKS:                   m.JWKS,
		IDTokenAlg:             m.IDTokenSignedResponseAlg,
		RequirePAR:             m.RequirePAR,
		BackchannelLogoutURI:   m.BackchannelLogoutURI,
		InitiateLoginURI:       m.InitiateLoginURI,
		LaunchURIs:             m.LaunchURIs,
		Category:               m.Category,
		AcceptedRelations:      m.AcceptedRelations,
		Standalone:             m.Standalone,
		AccessTokenFormat:      m.AccessTokenFormat,
		DPoPBoundAccessTokens:  m.DPoPBoundAccessTokens,
		PolicyURI:              m.PolicyURI,
		LogoURI:                m.LogoURI,
	}
	if m.Scope != "" {
		r.Scopes = []string{m.Scope}
	}
	// RFC 7591 §2: "none" is a public client, which has no secret.
	if m.TokenEndpointAuthMethod == clients.AuthNone {
		r.Public, r.AuthMethod = true, ""
	}
	if len(m.HandoffPortal) > 0 && string(m.HandoffPortal) != "false" && string(m.HandoffPortal) != "null" {
		return r, fieldError("invalid_client_metadata", "handoff_portal", "is set only by the operator: a portal that may hand off citizens' logins is a first-party client (oidcp clients create --handoff-portal)")
	}
	for _, sc := range strings.Fields(m.Scope) {
		if slices.Contains(clients.OperatorOnlyScopes, sc) {
			return r, fieldError("invalid_client_metadata", "scope", fmt.Sprintf("%q is set only by the operator: it controls a person's account (their usage log, sessions and grants) and is only for the operator's first-party clients (oidcp clients create)", sc))
		}
	}
	for _, rt := range m.ResponseTypes {
		if rt != "code" {
			return r, fieldError("invalid_client_metadata", "response_types", fmt.Sprintf("%q is not supported; oidcp issues only code (response_types [\"code\"])", rt))
		}
	}
	if string(m.JWKS) == "null" {
		r.JWKS = nil // "jwks": null is no key set, not an invalid one
	}
	return r, nil
}

// usesSecret reports whether a client registered from r authenticates
// with a client secret, which registration then generates.
func usesSecret(r clients.Registration) bool {
	if r.Public {
		return false
	}
	switch r.AuthMethod {
	case "", clients.AuthClientSecretBasic, clients.AuthClientSecretPost:
		return true
	}
	return false
}

// metadataOf is a stored client's metadata as a vendor registered it.
func metadataOf(c storage.Client) Metadata {
	m := Metadata{
		RedirectURIs:                c.RedirectURIs,
		PostLogoutRedirectURIs:      c.PostLogoutRedirectURIs,
		GrantTypes:                  c.GrantTypes,
		ResponseTypes:               c.ResponseTypes,
		TokenEndpointAuthMethod:     c.TokenEndpointAuthMethod,
		TokenEndpointAuthSigningAlg: c.TokenEndpointAuthSigningAlg,
		JWKSURI:                     c.JWKSURI,
		JWKS:                        c.JWKS,
		Scope:                       strings.Join(c.Scopes, " "),
		ClientName:                  c.Name,
		ClientNames:                 c.Names,
		PolicyURI:                   c.PolicyURI,
		LogoURI:                     c.LogoURI,
		InitiateLoginURI:            c.InitiateLoginURI,
		LaunchURIs:                  c.LaunchURIs,
		BackchannelLogoutURI:        c.BackchannelLogoutURI,
		IDTokenSignedResponseAlg:    c.IDTokenSignedResponseAlg,
		RequirePAR:                  c.RequirePAR,
		Category:                    c.Category,
		AcceptedRelations:           c.AcceptedRelations,
		Standalone:                  c.Standalone,
		AccessTokenFormat:           c.AccessTokenFormat,
		DPoPBoundAccessTokens:       c.DPoPBoundAccessTokens,
	}
	return m
}
