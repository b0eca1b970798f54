package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// issueRecorder records which token writes go through IssueToken (which
// may commit without waiting for the disk) and whether inside a grant's
// transaction.
type issueRecorder struct {
	storage.Storage
	mu     sync.Mutex
	issued []string // kind, with " in tx" when inside a transaction
}

func (r *issueRecorder) IssueTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	var kinds []string
	for _, t := range ts {
		kinds = append(kinds, string(t.Kind))
	}
	what := strings.Join(kinds, "+")
	if ctx.Value(pendingAccessKey{}) != nil {
		what += " in tx"
	}
	r.mu.Lock()
	r.issued = append(r.issued, what)
	r.mu.Unlock()
	return r.Storage.IssueTokens(ctx, ts...)
}

func (r *issueRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.issued
	r.issued = nil
	return out
}

// TestOnlyIssuingWritesAreRelaxed: an authorization code's records,
// all that issuing a code writes to the tokens, are the writes that may
// commit without waiting for the disk (IssueTokens): losing them fails
// closed. (A client_credentials access token, all that grant would
// write, is sealed and written nowhere.) A code exchange and a refresh, whose transactions also
// deactivate the code or the old refresh token (a lost deactivation
// would allow a replay), write theirs with a synchronous commit.
func TestOnlyIssuingWritesAreRelaxed(t *testing.T) {
	var rec *issueRecorder
	h := newHarnessWith(t, func(s storage.Storage) storage.Storage { rec = &issueRecorder{Storage: s}; return rec })
	h.client("tool", nil)
	h.client("machine", func(r *clients.Registration) {
		r.GrantTypes = []string{"client_credentials"}
		r.Scopes = []string{"openid"}
		r.RedirectURIs, r.PostLogoutRedirectURIs = nil, nil
	})

	status, out := h.token("machine", url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusOK || out["access_token"] == nil {
		t.Fatalf("client_credentials: %d %v", status, out)
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("client_credentials issued %v, want nothing: its token is sealed (TestSealedClientCredentialsTokens)", got)
	}

	res := h.browser().authorize(authParams("tool", h.pid(population.KeyKari)))
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
	}
	code := strings.Join([]string{string(storage.KindAuthorizeCode), string(storage.KindOIDC), string(storage.KindPKCE)}, "+") // fosite's order
	if got := rec.take(); len(got) != 1 || got[0] != code {
		t.Fatalf("the authorization response issued %v, want %s in one write outside a transaction", got, code)
	}
	tok := h.exchange("tool", res.location.Query().Get("code"))
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("the code exchange issued %v through IssueToken", got)
	}
	status, out = h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, out)
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("the refresh issued %v through IssueToken", got)
	}
}
