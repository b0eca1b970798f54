package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/storage"
)

// oneClient is a client store holding one client.
type oneClient struct {
	storage.ClientStore
	c storage.Client
}

func (o oneClient) GetClient(_ context.Context, _, id string) (storage.Client, error) {
	if id != o.c.ID {
		return storage.Client{}, storage.ErrNotFound
	}
	return o.c, nil
}

type nopCounter struct{}

func (nopCounter) AddHits(context.Context, string, time.Time, time.Time, int64) (int64, error) {
	return 1, nil
}

// A secret for an unknown client_id is refused only after a bcrypt
// comparison, against a hash of the cost client secrets are stored with,
// exactly as a wrong secret for a known client is: the two answers
// cannot be told apart, by content or by the work behind them.
func TestUnknownClientCostsLikeKnown(t *testing.T) {
	hash, err := clients.HashSecret("the-right-secret")
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{
		cfg:     withDefaults(Config{}),
		hasher:  newSecretHasher(),
		limiter: ratelimit.New(nopCounter{}, time.Now),
	}
	p.log = p.cfg.Logger
	var mu sync.Mutex
	var compared [][]byte
	p.hasher.compare = func(h, secret []byte) error {
		mu.Lock()
		compared = append(compared, h)
		mu.Unlock()
		return bcrypt.CompareHashAndPassword(h, secret)
	}
	known := storage.Client{ID: "known", Tenant: "main", SecretHash: hash, TokenEndpointAuthMethod: "client_secret_basic"}
	fs := &fositeStore{tenant: "main", clients: newClientCache(oneClient{c: known}, time.Minute, time.Now), now: time.Now}
	f := compose.Compose(&fosite.Config{ClientSecretsHasher: p.hasher}, fs, nil).(*fosite.Fosite)
	auth := p.clientAuthentication(&tenant{name: "main"}, f)

	attempt := func(id string) (*fosite.RFC6749Error, []byte) {
		t.Helper()
		compared = nil
		r := httptest.NewRequest(http.MethodPost, "/main/token", nil)
		r.SetBasicAuth(id, "a-wrong-secret")
		_, err := auth(t.Context(), r, url.Values{})
		if err == nil {
			t.Fatalf("%s: a wrong secret was accepted", id)
		}
		if len(compared) != 1 {
			t.Fatalf("%s: %d bcrypt comparisons, want 1", id, len(compared))
		}
		return fosite.ErrorToRFC6749Error(err), compared[0]
	}
	knownErr, knownHash := attempt("known")
	unknownErr, unknownHash := attempt("unknown")
	if string(knownHash) != string(hash) {
		t.Error("the known client's secret was not compared with its hash")
	}
	wantCost, _ := bcrypt.Cost(hash)
	if cost, err := bcrypt.Cost(unknownHash); err != nil || cost != wantCost {
		t.Errorf("unknown client compared against cost %d (%v), want a real bcrypt hash of cost %d", cost, err, wantCost)
	}
	if knownErr.ErrorField != unknownErr.ErrorField || knownErr.CodeField != unknownErr.CodeField ||
		knownErr.GetDescription() != unknownErr.GetDescription() || knownErr.CodeField != http.StatusUnauthorized {
		t.Errorf("answers differ: known %d %s %q, unknown %d %s %q", knownErr.CodeField, knownErr.ErrorField, knownErr.GetDescription(),
			unknownErr.CodeField, unknownErr.ErrorField, unknownErr.GetDescription())
	}
	// The dummy hash is made once, not per request.
	_, again := attempt("another-unknown")
	if string(again) != string(unknownHash) {
		t.Error("a new dummy hash per request")
	}
}

// TestSecretCheckedOnceForConcurrentRequests: a burst of requests with
// the same client secret (a client's first after a restart) costs one
// bcrypt comparison, not one each; all of them get its answer.
func TestSecretCheckedOnceForConcurrentRequests(t *testing.T) {
	h := newSecretHasher()
	var calls atomic.Int32
	release := make(chan struct{})
	h.compare = func(hash, secret []byte) error {
		calls.Add(1)
		<-release
		if string(secret) != "right" {
			return bcrypt.ErrMismatchedHashAndPassword
		}
		return nil
	}
	for _, secret := range []string{"right", "wrong"} {
		calls.Store(0)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Go(func() { errs <- h.Compare(t.Context(), []byte("hash"), []byte(secret)) })
		}
		// Let them all arrive: one comparing, 15 waiting for it. Not a
		// fixed sleep: on a loaded machine a late goroutine would start a
		// comparison of its own after the release.
		for deadline := time.Now().Add(30 * time.Second); ; {
			h.mu.Lock()
			waiting := 0
			for _, c := range h.inflight {
				waiting += c.waiters
			}
			h.mu.Unlock()
			if calls.Load() == 1 && waiting == 15 || calls.Load() > 1 {
				break // all arrived, or not shared (checked below)
			}
			if time.Now().After(deadline) {
				t.Fatalf("secret %q: %d comparisons running and %d requests waiting after 30s, want 1 and 15", secret, calls.Load(), waiting)
			}
			time.Sleep(time.Millisecond)
		}
		close(release)
		wg.Wait()
		close(errs)
		release = make(chan struct{})
		for err := range errs {
			if (err == nil) != (secret == "right") {
				t.Errorf("secret %q: %v", secret, err)
			}
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("secret %q: %d comparisons for 16 concurrent requests, want 1", secret, n)
		}
	}
}
