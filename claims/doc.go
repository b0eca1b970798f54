// Package claims builds the claims oidcp asserts about people: the
// pairwise subject a tool sees (OIDC Core §8.1), the person's own claims
// by granted scope, and the representation claim of a person acting for
// someone else (docs/representation.md, "Claims").
//
// The rules are plain functions over project types (storage.Client,
// storage.Person, representation.Choice), tested without a server: pid
// only with scope pid, names and birth date only with profile, nothing
// identifying for a pseudonymous tool. claims does not read storage or
// the registry (the caller hands it the person it looked up), and knows
// no fosite or HTTP type.
package claims
