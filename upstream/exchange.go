package upstream

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Identity is the verified result of an upstream login.
type Identity struct {
	// Subject is the upstream's pairwise sub for oidcp.
	Subject string
	// PID is the validated fødselsnummer.
	PID string
	// ACR is the level of assurance, one of Config.AllowedACR.
	ACR      string
	AMR      []string
	AuthTime time.Time
	// SID is the upstream session id (for logout).
	SID    string
	Locale string
	// IDToken is the raw upstream ID token, kept as id_token_hint for
	// logout. It is personal data: never log it.
	IDToken string
}

// Exchange completes a login from the authorization response. In order it
// checks state (constant time), iss (RFC 9207 §2.4), an error response,
// then redeems the code with the PKCE verifier and validates the ID token.
func (c *Client) Exchange(ctx context.Context, callback url.Values, st State) (*Identity, error) {
	if st.State == "" || subtle.ConstantTimeCompare([]byte(callback.Get("state")), []byte(st.State)) != 1 {
		return nil, ErrStateMismatch
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	// RFC 9207 §2.4: compare when present; require when advertised. This
	// stops mix-up attacks between issuers sharing a redirect URI.
	if iss, ok := callback["iss"]; ok {
		if len(iss) != 1 || iss[0] != c.cfg.Issuer {
			return nil, ErrIssuerMismatch
		}
	} else if md.IssParameterSupported {
		return nil, fmt.Errorf("%w: iss missing", ErrIssuerMismatch)
	}
	if code := callback.Get("error"); code != "" {
		return nil, &CallbackError{Code: code, Description: callback.Get("error_description")}
	}
	code := callback.Get("code")
	if code == "" {
		return nil, errors.New("upstream: authorization response has neither code nor error")
	}
	raw, err := c.redeem(ctx, md.TokenEndpoint, code, st.CodeVerifier)
	if err != nil {
		return nil, err
	}
	return c.validateIDToken(ctx, md, raw, st.Nonce)
}

// redeem is the token request (RFC 6749 §4.1.3, RFC 7636 §4.5); it
// returns the raw ID token. The access token is not used: every claim
// oidcp needs is in the ID token.
func (c *Client) redeem(ctx context.Context, endpoint, code, verifier string) (idToken string, err error) {
	defer func(start time.Time) { c.observe("token", start, err) }(time.Now())
	body, status, err := c.postForm(ctx, endpoint, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {c.cfg.RedirectURL},
		"code_verifier": {verifier},
	})
	if err != nil {
		return "", fmt.Errorf("upstream: token: %w", err)
	}
	if status != http.StatusOK {
		return "", tokenError("token", status, body)
	}
	var resp struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return "", fmt.Errorf("upstream: token: malformed response: %w", err)
	}
	if resp.IDToken == "" {
		return "", invalidIDToken("token response has no id_token")
	}
	return resp.IDToken, nil
}
