package clients

import (
	"slices"
	"strings"
	"testing"
)

// TestRegistrationRefusesPrivateCallbackHosts: outside dev mode, the URLs
// oidcp itself calls (jwks_uri, backchannel_logout_uri) may not name
// localhost or a loopback, private or link-local address; the error names
// the field. In dev mode (AllowPrivateHosts) they are accepted, and
// initiate_login_uri, which only the browser visits, is not affected.
func TestRegistrationRefusesPrivateCallbackHosts(t *testing.T) {
	hosts := []string{
		"http://127.0.0.1:9000", "https://localhost", "https://[::1]:8443", "https://10.0.0.8",
		"https://172.20.1.1", "https://192.168.0.10", "https://169.254.169.254", "https://[fd00::1]",
		"https://[fe80::1]", "https://0.0.0.0", "https://[::ffff:127.0.0.1]", "https://100.64.0.1",
	}
	for _, h := range hosts {
		jwksURI := func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKSURI = AuthPrivateKeyJWT, "", h+"/jwks"
		}
		backchannel := func(r *Registration) { r.BackchannelLogoutURI = h + "/bcl" }
		for field, mod := range map[string]func(*Registration){"jwks_uri": jwksURI, "backchannel_logout_uri": backchannel} {
			r := web()
			mod(&r)
			_, err := Build("main", r, now)
			if !slices.Contains(Fields(err), field) || !strings.Contains(err.Error(), "outside dev mode") {
				t.Errorf("%s %s: err %v, want a refusal naming %s", field, h, err, field)
			}
			r.AllowPrivateHosts = true
			if _, err := Build("main", r, now); err != nil {
				t.Errorf("%s %s in dev mode: %v", field, h, err)
			}
		}
	}
	r := web()
	r.InitiateLoginURI = "http://127.0.0.1:9000/login"
	if _, err := Build("main", r, now); err != nil {
		t.Errorf("loopback initiate_login_uri: %v", err)
	}
	r = web()
	r.BackchannelLogoutURI = "https://tool.example/bcl"
	if _, err := Build("main", r, now); err != nil {
		t.Errorf("public backchannel_logout_uri: %v", err)
	}
}
