package resources

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage"
)

// Registration is what the operator registers for a resource.
type Registration struct {
	// Audience identifies the resource: an absolute URI
	// ("https://api.example/ehelse") or, for an API that is itself a
	// registered client and wants to introspect its tokens or exchange
	// them onward, that client's client_id.
	Audience string
	Name     string
	// AllowedClients may exchange tokens for the resource; at least one.
	AllowedClients []string
	// Scopes the resource accepts (space-separated or repeated); the
	// scope pid lets tokens for it carry the person's fødselsnummer.
	Scopes []string
}

// neverExchanged are the scopes a token exchange may never pass on, with
// why. account controls the person's account (usage log, sessions,
// grants) and is the operator's first-party clients' alone; openid
// makes an ID token, which a resource's token is not.
var neverExchanged = map[string]string{
	"account": `"account" controls the person's account (usage log, sessions, grants) and is only for the operator's first-party clients; a token exchange may never pass it on`,
	"openid":  `"openid" asks for an ID token, which a token for a resource is not; a token exchange never passes it on`,
}

// maxAudience bounds an audience's length; it is a key and a claim.
const maxAudience = 255

// ErrInvalid marks a registration Build refuses.
var ErrInvalid = errors.New("resources: invalid registration")

// Build validates r and returns the resource to store in tenant, with
// every problem found in one error.
func Build(tenant string, r Registration, now time.Time) (storage.Resource, error) {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	aud := strings.TrimSpace(r.Audience)
	switch {
	case tenant == "":
		fail("tenant: is required")
	case aud == "":
		fail("audience: is required")
	case len(aud) > maxAudience:
		fail("audience: is longer than %d bytes", maxAudience)
	case !validAudience(aud):
		fail("audience: %q is neither an absolute URI without a fragment (https://api.example/ehelse) nor a client_id (A-Z a-z 0-9 . _ ~ -)", aud)
	}
	if len(r.Name) > 200 {
		fail("name: is longer than 200 bytes")
	}
	allowed := dedupe(r.AllowedClients)
	if len(allowed) == 0 {
		fail("allowed clients: name at least one client that may exchange tokens for the resource (remove the resource to close it)")
	}
	for _, c := range allowed {
		if !clients.ValidID(c) {
			fail("allowed clients: %q is not a client_id", c)
		}
	}
	var scopes []string
	for _, s := range r.Scopes {
		scopes = append(scopes, strings.Fields(s)...)
	}
	scopes = dedupe(scopes)
	for _, s := range scopes {
		switch {
		case !clients.ValidScopeToken(s):
			fail("scopes: %q is not a valid scope token (RFC 6749 §3.3)", s)
		case s == "offline_access":
			fail("scopes: offline_access means nothing to a resource: an exchanged token never comes with a refresh token")
		case neverExchanged[s] != "":
			fail("scopes: %s", neverExchanged[s])
		}
	}
	if len(errs) > 0 {
		return storage.Resource{}, fmt.Errorf("%w:\n%w", ErrInvalid, errors.Join(errs...))
	}
	now = now.UTC().Truncate(time.Microsecond)
	return storage.Resource{
		Tenant: tenant, Audience: aud, Name: r.Name,
		AllowedClients: allowed, Scopes: scopes,
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

func validAudience(a string) bool {
	if clients.ValidID(a) {
		return true
	}
	u, err := url.Parse(a)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && u.Fragment == "" && !strings.ContainsAny(a, " \t\n")
}

// dedupe drops empty strings and repeats, keeping the first order.
func dedupe(in []string) []string {
	out := []string{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
