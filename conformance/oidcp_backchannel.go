package conformance

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// receivedLogout is one POST to the back-channel receiver.
type receivedLogout struct {
	ContentType string
	Form        url.Values
	Err         error
}

// backchannelReceiver is the RP's back-channel logout endpoint
// (Back-Channel Logout 1.0 §2.5): it answers 200 and records requests.
type backchannelReceiver struct {
	mu   sync.Mutex
	got  []receivedLogout
	wake chan struct{}
	srv  *http.Server
}

func startReceiver(cfg *Backchannel) (*backchannelReceiver, error) {
	u, err := url.Parse(cfg.URI)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	r := &backchannelReceiver{wake: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc(u.Path, func(w http.ResponseWriter, req *http.Request) {
		rec := receivedLogout{ContentType: req.Header.Get("Content-Type")}
		if req.Method != http.MethodPost {
			rec.Err = errors.New("method " + req.Method)
		} else {
			body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
			if err == nil {
				rec.Form, err = url.ParseQuery(string(body))
			}
			rec.Err = err
		}
		r.mu.Lock()
		r.got = append(r.got, rec)
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if cfg.TLSCert != "" {
			_ = r.srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			_ = r.srv.Serve(ln)
		}
	}()
	return r, nil
}

// wait returns the first request that match accepts, waiting up to d.
// Requests for other logins (an OP may still be delivering logouts of
// earlier sessions of the same client) are passed over.
func (r *backchannelReceiver) wait(ctx context.Context, d time.Duration, match func(receivedLogout) bool) (receivedLogout, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		r.mu.Lock()
		for _, g := range r.got {
			if match(g) {
				r.mu.Unlock()
				return g, true
			}
		}
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-timer.C:
			return receivedLogout{}, false
		case <-ctx.Done():
			return receivedLogout{}, false
		}
	}
}

func runBackchannelLogout(t *T) {
	d := t.disc()
	if !d.Bool("backchannel_logout_supported", false) {
		t.Skipf("OP does not advertise backchannel_logout_supported")
	}
	cfg := t.env.opts.Client.Backchannel
	if cfg == nil {
		t.Skipf("no backchannel receiver in the client config")
	}
	ep := t.requireEndpoint("end_session_endpoint")
	rcv, err := startReceiver(cfg)
	if err != nil {
		t.Fatalf("", "start back-channel receiver on %s: %v", cfg.Listen, err)
	}
	t.Cleanup(func() { _ = rcv.srv.Close() })
	t.Logf("back-channel receiver listening at %s", cfg.URI)

	b := t.env.newBrowser()
	f := t.codeFlow(b, t.newAuthz())
	params := url.Values{"id_token_hint": {f.ID.Raw}, "client_id": {f.Authz.Client.ClientID}}
	stops := []string{}
	if plr := t.env.opts.Client.PostLogoutRedirectURI; plr != "" {
		params.Set("post_logout_redirect_uri", plr)
		stops = append(stops, plr)
	}
	u, err := t.logout(b, ep, params, stops...)
	if err == nil {
		t.Logf("logout redirected to %s", stripQuery(u))
	} else {
		var pe *PageError
		if !errors.As(err, &pe) || pe.Page.Status >= 400 {
			t.Fatalf("OIDC-RPInitiated-2", "logout: %v", err)
		}
		t.Logf("logout ended on a page: %v", pe)
	}
	// A malformed request matches, so that it is reported; a valid
	// logout token matches when it names this login's sid (or, without
	// sid, its sub).
	sub, sid := f.ID.str("sub"), f.ID.str("sid")
	got, ok := rcv.wait(t.ctx, 10*time.Second, func(g receivedLogout) bool {
		if g.Err != nil || g.Form.Get("logout_token") == "" {
			return true
		}
		j, err := parseJWT(g.Form.Get("logout_token"))
		if err != nil {
			return true
		}
		if s := j.str("sid"); s != "" && sid != "" {
			return s == sid
		}
		return j.str("sub") == sub
	})
	if !ok {
		t.Fatalf("OIDC-BCL-2.5", "no logout token reached %s within 10 s", cfg.URI)
	}
	if got.Err != nil {
		t.Fatalf("OIDC-BCL-2.5", "back-channel request: %v", got.Err)
	}
	mt, _, _ := mime.ParseMediaType(got.ContentType)
	t.Check(mt == "application/x-www-form-urlencoded", "OIDC-BCL-2.5", "logout request is form-encoded (got %q)", got.ContentType)
	raw := got.Form.Get("logout_token")
	if raw == "" {
		t.Fatalf("OIDC-BCL-2.5", "logout request has no logout_token parameter")
	}
	checkLogoutToken(t, raw, t.keys(), logoutExpect{
		Issuer: t.env.opts.Issuer, ClientID: f.Authz.Client.ClientID, Sub: f.ID.str("sub"), Sid: f.ID.str("sid"),
		SidRequired: d.Bool("backchannel_logout_session_supported", false), Now: t.env.opts.Now(),
	})
}

// logoutExpect is what the RP knows when it receives a logout token.
type logoutExpect struct {
	Issuer, ClientID, Sub, Sid string
	SidRequired                bool
	Now                        time.Time
}

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// checkLogoutToken validates a logout token per Back-Channel Logout 1.0
// §2.4 (claims) and §2.6 (validation).
func checkLogoutToken(rec recorder, raw string, ks *keySet, x logoutExpect) {
	const ref = "OIDC-BCL-2.4"
	j, err := parseJWT(raw)
	if err != nil {
		rec.Errorf(ref, "logout token is not a JWT: %v", err)
		return
	}
	if err := verifySignature(j, ks); err != nil {
		rec.Errorf("OIDC-BCL-2.6", "logout token signature: %v", err)
	} else {
		rec.OKf("OIDC-BCL-2.6", "logout token is signed (%s) and verifies with the JWKS", j.alg())
	}
	if typ, _ := j.Header["typ"].(string); typ != "" {
		rec.Check(typ == "logout+jwt", ref, "typ header is logout+jwt (got %q)", typ)
	} else {
		rec.Logf("logout token has no typ header (logout+jwt is RECOMMENDED)")
	}
	rec.Check(j.str("iss") == x.Issuer, ref, "iss %q is the issuer", j.str("iss"))
	rec.Check(slices.Contains(j.aud(), x.ClientID), ref, "aud %v contains the client_id", j.aud())
	if iat, ok := j.time("iat"); rec.Check(ok, ref, "iat is present") {
		rec.Check(!iat.After(x.Now.Add(clockSkew)), ref, "iat is not in the future")
	}
	if exp, ok := j.time("exp"); rec.Check(ok, ref, "exp is present") {
		rec.Check(x.Now.Before(exp.Add(clockSkew)), ref, "exp is in the future")
	}
	rec.Check(j.str("jti") != "", ref, "jti is present")
	ev, _ := j.Claims["events"].(map[string]any)
	_, isObj := ev[backchannelEvent].(map[string]any)
	rec.Check(isObj, ref, "events has member %s whose value is a JSON object", backchannelEvent)
	sub, sid := j.str("sub"), j.str("sid")
	rec.Check(sub != "" || sid != "", ref, "sub or sid is present")
	if sub != "" {
		rec.Check(sub == x.Sub, ref, "sub is the logged-out user's")
	}
	if x.SidRequired {
		rec.Check(sid != "", ref, "sid is present (backchannel_logout_session_supported)")
	}
	if sid != "" && x.Sid != "" {
		rec.Check(sid == x.Sid, ref, "sid equals the ID token's sid")
	}
	_, hasNonce := j.Claims["nonce"]
	rec.Check(!hasNonce, ref, "nonce is absent (a logout token MUST NOT carry one)")
}
