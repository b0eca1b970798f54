package upstream_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/outbound"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/upstream"
)

// Example wires the relying party to the ID-porten mock mounted under
// /idporten-mock and logs in headlessly with ID-porten's test hint. Against
// the real ID-porten only Config.Issuer and the client credentials change.
func Example() {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	issuer := srv.URL + "/idporten-mock"
	callback := "https://oidcp.example/main/callback"

	mock, err := idportenmock.New(idportenmock.Config{
		Issuer:  issuer,
		Clients: []idportenmock.Client{{ID: "oidcp", Secret: "dev-secret", RedirectURIs: []string{callback}}},
	})
	if err != nil {
		panic(err)
	}
	mux.Handle("/idporten-mock/", http.StripPrefix("/idporten-mock", mock))

	eid, err := upstream.New(upstream.Config{
		Issuer: issuer, ClientID: "oidcp", ClientSecret: "dev-secret", RedirectURL: callback,
		// Dev mode: the mock listens on 127.0.0.1, which the outbound
		// client refuses otherwise.
		HTTPClient: outbound.New(outbound.Options{AllowPrivate: true}),
	})
	if err != nil {
		panic(err)
	}

	pid, _ := representation.SyntheticPID(time.Date(1980, 3, 14, 0, 0, 0, 0, representation.Oslo), 100)
	ctx := context.Background()
	redirect, st, err := eid.Start(ctx, upstream.AuthParams{LoginHint: "testid:" + pid + "_idporten-loa-high"})
	if err != nil {
		panic(err)
	}

	// The browser's part: follow the redirect and stop at oidcp's callback.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(redirect)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	cb, _ := resp.Location()
	fmt.Println(strings.HasPrefix(cb.String(), callback))

	// oidcp's callback handler.
	id, err := eid.Exchange(ctx, cb.Query(), st)
	if err != nil {
		panic(err)
	}
	fmt.Println(id.PID == pid, id.ACR, id.AMR)
	// Output:
	// true
	// true idporten-loa-high [TestID]
}
