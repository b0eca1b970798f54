// Command go-oidc is a minimal web tool that logs a person in with oidcp
// through github.com/coreos/go-oidc/v3 and golang.org/x/oauth2, and shows
// the verified ID token's claims. It needs no setting beyond the client's
// own: go-oidc's discovery accepts the sandbox's http issuer, and x/oauth2
// sends the secret by HTTP Basic, which a client registered with
// `oidcp clients create` accepts.
//
//	CLIENT_SECRET=… go run ./examples/go-oidc   # then open http://127.0.0.1:9000/login
//
// Settings come from the environment: ISSUER (default the sandbox of
// `make run`), CLIENT_ID (my-app), CLIENT_SECRET and REDIRECT_URI
// (http://127.0.0.1:9000/callback; the tool listens on its host and port).
// For scripts, /login passes login_hint and testid_acting_for on to oidcp
// (README, steps 4 and 5).
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// pending is what the tool keeps between /login and /callback: the PKCE
// verifier and nonce of each state it sent.
type pending struct{ verifier, nonce string }

func main() {
	ctx := context.Background()
	issuer := env("ISSUER", "http://127.0.0.1:8080/sandbox")
	clientID := env("CLIENT_ID", "my-app")
	redirect := env("REDIRECT_URI", "http://127.0.0.1:9000/callback")
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		log.Fatalf("discovery of %s: %v", issuer, err)
	}
	conf := oauth2.Config{
		ClientID: clientID, ClientSecret: os.Getenv("CLIENT_SECRET"),
		Endpoint: provider.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "pid"},
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: clientID})
	var mu sync.Mutex
	flows := map[string]pending{}

	cb, err := url.Parse(redirect)
	if err != nil {
		log.Fatalf("REDIRECT_URI: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		// state and nonce: random, well over the 8 characters oidcp requires.
		state, p := rand.Text(), pending{verifier: oauth2.GenerateVerifier(), nonce: rand.Text()}
		mu.Lock()
		flows[state] = p
		mu.Unlock()
		opts := []oauth2.AuthCodeOption{oidc.Nonce(p.nonce), oauth2.S256ChallengeOption(p.verifier)}
		for _, k := range []string{"login_hint", "testid_acting_for", "ui_locales"} {
			if v := r.URL.Query().Get(k); v != "" {
				opts = append(opts, oauth2.SetAuthURLParam(k, v))
			}
		}
		http.Redirect(w, r, conf.AuthCodeURL(state, opts...), http.StatusFound)
	})
	mux.HandleFunc("GET "+cb.Path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if e := q.Get("error"); e != "" {
			http.Error(w, "login failed: "+e+": "+q.Get("error_description"), http.StatusForbidden)
			return
		}
		mu.Lock()
		p, ok := flows[q.Get("state")]
		delete(flows, q.Get("state"))
		mu.Unlock()
		if !ok {
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		}
		tok, err := conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
		if err != nil {
			http.Error(w, "token request: "+err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		id, err := verifier.Verify(r.Context(), raw)
		if err != nil || id.Nonce != p.nonce {
			http.Error(w, "ID token rejected", http.StatusBadGateway)
			return
		}
		var claims map[string]any
		if err := id.Claims(&claims); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(claims)
	})
	log.Printf("open http://%s/login", cb.Host)
	log.Fatal(http.ListenAndServe(cb.Host, mux))
}
