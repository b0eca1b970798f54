package idportenmock_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/storage/storetest"
)

// countingStore counts what the mock asks of its store.
type countingStore struct {
	idportenmock.Store
	mu                sync.Mutex
	puts, takes, adds int
	gets              int
	keysAdded         []string
	exps              []time.Time
}

func (c *countingStore) Put(ctx context.Context, kind, key string, v []byte, exp time.Time) error {
	c.mu.Lock()
	c.puts++
	c.mu.Unlock()
	return c.Store.Put(ctx, kind, key, v, exp)
}

func (c *countingStore) Get(ctx context.Context, kind, key string, now time.Time) ([]byte, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Store.Get(ctx, kind, key, now)
}

func (c *countingStore) Take(ctx context.Context, kind, key string, now time.Time) ([]byte, error) {
	c.mu.Lock()
	c.takes++
	c.mu.Unlock()
	return c.Store.Take(ctx, kind, key, now)
}

func (c *countingStore) Add(ctx context.Context, kind, key string, v []byte, now, exp time.Time) (bool, error) {
	c.mu.Lock()
	c.adds++
	c.keysAdded = append(c.keysAdded, kind)
	c.exps = append(c.exps, exp)
	c.mu.Unlock()
	return c.Store.Add(ctx, kind, key, v, now, exp)
}

// A headless login through PAR, as oidcp runs it, writes two markers
// (the pushed request's use and the code's) and nothing else: the
// request, the code and the access token are self-contained.
func TestHeadlessPARLoginWritesTwoMarkers(t *testing.T) {
	cs := &countingStore{}
	e := newEnvWith(t, func(c *idportenmock.Config) {
		cs.Store = idportenmock.NewMemoryStore(nil)
		c.Store = cs
	})
	pid := synthPID(t, "2001-09-09", 601)
	status, par := e.push(clientID, clientSecret, authParams("login_hint", "testid:"+pid))
	if status != http.StatusCreated {
		t.Fatalf("par: %d %v", status, par)
	}
	resp, _ := e.get(e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {par["request_uri"].(string)}}.Encode())
	cb := location(t, resp, redirectURI)
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.puts != 0 || cs.takes != 0 || cs.gets != 0 || cs.adds != 2 {
		t.Errorf("store calls: %d puts, %d takes, %d gets, %d adds (%v); want only the 2 adds", cs.puts, cs.takes, cs.gets, cs.adds, cs.keysAdded)
	}
	// The values handed out are long but within what URLs carry.
	for name, v := range map[string]string{"request_uri": par["request_uri"].(string), "code": cb.Get("code"), "access_token": tok["access_token"].(string)} {
		if len(v) > 1024 {
			t.Errorf("%s is %d characters", name, len(v))
		}
	}
}

// A self-contained value is accepted only as what it was made for, only
// unaltered, and not after it expires.
func TestSealedValuesBoundToKind(t *testing.T) {
	e := newEnv(t)
	code := e.headlessCode(synthPID(t, "1985-06-15", 404)).Get("code")
	// A code as an access token, and as a pushed request.
	if status, _ := e.userinfoStatus(code); status != http.StatusUnauthorized {
		t.Errorf("a code taken as an access token: %d", status)
	}
	resp, _ := e.get(e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {"urn:ietf:params:oauth:request_uri:" + code}}.Encode())
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("a code taken as a request_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// One character changed.
	flip := []byte(code)
	i := len(flip) / 2
	if flip[i] == 'A' {
		flip[i] = 'B'
	} else {
		flip[i] = 'A'
	}
	if status, body := e.tokenRequest(clientID, clientSecret, codeForm(string(flip))); body["error"] != "invalid_grant" {
		t.Errorf("altered code: %d %v", status, body)
	}
	// The real one still works once.
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(code))
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	at := tok["access_token"].(string)
	if status, _ := e.userinfoStatus(at); status != http.StatusOK {
		t.Fatalf("userinfo: %d", status)
	}
	e.clock.Add(121 * time.Second)
	if status, _ := e.userinfoStatus(at); status != http.StatusUnauthorized {
		t.Errorf("expired access token: %d", status)
	}
}

// Of concurrent redemptions of one code exactly one gets tokens, on the
// in-memory store as on a shared one (twonode_test.go).
func TestConcurrentRedemptionsOneWins(t *testing.T) {
	e := newEnv(t)
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 405)).Get("code"))
	const n = 8
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := e.tokenRequest(clientID, clientSecret, f)
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	var ok []int
	for s := range statuses {
		if s == http.StatusOK {
			ok = append(ok, s)
		} else if s != http.StatusBadRequest {
			t.Errorf("status %d", s)
		}
	}
	if len(ok) != 1 {
		t.Errorf("%d of %d concurrent redemptions succeeded, want 1", len(ok), n)
	}
}

// A pushed request is not readable by whoever holds its request_uri:
// the login hint and the redirect URI are not in it in the clear.
func TestRequestURIOpaque(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "2001-09-09", 602)
	_, par := e.push(clientID, clientSecret, authParams("login_hint", "testid:"+pid))
	uri := par["request_uri"].(string)
	for _, s := range []string{pid, "rp.example", "st-123"} {
		if strings.Contains(uri, s) {
			t.Errorf("request_uri %q shows %q", uri, s)
		}
	}
}

// On nodes sharing a database, concurrent redemptions of one code at
// both nodes still give tokens once: the code's marker is one row.
func TestConcurrentRedemptionsOneWinsAcrossNodes(t *testing.T) {
	e := sharedNodes(t)
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 406)).Get("code"))
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := e.tokenRequest(clientID, clientSecret, f)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == http.StatusOK:
				won++
			case body["error"] != "invalid_grant":
				t.Errorf("status %d %v", status, body)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of %d concurrent redemptions at two nodes succeeded, want 1", won, n)
	}
}

// On the shared database a marker is never replaced, not even after it
// expired and before the janitor removed it: of two callers that both
// found it expired, both would otherwise win.
func TestFlowStoreAddNeverReplaces(t *testing.T) {
	st := idportenmock.NewFlowStore(storetest.SQLite(t))
	ctx := t.Context()
	now := time.Now()
	if ok, err := st.Add(ctx, "code-used", "k", []byte(`"a"`), now, now.Add(-time.Second)); !ok || err != nil {
		t.Fatalf("first Add = %v, %v", ok, err)
	}
	if ok, err := st.Add(ctx, "code-used", "k", []byte(`"b"`), now, now.Add(time.Minute)); ok || err != nil {
		t.Errorf("Add over an expired marker = %v, %v; want false", ok, err)
	}
}

// A marker outlives the value it marks by the clock skew margin, counted
// from the value's own expiry (the sealing node's clock), not from the
// redeeming node's now.
func TestMarkersOutliveTheirValues(t *testing.T) {
	cs := &countingStore{}
	e := newEnvWith(t, func(c *idportenmock.Config) {
		cs.Store = idportenmock.NewMemoryStore(nil)
		c.Store = cs
	})
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 407)).Get("code"))
	issued := e.clock.Now()
	e.clock.Add(30 * time.Second) // redeemed half-way through the code's 60 s
	if status, body := e.tokenRequest(clientID, clientSecret, f); status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.exps) != 1 {
		t.Fatalf("%d markers", len(cs.exps))
	}
	if min := issued.Add(60*time.Second + 59*time.Second); cs.exps[0].Before(min) {
		t.Errorf("code marker expires at %v, before the code's expiry plus a minute (%v)", cs.exps[0], min)
	}
}
