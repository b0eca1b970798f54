// Package upstream is oidcp's OpenID Connect relying-party client of the
// national eID: ID-porten, or anything with its shape (the built-in
// idportenmock). Pointing it at the real ID-porten is configuration only.
//
// It owns the upstream protocol: discovery and JWKS (cached, fetched
// lazily), the pushed authorization request (RFC 9126) with PKCE S256
// (RFC 7636), state and nonce, the authorization response checks (state,
// RFC 9207 iss, error), the code exchange with client_secret_basic, full ID
// token validation, and the end-session URL.
//
// It does not own: where State is kept between Start and Exchange (the
// caller stores it server-side and binds it to the browser), sessions,
// which person may log in, or mapping the identity to oidcp's tokens. It
// never logs; errors never contain the fødselsnummer or tokens.
//
// Wiring, as cmd/oidcp does it:
//
//	eid, err := upstream.New(upstream.Config{
//		Issuer:       "https://idporten.no", // or the mock's issuer
//		HTTPClient:   hc, // outbound.New: refuses private addresses outside dev mode
//		ClientID:     clientID,
//		ClientSecret: clientSecret,
//		RedirectURL:  issuer + "/callback",
//		Observe:      metrics.ObserveUpstream, // optional
//	})
//	// On /authorize:  redirect, st, err := eid.Start(ctx, upstream.AuthParams{LoginHint: hint})
//	//                 store st server-side; send the browser to redirect.
//	// On /callback:   id, err := eid.Exchange(ctx, r.URL.Query(), st)
//	//                 errors.As(err, new(*upstream.CallbackError)) for access_denied.
//	// On logout:      u, err := eid.EndSessionURL(ctx, id.IDToken, issuer+"/logout/callback", state)
//
// Exchange checks acr against Config.AllowedACR only; a caller that asked
// one login for idporten-loa-high must compare Identity.ACR itself (ID-porten's
// test login may answer with a lower level than requested). max_age is
// passed upstream but auth_time is not checked against it here.
package upstream
