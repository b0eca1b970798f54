package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/conformance"
	"github.com/oidcp/oidcp/representation"
)

// The OIDF plans run against oidcp in two client policies:
//
//   - certification profile: a confidential client with PKCE and nonce
//     relaxed (oidcp's --relax-pkce --relax-nonce), as the OIDF Basic OP
//     plan expects of a client that sends PKCE in one module only;
//   - strict default policy: PKCE and nonce required, as DESIGN requires
//     unless relaxed. The suite sends PKCE on every request (always_pkce)
//     so that the run shows what the nonce rule fails; a second strict run
//     without always_pkce shows what the PKCE rule fails.
//
// Every module that does not pass is listed below with the reason; the
// test fails when the set changes, in either direction.

// certNonPass are the modules that do not PASS with the certification
// profile, with their verdict and why it is right.
var certNonPass = map[string]struct {
	result conformance.Result
	why    string
}{
	"oidcc-idtoken-unsigned": {conformance.Skipped,
		"alg none is not offered (id_token_signing_alg_values_supported: RS256, ES256, PS256); the peer skips it too"},
	"oidcc-scope-email":   {conformance.Skipped, "oidcp has no e-mail claims; scopes_supported does not list email"},
	"oidcc-scope-address": {conformance.Skipped, "oidcp has no address claim; scopes_supported does not list address"},
	"oidcc-scope-phone":   {conformance.Skipped, "oidcp has no phone claims; scopes_supported does not list phone"},
	"oidcc-scope-all": {conformance.Skipped,
		"scopes_supported lacks email, address and phone; the OIDF module skips unless all four are listed"},
	"oidcc-claims-essential": {conformance.Warning,
		"the claims parameter is ignored (claims_parameter_supported: false), so name is not released without scope profile; the flow succeeds, as the OIDF module requires"},
	"oidcc-ensure-request-object-with-redirect-uri": {conformance.Skipped,
		"request objects are not supported (request_parameter_supported: false)"},
	"oidcp-fapi2": {conformance.Skipped,
		"the tenant is not in the fapi2 profile and the configuration has no fapi_client; TestConformanceFAPI2 runs it against a fapi2 tenant"},
}

// strictNonceFailures are the modules the strict policy fails when the
// suite sends PKCE everywhere: only nonce-less requests are refused.
var strictNonceFailures = map[string]string{
	"oidcc-ensure-request-without-nonce-succeeds-for-code-flow": "the strict policy requires nonce: the request is refused with invalid_request",
}

// strictNoPKCEPasses are the only modules that pass (or skip) under the
// strict policy when the suite sends PKCE only where the OIDF plan does:
// every other module's code flow is refused for lacking code_challenge.
var strictNoPKCEPasses = []string{
	"oidcc-discovery-endpoint-verification",                                        // no authorization request
	"oidcc-response-type-missing",                                                  // expects a refusal
	"oidcc-ensure-registered-redirect-uri",                                         // expects a refusal
	"oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported",    // refused as unsupported before the PKCE check
	"oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported", // refused as unsupported before the PKCE check
	"oidcc-ensure-request-with-valid-pkce-succeeds",                                // sends PKCE
	"oidcp-pkce-enforcement",                                                       // sends PKCE where it expects success
	"oidcp-dpop",                                                                   // always sends PKCE
}

func TestConformanceOIDCP(t *testing.T) {
	if testing.Short() {
		t.Skip("full conformance plans; skipped with -short")
	}
	srv := startTLSServer(t)

	// Certification profile.
	cert := srv.register(t, "oidcc-cert", "--relax-pkce", "--relax-nonce")
	certPost := srv.register(t, "oidcc-cert-post", "--relax-pkce", "--relax-nonce", "--auth-method", "client_secret_post")
	strict := srv.register(t, "oidcc-strict")
	strictPost := srv.register(t, "oidcc-strict-post", "--auth-method", "client_secret_post")

	certCfg := srv.clientConfig(cert)
	certCfg.PostClient = &certPost
	certCfg.StrictClient = &strict

	strictCfg := srv.clientConfig(strict)
	strictCfg.PostClient = &strictPost
	strictCfg.StrictClient = &strict
	strictCfg.Backchannel = nil // one receiver address; the certification run owns it
	strictPKCECfg := strictCfg
	strictPKCECfg.AlwaysPKCE = true

	// The runs are independent (own clients, own browsers) and spend most
	// of their time in the plans' waits (codereuse-30seconds, max_age), so
	// they run side by side.
	t.Run("certification-profile", func(t *testing.T) {
		t.Parallel()
		rep := srv.run(t, certCfg)
		for _, m := range rep.Modules {
			want, listed := certNonPass[m.Name]
			switch {
			case listed && m.Result != want.result:
				t.Errorf("%s: %s (%s), want %s because %s", m.Name, m.Result, m.Reason, want.result, want.why)
			case !listed && m.Result != conformance.Passed:
				t.Errorf("%s: %s: %s", m.Name, m.Result, m.Reason)
			}
		}
		if n := len(rep.Modules); n != len(allModules()) {
			t.Errorf("ran %d modules, want %d", n, len(allModules()))
		}
	})

	t.Run("strict-policy", func(t *testing.T) {
		t.Parallel()
		rep := srv.run(t, strictPKCECfg)
		got := failedModules(rep)
		want := sortedNames(strictNonceFailures)
		if !slices.Equal(got, want) {
			t.Errorf("failed modules = %v, want %v", got, want)
		}
		for _, m := range rep.Modules {
			if why, ok := strictNonceFailures[m.Name]; ok && !strings.Contains(m.Reason, "invalid_request") {
				t.Errorf("%s failed for %q, want: %s", m.Name, m.Reason, why)
			}
		}
	})

	t.Run("strict-policy-without-pkce", func(t *testing.T) {
		t.Parallel()
		rep := srv.run(t, strictCfg)
		var want []string
		for _, m := range allModules() {
			// The strict runs have no back-channel receiver (the
			// certification run owns its address): that module skips.
			if certNonPass[m].result != conformance.Skipped && !slices.Contains(strictNoPKCEPasses, m) && m != "oidcp-backchannel-logout" {
				want = append(want, m)
			}
		}
		sort.Strings(want)
		if got := failedModules(rep); !slices.Equal(got, want) {
			t.Errorf("failed modules:\n got %v\nwant %v", got, want)
		}
		for _, m := range rep.Modules {
			if m.Result == conformance.Failed && !refusedForPKCE(m) {
				t.Errorf("%s failed for another reason than the missing code_challenge: %s", m.Name, m.Reason)
			}
		}
	})
}

// TestConformanceUsage: `oidcp conformance` hands its arguments to the
// suite, which refuses to run without a client configuration (exit 2).
func TestConformanceUsage(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"conformance", "--issuer", "http://x"}, &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "--issuer and --client-config are required") {
		t.Errorf("exit %d stderr %q", code, errs.String())
	}
}

// TestConformanceCLI runs `oidcp conformance` itself against oidcp over
// TLS: the Config OP plan, with --ca, the table on stdout and --json.
func TestConformanceCLI(t *testing.T) {
	srv := startTLSServer(t)
	cfgFile := filepath.Join(t.TempDir(), "client.json")
	b, _ := json.Marshal(srv.clientConfig(srv.register(t, "oidcc-cli", "--relax-pkce", "--relax-nonce")))
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	jsonFile := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"conformance", "--issuer", srv.issuer, "--client-config", cfgFile,
		"--ca", srv.caFile, "--driver", "headless", "--plan", conformance.PlanConfig,
		"--module", "oidcc-discovery-endpoint-verification", "--json", jsonFile}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "oidcc-discovery-endpoint-verification  PASSED") {
		t.Errorf("table lacks the module's PASSED row:\n%s", stdout.String())
	}
	var rep conformance.Report
	raw, err := os.ReadFile(jsonFile)
	if err == nil {
		err = json.Unmarshal(raw, &rep)
	}
	if err != nil || rep.Issuer != srv.issuer || rep.Summary.Passed != 1 || len(rep.Modules) != 1 {
		t.Errorf("JSON report: err %v, %+v", err, rep.Summary)
	}

	// Without --ca the test CA is unknown: TLS fails, the module fails.
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"conformance", "--issuer", srv.issuer, "--client-config", cfgFile,
		"--module", "oidcc-discovery-endpoint-verification"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "tls: failed") {
		t.Errorf("without --ca: exit %d, want 1 with a TLS verification failure\n%s", code, stdout.String())
	}
}

// refusedForPKCE reports whether a module failed because oidcp refused an
// authorization request for lacking code_challenge: the reason, or for a
// module that expected another error, a logged step, names PKCE.
func refusedForPKCE(m conformance.ModuleResult) bool {
	for _, s := range append([]conformance.Step{{Message: m.Reason}}, m.Steps...) {
		if strings.Contains(s.Message, "invalid_request") && strings.Contains(s.Message, "PKCE") {
			return true
		}
	}
	return false
}

// TestTLSCA: tls_ca must name a PEM certificate file, and the outgoing
// client built from it trusts that CA (the conformance runs above depend
// on it for oidcp's calls to the mock over TLS).
func TestTLSCA(t *testing.T) {
	dir := t.TempDir()
	caFile, _, keyFile := writeTestPKI(t, dir)
	for _, c := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.pem"), `tls_ca: file "` + filepath.Join(dir, "missing.pem") + `" does not exist`},
		{keyFile, "tls_ca: file " + `"` + keyFile + `" holds no PEM certificates`},
	} {
		cfg := valid(t)
		cfg.TLSCA = c.file
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("tls_ca %s: err %v, want %q", c.file, err, c.want)
		}
		if _, err := caPool(c.file); err == nil {
			t.Errorf("caPool(%s) accepted it", c.file)
		}
	}
	cfg := valid(t)
	cfg.TLSCA = caFile
	if err := cfg.Validate(); err != nil {
		t.Errorf("tls_ca with the CA: %v", err)
	}
}

func allModules() []string {
	var out []string
	for _, p := range []string{conformance.PlanConfig, conformance.PlanBasic, conformance.PlanOIDCP} {
		out = append(out, conformance.ModuleNames(p)...)
	}
	return out
}

func failedModules(rep *conformance.Report) []string {
	out := []string{}
	for _, m := range rep.Modules {
		if m.Result == conformance.Failed {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tlsServer is oidcp serving HTTPS on 127.0.0.1 with a throwaway CA.
type tlsServer struct {
	cli    *cli
	issuer string
	caFile string
	pid    string
	// backchannel is a free loopback address for the suite's receiver.
	backchannel string
}

const (
	rpRedirect   = "https://rp.conformance.test/cb"
	rpRedirect2  = "https://rp.conformance.test/cb2"
	rpPostLogout = "https://rp.conformance.test/logged-out"
)

// startTLSServer runs `serve --dev` (tenant main, backed by the ID-porten
// mock) over TLS with a certificate for 127.0.0.1 from a test CA, which
// the server also trusts (tls_ca) for its calls to the mock.
func startTLSServer(t *testing.T) *tlsServer {
	t.Helper()
	c := newCLI(t)
	caFile, certFile, keyFile := writeTestPKI(t, t.TempDir())
	base := startServing(t, devArgs(t, c, "https", "--tls-cert", certFile, "--tls-key", keyFile, "--tls-ca", caFile), nil, time.Now).base
	// The suite's back-channel receiver is on 127.0.0.1, which clients
	// may register only in dev mode.
	c.flags = []string{"--dev"}
	pid, err := representation.SyntheticPID(time.Date(1984, 3, 9, 0, 0, 0, 0, time.UTC), 71)
	if err != nil {
		t.Fatal(err)
	}
	return &tlsServer{cli: c, issuer: base + "/main", caFile: caFile, pid: pid, backchannel: freeAddr(t)}
}

// register creates a confidential client in tenant main with the suite's
// redirect URIs and extra `clients create` flags.
func (s *tlsServer) register(t *testing.T, id string, flags ...string) conformance.Client {
	t.Helper()
	secret := id + "-" + strings.Repeat("s", 24)
	args := append([]string{"clients", "create", "--tenant", "main", "--id", id, "--secret", secret,
		"--redirect-uri", rpRedirect, "--redirect-uri", rpRedirect2, "--post-logout-redirect-uri", rpPostLogout,
		"--backchannel-logout-uri", "http://" + s.backchannel + "/backchannel",
		"--scope", "openid profile pid offline_access"}, flags...)
	s.cli.ok(args...)
	method := "client_secret_basic"
	if slices.Contains(flags, "client_secret_post") {
		method = "client_secret_post"
	}
	return conformance.Client{ClientID: id, ClientSecret: secret, TokenEndpointAuthMethod: method, RedirectURI: rpRedirect}
}

func (s *tlsServer) clientConfig(primary conformance.Client) conformance.ClientConfig {
	return conformance.ClientConfig{
		Client:                primary,
		RedirectURI2:          rpRedirect2,
		PostLogoutRedirectURI: rpPostLogout,
		Backchannel:           &conformance.Backchannel{Listen: s.backchannel, URI: "http://" + s.backchannel + "/backchannel"},
		Login:                 conformance.Login{PID: s.pid},
	}
}

// run runs plans (default all) with the headless driver, trusting the test
// CA, and logs the table.
func (s *tlsServer) run(t *testing.T, cfg conformance.ClientConfig, plans ...string) *conformance.Report {
	t.Helper()
	hc, err := outboundClient(Config{Dev: true, TLSCA: s.caFile})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{
		Issuer:     s.issuer,
		Client:     cfg,
		Driver:     conformance.HeadlessHintDriver{PID: cfg.Login.PID},
		HTTPClient: hc,
		Plans:      plans,
	})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	_ = rep.WriteTable(&table)
	t.Logf("conformance report for client %s:\n%s", cfg.ClientID, table.String())
	if t.Failed() {
		var details bytes.Buffer
		for _, m := range rep.Modules {
			if m.Result != conformance.Passed {
				one := conformance.Report{Modules: []conformance.ModuleResult{m}}
				_ = one.WriteDetails(&details)
			}
		}
		t.Logf("steps of the modules that did not pass:\n%s", details.String())
	}
	if strings.Contains(table.String(), s.pid) {
		t.Error("the report contains the fødselsnummer")
	}
	return rep
}
