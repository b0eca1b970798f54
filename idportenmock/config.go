package idportenmock

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/representation"
)

// Config is the mock's configuration.
type Config struct {
	// Issuer is the absolute issuer URL without a trailing slash, e.g.
	// http://127.0.0.1:8080/idporten-mock (ID-porten's issuers have none).
	Issuer string
	// Clients are the registered relying parties.
	Clients []Client
	// Persons returns the synthetic persons offered on the login page on
	// now's day; nil offers none. It is asked on every page, so a server
	// that runs past midnight shows the numbers of the day (synthetic
	// numbers follow birth dates that move with the calendar). Any other
	// synthetic number can still be typed in or given as a hint.
	Persons func(now time.Time) []Person
	// AllowNonSynthetic lets the page and the testid: hint log in any
	// valid fødselsnummer. Off by default: the mock checks nobody's
	// identity, so it accepts only synthetic numbers (month + 40 or + 80,
	// D-numbers derived from them included), which belong to no real
	// person. For a developer's machine only; oidcp refuses it outside
	// dev mode.
	AllowNonSynthetic bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives events without personal data; nil discards them.
	Logger *slog.Logger
	// Store keeps the pending logins and the markers of one-time use and
	// revocation (seal.go); nil keeps them in this process's memory
	// (NewMemoryStore). Several nodes serving one mock need a shared one
	// (NewFlowStore).
	Store Store
	// SigningKey signs ID tokens; nil generates a fresh RS256 key. Nodes
	// serving one mock need the same key, or a relying party that
	// fetched one node's JWKS rejects the other's tokens.
	SigningKey *rsa.PrivateKey
	// Salt is the pairwise-sub salt (at least 16 bytes) and the secret
	// the key of self-contained requests, codes and access tokens is
	// derived from (seal.go); nil generates one. Nodes serving one mock
	// need the same salt, or a person's sub would depend on the node and
	// one node would refuse another's codes. Whoever holds it can make
	// codes and access tokens of this mock for anyone: keep it as secret
	// as the signing key.
	Salt []byte
}

// Client is a registered relying party.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// Person is a synthetic person shown on the login page.
type Person struct {
	PID, Name string
}

// Lifetimes, as ID-porten uses them.
const (
	parLifetime         = 60 * time.Second  // RFC 9126 §2.2 expires_in
	pendingLifetime     = 10 * time.Minute  // time a person has on the page
	codeLifetime        = 60 * time.Second  // RFC 6749 §4.1.2: short-lived
	accessTokenLifetime = 120 * time.Second // ID-porten's access tokens
	idTokenLifetime     = 120 * time.Second
)

// Server is the mock OP; it is an http.Handler.
type Server struct {
	issuer     string
	issuerPath string // path part of the issuer, for callers that do not strip it
	clients    map[string]Client
	persons    func(now time.Time) []Person
	anyPID     bool // Config.AllowNonSynthetic
	now        func() time.Time
	log        *slog.Logger

	key  *rsa.PrivateKey
	kid  string
	salt []byte      // pairwise-sub salt, random per server
	aead cipher.AEAD // seals self-contained values (seal.go), keyed from salt

	store Store
}

// New validates cfg and builds a server with a fresh RS256 signing key.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.Issuer)
	switch {
	case cfg.Issuer == "" || err != nil || !u.IsAbs() || u.Host == "":
		return nil, fmt.Errorf("idportenmock: issuer %q must be an absolute URL", cfg.Issuer)
	case strings.HasSuffix(cfg.Issuer, "/"):
		return nil, errors.New("idportenmock: issuer must not end with a slash")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("idportenmock: issuer must not have a query or fragment")
	}
	s := &Server{
		issuer:     cfg.Issuer,
		issuerPath: u.Path,
		clients:    make(map[string]Client, len(cfg.Clients)),
		persons:    cfg.Persons,
		anyPID:     cfg.AllowNonSynthetic,
		now:        cfg.Now,
		log:        cfg.Logger,
		store:      cfg.Store,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.store == nil {
		s.store = newMemStore(s.now)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || c.Secret == "" {
			return nil, errors.New("idportenmock: every client needs an id and a secret")
		}
		if len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("idportenmock: client %q has no redirect URI", c.ID)
		}
		for _, uri := range append(append([]string{}, c.RedirectURIs...), c.PostLogoutRedirectURIs...) {
			if u, err := url.Parse(uri); err != nil || !u.IsAbs() || u.Fragment != "" {
				return nil, fmt.Errorf("idportenmock: client %q: %q is not an absolute URI without fragment", c.ID, uri)
			}
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("idportenmock: client %q configured twice", c.ID)
		}
		s.clients[c.ID] = c
	}
	for _, p := range s.personsNow() {
		if !representation.ValidPID(p.PID) {
			// The number itself stays out of the message: it may be real.
			return nil, fmt.Errorf("idportenmock: person %q has an invalid fødselsnummer", p.Name)
		}
		if !s.acceptable(p.PID) {
			return nil, fmt.Errorf("idportenmock: person %q has a fødselsnummer that is not synthetic (month + 40 or + 80); the login page offers only synthetic test persons", p.Name)
		}
	}
	if s.key = cfg.SigningKey; s.key == nil {
		if s.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("idportenmock: generate key: %w", err)
		}
	}
	// The kid follows the key, so nodes sharing a key publish one kid.
	sum := sha256.Sum256(s.key.PublicKey.N.Bytes())
	s.kid = "idportenmock-" + base64.RawURLEncoding.EncodeToString(sum[:12])
	if s.salt = cfg.Salt; s.salt == nil {
		s.salt = make([]byte, 32)
		if _, err := rand.Read(s.salt); err != nil {
			return nil, fmt.Errorf("idportenmock: salt: %w", err)
		}
	} else if len(s.salt) < 16 {
		return nil, errors.New("idportenmock: salt must be at least 16 bytes")
	}
	if s.aead, err = sealKey(s.salt); err != nil {
		return nil, fmt.Errorf("idportenmock: seal key: %w", err)
	}
	return s, nil
}

// acceptable reports whether the mock logs pid in: a synthetic number,
// or with AllowNonSynthetic any valid one.
func (s *Server) acceptable(pid string) bool {
	if s.anyPID {
		return representation.ValidPID(pid)
	}
	return representation.IsSynthetic(pid)
}

// personsNow returns the persons to offer now.
func (s *Server) personsNow() []Person {
	if s.persons == nil {
		return nil
	}
	return s.persons(s.now())
}

// Issuer returns the configured issuer.
func (s *Server) Issuer() string { return s.issuer }

// publicJWK is the verification key as published in the JWKS.
func (s *Server) publicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

// randomString returns n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("idportenmock: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
