package main

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestBrowserAccountPagesFAPI2: the account pages, oidcp's own public
// client, still log a person in at a tenant in the fapi2 profile.
func TestBrowserAccountPagesFAPI2(t *testing.T) {
	chromium := requireBrowser(t)
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), func(cfg *Config) {
		for i := range cfg.Tenants {
			if cfg.Tenants[i].Name == "sandbox" {
				cfg.Tenants[i].Profile = "fapi2"
			}
		}
	}, time.Now)
	issuer := srv.base + "/sandbox"
	kari, ok := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)
	if !ok {
		t.Fatal("population has no Kari")
	}
	bctx := startChromium(t, chromium)
	browserSteps(t, bctx, "log in to the account pages of a fapi2 tenant",
		accountLogin(issuer, kari.PID)...,
	)
}
