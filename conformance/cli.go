package conformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// Main runs the suite as a command:
//
//	--issuer URL --client-config FILE [--json FILE] [--ca FILE]
//	[--driver form|headless] [--plan NAME]... [--module NAME]...
//	[--allow-http-loopback] [--details]
//
// It prints the per-module table to stdout and returns 0 when no module
// failed, 1 when one did, 2 on bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	issuer := fs.String("issuer", "", "issuer identifier of the OP under test")
	clientCfg := fs.String("client-config", "", "client configuration file (JSON or YAML)")
	jsonOut := fs.String("json", "", "write the JSON report to this file")
	caFile := fs.String("ca", "", "PEM file of extra CA roots to trust")
	driver := fs.String("driver", "form", "login driver: form (fills login/consent forms) or headless (login_hint=testid:<pid>)")
	loopback := fs.Bool("allow-http-loopback", false, "accept http:// on localhost/127.0.0.1 with a warning instead of a failure")
	details := fs.Bool("details", false, "print every module's steps after the table")
	var plans, modules stringList
	fs.Var(&plans, "plan", "plan to run (repeatable; default all): "+strings.Join([]string{PlanConfig, PlanBasic, PlanOIDCP}, ", "))
	fs.Var(&modules, "module", "run only this module (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *issuer == "" || *clientCfg == "" {
		fmt.Fprintln(stderr, "conformance: --issuer and --client-config are required")
		fs.Usage()
		return 2
	}
	cfg, err := LoadClientConfig(*clientCfg)
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	drv, err := NewDriver(*driver, cfg.Login)
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	hc, err := httpClientWithCA(*caFile)
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	rep, err := Run(context.Background(), Options{
		Issuer: *issuer, Client: cfg, Driver: drv, HTTPClient: hc,
		Plans: plans, Modules: modules, AllowHTTPLoopback: *loopback,
		Progress: func(m ModuleResult) { fmt.Fprintf(stderr, "%-80s %s\n", m.Name, m.Result) },
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *details {
		_ = rep.WriteDetails(stdout)
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonOut, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "conformance: write json:", err)
			return 2
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// httpClientWithCA returns a client trusting the system roots plus the
// PEM certificates in caFile.
func httpClientWithCA(caFile string) (*http.Client, error) {
	if caFile == "" {
		return &http.Client{Transport: http.DefaultTransport}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("--ca: no PEM certificates found")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}
