package main

import (
	"strings"
	"testing"
)

// TestClientsCreateSaysWhatToDo: `clients create` refuses a scope the
// tenant does not offer, naming the nearest, and a redirect URI without
// scheme, showing it in full, instead of a raw Go parse error.
func TestClientsCreateSaysWhatToDo(t *testing.T) {
	c := newCLI(t)
	c.ok("migrate")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--redirect-uri", "http://127.0.0.1:9000/callback", "--scope", "openid profil"},
			[]string{`scope: "profil" is not offered by tenant "sandbox"`, `did you mean "profile"?`}},
		{[]string{"--redirect-uri", "127.0.0.1:9000/callback", "--scope", "openid profile"},
			[]string{`redirect_uris: "127.0.0.1:9000/callback": has no scheme; write it in full, e.g. http://127.0.0.1:9000/callback`}},
	} {
		_, errs, code := c.run(append([]string{"clients", "create", "--tenant", "sandbox", "--id", "my-app"}, tc.args...)...)
		if code == 0 {
			t.Errorf("%v: accepted", tc.args)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, errs, w)
			}
		}
		if strings.Contains(errs, "parse \"") {
			t.Errorf("%v: raw parse error: %s", tc.args, errs)
		}
	}
	if out, _, _ := c.run("clients", "list", "--tenant", "sandbox"); strings.Contains(out, "my-app") {
		t.Errorf("a refused client was stored: %s", out)
	}
}
