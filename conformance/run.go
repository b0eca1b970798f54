package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"time"
)

// Plan names.
const (
	PlanBasic  = "oidcc-basic-certification-test-plan"
	PlanConfig = "oidcc-config-certification-test-plan"
	PlanOIDCP  = "oidcp-extensions-test-plan"
)

// Options configures a run.
type Options struct {
	// Issuer is the OP's issuer identifier, exactly as in its discovery
	// document.
	Issuer string
	// Client is the client registered at the OP for the suite.
	Client ClientConfig
	// Driver logs the user in; nil means FormDriver from Client.Login.
	Driver LoginDriver
	// HTTPClient carries transport settings (custom CA roots for TLS). Its
	// redirect policy and jar are not used: the suite makes its own clients
	// from its Transport.
	HTTPClient *http.Client
	// Plans to run; empty means all three.
	Plans []string
	// Modules, when not empty, runs only these modules.
	Modules []string
	// AllowHTTPLoopback turns the https checks for http://localhost and
	// 127.0.0.1 URLs into warnings, for development OPs without TLS.
	AllowHTTPLoopback bool
	// ModuleTimeout bounds one module (default 3 minutes).
	ModuleTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Sleep waits (for max_age and code-reuse delays); default time.Sleep
	// honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress, when set, is called after each module.
	Progress func(ModuleResult)
}

// Run runs the selected plans against opts.Issuer and returns the report.
// An error means the run could not start (bad options); failing modules
// are reported in the Report, not as an error.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Issuer == "" {
		return nil, errors.New("conformance: issuer is required")
	}
	if err := opts.Client.Validate(); err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.ModuleTimeout == 0 {
		opts.ModuleTimeout = 3 * time.Minute
	}
	if opts.Driver == nil {
		d, err := NewDriver("form", opts.Client.Login)
		if err != nil {
			return nil, err
		}
		opts.Driver = d
	}
	plans := opts.Plans
	if len(plans) == 0 {
		plans = []string{PlanConfig, PlanBasic, PlanOIDCP}
	}
	for _, p := range plans {
		if _, ok := catalogue[p]; !ok {
			return nil, fmt.Errorf("conformance: unknown plan %q", p)
		}
	}
	for _, m := range opts.Modules {
		if findModule(plans, m) == nil {
			return nil, fmt.Errorf("conformance: module %q is not in plans %v", m, plans)
		}
	}
	e := newEnv(opts)
	rep := &Report{Issuer: opts.Issuer, Plans: plans, Started: opts.Now()}
	for _, p := range plans {
		for _, m := range catalogue[p] {
			if len(opts.Modules) > 0 && !slices.Contains(opts.Modules, m.Name) {
				continue
			}
			res := e.runModule(ctx, p, m)
			rep.Modules = append(rep.Modules, res)
			rep.Summary.add(res.Result)
			if opts.Progress != nil {
				opts.Progress(res)
			}
		}
	}
	rep.Finished = opts.Now()
	return rep, nil
}

func findModule(plans []string, name string) *module {
	for _, p := range plans {
		for i, m := range catalogue[p] {
			if m.Name == name {
				return &catalogue[p][i]
			}
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// module is one test module of a plan.
type module struct {
	Name        string
	Description string
	Run         func(t *T)
}

// env is what every module of a run shares.
type env struct {
	opts      Options
	transport http.RoundTripper
	// api is the back-channel client (token, userinfo, ...): no jar, no
	// redirects.
	api *http.Client
	// disc is the discovery document, fetched once per run.
	disc    *Discovery
	discErr error
	fetched bool
	keys    *keySet
	keysErr error
}

func newEnv(opts Options) *env {
	var rt http.RoundTripper = http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		rt = opts.HTTPClient.Transport
	}
	return &env{
		opts:      opts,
		transport: rt,
		api: &http.Client{
			Transport:     rt,
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// newBrowser returns a fresh user agent with an empty cookie jar.
func (e *env) newBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{HTTP: &http.Client{
		Transport:     e.transport,
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (e *env) runModule(ctx context.Context, plan string, m module) ModuleResult {
	res := ModuleResult{Name: m.Name, Plan: plan, Description: m.Description}
	ctx, cancel := context.WithTimeout(ctx, e.opts.ModuleTimeout)
	defer cancel()
	t := &T{ctx: ctx, env: e, res: &res}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.add(StepFailure, "", fmt.Sprintf("module panicked: %v", r))
			}
			for _, c := range t.cleanups {
				c()
			}
		}()
		m.Run(t)
	}()
	<-done
	res.Duration = time.Since(start)
	res.Result, res.Reason = verdict(res.Steps)
	return res
}

// verdict folds the steps into the module's result, in the OIDF order of
// precedence: failure, skipped, warning, review, passed.
func verdict(steps []Step) (Result, string) {
	first := func(s StepStatus) (string, bool) {
		for _, st := range steps {
			if st.Status == s {
				return st.Message, true
			}
		}
		return "", false
	}
	for _, c := range []struct {
		s StepStatus
		r Result
	}{{StepFailure, Failed}, {StepSkipped, Skipped}, {StepWarning, Warning}, {StepReview, Review}} {
		if msg, ok := first(c.s); ok {
			return c.r, msg
		}
	}
	return Passed, ""
}
