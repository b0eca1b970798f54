package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/oidcp/oidcp/keys"
)

// kidOf returns the kid of a compact JWS ("" when there is none).
func kidOf(raw string) string {
	h, _, _ := strings.Cut(raw, ".")
	b, _ := base64.RawURLEncoding.DecodeString(h)
	var hdr struct {
		KID string `json:"kid"`
	}
	_ = json.Unmarshal(b, &hdr)
	return hdr.KID
}

// testKeyRotation: `oidcp keys rotate` while logins and refreshes run.
// The next key is published before it signs; after the publish lead new
// ID tokens carry the new kid and those signed before still verify
// against the JWKS.
func (e *e2eEnv) testKeyRotation(t *testing.T) {
	c := e.register(t, "main", "rot")
	rp := e.rp(t, c)
	before := rp.login(t, newBrowser(), e.kari)
	oldKID := kidOf(before.rawID)

	// Traffic: workers log in, redeem and refresh in a loop. The clock
	// moves only between iterations (mu), so no flow straddles a jump of
	// minutes; the rotation itself runs amid the traffic.
	var (
		mu    sync.RWMutex
		phase atomic.Int32 // 0 before rotation, 1 during the lead, 2 after
		done  atomic.Int32
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []error
		kids  [3]map[string]int
	)
	for i := range kids {
		kids[i] = map[string]int{}
	}
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}
	for w := range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.RLock()
				ph := phase.Load()
				code, a, _, err := rp.loginE(newBrowser(), e.kari)
				var tk, rt *tokens
				if err == nil {
					tk, err = rp.exchangeE(code, a.verifier)
				}
				if err == nil {
					rt, err = rp.refreshE(tk.refresh)
				}
				mu.RUnlock()
				if err != nil {
					fail(fmt.Errorf("worker %d, phase %d: %w", w, ph, err))
					return
				}
				errMu.Lock()
				kids[ph][kidOf(tk.rawID)]++
				kids[ph][kidOf(rt.rawID)]++
				errMu.Unlock()
				done.Add(1)
			}
		})
	}
	// waitFor lets the workers complete n more iterations.
	waitFor := func(n int32) {
		target := done.Load() + n
		for deadline := time.Now().Add(30 * time.Second); done.Load() < target && time.Now().Before(deadline); {
			errMu.Lock()
			failed := len(errs) > 0
			errMu.Unlock()
			if failed {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	setPhase := func(p int32, advance time.Duration) {
		mu.Lock()
		e.clock.advance(advance)
		phase.Store(p)
		mu.Unlock()
	}

	waitFor(3)
	out := e.cli.on(t).ok("keys", "rotate", "--tenant", "main")
	var rotated map[string][]keys.KeyInfo
	if err := json.Unmarshal([]byte(out), &rotated); err != nil {
		t.Fatalf("keys rotate output: %v\n%s", err, out)
	}
	newKID := ""
	for _, k := range rotated["main"] {
		if k.Alg == keys.RS256 && k.State == keys.StateNext {
			newKID = k.KID
		}
	}
	if newKID == "" || newKID == oldKID {
		t.Fatalf("no next RS256 key after rotate: %s", out)
	}
	// Once the nodes' key caches expire (30 s) the next key is in JWKS,
	// while the old one still signs.
	setPhase(1, 31*time.Second)
	jwks := get(t, e.issuer("main")+"/jwks")
	if !strings.Contains(jwks, newKID) || !strings.Contains(jwks, oldKID) {
		t.Errorf("JWKS during the lead lacks the next or the current key:\n%s", jwks)
	}
	waitFor(3)
	// Past the publish lead the next key signs.
	setPhase(2, keys.DefaultPublishLead)
	waitFor(3)
	close(stop)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	for ph, want := range []string{oldKID, oldKID, newKID} {
		if len(kids[ph]) != 1 || kids[ph][want] == 0 {
			t.Errorf("phase %d: ID tokens signed with kids %v, want only %s", ph, kids[ph], want)
		}
	}

	// A fresh verifier (new JWKS fetch) still accepts the token signed
	// before the rotation, and a new login is signed with the new key.
	prov, err := oidc.NewProvider(context.Background(), e.issuer("main"))
	if err != nil {
		t.Fatal(err)
	}
	v := prov.Verifier(&oidc.Config{ClientID: c.id, Now: e.clock.now})
	if _, err := v.Verify(context.Background(), before.rawID); err != nil {
		t.Errorf("ID token signed before the rotation no longer verifies: %v", err)
	}
	after := rp.login(t, newBrowser(), e.kari)
	if kid := kidOf(after.rawID); kid != newKID {
		t.Errorf("ID token after the lead signed by %s, want %s", kid, newKID)
	}
}
