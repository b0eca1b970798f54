package upstream

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/outbound"
)

// ACR values of ID-porten.
const (
	ACRSubstantial = "idporten-loa-substantial"
	ACRHigh        = "idporten-loa-high"
)

// Config configures the relying party.
type Config struct {
	// Issuer is the upstream issuer exactly as it appears in its ID tokens
	// (ID-porten's has no trailing slash).
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is oidcp's callback registered at the upstream.
	RedirectURL string
	// Scopes default to openid profile.
	Scopes []string
	// ACRValues is the default acr_values; default idporten-loa-substantial.
	ACRValues string
	// AllowedACR are the acr values Exchange accepts; default both
	// idporten-loa-substantial and idporten-loa-high.
	AllowedACR []string
	// HTTPClient makes every upstream call (discovery, JWKS, PAR, token).
	// It should be the outbound client (outbound.New), which refuses
	// loopback and private addresses outside dev mode; nil means
	// outbound.New with its defaults, which refuses them.
	HTTPClient *http.Client
	// Now is the clock for token times; nil means time.Now.
	Now func() time.Time
	// Observe, if set, receives every upstream HTTP call: op is
	// "discovery", "jwks", "par" or "token".
	Observe func(op string, d time.Duration, err error)
}

// Validation leeway and cache policy.
const (
	clockLeeway     = 60 * time.Second
	metadataMaxAge  = 24 * time.Hour
	jwksMinRefetch  = 30 * time.Second // at most one refetch per unknown kid burst
	jwksMaxAge      = time.Hour        // a key the issuer withdrew is trusted at most this long
	maxResponseSize = 1 << 20
)

// Client is the relying party; safe for concurrent use.
type Client struct {
	cfg Config

	mdMu    sync.Mutex
	md      *metadata
	mdFetch time.Time

	jwksMu    sync.Mutex
	jwks      *jose.JSONWebKeySet
	jwksURI   string // where jwks came from
	jwksFetch time.Time
}

// New validates cfg, fills defaults and returns a client. It does no I/O:
// discovery happens on first use, so oidcp starts while the eID is down.
func New(cfg Config) (*Client, error) {
	var errs []error
	if u, err := url.Parse(cfg.Issuer); cfg.Issuer == "" || err != nil || !u.IsAbs() || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an absolute URL", cfg.Issuer))
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("client id is required"))
	}
	if cfg.ClientSecret == "" {
		errs = append(errs, errors.New("client secret is required"))
	}
	if u, err := url.Parse(cfg.RedirectURL); cfg.RedirectURL == "" || err != nil || !u.IsAbs() {
		errs = append(errs, fmt.Errorf("redirect URL %q must be an absolute URL", cfg.RedirectURL))
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"openid", "profile"}
	} else if !slices.Contains(cfg.Scopes, "openid") {
		errs = append(errs, errors.New("scopes must include openid"))
	}
	if cfg.ACRValues == "" {
		cfg.ACRValues = ACRSubstantial
	}
	if len(cfg.AllowedACR) == 0 {
		cfg.AllowedACR = []string{ACRSubstantial, ACRHigh}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = outbound.New(outbound.Options{})
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("upstream: %w", errors.Join(errs...))
	}
	return &Client{cfg: cfg}, nil
}

// observe reports one upstream call to the metrics hook.
func (c *Client) observe(op string, start time.Time, err error) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(op, time.Since(start), err)
	}
}
