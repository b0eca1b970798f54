package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/ory/fosite"
	pkgerrors "github.com/pkg/errors"
)

// TestTokenHandlersSkipWithoutStack: every token endpoint handler
// answers a request it cannot handle with a plain ErrUnknownRequest, not
// one carrying a stack trace captured for nothing (fosite's own
// handlers capture one for every request they are not for).
func TestTokenHandlersSkipWithoutStack(t *testing.T) {
	h := newHarness(t)
	tn := h.p.tenants["main"]
	ar := fosite.NewAccessRequest(NewSession("main"))
	ar.GrantTypes = fosite.Arguments{"urn:example:no-such-grant"}
	ar.GrantedScope = fosite.Arguments{"openid"}
	for i, th := range tn.fcfg.TokenEndpointHandlers {
		err := th.PopulateTokenEndpointResponse(context.Background(), ar, fosite.NewAccessResponse())
		if err == nil {
			continue // fosite's PKCE handler populates nothing and says so
		}
		if !errors.Is(err, fosite.ErrUnknownRequest) {
			t.Fatalf("handler %d (%T): %v, want ErrUnknownRequest", i, th, err)
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			if st, ok := e.(interface{ StackTrace() pkgerrors.StackTrace }); ok && len(st.StackTrace()) > 0 {
				t.Errorf("handler %d (%T) captured a stack trace to say the request is not its", i, th)
				break
			}
		}
	}
}
