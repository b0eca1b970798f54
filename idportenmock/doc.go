// Package idportenmock is a small, real OpenID Provider with the shape of
// the Norwegian national eID (ID-porten), for development and the sandbox.
//
// It owns: discovery, JWKS, pushed authorization requests (RFC 9126), the
// authorization endpoint with PKCE S256 (RFC 7636), a login page listing the
// configured synthetic persons, ID-porten's headless test login
// (login_hint=testid:<pid>[_idporten-loa-high]), the token endpoint, userinfo
// and RP-initiated logout (/endsession). ID tokens are RS256, signed with a
// key generated at start, and carry ID-porten's claims: pairwise sub, pid,
// acr, amr, auth_time, sid, locale, nonce, jti.
//
// It does not own: persistence (by default its state lives in memory and
// dies with the process; Config.Store shares it between nodes, and pushed
// requests, codes and access tokens are self-contained, sealed with a key
// from Config.Salt: seal.go), single sign-on between logins (every authorization is a fresh
// login), or anything of oidcp's. It shares no state with the provider; oidcp
// reaches it over HTTP exactly as it reaches the real ID-porten, through the
// upstream package.
//
// Wiring: the server answers paths relative to its issuer, so mount it with
// http.StripPrefix on the issuer's path:
//
//	mock, err := idportenmock.New(idportenmock.Config{
//		Issuer:  "http://127.0.0.1:8080/idporten-mock",
//		Clients: []idportenmock.Client{{ID: "oidcp", Secret: secret,
//			RedirectURIs:           []string{"http://127.0.0.1:8080/main/callback"},
//			PostLogoutRedirectURIs: []string{"http://127.0.0.1:8080/main/logout/callback"}}},
//		Persons: func(now time.Time) []idportenmock.Person { return persons },
//	})
//	mux.Handle("/idporten-mock/", http.StripPrefix("/idporten-mock", mock))
//
// Deliberate behaviour worth knowing (it mirrors ID-porten's test login):
//   - With login_hint=testid:<pid> the page is skipped and the acr comes from
//     the hint (substantial, or high with the _idporten-loa-high suffix), even
//     when acr_values asked for more; the relying party must check acr.
//   - prompt=none without the headless hint fails with login_required,
//     because the mock keeps no SSO session.
//   - pid is put in the ID token and userinfo whatever the scope.
//   - Only synthetic numbers log in (month + 40 or + 80, D-numbers derived
//     from them included), on the page and in the testid: hint: the mock
//     checks nobody's identity, so it must never let anyone act as a real
//     person. Config.AllowNonSynthetic lifts this on a developer's machine.
package idportenmock
