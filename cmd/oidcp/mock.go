package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/population"
)

// mockClientSecret is a tenant's client secret at the built-in mock unless
// configured: derived from the KEK, so every node and every restart agree
// on it without it being stored or printed.
func mockClientSecret(kek []byte, tenant string) string {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("oidcp/idporten-mock/client-secret\x00" + tenant))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// resolveMockSecrets fills the upstream client secret of every tenant
// backed by the mock.
func resolveMockSecrets(cfg *Config, kek []byte) {
	for i := range cfg.Tenants {
		up := &cfg.Tenants[i].Upstream
		if up.Mock && up.ClientSecret == "" {
			up.ClientSecret = mockClientSecret(kek, cfg.Tenants[i].Name)
		}
	}
}

// newMock builds the ID-porten mock with one client per mock-backed tenant
// (registered with the tenant's callback URLs) and, on its login page, the
// synthetic population of the day (Europe/Oslo): the page is built per
// request, so it follows the numbers KeepSeeded moves the registry to.
func newMock(cfg Config, shared mockState, now func() time.Time, log *slog.Logger) (*idportenmock.Server, error) {
	var clients []idportenmock.Client
	for _, t := range cfg.Tenants {
		if !t.Upstream.Mock {
			continue
		}
		iss := cfg.Issuer(t.Name)
		clients = append(clients, idportenmock.Client{
			ID:                     t.Upstream.ClientID,
			Secret:                 t.Upstream.ClientSecret,
			RedirectURIs:           []string{iss + "/callback"},
			PostLogoutRedirectURIs: []string{iss + "/logout/callback"},
		})
	}
	return idportenmock.New(idportenmock.Config{
		Issuer:  cfg.mockIssuer(),
		Clients: clients,
		Persons: mockPersons,
		// Validate refuses the option outside dev mode; checked here too
		// so that no other path can switch it on in production.
		AllowNonSynthetic: cfg.Dev && cfg.MockAllowNonSynthetic,
		Now:               now,
		Logger:            log.With("component", "idporten-mock"),
		Store:             shared.Store,
		SigningKey:        shared.Key,
		Salt:              shared.Salt,
	})
}

// mockPersons lists the synthetic population of now's Oslo day.
func mockPersons(now time.Time) []idportenmock.Person {
	pop := population.Generate(now)
	persons := make([]idportenmock.Person, 0, len(pop.Persons))
	for _, p := range pop.Persons {
		persons = append(persons, idportenmock.Person{PID: p.PID, Name: p.GivenName + " " + p.FamilyName})
	}
	return persons
}
