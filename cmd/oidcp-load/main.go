package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := mainE(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the driver's command line.
type config struct {
	target
	limits
	scenarios []string
}

var allScenarios = []string{"cc", "introspect", "login"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var scenario string
	fs := flag.NewFlagSet("oidcp-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: oidcp-load --issuer URL --client-id ID --client-secret SECRET [flags]")
		fmt.Fprintln(stderr, "Drives a running oidcp with concurrent clients; prints req/s, p50 and p99 per scenario.")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.issuer, "issuer", "", "issuer URL of the tenant, e.g. http://127.0.0.1:8080/sandbox (required)")
	fs.StringVar(&c.clientID, "client-id", "", "confidential client with client_credentials (and authorization_code for login) (required)")
	fs.StringVar(&c.clientSecret, "client-secret", os.Getenv("OIDCP_LOAD_CLIENT_SECRET"), "its secret (default $OIDCP_LOAD_CLIENT_SECRET)")
	fs.IntVar(&c.Concurrency, "concurrency", 16, "concurrent clients")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each scenario runs (unless --requests)")
	fs.IntVar(&c.Requests, "requests", 0, "run each scenario for this many operations instead of --duration")
	fs.Float64Var(&c.Rate, "rate", 0, "open loop: start this many operations per second in all, latency counted from when each was due (as wrk2); 0 runs closed loop, as fast as the clients go")
	fs.StringVar(&scenario, "scenario", "all", "cc, introspect, login or all; comma-separated for several")
	fs.StringVar(&c.pid, "pid", "", "login: fødselsnummer of a synthetic test person (required for login)")
	fs.StringVar(&c.redirectURI, "redirect-uri", "http://127.0.0.1:9/cb", "login: the client's registered redirect URI (need not listen)")
	fs.StringVar(&c.scope, "scope", "openid profile pid", "login: scope requested")
	fs.StringVar(&c.ccScope, "cc-scope", "", "cc and introspect: scope requested with client_credentials")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	c.issuer = strings.TrimSuffix(c.issuer, "/")
	for _, s := range strings.Split(scenario, ",") {
		switch s = strings.TrimSpace(s); s {
		case "all":
			c.scenarios = append(c.scenarios, allScenarios...)
		case "cc", "introspect", "login":
			c.scenarios = append(c.scenarios, s)
		default:
			return c, fmt.Errorf("--scenario: unknown %q (want cc, introspect, login or all)", s)
		}
	}
	switch {
	case c.issuer == "":
		return c, errors.New("--issuer is required")
	case c.clientID == "" || c.clientSecret == "":
		return c, errors.New("--client-id and --client-secret (or $OIDCP_LOAD_CLIENT_SECRET) are required")
	case c.Concurrency < 1:
		return c, errors.New("--concurrency must be at least 1")
	case c.Rate < 0:
		return c, errors.New("--rate must not be negative")
	case c.Requests <= 0 && c.Duration <= 0:
		return c, errors.New("give a positive --duration or --requests")
	}
	for _, s := range c.scenarios {
		if s == "login" && c.pid == "" {
			return c, errors.New("--pid is required for the login scenario (a synthetic test fødselsnummer)")
		}
	}
	return c, nil
}

func mainE(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "oidcp-load:", err)
		return 2
	}
	c.http = &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: noRedirects,
		Transport: &http.Transport{
			Proxy:               nil, // the server under test is local; ignore $HTTP_PROXY
			MaxIdleConns:        4 * c.Concurrency,
			MaxIdleConnsPerHost: 4 * c.Concurrency,
			IdleConnTimeout:     time.Minute,
		},
	}
	if err := c.discover(ctx); err != nil {
		fmt.Fprintln(stderr, "oidcp-load:", err)
		return 1
	}
	lim := c.limits
	what := fmt.Sprintf("%s per scenario", lim.Duration)
	if lim.Requests > 0 {
		what = fmt.Sprintf("%d operations per scenario", lim.Requests)
	}
	if lim.Rate > 0 {
		what += fmt.Sprintf(", paced at %.0f/s (latency from when each was due)", lim.Rate)
	}
	fmt.Fprintf(stdout, "oidcp-load: %s, %d concurrent clients, %s\n", c.issuer, lim.Concurrency, what)
	printHeader(stdout)
	failed := false
	for _, name := range c.scenarios {
		var fn op
		switch name {
		case "cc":
			fn = c.ccOp
		case "introspect":
			if fn, err = c.introspectOp(ctx, lim.Concurrency); err != nil {
				fmt.Fprintln(stderr, "oidcp-load:", err)
				return 1
			}
		case "login":
			fn = c.loginOp
		}
		// One untimed call warms connections and caches, and stops a
		// misconfigured run before it floods the output with errors.
		if err := fn(ctx, 0); err != nil {
			fmt.Fprintf(stderr, "oidcp-load: %s: %v\n", name, err)
			return 1
		}
		s := run(ctx, name, lim, fn)
		s.print(stdout)
		if s.Errors > 0 || s.Ops == 0 {
			failed = true
		}
		if ctx.Err() != nil {
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}
