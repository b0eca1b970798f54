package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Client is one client registration at the OP under test.
type Client struct {
	ClientID     string `json:"client_id" yaml:"client_id"`
	ClientSecret string `json:"client_secret" yaml:"client_secret"`
	// TokenEndpointAuthMethod is client_secret_basic (default),
	// client_secret_post or private_key_jwt.
	TokenEndpointAuthMethod string `json:"token_endpoint_auth_method" yaml:"token_endpoint_auth_method"`
	// PrivateJWK is, for private_key_jwt, the client's private key as a
	// JWK (JSON text, with kid); its assertions are signed with its alg
	// (default ES256 for an EC key, PS256 for an RSA key).
	PrivateJWK string `json:"private_jwk" yaml:"private_jwk"`
	// RedirectURI is a registered redirect URI; the suite never fetches it,
	// it only captures the OP's redirect to it.
	RedirectURI string `json:"redirect_uri" yaml:"redirect_uri"`
}

// Backchannel configures the local receiver the suite runs for back-channel
// logout; URI must be registered as the client's backchannel_logout_uri.
type Backchannel struct {
	// Listen is the address to listen on, e.g. 127.0.0.1:8766.
	Listen string `json:"listen" yaml:"listen"`
	// URI is the registered backchannel_logout_uri; only its path is served.
	URI string `json:"uri" yaml:"uri"`
	// TLSCert and TLSKey are PEM files; when set the receiver serves HTTPS.
	TLSCert string `json:"tls_cert" yaml:"tls_cert"`
	TLSKey  string `json:"tls_key" yaml:"tls_key"`
}

// Login holds what a login driver types or hints.
type Login struct {
	// Username and Password are typed into a login form (form driver).
	Username string `json:"username" yaml:"username"`
	Password string `json:"password" yaml:"password"`
	// PID is the synthetic fødselsnummer for login_hint=testid:<pid>
	// (headless driver).
	PID string `json:"pid" yaml:"pid"`
}

// ClientConfig is the suite's client configuration, loaded from a JSON or
// YAML file. The primary client is embedded.
type ClientConfig struct {
	Client `yaml:",inline"`
	// RedirectURI2 is a second registered redirect URI.
	RedirectURI2 string `json:"redirect_uri_2" yaml:"redirect_uri_2"`
	// PostLogoutRedirectURI is registered for RP-initiated logout.
	PostLogoutRedirectURI string `json:"post_logout_redirect_uri" yaml:"post_logout_redirect_uri"`
	// Scopes are extra scopes the happy flow asks for besides openid.
	Scopes []string `json:"scopes" yaml:"scopes"`
	// LoginHint is sent by oidcc-login-hint (defaults to the driver's hint).
	LoginHint string `json:"login_hint" yaml:"login_hint"`
	// AlwaysPKCE sends S256 PKCE on every authorization request, for OPs
	// whose policy requires PKCE even from confidential clients (the OIDF
	// plan sends it only in oidcc-ensure-request-with-valid-pkce-succeeds).
	AlwaysPKCE bool `json:"always_pkce" yaml:"always_pkce"`
	// IDTokenSignedResponseAlg is the client's registered ID-token alg
	// (default RS256).
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg" yaml:"id_token_signed_response_alg"`
	// UnsignedClient is registered with id_token_signed_response_alg=none,
	// for oidcc-idtoken-unsigned.
	UnsignedClient *Client `json:"unsigned_client" yaml:"unsigned_client"`
	// PostClient uses client_secret_post, for
	// oidcc-server-client-secret-post when the primary client uses basic.
	PostClient *Client `json:"post_client" yaml:"post_client"`
	// StrictClient is registered under a strict policy (PKCE required);
	// oidcp-pkce-enforcement expects it to refuse a request without a
	// code_challenge.
	StrictClient *Client `json:"strict_client" yaml:"strict_client"`
	// FAPIClient is a private_key_jwt client registered with
	// dpop_bound_access_tokens at an OP in the FAPI 2.0 Security Profile,
	// for oidcp-fapi2.
	FAPIClient *Client `json:"fapi_client" yaml:"fapi_client"`
	// Backchannel configures the back-channel logout receiver.
	Backchannel *Backchannel `json:"backchannel" yaml:"backchannel"`
	// Login configures the login driver.
	Login Login `json:"login" yaml:"login"`
}

// LoadClientConfig reads a client configuration from a .json, .yaml or
// .yml file.
func LoadClientConfig(path string) (ClientConfig, error) {
	var c ClientConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("client config: %w", err)
	}
	if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
		err = yaml.Unmarshal(b, &c)
	} else {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, fmt.Errorf("client config %s: %w", path, err)
	}
	return c, c.Validate()
}

// Validate reports missing or contradictory settings.
func (c *ClientConfig) Validate() error {
	var errs []error
	if c.ClientID == "" {
		errs = append(errs, errors.New("client_id is required"))
	}
	if c.RedirectURI == "" {
		errs = append(errs, errors.New("redirect_uri is required"))
	}
	switch c.TokenEndpointAuthMethod {
	case "", "client_secret_basic", "client_secret_post":
	case "private_key_jwt":
		if c.PrivateJWK == "" {
			errs = append(errs, errors.New("token_endpoint_auth_method private_key_jwt needs private_jwk"))
		}
	default:
		errs = append(errs, fmt.Errorf("token_endpoint_auth_method %q not supported (client_secret_basic, client_secret_post, private_key_jwt)", c.TokenEndpointAuthMethod))
	}
	if f := c.FAPIClient; f != nil && (f.TokenEndpointAuthMethod != "private_key_jwt" || f.PrivateJWK == "" || f.ClientID == "" || f.RedirectURI == "") {
		errs = append(errs, errors.New("fapi_client needs client_id, redirect_uri, token_endpoint_auth_method private_key_jwt and private_jwk"))
	}
	if b := c.Backchannel; b != nil && (b.Listen == "" || b.URI == "") {
		errs = append(errs, errors.New("backchannel needs listen and uri"))
	}
	return errors.Join(errs...)
}

// authMethod is the client's token endpoint authentication method.
func (c Client) authMethod() string {
	if c.TokenEndpointAuthMethod == "" {
		return "client_secret_basic"
	}
	return c.TokenEndpointAuthMethod
}
