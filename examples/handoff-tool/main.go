// Command handoff-tool is the example tool of docs/handoff.md: a web tool
// that oidcp's portal (in dev mode the demo at /demo/ stands in for it)
// opens logged in, acting for the same person, through OpenID Connect
// third-party-initiated login (OIDC Core §4).
//
// Register it once (the secret is printed once, as client_secret):
//
//	oidcp clients create --tenant sandbox --id handoff-tool --name "Hand-off example" \
//	  --redirect-uri http://127.0.0.1:9100/callback \
//	  --initiate-login-uri http://127.0.0.1:9100/initiate \
//	  --launch-uri http://127.0.0.1:9100/ --accept-relation parent
//
// then run it and open http://127.0.0.1:8080/demo/, log in to the
// sandbox, and press "Åpne Hand-off example":
//
//	CLIENT_SECRET=… go run ./examples/handoff-tool
//
// Settings come from the environment: ISSUER (default the sandbox of
// `make run`), CLIENT_ID (handoff-tool), CLIENT_SECRET and BASE_URL
// (http://127.0.0.1:9100; the tool listens on its host and port).
package main

import (
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/oidcp/oidcp/examples/handoff-tool/tool"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	base := env("BASE_URL", "http://127.0.0.1:9100")
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		log.Fatalf("BASE_URL %q: not an absolute URL", base)
	}
	t := tool.New(tool.Config{
		Issuer:       env("ISSUER", "http://127.0.0.1:8080/sandbox"),
		ClientID:     env("CLIENT_ID", "handoff-tool"),
		ClientSecret: os.Getenv("CLIENT_SECRET"),
		BaseURL:      base,
		Name:         env("TOOL_NAME", "Hand-off example"),
	})
	log.Printf("handoff-tool on %s (initiate_login_uri %s/initiate)", base, base)
	srv := &http.Server{Addr: u.Host, Handler: t, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
