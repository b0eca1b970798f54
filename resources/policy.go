package resources

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/oidcp/oidcp/storage"
)

// Why Decide refuses. The first two are RFC 8693 §2.2.2 invalid_target,
// the last two RFC 6749 §5.2 invalid_scope.
var (
	ErrUnknownAudience  = errors.New("no resource is registered under this audience")
	ErrClientNotAllowed = errors.New("the resource's inbound access policy does not list the client")
	ErrScopeNotHeld     = errors.New("a requested scope is not in the subject token")
	ErrScopeNotAccepted = errors.New("a requested scope is not accepted by the resource")
)

// Store is the slice of the storage contract the policy reads.
type Store interface {
	GetResource(ctx context.Context, tenant, audience string) (storage.Resource, error)
}

// Policy decides token exchanges by the registered resources.
type Policy struct{ store Store }

// NewPolicy returns the policy over store.
func NewPolicy(store Store) *Policy { return &Policy{store: store} }

// Request is one exchange to decide.
type Request struct {
	Tenant   string
	ClientID string // the client asking
	Audience string
	// Held are the scopes of the subject token.
	Held []string
	// Requested are the scopes asked for; none means every held scope
	// the resource accepts.
	Requested []string
}

// Decide returns the scopes the exchanged token carries, or an error
// wrapping one of the Err values above, with a description fit for the
// client. Scopes only ever narrow (RFC 8693 §2.1 lets the server decide):
// each is held by the subject token and accepted by the resource.
func (p *Policy) Decide(ctx context.Context, r Request) ([]string, error) {
	res, err := p.store.GetResource(ctx, r.Tenant, r.Audience)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAudience, r.Audience)
	}
	if err != nil {
		return nil, fmt.Errorf("resources: read %q: %w", r.Audience, err)
	}
	if !slices.Contains(res.AllowedClients, r.ClientID) {
		return nil, fmt.Errorf("%w: %q may not obtain tokens for %q", ErrClientNotAllowed, r.ClientID, r.Audience)
	}
	// A resource stored before Build refused them never passes on account
	// or openid either.
	accepted := slices.DeleteFunc(slices.Clone(res.Scopes), func(s string) bool { _, never := neverExchanged[s]; return never })
	if len(r.Requested) == 0 {
		granted := []string{}
		for _, s := range r.Held {
			if slices.Contains(accepted, s) && !slices.Contains(granted, s) {
				granted = append(granted, s)
			}
		}
		return granted, nil
	}
	granted := []string{}
	for _, s := range r.Requested {
		if !slices.Contains(r.Held, s) {
			return nil, fmt.Errorf("%w: %q (scopes can only narrow)", ErrScopeNotHeld, s)
		}
		if !slices.Contains(accepted, s) {
			return nil, fmt.Errorf("%w: %q (it accepts %q)", ErrScopeNotAccepted, s, accepted)
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	return granted, nil
}
