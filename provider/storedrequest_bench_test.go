package provider

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/ory/fosite"
)

// BenchmarkStoredRequest: what a token costs in the encoding of its
// request record: marshal is paid on every token issued, unmarshal on
// every use (introspection, userinfo, refresh, code exchange).
func BenchmarkStoredRequest(b *testing.B) {
	e := newFzEnv(b)
	ar := fosite.NewAuthorizeRequest()
	ar.ID = "req-1"
	ar.RequestedAt = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ar.Client = &fositeClient{c: e.clients[fzWeb]}
	ar.RequestedScope = fosite.Arguments{"openid", "profile"}
	ar.GrantedScope = fosite.Arguments{"openid", "profile"}
	ar.Form = url.Values{"grant_type": {"authorization_code"}}
	sess := NewSession(fzTenant)
	sess.PID = "01818000010"
	sess.LoginSessionID = "ls-0123456789"
	sess.Claims.Subject = "sub-0123456789"
	sess.Claims.Extra["acr"] = "idporten-loa-high"
	sess.SetExpiresAt(fosite.AccessToken, ar.RequestedAt.Add(time.Hour))
	ar.Session = sess
	data, err := marshalRequest(ar)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalRequest(ar); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			if _, err := e.t.fstore.unmarshalRequest(ctx, data, NewSession(fzTenant)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
