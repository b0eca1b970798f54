package dpop

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/claimjson"
	"github.com/oidcp/oidcp/storage"
)

// DefaultAlgs are the proof algorithms accepted unless Options.Algs says
// otherwise: asymmetric only (RFC 9449 §4.3 check 5). none and the HMAC
// algorithms are never accepted, whatever Options.Algs says.
var DefaultAlgs = []string{"ES256", "PS256", "RS256", "EdDSA"}

// supportedAlgs are the algorithms the package can verify at all.
var supportedAlgs = []string{"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"}

// Replay records accepted proofs so each is used once; it is the slice
// of storage.DPoPProofStore the verifier needs. RecordDPoPProof returns
// storage.ErrConflict for a proof recorded before.
type Replay interface {
	RecordDPoPProof(ctx context.Context, p storage.DPoPProof) error
}

// Options configure a Verifier.
type Options struct {
	// Tenant scopes the recorded jtis and the nonces.
	Tenant string
	// Replay records the jti of every accepted proof; required.
	Replay Replay
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Window is how far a proof's iat may lie before or after now;
	// 60 s when zero.
	Window time.Duration
	// Algs are the accepted JWS algorithms; DefaultAlgs when empty.
	Algs []string
	// NonceKey, when set, makes the verifier issue server nonces
	// (Nonce) and check any nonce a proof carries.
	NonceKey []byte
	// RequireNonce refuses a proof without a current server nonce with
	// use_dpop_nonce (RFC 9449 §8). It needs NonceKey.
	RequireNonce bool
	// NonceRotation is how often the nonce changes; 5 min when zero.
	NonceRotation time.Duration
	// Origin is the scheme://host[:port] under which VerifyRequest's
	// requests were sent, for a server behind a proxy; taken from the
	// request when empty.
	Origin string
}

// Verifier checks DPoP proofs for one tenant.
type Verifier struct{ o Options }

// New returns a Verifier; it refuses options that cannot work.
func New(o Options) (*Verifier, error) {
	if o.Replay == nil {
		return nil, errors.New("dpop: Options.Replay is required: a jti must be used once")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Window == 0 {
		o.Window = 60 * time.Second
	}
	if o.NonceRotation == 0 {
		o.NonceRotation = 5 * time.Minute
	}
	if o.NonceRotation < time.Second {
		return nil, errors.New("dpop: Options.NonceRotation must be at least a second")
	}
	if o.RequireNonce && len(o.NonceKey) == 0 {
		return nil, errors.New("dpop: Options.RequireNonce needs a NonceKey")
	}
	if len(o.Algs) == 0 {
		o.Algs = DefaultAlgs
	}
	for _, a := range o.Algs {
		if !slices.Contains(supportedAlgs, a) {
			return nil, fmt.Errorf("dpop: alg %q is not an asymmetric algorithm the package supports (%s)", a, strings.Join(supportedAlgs, ", "))
		}
	}
	o.Algs = slices.Clone(o.Algs)
	return &Verifier{o: o}, nil
}

// Algs are the accepted proof algorithms (for discovery's
// dpop_signing_alg_values_supported and the algs challenge parameter).
func (v *Verifier) Algs() []string { return slices.Clone(v.o.Algs) }

// NonceRequired reports whether every proof must carry a server nonce.
func (v *Verifier) NonceRequired() bool { return v.o.RequireNonce }

// Check is what a proof is verified against.
type Check struct {
	// Proof is the DPoP header's value (ProofHeader reads it).
	Proof string
	// Method and URL are the request's (htm, htu). URL is compared
	// after NormalizeURL, so its query and fragment do not matter.
	Method, URL string
	// AccessToken is the token presented with the proof, if any: the
	// proof's ath must then be its hash (RFC 9449 §4.3 check 11).
	AccessToken string
	// JKT is the thumbprint of the key the presented token (or code) is
	// bound to, if any: the proof must be signed by that key.
	JKT string
}

// Proof is an accepted proof.
type Proof struct {
	// JKT is the RFC 7638 SHA-256 thumbprint of the proof's key, the
	// value of cnf.jkt for tokens bound to it.
	JKT      string
	JTI      string
	Alg      string
	IssuedAt time.Time
}

// maxProofSize bounds a proof: a header with an RSA-4096 key and a few
// claims takes under 2 KiB.
const maxProofSize = 8 << 10

// proofClaims are the payload members RFC 9449 §4.2 defines.
type proofClaims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   *string         `json:"ath"`
	Nonce *string         `json:"nonce"`
}

// Verify checks one proof by every rule of RFC 9449 §4.3 and, when all
// pass, records its jti, so the same proof is refused afterwards on any
// node. A refusal is an *Error; a failure to record is returned as is.
func (v *Verifier) Verify(ctx context.Context, c Check) (Proof, error) {
	if c.Proof == "" {
		return Proof{}, invalid("The DPoP header with a proof is missing.")
	}
	if len(c.Proof) > maxProofSize {
		return Proof{}, invalid("The DPoP proof is too large.")
	}
	parts := strings.Split(c.Proof, ".")
	if len(parts) != 3 {
		return Proof{}, invalid("The DPoP proof is not a compact JWS (three dot-separated parts).")
	}
	var hdr struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err == nil {
		err = claimjson.Unmarshal(raw, &hdr)
	}
	if err != nil {
		return Proof{}, invalidCause("The DPoP proof's JOSE header is not base64url-encoded JSON.", err)
	}
	if hdr.Typ != "dpop+jwt" {
		return Proof{}, invalid(fmt.Sprintf("The DPoP proof's typ is %q; it must be \"dpop+jwt\" (RFC 9449 section 4.2).", hdr.Typ))
	}
	if !slices.Contains(v.o.Algs, hdr.Alg) {
		why := ""
		if hdr.Alg == "none" || strings.HasPrefix(hdr.Alg, "HS") {
			why = " A DPoP proof must be signed with an asymmetric key (RFC 9449 section 4.2)."
		}
		return Proof{}, invalid(fmt.Sprintf("The DPoP proof's alg %q is not accepted; use one of %s.%s", hdr.Alg, strings.Join(v.o.Algs, ", "), why))
	}
	if err := checkPublicJWK(hdr.JWK); err != nil {
		return Proof{}, err
	}
	jws, err := jose.ParseSignedCompact(c.Proof, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(hdr.Alg)})
	if err != nil || len(jws.Signatures) != 1 || jws.Signatures[0].Protected.JSONWebKey == nil {
		return Proof{}, invalidCause("The DPoP proof cannot be parsed as a JWS with its key in the jwk header.", err)
	}
	jwk := jws.Signatures[0].Protected.JSONWebKey
	if !jwk.Valid() || !jwk.IsPublic() {
		return Proof{}, invalid("The DPoP proof's jwk is not a valid public key.")
	}
	if rk, ok := jwk.Key.(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
		return Proof{}, invalid("The DPoP proof's RSA key is shorter than 2048 bits.")
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return Proof{}, invalidCause("The DPoP proof's signature does not verify with the key in its jwk header (or the key does not fit the alg).", err)
	}
	var cl proofClaims
	if err := claimjson.Unmarshal(payload, &cl); err != nil {
		return Proof{}, invalidCause("The DPoP proof's payload is not a JSON object of the RFC 9449 claims.", err)
	}
	if cl.JTI == "" || len(cl.JTI) > 256 {
		return Proof{}, invalid("The DPoP proof has no jti (or one over 256 characters).")
	}
	if cl.HTM == "" || cl.HTU == "" {
		return Proof{}, invalid("The DPoP proof lacks htm or htu.")
	}
	if cl.HTM != c.Method {
		return Proof{}, invalid(fmt.Sprintf("The DPoP proof's htm %q is not the request's method %s.", cl.HTM, c.Method))
	}
	want, err := NormalizeURL(c.URL)
	if err != nil {
		return Proof{}, fmt.Errorf("dpop: the request URL %q: %w", c.URL, err)
	}
	if got, err := NormalizeURL(cl.HTU); err != nil || got != want {
		return Proof{}, invalid(fmt.Sprintf("The DPoP proof's htu is not %s, the URL of this request without query and fragment.", want))
	}
	iat, err := parseIAT(cl.IAT)
	if err != nil {
		return Proof{}, invalid("The DPoP proof has no numeric iat.")
	}
	now := v.o.Now()
	if now.Sub(iat) > v.o.Window {
		return Proof{}, v.withNonce(invalid(fmt.Sprintf("The DPoP proof was issued more than %v ago (iat); make a fresh proof for each request.", v.o.Window)))
	}
	if iat.Sub(now) > v.o.Window {
		return Proof{}, v.withNonce(invalid(fmt.Sprintf("The DPoP proof's iat is more than %v in the future; check the client's clock.", v.o.Window)))
	}
	if c.AccessToken != "" {
		if cl.ATH == nil {
			return Proof{}, invalid("The DPoP proof has no ath, the hash of the access token it is sent with (RFC 9449 section 4.2).")
		}
		if subtle.ConstantTimeCompare([]byte(*cl.ATH), []byte(AccessTokenHash(c.AccessToken))) != 1 {
			return Proof{}, invalid("The DPoP proof's ath is not the hash of the access token it is sent with.")
		}
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return Proof{}, invalidCause("The DPoP proof's jwk has no thumbprint.", err)
	}
	jkt := base64.RawURLEncoding.EncodeToString(tp)
	if c.JKT != "" && subtle.ConstantTimeCompare([]byte(jkt), []byte(c.JKT)) != 1 {
		return Proof{}, invalid("The DPoP proof is signed by another key than the one the token is bound to.")
	}
	if len(v.o.NonceKey) > 0 {
		switch {
		case cl.Nonce == nil && v.o.RequireNonce:
			return Proof{}, &Error{Code: CodeUseNonce, Description: "The DPoP proof must carry the server's nonce from the DPoP-Nonce header (RFC 9449 section 8).", Nonce: v.Nonce()}
		case cl.Nonce != nil && !v.validNonce(*cl.Nonce):
			return Proof{}, &Error{Code: CodeUseNonce, Description: "The DPoP proof's nonce is not (or no longer) the server's; use the one in the DPoP-Nonce header.", Nonce: v.Nonce()}
		}
	}
	// The jti is kept a window longer than any node accepts the proof:
	// the janitor of a node whose clock runs ahead would otherwise
	// delete it while a node whose clock runs behind still takes it,
	// reopening a replay for as long as the clocks differ.
	err = v.o.Replay.RecordDPoPProof(ctx, storage.DPoPProof{Tenant: v.o.Tenant, JKT: jkt, JTI: cl.JTI, ExpiresAt: iat.Add(2 * v.o.Window)})
	if errors.Is(err, storage.ErrConflict) {
		return Proof{}, invalid("The DPoP proof's jti was used before; make a fresh proof for each request (RFC 9449 section 11.1).")
	}
	if err != nil {
		return Proof{}, fmt.Errorf("dpop: record proof: %w", err)
	}
	return Proof{JKT: jkt, JTI: cl.JTI, Alg: hdr.Alg, IssuedAt: iat}, nil
}

// withNonce adds the current nonce to a refusal when nonces are in use:
// a client whose clock is off can then use server time (RFC 9449 §11.1).
func (v *Verifier) withNonce(e *Error) *Error {
	e.Nonce = v.Nonce()
	return e
}

// checkPublicJWK refuses a missing jwk, a symmetric one and one with
// private members (RFC 9449 §4.3 check 7): the proof's key is sent in
// the clear.
func checkPublicJWK(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return invalid("The DPoP proof has no jwk header with its public key.")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return invalidCause("The DPoP proof's jwk is not a JSON object.", err)
	}
	var kty string
	_ = json.Unmarshal(m["kty"], &kty)
	if kty == "oct" {
		return invalid("The DPoP proof's jwk is a symmetric key; it must be an asymmetric public key.")
	}
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
		if _, ok := m[k]; ok {
			return invalid(fmt.Sprintf("The DPoP proof's jwk contains the private key member %q; send only the public key.", k))
		}
	}
	return nil
}

// parseIAT reads a NumericDate (RFC 7519 §2), fractions allowed.
func parseIAT(raw json.RawMessage) (time.Time, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return time.Time{}, err
	}
	if f <= 0 {
		return time.Time{}, errors.New("iat not positive")
	}
	return time.Unix(int64(f), 0), nil
}

// AccessTokenHash is a proof's ath for token: the base64url SHA-256 of
// its ASCII form (RFC 9449 §4.2).
func AccessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a JWK (JSON), as
// base64url: the jkt a token bound to that key carries.
func Thumbprint(jwkJSON []byte) (string, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(jwkJSON); err != nil {
		return "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// ValidJKT reports whether s has the form of a SHA-256 thumbprint
// (dpop_jkt in an authorization request, RFC 9449 §10).
func ValidJKT(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}
