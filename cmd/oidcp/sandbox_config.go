package main

import (
	"fmt"
)

// RegistrationConfig is a tenant's self-service registration (RFC 7591)
// and the quotas of each vendor in it.
type RegistrationConfig struct {
	// Enabled: nil means the default, on for a sandbox and off otherwise.
	Enabled *bool `mapstructure:"enabled"`
	// MaxClients per vendor: 0 the default (20), < 0 no limit.
	MaxClients int `mapstructure:"max_clients"`
	// RegistrationsPerHour per vendor: 0 the default (30), < 0 no limit.
	RegistrationsPerHour int64 `mapstructure:"registrations_per_hour"`
	// TokenPerClient limits each client's requests to the tenant's token
	// endpoint per rate_limit_window: 0 the global
	// rate_limit_token_per_client, > 0 this tenant's own, < 0 no limit.
	TokenPerClient int64 `mapstructure:"token_per_client"`
}

// Registration quota defaults: generous for testing, small enough that
// a runaway script cannot fill the database.
const (
	defaultMaxClients           = 20
	defaultRegistrationsPerHour = 30
)

// registers reports whether the tenant serves self-service registration.
func (t TenantConfig) registers() bool {
	if t.Registration.Enabled != nil {
		return *t.Registration.Enabled
	}
	return t.Sandbox
}

func (r RegistrationConfig) maxClients() int {
	return limitOrDefault(r.MaxClients, defaultMaxClients)
}

func (r RegistrationConfig) perHour() int64 {
	return limitOrDefault(r.RegistrationsPerHour, defaultRegistrationsPerHour)
}

// registrationChecks: self-service registration in a tenant with real
// persons is the operator's explicit choice; nothing to check but that
// the quotas make sense.
func registrationChecks(key string, t TenantConfig) []check {
	r := t.Registration
	return []check{
		{r.MaxClients > 10_000, key + ".registration.max_clients", fmt.Sprintf("%d is more clients per vendor than any test needs; use at most 10000 (or -1 for no limit)", r.MaxClients)},
	}
}
