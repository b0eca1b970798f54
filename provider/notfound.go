package provider

import (
	"fmt"
	"net/http"
	"strings"
)

// NotFound answers a request that no route serves: status is 404, or 405
// when the path exists for other methods (the caller has set Allow).
// Programs get JSON: requests to API paths (token, userinfo, JWKS,
// discovery, …) and requests that accept JSON but not HTML. People get a
// page in their language (ui_locales, lang, Accept-Language) with a title
// and a link to where to start: the tenant's overview (its discovery
// document) under a known tenant, else the base URL's index of issuers.
func (p *Provider) NotFound(w http.ResponseWriter, r *http.Request, status int) {
	securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.notFound(w, r, status)
	})).ServeHTTP(w, r)
}

func (p *Provider) notFound(w http.ResponseWriter, r *http.Request, status int) {
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	t := p.tenants[seg]
	home, homeDesc := p.cfg.BaseURL+"/", "the index of issuers at "+p.cfg.BaseURL+"/"
	if t != nil {
		home = t.issuer + "/.well-known/openid-configuration"
		homeDesc = "the issuer's metadata at " + home
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r, "/"+rest) || t == nil && wantsJSON(r, r.URL.Path) {
		body := map[string]string{"error": "not_found"}
		switch {
		case status == http.StatusMethodNotAllowed:
			body = map[string]string{"error": "invalid_request",
				"error_description": fmt.Sprintf("%s is not allowed here; use %s.", r.Method, w.Header().Get("Allow"))}
		case t == nil && seg == ".well-known":
			// The base URL is no issuer: each tenant is one.
			body["error_description"] = fmt.Sprintf("Each tenant is an issuer of its own, with its metadata at %s/{tenant}/.well-known/openid-configuration; tenants: %s.",
				p.cfg.BaseURL, strings.Join(p.order, ", "))
		case t == nil && seg != "":
			body["error_description"] = fmt.Sprintf("There is no tenant %q; see %s.", seg, homeDesc)
		default:
			body["error_description"] = "There is no endpoint at this path; see " + homeDesc + "."
		}
		writeJSON(w, status, body)
		return
	}
	lang := pageLang(r, r.URL.Query().Get("ui_locales")+" "+r.URL.Query().Get("lang"))
	tx := pageTexts[lang]
	d := pageData{Lang: lang, Title: tx["not_found_title"], Message: tx["not_found"], Action: home, Detail: tx["to_start"]}
	if status == http.StatusMethodNotAllowed {
		d.Message = tx["no_method"]
	}
	if t != nil {
		d.Detail = fmt.Sprintf(tx["to_tenant"], t.cfg.DisplayName)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "notfound.html", d)
}

// apiPaths are the tenant endpoints programs call; a wrong path under
// them is answered in JSON.
var apiPaths = []string{"/token", "/userinfo", "/jwks", "/par", "/introspect", "/revoke", "/register", "/.well-known/", "/api/"}

// wantsJSON reports whether the request is a program's: to an API path
// (rest is the path below the tenant), not a GET (browsers navigate with
// GET; a mistyped token endpoint is POSTed to), or accepting JSON but
// not HTML.
func wantsJSON(r *http.Request, rest string) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return true
	}
	for _, p := range apiPaths {
		if rest == p || strings.HasPrefix(rest, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}
