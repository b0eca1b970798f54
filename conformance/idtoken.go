package conformance

import (
	"slices"
	"time"
)

// idTokenExpect is what the client knows when it receives an ID token.
type idTokenExpect struct {
	Issuer   string
	ClientID string
	// Alg is the alg the client registered (id_token_signed_response_alg).
	Alg string
	// Nonce is the nonce sent, "" when none was sent.
	Nonce string
	// Refreshed marks an ID token from the refresh_token grant: its nonce
	// MAY be absent and, if present, equals the original's (OIDC Core
	// §12.2 as clarified by errata set 2; the OIDF suite does not check it).
	Refreshed bool
	// AuthTimeRequired is set when max_age was sent (Core §3.1.2.1) or the
	// essential auth_time claim was requested.
	AuthTimeRequired bool
	// AccessToken is checked against at_hash when the token has one.
	AccessToken string
	Now         time.Time
}

// clockSkew is the tolerance for iat and exp, as the OIDF suite allows.
const clockSkew = 5 * time.Minute

// checkIDToken validates an ID token per OIDC Core §3.1.3.7 and returns it
// decoded, or nil when it could not be decoded at all.
func checkIDToken(rec recorder, raw string, ks *keySet, x idTokenExpect) *jwt {
	const ref = "OIDC-Core-3.1.3.7"
	j, err := parseJWT(raw)
	if err != nil {
		rec.Errorf("OIDC-Core-2", "ID token is not a JWT: %v", err)
		return nil
	}
	want := x.Alg
	if want == "" {
		want = "RS256"
	}
	rec.Check(j.alg() == want, ref+"-7", "ID token alg is %s (registered %s)", j.alg(), want)
	if j.alg() != "none" {
		if ks == nil {
			rec.Errorf(ref+"-6", "cannot verify the ID token signature: no JWKS")
		} else if err := verifySignature(j, ks); err != nil {
			rec.Errorf(ref+"-6", "ID token signature: %v", err)
		} else {
			rec.OKf(ref+"-6", "ID token signature verifies with JWKS key %q", j.kid())
		}
	}
	rec.Check(j.str("iss") == x.Issuer, ref+"-2", "iss %q equals the issuer", j.str("iss"))
	aud := j.aud()
	rec.Check(slices.Contains(aud, x.ClientID), ref+"-3", "aud %v contains client_id", aud)
	if len(aud) > 1 {
		rec.Check(j.str("azp") == x.ClientID, ref+"-4", "azp %q is the client_id, as aud has several values", j.str("azp"))
	} else if azp := j.str("azp"); azp != "" {
		rec.Check(azp == x.ClientID, ref+"-5", "azp %q is the client_id", azp)
	}
	sub := j.str("sub")
	rec.Check(sub != "" && len(sub) <= 255, "OIDC-Core-2", "sub is a non-empty string of at most 255 characters")
	if exp, ok := j.time("exp"); rec.Check(ok, "OIDC-Core-2", "exp is present and numeric") {
		rec.Check(x.Now.Before(exp.Add(clockSkew)), ref+"-9", "exp %s is in the future", exp.UTC().Format(time.RFC3339))
	}
	if iat, ok := j.time("iat"); rec.Check(ok, "OIDC-Core-2", "iat is present and numeric") {
		rec.Check(!iat.After(x.Now.Add(clockSkew)), ref+"-10", "iat %s is not in the future", iat.UTC().Format(time.RFC3339))
	}
	_, hasNonce := j.Claims["nonce"]
	switch {
	case x.Refreshed && !hasNonce:
		rec.OKf("OIDC-Core-12.2", "refreshed ID token has no nonce (allowed)")
	case x.Refreshed:
		rec.Check(j.str("nonce") == x.Nonce, "OIDC-Core-12.2", "refreshed ID token's nonce equals the original ID token's")
	case x.Nonce != "":
		rec.Check(j.str("nonce") == x.Nonce, ref+"-11", "nonce equals the nonce sent")
	case hasNonce:
		rec.Errorf("OIDC-Core-2", "ID token carries a nonce although the request had none")
	}
	if v, has := j.Claims["auth_time"]; has {
		_, ok := v.(float64)
		rec.Check(ok, "OIDC-Core-2", "auth_time is numeric")
	} else if x.AuthTimeRequired {
		rec.Errorf("OIDC-Core-3.1.2.1", "auth_time is missing although max_age was requested")
	}
	if ah := j.str("at_hash"); ah != "" && x.AccessToken != "" {
		want, err := halfHash(j.alg(), x.AccessToken)
		if err != nil {
			rec.Warnf("OIDC-Core-3.1.3.6", "cannot check at_hash: %v", err)
		} else {
			rec.Check(ah == want, "OIDC-Core-3.1.3.6", "at_hash matches the access token")
		}
	}
	return j
}
