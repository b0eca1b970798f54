package claims

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// Scopes the claim rules look at.
const (
	ScopePID     = "pid"
	ScopeProfile = "profile"
)

// PairwiseSubject is the subject a client sees for a person (OIDC Core
// §8.1): an HMAC of the client's sector and the person's pid under the
// tenant's pairwise salt. Clients of one sector see the same sub; others
// can't link it.
func PairwiseSubject(salt []byte, sector, pid string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(sector))
	m.Write([]byte{0})
	m.Write([]byte(pid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sector is the client's sector identifier (OIDC Core §8.1): the one the
// operator set, else the one https host all its redirect URIs share, else
// (loopback or private-use redirect URIs, which any app can register, or
// URIs on several hosts, which a tool could use to borrow another's
// sector) the client's own id. The "client:" prefix keeps a client id
// from naming a host; the tenant's pairwise salt scopes it to the tenant.
func Sector(c storage.Client) string {
	if c.SectorIdentifier != "" {
		return c.SectorIdentifier
	}
	if host, ok := clients.SectorHost(c.RedirectURIs); ok {
		return host
	}
	return "client:" + c.ID
}

// Pseudonymous reports whether the tool may see nothing that identifies
// a person beyond its pairwise subject.
func Pseudonymous(c storage.Client) bool { return c.Category == clients.CategoryPseudonymous }

// ShowsPID reports whether client c may see a fødselsnummer under the
// granted scopes: with the scope pid, and never when it is pseudonymous.
// Person, Representation and the account API apply it.
func ShowsPID(c storage.Client, scopes []string) bool {
	return !Pseudonymous(c) && slices.Contains(scopes, ScopePID)
}

// Person returns the claims about a person (pid) that client c may see
// under the granted scopes. person is the registry's entry, nil when the
// registry has none: the birth date then comes from the pid. locale is
// the eID's, "" if it sent none.
func Person(c storage.Client, scopes []string, pid, locale string, person *storage.Person) map[string]any {
	out := map[string]any{}
	if Pseudonymous(c) {
		return out
	}
	if ShowsPID(c, scopes) {
		out["pid"] = pid
	}
	if !slices.Contains(scopes, ScopeProfile) {
		return out
	}
	if person != nil {
		if name := strings.TrimSpace(person.GivenName + " " + person.FamilyName); name != "" {
			out["name"] = name
			out["given_name"] = person.GivenName
			out["family_name"] = person.FamilyName
		}
		if !person.BirthDate.IsZero() {
			out["birthdate"] = Date(person.BirthDate)
		}
	}
	if _, ok := out["birthdate"]; !ok {
		if parsed, err := representation.ParsePID(pid); err == nil {
			out["birthdate"] = Date(parsed.BirthDate)
		}
	}
	if locale != "" {
		out["locale"] = locale
	}
	return out
}

// Representation is the "representation" claim for acting as a.
// representedSub is the pairwise subject of the represented person for
// client c; a pseudonymous tool gets only that.
func Representation(c storage.Client, scopes []string, representedSub string, a *representation.Choice) map[string]any {
	d := a.Decision
	rep := map[string]any{"sub": representedSub}
	if !Pseudonymous(c) {
		if ShowsPID(c, scopes) {
			rep["pid"] = a.Subject.PID
		}
		// The same scope rule as for the person's own claims: names and
		// birth date only with profile.
		if slices.Contains(scopes, ScopeProfile) {
			if name := strings.TrimSpace(a.Subject.GivenName + " " + a.Subject.FamilyName); name != "" {
				rep["name"] = name
			}
			if !a.Subject.BirthDate.IsZero() {
				rep["birthdate"] = Date(a.Subject.BirthDate)
			}
		}
	}
	out := map[string]any{
		"relation":    string(a.Relation.Kind),
		"limited":     d.Limited,
		"represented": rep,
	}
	if len(d.ServiceAreas) > 0 {
		out["service_areas"] = d.ServiceAreas
	}
	if !d.ValidUntil.IsZero() {
		out["valid_until"] = d.ValidUntil.UTC().Format(time.RFC3339)
	}
	return out
}

// Date formats a calendar date claim such as birthdate (OIDC Core §5.1:
// YYYY-MM-DD). Dates are kept as their start in Europe/Oslo, which
// storage may hand back in UTC (22:00 or 23:00 the day before), so the
// date is read in Oslo.
func Date(t time.Time) string { return t.In(representation.Oslo).Format(time.DateOnly) }

// scopeOf names the scope each scope-bound claim needs (Person and
// Representation's rules).
var scopeOf = map[string]string{
	"pid": ScopePID, "name": ScopeProfile, "given_name": ScopeProfile, "family_name": ScopeProfile,
	"birthdate": ScopeProfile, "locale": ScopeProfile,
}

// Narrow returns a copy of a person's claims (as Person and
// Representation built them) without those the scopes no longer allow:
// a token exchanged for narrower scopes carries no pid without pid and no
// names without profile, the person's own or the represented person's.
// Everything else (sub, acr, amr, the relation) is kept as it is.
func Narrow(in map[string]any, scopes []string) map[string]any {
	if in == nil {
		return nil
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		if need, ok := scopeOf[k]; ok && !slices.Contains(scopes, need) {
			continue
		}
		if k == "representation" {
			v = narrowRepresentation(v, scopes)
		}
		out[k] = v
	}
	return out
}

// narrowRepresentation narrows the represented person inside a
// representation claim, fresh (map[string]any) or read back from
// storage (the same, after JSON).
func narrowRepresentation(v any, scopes []string) any {
	rep, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(rep))
	for k, x := range rep {
		out[k] = x
	}
	if represented, ok := rep["represented"].(map[string]any); ok {
		out["represented"] = Narrow(represented, scopes)
	}
	return out
}
