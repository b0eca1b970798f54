package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// dpopProver makes DPoP proofs (RFC 9449 §4.2) with one ES256 key and
// keeps the server's latest nonce (§8).
type dpopProver struct {
	t     *T
	key   *ecdsa.PrivateKey
	nonce string
}

func (t *T) newDPoPProver() *dpopProver {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("", "DPoP key: %v", err)
	}
	return &dpopProver{t: t, key: k}
}

// proof is a fresh proof for method and URL; ath when token is set.
func (p *dpopProver) proof(method, u, token string) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: p.key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		p.t.Fatalf("", "DPoP signer: %v", err)
	}
	cl := map[string]any{"jti": randomString(), "htm": method, "htu": u, "iat": p.t.env.opts.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		cl["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if p.nonce != "" {
		cl["nonce"] = p.nonce
	}
	b, _ := json.Marshal(cl)
	jws, err := s.Sign(b)
	if err != nil {
		p.t.Fatalf("", "DPoP proof: %v", err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// retry reports whether r asks for the server's nonce, which it then
// keeps (RFC 9449 §8 at the AS, §9 at a resource).
func (p *dpopProver) retry(r *httpResult) bool {
	n := r.Header.Get("DPoP-Nonce")
	if n == "" || n == p.nonce {
		return false
	}
	if r.errCode() == "use_dpop_nonce" || strings.Contains(r.Header.Get("WWW-Authenticate"), "use_dpop_nonce") {
		p.nonce = n
		return true
	}
	return false
}

// token calls the token endpoint as c with a proof, once more with the
// nonce when the OP asks for one.
func (p *dpopProver) token(c Client, form url.Values) *httpResult {
	ep := p.t.disc().Str("token_endpoint")
	send := func() *httpResult {
		return p.t.postFormWith(ep, &c, form, http.Header{"Dpop": {p.proof(http.MethodPost, ep, "")}})
	}
	r := send()
	if p.retry(r) {
		r = send()
	}
	p.t.Logf("token request grant_type=%s with a DPoP proof -> %s", form.Get("grant_type"), r)
	return r
}

// userinfo calls userinfo with the token under scheme and, unless proof
// is "none", a proof: "" makes a fresh one, anything else is sent as is.
func (p *dpopProver) userinfo(scheme, at, proof string) (*httpResult, string) {
	ep := p.t.disc().Str("userinfo_endpoint")
	send := func(proof string) (*httpResult, string) {
		req, err := http.NewRequestWithContext(p.t.ctx, http.MethodGet, ep, nil)
		if err != nil {
			p.t.Fatalf("", "build userinfo request: %v", err)
		}
		req.Header.Set("Authorization", scheme+" "+at)
		if proof == "" {
			proof = p.proof(http.MethodGet, ep, at)
		}
		if proof != "none" {
			req.Header.Set("DPoP", proof)
		}
		return p.t.do(req), proof
	}
	r, used := send(proof)
	if proof == "" && p.retry(r) {
		r, used = send("")
	}
	p.t.Logf("userinfo (%s scheme, proof %v) -> %s", scheme, proof != "none", r)
	return r, used
}

// runDPoP: tokens bound to a DPoP key (RFC 9449) at the token endpoint,
// worthless at userinfo without a proof by that key.
func runDPoP(t *T) {
	d := t.disc()
	if !d.Supports("dpop_signing_alg_values_supported", "ES256") {
		t.Skipf("OP does not advertise ES256 in dpop_signing_alg_values_supported")
	}
	t.requireEndpoint("userinfo_endpoint")
	a := t.offlineAuthz()
	if a.Verifier == "" {
		a.pkce() // DPoP is not about PKCE; an OP that requires it still gets it
	}
	cb := t.mustAuthorize(t.env.newBrowser(), a)
	code := t.expectCode(cb, a)
	p := t.newDPoPProver()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.RedirectURI}}
	if a.Verifier != "" {
		form.Set("code_verifier", a.Verifier)
	}
	tok := p.token(a.Client, form)
	if tok.Status != http.StatusOK {
		t.Fatalf("RFC9449-5", "token request with a DPoP proof answered %s, want 200", tok)
	}
	t.Check(strings.EqualFold(tok.str("token_type"), "DPoP"), "RFC9449-5", "token_type is DPoP (got %q)", tok.str("token_type"))
	at := tok.str("access_token")

	r, used := p.userinfo("DPoP", at, "")
	if r.Status != http.StatusOK {
		t.Fatalf("RFC9449-7.1", "userinfo with the DPoP scheme and a proof answered %s (WWW-Authenticate %q), want 200", r, r.Header.Get("WWW-Authenticate"))
	}
	t.OKf("RFC9449-7.1", "userinfo accepts the bound token with a proof")
	refused := func(r *httpResult, ref, what string) {
		t.Check(r.Status == http.StatusUnauthorized, ref, "%s is refused with 401 (%s)", what, r)
	}
	r, _ = p.userinfo("Bearer", at, "none")
	refused(r, "RFC9449-7.2", "the bound token sent as a bearer token")
	r, _ = p.userinfo("DPoP", at, "none")
	// RFC 9449 leaves the status open: 401 (no valid credentials) or, as
	// for a request missing a parameter (RFC 6750 §3.1), 400.
	t.Check(r.Status == http.StatusUnauthorized || r.Status == http.StatusBadRequest, "RFC9449-7.1",
		"the bound token without a proof is refused with 401 or 400 (%s)", r)
	t.Check(strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "DPoP"), "RFC9449-7.1", "the refusal has a DPoP challenge (got %q)", r.Header.Get("WWW-Authenticate"))
	other := t.newDPoPProver()
	other.nonce = p.nonce
	r, _ = other.userinfo("DPoP", at, other.proof(http.MethodGet, d.Str("userinfo_endpoint"), at))
	refused(r, "RFC9449-4.3", "a proof by another key")
	r, _ = p.userinfo("DPoP", at, used)
	if r.Status == http.StatusOK {
		t.Warnf("RFC9449-11.1", "a proof already used was accepted again; the jti SHOULD be checked for replay")
	} else {
		t.OKf("RFC9449-11.1", "a proof already used is refused (%s)", r)
	}

	rt := tok.str("refresh_token")
	if rt == "" {
		t.Logf("no refresh token: the refresh checks are left out")
		return
	}
	bad := p.t.postFormWith(d.Str("token_endpoint"), &a.Client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}},
		http.Header{"Dpop": {p.proof(http.MethodGet, d.Str("token_endpoint"), "")}})
	t.Check(bad.Status == http.StatusBadRequest && bad.errCode() == "invalid_dpop_proof", "RFC9449-5",
		"a proof for another method is refused with invalid_dpop_proof (%s)", bad)
	ref := p.token(a.Client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if ref.Status != http.StatusOK {
		t.Fatalf("RFC9449-5", "refresh with a DPoP proof answered %s, want 200", ref)
	}
	t.Check(strings.EqualFold(ref.str("token_type"), "DPoP"), "RFC9449-5", "the refreshed token_type is DPoP (got %q)", ref.str("token_type"))
}
