package provider

import (
	"context"
	"net/http"
	"net/url"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/dpop"
	"github.com/oidcp/oidcp/fapi2"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/storage"
)

// DPoP (RFC 9449) at the provider's endpoints. The proof rules are the
// dpop package's; this file decides where a proof is needed and what a
// token is bound to:
//
//   - token endpoint, every grant: a valid proof binds the access token
//     to the proof's key (Session.CnfJKT: cnf.jkt in a JWT access token
//     and at introspection; token_type DPoP). A client registered with
//     dpop_bound_access_tokens must send one. A code requested with
//     dpop_jkt is redeemed only with a proof by that key, and a public
//     client's refresh token only with a proof by the key it is bound to
//     (§5: a confidential client's refresh token is bound to the client
//     by its authentication instead, so it may move to another key).
//   - PAR: a proof there becomes the request's dpop_jkt (§10.1).
//   - userinfo: a bound token only with the DPoP scheme and a proof by
//     its key whose ath is the token's hash (§7).

const paramDPoPJKT = "dpop_jkt"

// newDPoP builds the tenant's proof verifier. Its nonce key is a tenant
// secret, so every node makes and accepts the same nonces.
func (p *Provider) newDPoP(ctx context.Context, tc TenantConfig, km KeyManager) (*dpop.Verifier, error) {
	key, err := km.Secret(ctx, tc.Name, "dpop-nonce")
	if err != nil {
		return nil, err
	}
	var algs []string // dpop.DefaultAlgs
	if tc.Profile == fapi2.Profile {
		algs = fapi2.DPoPAlgs
	}
	return dpop.New(dpop.Options{
		Tenant: tc.Name, Replay: p.store, Now: p.now, Window: p.cfg.DPoPProofWindow,
		NonceKey: key, RequireNonce: tc.DPoPNonce, Algs: algs,
	})
}

// checkDPoPJKT refuses a malformed dpop_jkt at /authorize and /par.
func checkDPoPJKT(form url.Values) error {
	if len(form[paramDPoPJKT]) > 1 {
		return fosite.ErrInvalidRequest.WithHint("The dpop_jkt parameter is included more than once.")
	}
	if v := form.Get(paramDPoPJKT); v != "" && !dpop.ValidJKT(v) {
		return fosite.ErrInvalidRequest.WithHint("dpop_jkt must be the base64url SHA-256 JWK thumbprint (RFC 7638) of the client's DPoP key (RFC 9449 section 10).")
	}
	return nil
}

// dpopRefusal is a refused proof as the token and PAR endpoints answer
// it (RFC 9449 §5, §8), with the nonce to use in DPoP-Nonce; other
// errors (storage) are returned unchanged.
func dpopRefusal(w http.ResponseWriter, err error) error {
	e, ok := dpop.AsError(err)
	if !ok {
		return err
	}
	if e.Nonce != "" {
		w.Header().Set("DPoP-Nonce", e.Nonce)
	}
	if e.Code == dpop.CodeUseNonce {
		return oautherr.UseDPoPNonce.WithDescription(e.Description).Wrap(err)
	}
	return oautherr.InvalidDPoPProof.WithDescription(e.Description).Wrap(err)
}

// bindDPoP runs at the token endpoint between fosite's validation of the
// grant and the issuance: every grant passes here (a grant added as a
// fosite token endpoint handler, like token exchange, included; a grant
// issued outside fosite must call it too). It sets what the tokens are
// bound to in the session they are issued with.
func (p *Provider) bindDPoP(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AccessRequester) error {
	if t.dpop.NonceRequired() {
		// A fresh nonce with every answer (RFC 9449 §8.2).
		w.Header().Set("DPoP-Nonce", t.dpop.Nonce())
	}
	c, err := clientOf(ar)
	if err != nil {
		return err
	}
	sess, ok := ar.GetSession().(*Session)
	if !ok {
		return fosite.ErrServerError.WithDebug("access request without an oidcp session")
	}
	bound := boundDPoPKey(ar.GetGrantTypes(), c, sess)
	proof, err := dpop.ProofHeader(r.Header)
	if err != nil {
		return dpopRefusal(w, err)
	}
	if proof == "" {
		switch {
		case t.fapi2For(c.ID):
			return oautherr.InvalidDPoPProof.WithDescription("The tenant follows the FAPI 2.0 Security Profile: access tokens are sender-constrained, so every token request needs a DPoP proof (section 5.3.2.1).")
		case c.DPoPBoundAccessTokens:
			return oautherr.InvalidDPoPProof.WithDescription("This client is registered with dpop_bound_access_tokens: every token request needs a DPoP proof (RFC 9449 section 5.2).")
		case bound.jkt != "":
			return fosite.ErrInvalidGrant.WithHint(bound.missing)
		}
		sess.CnfJKT, sess.CodeJKT = "", ""
		return nil
	}
	pr, err := t.dpop.Verify(r.Context(), dpop.Check{Proof: proof, Method: r.Method, URL: t.issuer + "/token"})
	if err != nil {
		return dpopRefusal(w, err)
	}
	if bound.jkt != "" && bound.sameKey && pr.JKT != bound.jkt {
		return fosite.ErrInvalidGrant.WithHint(bound.mismatch)
	}
	sess.CnfJKT, sess.CodeJKT = pr.JKT, ""
	return nil
}

// boundKey is the DPoP key a grant's credential is already bound to
// (empty when it is bound to none), whether the proof must be by that
// key, and the hints that refuse a request without a proof or with one
// by another key.
type boundKey struct {
	jkt               string
	sameKey           bool
	missing, mismatch string
}

// boundDPoPKey is what the credential a token request redeems is bound
// to: a code requested with dpop_jkt, a public client's refresh token
// (RFC 9449 §5), or an exchange's bound subject token. A bound subject
// token is exchanged only with a proof: by its own key when its own
// client exchanges it; an API exchanging onward proves its own key,
// which the new token is bound to. The grant types exclude each other,
// so at most one applies.
func boundDPoPKey(grant fosite.Arguments, c storage.Client, sess *Session) boundKey {
	switch {
	case grant.ExactOne("authorization_code"):
		return boundKey{jkt: sess.CodeJKT, sameKey: true,
			missing:  "The authorization code is bound to a DPoP key (dpop_jkt): redeem it with a DPoP proof by that key.",
			mismatch: "The DPoP proof's key is not the one the authorization request named in dpop_jkt."}
	case grant.ExactOne("refresh_token") && c.Public:
		return boundKey{jkt: sess.CnfJKT, sameKey: true,
			missing:  "The refresh token is bound to a DPoP key: refresh it with a DPoP proof by that key (RFC 9449 section 5).",
			mismatch: "The DPoP proof's key is not the one the refresh token is bound to."}
	case sess.exchangedFrom != nil:
		return boundKey{jkt: sess.exchangedFrom.jkt, sameKey: sess.exchangedFrom.sameClient,
			missing:  "The subject_token is bound to a DPoP key: exchange it with a DPoP proof (by that key when the client it was issued to exchanges it).",
			mismatch: "The DPoP proof's key is not the one the subject_token is bound to."}
	}
	return boundKey{}
}

// parDPoP checks a proof sent to the PAR endpoint and makes its key the
// request's dpop_jkt (RFC 9449 §10.1); a dpop_jkt sent beside it must
// name the same key.
func (p *Provider) parDPoP(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester) error {
	form := ar.GetRequestForm()
	if err := checkDPoPJKT(form); err != nil {
		return err
	}
	proof, err := dpop.ProofHeader(r.Header)
	if err != nil {
		return dpopRefusal(w, err)
	}
	if proof == "" {
		return nil
	}
	pr, err := t.dpop.Verify(r.Context(), dpop.Check{Proof: proof, Method: r.Method, URL: t.issuer + "/par"})
	if err != nil {
		return dpopRefusal(w, err)
	}
	if v := form.Get(paramDPoPJKT); v != "" && v != pr.JKT {
		return oautherr.InvalidDPoPProof.WithDescription("The DPoP proof's key is not the one dpop_jkt names.")
	}
	form.Set(paramDPoPJKT, pr.JKT)
	return nil
}

// resourceDPoP checks a request to a protected resource of the provider
// (userinfo) that presented tok with the Authorization scheme scheme
// ("bearer", "dpop", or "" for a form body) and whose session is s. A
// DPoP-bound token needs the DPoP scheme and a proof by its key; an
// unbound one may not claim the DPoP scheme. The refusal is written.
func (p *Provider) resourceDPoP(w http.ResponseWriter, r *http.Request, t *tenant, path, scheme, tok string, s *Session) bool {
	if s.CnfJKT == "" {
		if scheme == "dpop" {
			oautherr.WriteDPoP(w, oautherr.InvalidToken.WithDescription("The access token is not DPoP-bound; send it with the Bearer scheme."), t.dpop.Algs())
			return false
		}
		return true
	}
	err := t.dpop.VerifyHeader(r.Context(), r.Header, r.Method, t.issuer+path, tok, s.CnfJKT)
	if err == nil {
		return true
	}
	e, ok := dpop.AsError(err)
	if !ok && unavailable(err) {
		p.writeUnavailable(w, r, t, err)
		return false
	}
	if !ok {
		p.log.ErrorContext(r.Context(), "dpop proof check failed", "tenant", t.name, "err", err)
		oautherr.WriteJSON(w, oautherr.ServerError)
		return false
	}
	if e.Nonce != "" {
		w.Header().Set("DPoP-Nonce", e.Nonce)
	}
	// RFC 9449 §7.1: 401 with a DPoP challenge, whatever the cause.
	oautherr.WriteDPoP(w, &oautherr.Error{Code: e.Code, Description: e.Description, Status: http.StatusUnauthorized}, t.dpop.Algs())
	return false
}
