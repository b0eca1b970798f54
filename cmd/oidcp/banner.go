package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oidcp/oidcp/demo"
)

// printBanner tells whoever started oidcp where everything is: in dev
// mode first the demo to log in with right away, then the issuers, and a
// command to paste to register a first client.
func printBanner(w io.Writer, cfg Config, adminAddr string, mock bool) {
	var b strings.Builder
	mode := ""
	if cfg.Dev {
		mode = " (dev mode)"
	}
	fmt.Fprintf(&b, "oidcp %s is serving%s\n\n", displayVersion(), mode)
	if cfg.Dev && demoUnavailable(cfg) == "" {
		fmt.Fprintf(&b, "  Log in now: %s\n", demo.URL(cfg.BaseURL))
		for _, t := range cfg.Tenants {
			if t.Sandbox {
				fmt.Fprintf(&b, "  test persons: %s/population\n", cfg.Issuer(t.Name))
				break
			}
		}
		b.WriteString("\n")
	}
	for _, t := range cfg.Tenants {
		iss := cfg.Issuer(t.Name)
		kind := ""
		switch {
		case t.Sandbox && t.Name == "sandbox":
			kind = " (synthetic test population)"
		case t.Sandbox:
			kind = " (a sandbox: synthetic test population)"
		}
		fmt.Fprintf(&b, "  tenant %s%s\n", t.Name, kind)
		fmt.Fprintf(&b, "    issuer:     %s\n", iss)
		fmt.Fprintf(&b, "    discovery:  %s/.well-known/openid-configuration\n", iss)
		up := t.Upstream.Issuer
		if t.Upstream.Mock {
			up += " (ID-porten mock)"
		}
		fmt.Fprintf(&b, "    upstream:   %s\n", up)
		if t.Sandbox {
			fmt.Fprintf(&b, "    start page: %s/ (endpoints, test persons, self-service registration)\n", iss)
		}
		if u := accountPagesURL(cfg, t.Name); u != "" {
			fmt.Fprintf(&b, "    account:    %s (a person's usage log, logins and permissions)\n", u)
		}
	}
	if mock {
		fmt.Fprintf(&b, "\n  ID-porten mock: %s\n", cfg.mockIssuer())
		fmt.Fprintf(&b, "    login page: %s/authorize (reached through any tenant's /authorize;\n", cfg.mockIssuer())
		fmt.Fprintf(&b, "                headless test login: add login_hint=testid:<fødselsnummer>)\n")
	}
	fmt.Fprintf(&b, "\n  admin:      http://%s/metrics  /healthz  /readyz\n", adminAddr)
	example := "sandbox"
	if _, err := cfg.tenant(example); err != nil {
		example = cfg.Tenants[0].Name
	}
	fmt.Fprintf(&b, "\nRegister a client (prints its secret once):\n\n")
	fmt.Fprintf(&b, "  %s clients create --tenant %s --id my-app \\\n", selfCommand(os.Args[0]), example)
	fmt.Fprintf(&b, "    --redirect-uri http://127.0.0.1:9000/callback \\\n")
	fmt.Fprintf(&b, "    --scope \"openid profile pid offline_access\" \\\n")
	fmt.Fprintf(&b, "    --grant-type authorization_code --grant-type refresh_token\n")
	fmt.Fprintf(&b, "\n(run it with the same --config, --dsn or OIDCP_* settings as this server)\n\n")
	_, _ = io.WriteString(w, b.String())
}

// selfCommand is how to run this oidcp again from a shell, given the
// arg0 it was started with: that path (bin/oidcp after `make run`,
// oidcp from $PATH), or `go run ./cmd/oidcp` when go run started it from
// a temporary build that is gone when it stops.
func selfCommand(arg0 string) string {
	if arg0 == "" || strings.Contains(arg0, "go-build") {
		return "go run ./cmd/oidcp"
	}
	return arg0
}
