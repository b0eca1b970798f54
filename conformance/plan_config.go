package conformance

// configPlan is oidcc-config-certification-test-plan.
var configPlan = []module{
	{
		Name:        "oidcc-discovery-endpoint-verification",
		Description: "Discovery document: JSON content type, issuer, schema and types, required members, https, JWKS valid with distinct kids",
		Run:         runDiscoveryVerification,
	},
}

func runDiscoveryVerification(t *T) {
	e := t.env
	t.Logf("fetching %s", discoveryURL(e.opts.Issuer))
	status, ct, body, err := e.fetch(discoveryURL(e.opts.Issuer))
	if err != nil {
		t.Fatalf("OIDC-Discovery-4", "fetch discovery document: %v", err)
	}
	d := validateDiscovery(t, e.opts.Issuer, status, ct, body, e.opts.AllowHTTPLoopback)
	if d == nil || d.Str("jwks_uri") == "" {
		t.Fatalf("OIDC-Discovery-3", "no usable jwks_uri")
	}
	t.Logf("fetching jwks_uri %s", d.Str("jwks_uri"))
	status, ct, body, err = e.fetch(d.Str("jwks_uri"))
	if err != nil {
		t.Fatalf("OIDC-Discovery-3", "fetch jwks_uri: %v", err)
	}
	validateJWKS(t, status, ct, body)
}

// catalogue is every plan's modules, in the order the OIDF suite lists them.
var catalogue = map[string][]module{
	PlanConfig: configPlan,
	PlanBasic:  basicPlan,
	PlanOIDCP:  oidcpPlan,
}

// ModuleNames lists the modules of plan.
func ModuleNames(plan string) []string {
	var out []string
	for _, m := range catalogue[plan] {
		out = append(out, m.Name)
	}
	return out
}
