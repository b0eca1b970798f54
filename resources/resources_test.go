package resources

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

type fakeStore map[string]storage.Resource

func (f fakeStore) GetResource(_ context.Context, tenant, audience string) (storage.Resource, error) {
	r, ok := f[tenant+" "+audience]
	if !ok {
		return storage.Resource{}, storage.ErrNotFound
	}
	return r, nil
}

func TestDecide(t *testing.T) {
	store := fakeStore{
		"main https://api.example/ehelse": {Tenant: "main", Audience: "https://api.example/ehelse", AllowedClients: []string{"tool-a", "api-b"}, Scopes: []string{"pid", "ehelse.read"}},
		"main legacy":                     {Tenant: "main", Audience: "legacy", AllowedClients: []string{"tool-a"}, Scopes: []string{"pid", "account", "openid"}},
		"main closed":                     {Tenant: "main", Audience: "closed", AllowedClients: []string{"other"}, Scopes: []string{"pid"}},
	}
	p := NewPolicy(store)
	held := []string{"openid", "profile", "pid", "ehelse.read", "offline_access"}
	for _, tc := range []struct {
		name      string
		r         Request
		want      []string
		wantErr   error
		errSubstr string
	}{
		{name: "no scope asked: the held ones the resource accepts",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: held}, want: []string{"pid", "ehelse.read"}},
		{name: "a narrower scope",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: held, Requested: []string{"ehelse.read"}}, want: []string{"ehelse.read"}},
		{name: "the subject token lacks pid: no pid",
			r: Request{Tenant: "main", ClientID: "api-b", Audience: "https://api.example/ehelse", Held: []string{"openid", "ehelse.read"}}, want: []string{"ehelse.read"}},
		{name: "nothing in common: a token without scopes",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: []string{"openid"}}, want: []string{}},
		{name: "a resource stored with account and openid never passes them on",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "legacy", Held: append(slices.Clone(held), "account")}, want: []string{"pid"}},
		{name: "account asked of a resource stored with it",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "legacy", Held: []string{"openid", "account"}, Requested: []string{"account"}}, wantErr: ErrScopeNotAccepted, errSubstr: `"account"`},
		{name: "unknown audience",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/other", Held: held}, wantErr: ErrUnknownAudience},
		{name: "the audience of another tenant",
			r: Request{Tenant: "sandbox", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: held}, wantErr: ErrUnknownAudience},
		{name: "policy does not list the client",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "closed", Held: held}, wantErr: ErrClientNotAllowed, errSubstr: `"tool-a" may not obtain tokens for "closed"`},
		{name: "a scope the subject token does not hold",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: []string{"ehelse.read"}, Requested: []string{"pid"}}, wantErr: ErrScopeNotHeld, errSubstr: `"pid"`},
		{name: "a held scope the resource does not accept",
			r: Request{Tenant: "main", ClientID: "tool-a", Audience: "https://api.example/ehelse", Held: held, Requested: []string{"profile"}}, wantErr: ErrScopeNotAccepted, errSubstr: `"profile"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Decide(t.Context(), tc.r)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("Decide = %v, %v; want %v containing %q", got, err, tc.wantErr, tc.errSubstr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Decide = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDecideStoreFailure(t *testing.T) {
	p := NewPolicy(failingStore{})
	_, err := p.Decide(t.Context(), Request{Tenant: "main", ClientID: "a", Audience: "b"})
	if err == nil || errors.Is(err, ErrUnknownAudience) || errors.Is(err, ErrClientNotAllowed) {
		t.Fatalf("a store that cannot be read: %v, want an error that is no refusal", err)
	}
}

type failingStore struct{}

func (failingStore) GetResource(context.Context, string, string) (storage.Resource, error) {
	return storage.Resource{}, errors.New("database down")
}

func TestBuild(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, err := Build("main", Registration{
		Audience: " https://api.example/ehelse ", Name: "eHelse",
		AllowedClients: []string{"tool-a", "tool-a", "api-b"}, Scopes: []string{"pid ehelse.read", "pid"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Resource{Tenant: "main", Audience: "https://api.example/ehelse", Name: "eHelse",
		AllowedClients: []string{"tool-a", "api-b"}, Scopes: []string{"pid", "ehelse.read"}, CreatedAt: now, UpdatedAt: now}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("Build = %+v, want %+v", r, want)
	}
	if _, err := Build("main", Registration{Audience: "ehelse-api", AllowedClients: []string{"tool-a"}}, now); err != nil {
		t.Fatalf("a client_id audience: %v", err)
	}
	for _, tc := range []struct {
		name string
		r    Registration
		want string
	}{
		{"no audience", Registration{AllowedClients: []string{"a"}}, "audience: is required"},
		{"relative audience", Registration{Audience: "/api/ehelse", AllowedClients: []string{"a"}}, "neither an absolute URI"},
		{"audience with fragment", Registration{Audience: "https://api.example/#x", AllowedClients: []string{"a"}}, "neither an absolute URI"},
		{"no client", Registration{Audience: "https://api.example"}, "name at least one client"},
		{"bad client id", Registration{Audience: "https://api.example", AllowedClients: []string{"a b"}}, `"a b" is not a client_id`},
		{"offline_access", Registration{Audience: "https://api.example", AllowedClients: []string{"a"}, Scopes: []string{"offline_access"}}, "never comes with a refresh token"},
		{"account", Registration{Audience: "https://api.example", AllowedClients: []string{"a"}, Scopes: []string{"pid account"}}, `"account" controls the person's account`},
		{"openid", Registration{Audience: "https://api.example", AllowedClients: []string{"a"}, Scopes: []string{"openid"}}, `"openid" asks for an ID token`},
		{"bad scope", Registration{Audience: "https://api.example", AllowedClients: []string{"a"}, Scopes: []string{`a"b`}}, "not a valid scope token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build("main", tc.r, now)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build = %v, want ErrInvalid saying %q", err, tc.want)
			}
		})
	}
}
