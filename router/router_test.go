package router

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type countingObserver map[string]int

func (c countingObserver) Endpoint(tenant, name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c[tenant+"/"+name]++
		h.ServeHTTP(w, r)
	})
}

// TestRouter: every mounted route gets the security headers (its own
// CSP or the default), metrics under its labels and the router-wide
// headers; an unknown path or method gets the NotFound answer with the
// router-wide headers.
func TestRouter(t *testing.T) {
	obs := countingObserver{}
	var notFound []int
	rt := New(Options{
		Observer: obs,
		NotFound: func(w http.ResponseWriter, r *http.Request, status int) {
			notFound = append(notFound, status)
			w.WriteHeader(status)
		},
		Header: http.Header{"Strict-Transport-Security": {"max-age=1"}},
	})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rt.Mount(
		HandlerFunc(func(m Mux) { m.Handle("GET /main/page", Route{Tenant: "main", Endpoint: "page"}, ok) }),
		HandlerFunc(func(m Mux) {
			m.Handle("GET /mock/", Route{Endpoint: "mock", CSP: "default-src 'none'; form-action *"}, ok)
		}),
	)
	for _, tc := range []struct {
		method, path string
		status       int
		csp          string
	}{
		{"GET", "/main/page", http.StatusTeapot, DefaultCSP},
		{"GET", "/mock/login", http.StatusTeapot, "default-src 'none'; form-action *"},
		{"GET", "/nowhere", http.StatusNotFound, ""},
		{"POST", "/main/page", http.StatusMethodNotAllowed, ""},
	} {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		h := rec.Header()
		if rec.Code != tc.status || h.Get("Content-Security-Policy") != tc.csp || h.Get("Strict-Transport-Security") != "max-age=1" {
			t.Errorf("%s %s: %d, CSP %q, HSTS %q", tc.method, tc.path, rec.Code, h.Get("Content-Security-Policy"), h.Get("Strict-Transport-Security"))
		}
		if tc.csp != "" && (h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer") {
			t.Errorf("%s %s: headers %v", tc.method, tc.path, h)
		}
	}
	if obs["main/page"] != 1 || obs["/mock"] != 1 {
		t.Errorf("metrics %v", obs)
	}
	if len(notFound) != 2 || notFound[0] != 404 || notFound[1] != 405 {
		t.Errorf("NotFound calls %v", notFound)
	}
}
