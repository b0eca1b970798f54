package provider

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage"
)

// tokenWriteCounter counts every token record written.
type tokenWriteCounter struct {
	storage.Storage
	n atomic.Int64
}

func (c *tokenWriteCounter) CreateToken(ctx context.Context, t storage.TokenRecord) error {
	c.n.Add(1)
	return c.Storage.CreateToken(ctx, t)
}

func (c *tokenWriteCounter) CreateTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	c.n.Add(int64(len(ts)))
	return c.Storage.CreateTokens(ctx, ts...)
}

func (c *tokenWriteCounter) IssueTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	c.n.Add(int64(len(ts)))
	return c.Storage.IssueTokens(ctx, ts...)
}

func machineClient(r *clients.Registration) {
	r.GrantTypes = []string{"client_credentials"}
	r.Scopes = []string{"openid"}
	r.RedirectURIs, r.PostLogoutRedirectURIs = nil, nil
}

// ccToken issues a client_credentials access token to id.
func (h *harness) ccToken(id string) string {
	h.t.Helper()
	status, out := h.token(id, url.Values{"grant_type": {"client_credentials"}})
	tok, _ := out["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		h.t.Fatalf("client_credentials for %s: %d %v", id, status, out)
	}
	return tok
}

// tick moves the harness's clock past the nodes' client cache.
func (h *harness) tick() { h.now = h.now.Add(ClientCacheTTL + time.Second) }

// TestSealedClientCredentialsTokens: a client_credentials access token
// is written nowhere, yet every use checks it like a stored one, on
// every node: an RFC 7009 revocation voids it at once, and the
// kill-switch, a disabled client and a client registered again under the
// same id void it within the client cache's second.
func TestSealedClientCredentialsTokens(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSealedTokens(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testSealedTokens(t, openPostgres(t)) })
}

func testSealedTokens(t *testing.T, db storage.Storage) {
	writes := &tokenWriteCounter{}
	a := newHarnessOn(t, db, func(s storage.Storage) storage.Storage { writes.Storage = s; return writes })
	b := newHarnessOn(t, db, nil) // a second node on the same database
	tick := func() { a.tick(); b.now = a.now }
	a.client("machine", machineClient)
	a.client("other", machineClient)
	ctx := t.Context()

	tok := a.ccToken("machine")
	if n := writes.n.Load(); n != 0 {
		t.Fatalf("issuing a client_credentials token wrote %d token records, want none", n)
	}
	if !isSealed(tok) || isJWT(tok) {
		t.Fatalf("token %.40q… is not a sealed token", tok)
	}
	got := b.introspect("machine", tok)
	if got["active"] != true || got["client_id"] != "machine" || got["sub"] != "machine" || got["iss"] != a.srv.URL+"/main" { // the issuing node's base URL (nodes share one in production)
		t.Fatalf("introspection of a sealed token on the other node: %v", got)
	}
	if exp, _ := got["exp"].(float64); time.Until(time.Unix(int64(exp), 0)) < time.Minute {
		t.Fatalf("exp %v is not in the future", got["exp"])
	}

	t.Run("a changed byte voids it", func(t *testing.T) {
		i := len(tok) / 2
		c := byte('A')
		if tok[i] == c {
			c = 'B'
		}
		forged := tok[:i] + string(c) + tok[i+1:]
		if got := b.introspect("machine", forged); got["active"] != false {
			t.Fatalf("a forged sealed token: %v", got)
		}
	})

	t.Run("RFC 7009 revocation voids it at once on its node, within a second on every other", func(t *testing.T) {
		other := a.ccToken("machine")
		// The revoking node is configured with a shorter lifetime than
		// the one that issued the token (a rolling change).
		a.p.tenants["main"].fstore.sealedTTL = time.Minute
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/main/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("machine", toolSecret)
		if status, out := a.jsonDo(req); status != http.StatusOK {
			t.Fatalf("revoke: %d %v", status, out)
		}
		if got := a.introspect("machine", tok); got["active"] != false {
			t.Fatalf("a revoked sealed token on the node that revoked it: %v", got)
		}
		// The other node may hold a copy of the tombstones read before
		// the revocation, for at most ClientCacheTTL.
		tick()
		if got := b.introspect("machine", tok); got["active"] != false {
			t.Fatalf("a revoked sealed token on the other node, a second later: %v", got)
		}
		if got := b.introspect("machine", other); got["active"] != true {
			t.Fatalf("revoking one token voided another: %v", got)
		}
		// The tombstone outlives the token, whatever this node's
		// configured lifetime: its expiry comes from the token.
		exp := time.Unix(int64(got["exp"].(float64)), 0)
		recs, err := db.GetTokensBySignature(ctx, "main", storage.SealedTombstonePrefix+requestIDOf(t, a, tok), storage.KindAccessToken)
		if err != nil || len(recs) != 1 {
			t.Fatalf("tombstone: %v %v", recs, err)
		}
		if recs[0].Active || recs[0].ExpiresAt.Before(exp.Add(sealedTombstoneSlack)) {
			t.Fatalf("tombstone active=%v, expires %v; the token expires %v", recs[0].Active, recs[0].ExpiresAt, exp)
		}
	})

	t.Run("the kill-switch voids every token of the client, also from a stale node", func(t *testing.T) {
		before := a.ccToken("machine")
		otherClient := a.ccToken("other")
		b.introspect("machine", before) // node b caches the client record
		if _, err := db.RevokeClientGrants(ctx, "main", "machine", storage.Revocation{At: a.now, By: "operator"}); err != nil {
			t.Fatal(err)
		}
		stale := b.ccToken("machine") // b's cached record predates the revocation
		tick()
		for name, tk := range map[string]string{"issued before": before, "issued from a stale record": stale} {
			if got := b.introspect("machine", tk); got["active"] != false {
				t.Fatalf("%s the kill-switch: %v", name, got)
			}
		}
		if got := a.introspect("other", otherClient); got["active"] != true {
			t.Fatalf("another client's token after the kill-switch: %v", got)
		}
		after := a.ccToken("machine")
		if got := b.introspect("machine", after); got["active"] != true {
			t.Fatalf("a token issued after the kill-switch: %v", got)
		}
	})

	t.Run("a disabled client's tokens are inactive", func(t *testing.T) {
		tk := a.ccToken("machine")
		setDisabled := func(d bool) {
			if err := db.UpdateClient(ctx, "main", "machine", func(c storage.Client) (storage.Client, error) {
				c.Disabled = d
				return c, nil
			}); err != nil {
				t.Fatal(err)
			}
			tick()
		}
		setDisabled(true)
		if got := b.introspect("other", tk); got["active"] != false {
			t.Fatalf("a disabled client's token: %v", got)
		}
		setDisabled(false)
	})

	t.Run("a client registered again under the same id does not inherit tokens", func(t *testing.T) {
		tk := a.ccToken("other")
		if err := db.DeleteClient(ctx, "main", "other"); err != nil {
			t.Fatal(err)
		}
		tick()
		if got := b.introspect("machine", tk); got["active"] != false {
			t.Fatalf("a deleted client's token: %v", got)
		}
		a.client("other", machineClient) // a later CreatedAt: the clock moved
		tick()
		if got := b.introspect("other", tk); got["active"] != false {
			t.Fatalf("the token of a client deleted and registered again: %v", got)
		}
	})
}

// TestSealedTokenOpens: a sealed token opens only with its tenant's key
// and name.
func TestSealedTokenOpens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := newTokenSealer("main", key)
	if err != nil {
		t.Fatal(err)
	}
	body := sealTestRecord(t, s)
	if _, err := s.open(body); err != nil {
		t.Fatalf("open: %v", err)
	}
	other, _ := newTokenSealer("other", key)
	if _, err := other.open(body); err == nil {
		t.Fatal("another tenant opened the token")
	}
	otherKey, _ := newTokenSealer("main", []byte("fedcba9876543210fedcba9876543210"))
	if _, err := otherKey.open(body); err == nil {
		t.Fatal("another key opened the token")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	raw[0]++
	for _, bad := range []string{"", "AAAA", body[:20], body + "A", base64.RawURLEncoding.EncodeToString(raw)} {
		if _, err := s.open(bad); err == nil {
			t.Fatalf("opened %q", bad)
		}
	}
	frame := sealedRecord{RequestID: "sealed-1-x", ClientCreated: 7, ClientRevoked: -1, Data: []byte(`{"id":"x"}`)}.append(nil)
	if got, err := parseSealedRecord(frame); err != nil || got.RequestID != "sealed-1-x" || got.ClientCreated != 7 || got.ClientRevoked != -1 || string(got.Data) != `{"id":"x"}` {
		t.Fatalf("frame round trip: %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0x7f}, frame[:5], {0x01, 'a'}} {
		if got, err := parseSealedRecord(bad); err == nil {
			t.Fatalf("parsed %q as %+v", bad, got)
		}
	}
	if _, err := newTokenSealer("main", key[:16]); err == nil {
		t.Fatal("a 16-byte secret was accepted")
	}
}

func sealTestRecord(t *testing.T, s *tokenSealer) string {
	t.Helper()
	now := time.Now()
	r := newCCRequest(t, now)
	tok, sig, err := s.issue(r.GetClient().(*fositeClient).c, r)
	if err != nil {
		t.Fatal(err)
	}
	if !isSealed(tok) || !strings.HasPrefix(sig, sealedSigPrefix) || strings.TrimPrefix(tok, accessTokenPrefix) != strings.TrimPrefix(sig, sealedSigPrefix) {
		t.Fatalf("token %q and signature %q do not match", tok, sig)
	}
	if !strings.HasPrefix(r.GetID(), sealedIDPrefix) {
		t.Fatalf("request ID %q is not marked sealed", r.GetID())
	}
	return strings.TrimPrefix(sig, sealedSigPrefix)
}

func newCCRequest(t *testing.T, now time.Time) fosite.Requester {
	t.Helper()
	r := fosite.NewAccessRequest(NewSession("main"))
	r.Client = &fositeClient{c: storage.Client{Tenant: "main", ID: "machine", CreatedAt: now}}
	r.GetSession().SetExpiresAt(fosite.AccessToken, now.Add(10*time.Minute))
	r.GrantScope("openid")
	return r
}

// requestIDOf opens tok at h's tenant and returns its request ID.
func requestIDOf(t *testing.T, h *harness, tok string) string {
	t.Helper()
	rec, err := h.p.tenants["main"].fstore.sealer.open(strings.TrimPrefix(tok, accessTokenPrefix))
	if err != nil {
		t.Fatal(err)
	}
	return rec.RequestID
}

// eventsAway fails every usage-log append as a database outage does.
type eventsAway struct{ storage.Storage }

func (eventsAway) AppendEvent(context.Context, storage.Event) (int64, error) {
	return 0, fmt.Errorf("append event: %w", storage.ErrUnavailable)
}

// TestClientCredentialsRefusedWithoutUsageLog: a sealed token needs no
// database, so what ties its issue to the database is its usage-log
// event: while the log cannot take it, the token endpoint answers 503
// temporarily_unavailable and issues nothing.
func TestClientCredentialsRefusedWithoutUsageLog(t *testing.T) {
	h := newHarnessWith(t, func(s storage.Storage) storage.Storage { return eventsAway{s} })
	h.client("machine", machineClient)
	status, out := h.token("machine", url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusServiceUnavailable || out["error"] != "temporarily_unavailable" || out["access_token"] != nil {
		t.Fatalf("client_credentials without a usage log: %d %v", status, out)
	}
}
