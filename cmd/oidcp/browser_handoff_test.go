package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/oidcp/oidcp/examples/handoff-tool/tool"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// pageLog records, from the browser's own events, every document request
// (each hop of a redirect chain) and every document response that ended a
// navigation (a page shown).
type pageLog struct {
	mu       sync.Mutex
	requests []string
	shown    []string
}

func (l *pageLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Type == network.ResourceTypeDocument {
			l.requests = append(l.requests, e.Request.URL)
		}
	case *network.EventResponseReceived:
		if e.Type == network.ResourceTypeDocument {
			l.shown = append(l.shown, e.Response.URL)
		}
	}
}

func (l *pageLog) reset() {
	l.mu.Lock()
	l.requests, l.shown = nil, nil
	l.mu.Unlock()
}

func (l *pageLog) get() (requests, shown []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...), append([]string(nil), l.shown...)
}

// TestBrowserHandoff: the whole hand-off clicked in headless Chromium,
// between two independent relying parties built on go-oidc and x/oauth2:
// the demo as the portal, and examples/handoff-tool as the tool. Kari
// logs in at the portal acting for her son Jonas, presses "Åpne" for the
// tool, and the tool's page shows her logged in acting for Jonas; the
// browser passed no login and no chooser page on the way, and the tool's
// ID token carries the same representation as the portal's.
func TestBrowserHandoff(t *testing.T) {
	exec := requireBrowser(t)
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	issuer := srv.base + "/sandbox"
	pop := population.Generate(time.Now().In(representation.Oslo))
	kari, _ := pop.Lookup(population.KeyKari)
	jonas, _ := pop.Lookup(population.KeyJonas)

	// The example tool, registered by the one command docs/handoff.md gives.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	toolBase := "http://" + l.Addr().String()
	secret := strings.Repeat("h", 40)
	ex := tool.New(tool.Config{Issuer: issuer, ClientID: "handoff-tool", ClientSecret: secret, BaseURL: toolBase, Name: "Hand-off example"})
	ts := &httptest.Server{Listener: l, Config: &http.Server{Handler: ex}}
	ts.Start()
	t.Cleanup(ts.Close)
	redirect, initiate, launchURI := tool.RegisterURLs(toolBase)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "handoff-tool", "--name", "Hand-off example", "--secret", secret,
		"--redirect-uri", redirect, "--initiate-login-uri", initiate, "--launch-uri", launchURI, "--accept-relation", "parent")

	bctx := startChromium(t, exec)
	var log pageLog
	if err := chromedp.Listen(bctx, log.listen); err != nil {
		t.Fatal(err)
	}
	browserSteps(t, bctx, "logging in at the portal, acting for Jonas",
		chromedp.Navigate(srv.base+"/demo/login?tenant=sandbox&pid="+kari.PID+"&acting_for="+jonas.PID),
		chromedp.WaitVisible(chromedp.ID("open-handoff-tool")),
	)
	var portalClaims map[string]any
	if err := json.Unmarshal([]byte(browse(t, bctx, chromedp.Text(chromedp.ID("id-token")))), &portalClaims); err != nil {
		t.Fatal(err)
	}

	log.reset()
	browserSteps(t, bctx, "opening the tool from the portal",
		chromedp.Click(chromedp.ID("open-handoff-tool")),
		chromedp.WaitVisible(chromedp.ID("acting-for")),
	)
	if u := browse(t, bctx, chromedp.Location()); u != launchURI {
		t.Errorf("the browser ended at %s, want the launch URI %s", u, launchURI)
	}
	if who := browse(t, bctx, chromedp.Text(chromedp.ID("acting-for"))); !strings.Contains(who, jonas.GivenName) {
		t.Errorf("the tool acts for %q, want Jonas", who)
	}
	if who := browse(t, bctx, chromedp.Text(chromedp.ID("who"))); !strings.Contains(who, "(foreldreansvar)") {
		t.Errorf("the tool's page reads %q, want the relation in Norwegian", who)
	}
	requests, shown := log.get()
	// The pages visited: the portal's launch, the tool's
	// initiate_login_uri, oidcp's authorize, the tool's callback and its
	// page; the only page shown is the tool's.
	want := []string{srv.base + "/demo/launch", initiate, issuer + "/authorize", redirect, launchURI}
	if len(requests) != len(want) {
		t.Fatalf("document requests %v, want the hops %v", requests, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(requests[i], w) {
			t.Errorf("hop %d: %s, want %s…", i, requests[i], w)
		}
		if strings.Contains(requests[i], "/idporten-mock/") || strings.Contains(requests[i], "/choose") || strings.Contains(requests[i], "/consent") {
			t.Errorf("hop %d is a login, chooser or consent page: %s", i, requests[i])
		}
	}
	if len(shown) != 1 || shown[0] != launchURI {
		t.Errorf("pages shown %v, want only the tool's %s", shown, launchURI)
	}

	var toolClaims map[string]any
	if err := json.Unmarshal([]byte(browse(t, bctx, chromedp.Text(chromedp.ID("id-token")))), &toolClaims); err != nil {
		t.Fatal(err)
	}
	pr, tr := repClaim(t, portalClaims), repClaim(t, toolClaims)
	for _, k := range []string{"relation", "limited", "valid_until"} {
		if tr[k] != pr[k] {
			t.Errorf("representation %s: tool %v, portal %v", k, tr[k], pr[k])
		}
	}
	pRep, tRep := pr["represented"].(map[string]any), tr["represented"].(map[string]any)
	if tr["relation"] != "parent" || tRep["name"] != pRep["name"] || tRep["birthdate"] != pRep["birthdate"] || tRep["name"] != jonas.GivenName+" "+jonas.FamilyName {
		t.Errorf("the tool's represented person %v, the portal's %v", tRep, pRep)
	}
	if fmt.Sprint(toolClaims["aud"]) != "[handoff-tool]" || toolClaims["iss"] != issuer {
		t.Errorf("the tool's ID token: aud %v iss %v", toolClaims["aud"], toolClaims["iss"])
	}
}
