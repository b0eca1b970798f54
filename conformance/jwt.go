package conformance

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwt is a decoded (not yet verified) compact JWS.
type jwt struct {
	Raw    string
	Header map[string]any
	Claims map[string]any
	Sig    string
}

func (j *jwt) alg() string { s, _ := j.Header["alg"].(string); return s }
func (j *jwt) kid() string { s, _ := j.Header["kid"].(string); return s }

// str returns a string claim.
func (j *jwt) str(k string) string { s, _ := j.Claims[k].(string); return s }

// num returns a numeric claim and whether it is a number.
func (j *jwt) num(k string) (float64, bool) { f, ok := j.Claims[k].(float64); return f, ok }

// time returns a NumericDate claim.
func (j *jwt) time(k string) (time.Time, bool) {
	f, ok := j.num(k)
	return time.Unix(int64(f), 0), ok
}

// aud returns the audience as a list (RFC 7519 §4.1.3: string or array).
func (j *jwt) aud() []string {
	switch v := j.Claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// parseJWT decodes a compact JWS without verifying it.
func parseJWT(raw string) (*jwt, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a compact JWS: %d parts (an encrypted ID token is not supported)", len(parts))
	}
	j := &jwt{Raw: raw, Sig: parts[2]}
	for i, dst := range []*map[string]any{&j.Header, &j.Claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("part %d is not base64url: %w", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return nil, fmt.Errorf("part %d is not a JSON object: %w", i, err)
		}
	}
	return j, nil
}

var joseAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// verifySignature checks j's signature against the OP's keys: the key is
// chosen by kid when the header has one (OIDC Core §10.1).
func verifySignature(j *jwt, ks *keySet) error {
	alg := j.alg()
	if alg == "" || alg == "none" {
		return fmt.Errorf("alg is %q: not signed", alg)
	}
	sig, err := jose.ParseSigned(j.Raw, joseAlgs)
	if err != nil {
		return fmt.Errorf("parse JWS: %w", err)
	}
	cands := ks.candidates(j.kid(), alg)
	if len(cands) == 0 {
		return fmt.Errorf("no key in the JWKS matches kid %q and alg %s", j.kid(), alg)
	}
	for _, k := range cands {
		if _, err := sig.Verify(k.Key); err == nil {
			return nil
		}
	}
	return errors.New("signature does not verify with any matching JWKS key")
}

// halfHash computes at_hash / c_hash (OIDC Core §3.1.3.6, §3.3.2.11): the
// left half of the hash of value, with the hash of the JWS alg.
func halfHash(alg, value string) (string, error) {
	var h hash.Hash
	switch {
	case strings.HasSuffix(alg, "256"):
		h = sha256.New()
	case strings.HasSuffix(alg, "384"):
		h = sha512.New384()
	case strings.HasSuffix(alg, "512"), alg == "EdDSA":
		h = sha512.New()
	default:
		return "", fmt.Errorf("no hash for alg %q", alg)
	}
	h.Write([]byte(value))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), nil
}
