package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/uilang"
)

// The demo doubles as a stand-in for the portal in dev mode (docs/handoff.md):
// its client is flagged as a hand-off portal, and after a login the
// callback page lists the tenant's tools that can be opened from a portal
// (Config.Tools). "Åpne" posts to /demo/launch, which asks oidcp's
// POST {issuer}/handoff with the demo's client authentication and the
// person's access token, and sends the browser to the URL oidcp answers:
// the tool's initiate_login_uri with the one-time ticket.

// Tool is a tool the portal stand-in can open.
type Tool struct {
	ClientID string
	Name     string
	// LaunchURI is the page to open the tool at (one of its launch_uris);
	// InitiateLoginURI is where oidcp sends the browser first.
	LaunchURI        string
	InitiateLoginURI string
}

// portalCookie keeps the person's access token at the demo between the
// login and a launch, sealed like the flow cookie.
const portalCookie = "oidcp_demo_portal"

var portalAAD = []byte("oidcp/demo/portal/v1")

type portalState struct {
	Tenant      string `json:"t"`
	AccessToken string `json:"a"`
	Expires     int64  `json:"e"`
}

func (s *sealer) sealJSON(v any, aad []byte) string {
	plain, _ := json.Marshal(v)
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, aad))
}

func (s *sealer) openJSON(v string, aad []byte, out any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return false
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], aad)
	return err == nil && json.Unmarshal(plain, out) == nil
}

// setPortal keeps the access token of a login for launches.
func (h *Handler) setPortal(w http.ResponseWriter, st portalState) {
	http.SetCookie(w, &http.Cookie{
		Name: portalCookie, Value: h.seal.sealJSON(st, portalAAD), Path: h.cookiePath,
		MaxAge: int(time.Unix(st.Expires, 0).Sub(h.now()).Seconds()), HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// tools lists what the callback page offers to open, "" csp extension
// when none; errors only hide the list.
func (h *Handler) tools(ctx context.Context, tenant string) ([]Tool, string) {
	if h.listTools == nil {
		return nil, ""
	}
	ts, err := h.listTools(ctx, tenant)
	if err != nil || len(ts) == 0 {
		return nil, ""
	}
	var origins []string
	for _, t := range ts {
		for _, u := range []string{t.LaunchURI, t.InitiateLoginURI} {
			if pu, err := url.Parse(u); err == nil && pu.Host != "" {
				if o := pu.Scheme + "://" + pu.Host; !slices.Contains(origins, o) {
					origins = append(origins, o)
				}
			}
		}
	}
	return ts, strings.Join(origins, " ")
}

// launch is POST /demo/launch (tenant, client_id, target_link_uri): the
// hand-off to a tool with the access token of the login shown.
func (h *Handler) launch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.renderError(w, uilang.Default, http.StatusBadRequest, text(uilang.Default).errHandoff, err.Error())
		return
	}
	lang := uilang.Pick(r, r.PostForm.Get("lang"))
	tx := text(lang)
	var st portalState
	c, err := r.Cookie(portalCookie)
	if err != nil || !h.seal.openJSON(c.Value, portalAAD, &st) || h.now().Unix() > st.Expires || st.Tenant != r.PostForm.Get("tenant") {
		h.renderError(w, lang, http.StatusBadRequest, tx.errNoPortal, "")
		return
	}
	p := h.byName[st.Tenant]
	if p == nil {
		h.renderError(w, lang, http.StatusBadRequest, tx.errUnknownTenant, st.Tenant)
		return
	}
	form := url.Values{
		"client_id":       {r.PostForm.Get("client_id")},
		"target_link_uri": {r.PostForm.Get("target_link_uri")},
		// With HTTP Basic in the Authorization header, the access token
		// goes in the form (RFC 6750 §2.2).
		"access_token": {st.AccessToken},
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.t.Issuer+"/handoff", strings.NewReader(form.Encode()))
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errHandoff, err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.t.ClientID), url.QueryEscape(p.t.ClientSecret))
	resp, err := h.hc.Do(req)
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errHandoff, err.Error())
		return
	}
	defer resp.Body.Close()
	var out struct {
		URL         string `json:"url"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.URL == "" {
		h.renderError(w, lang, http.StatusBadGateway, tx.errHandoff, strings.TrimSpace(out.Error+": "+out.Description))
		return
	}
	http.Redirect(w, r, out.URL, http.StatusSeeOther)
}
