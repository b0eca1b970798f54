package consent

import (
	"fmt"
	"regexp"
	"slices"
)

// IdentityScopes need no grant: they say who the person is, keep the
// login alive, or (account) let a tool show the person their own usage
// log, sessions and grants (accountapi), and exchange no health data.
var IdentityScopes = []string{"openid", "profile", "pid", "offline_access", "account"}

// IsIdentityScope reports whether s is one of IdentityScopes.
func IsIdentityScope(s string) bool { return slices.Contains(IdentityScopes, s) }

// Text is a citizen-facing text in the three page languages.
type Text struct {
	NB, NN, EN string
}

// In returns the text in lang ("nb", "nn" or "en"); bokmål otherwise.
func (t Text) In(lang string) string {
	switch lang {
	case "nn":
		return t.NN
	case "en":
		return t.EN
	}
	return t.NB
}

// Scope is a data-exchange scope: what the consent page shows for it.
type Scope struct {
	Name string
	// Title names the data category ("Målinger"); Description says in
	// plain language what the tool may do with it.
	Title, Description Text
}

// Catalogue is a tenant's data-exchange scopes, in declared order.
type Catalogue struct {
	scopes []Scope
}

var scopeName = regexp.MustCompile(`^[a-z][a-z0-9_.-]*(:[a-z0-9_.-]+)*$`)

// NewCatalogue checks and keeps a tenant's data-exchange scopes. Every
// scope needs a name that is a valid scope token and not an identity
// scope, and a title and description in nb, nn and en; names are unique.
func NewCatalogue(scopes []Scope) (*Catalogue, error) {
	seen := map[string]bool{}
	for i, s := range scopes {
		switch {
		case !scopeName.MatchString(s.Name):
			return nil, fmt.Errorf("data scope %d: name %q is not a scope token like health:measurements", i, s.Name)
		case IsIdentityScope(s.Name):
			return nil, fmt.Errorf("data scope %q: %s is an identity scope and needs no grant", s.Name, s.Name)
		case seen[s.Name]:
			return nil, fmt.Errorf("data scope %q: declared twice", s.Name)
		}
		seen[s.Name] = true
		for _, f := range []struct{ what, v string }{
			{"title.nb", s.Title.NB}, {"title.nn", s.Title.NN}, {"title.en", s.Title.EN},
			{"description.nb", s.Description.NB}, {"description.nn", s.Description.NN}, {"description.en", s.Description.EN},
		} {
			if f.v == "" {
				return nil, fmt.Errorf("data scope %q: %s is required (the consent page shows it)", s.Name, f.what)
			}
		}
	}
	return &Catalogue{scopes: slices.Clone(scopes)}, nil
}

// Scopes returns the declared scopes in order.
func (c *Catalogue) Scopes() []Scope {
	if c == nil {
		return nil
	}
	return slices.Clone(c.scopes)
}

// Names returns the declared scope names in order.
func (c *Catalogue) Names() []string {
	var out []string
	for _, s := range c.Scopes() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup returns a declared scope.
func (c *Catalogue) Lookup(name string) (Scope, bool) {
	for _, s := range c.Scopes() {
		if s.Name == name {
			return s, true
		}
	}
	return Scope{}, false
}

// DataScopes returns the scopes among requested that need a grant: the
// declared data-exchange scopes. Identity scopes and undeclared ones
// (which the client registration decides about) are left out.
func (c *Catalogue) DataScopes(requested []string) []string {
	var out []string
	for _, r := range requested {
		if _, ok := c.Lookup(r); ok && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
