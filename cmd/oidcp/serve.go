package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/metrics"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// janitorInterval is how often expired rows are deleted.
const janitorInterval = time.Minute

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the OpenID Provider (and, with --dev, the ID-porten mock)",
		Long: "serve opens and migrates the database, makes sure every tenant has signing keys,\n" +
			"and serves every tenant under {base-url}/{tenant} plus an admin listener with\n" +
			"/metrics, /healthz and /readyz. SIGINT or SIGTERM shut it down gracefully.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags())
			if err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			log := newLogger(cfg, cmd.ErrOrStderr())
			return serve(cmd.Context(), cfg, log, cmd.OutOrStdout(), time.Now)
		},
	}
}

func devKEKPath(dataDir string) string { return filepath.Join(dataDir, devKEKFile) }

// serve opens the database cfg.DSN names and runs serveWith on it until
// ctx ends.
func serve(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, now func() time.Time) error {
	tuneGC(os.Getenv)
	store, err := openStore(ctx, cfg.DSN)
	if err != nil {
		return err
	}
	// Closed last, after both listeners have drained.
	defer store.Close()
	return serveWith(ctx, cfg, store, log, stdout, now)
}

// serverGCPercent is the garbage collector's target for a serving node
// unless GOGC says otherwise. A node's live heap is small (under 10 MB
// under load: sessions and tokens live in the database), so Go's default
// of 100 collects very often; 200 took 11-15 % of the CPU off an
// introspection and added 9-17 % to its rate in alternating A/B runs
// (docs/performance.md, round 8), for a few MB more RSS.
const serverGCPercent = 200

// tuneGC sets serverGCPercent unless the operator set GOGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// serveWith migrates store, serves on it until ctx ends, then shuts down
// gracefully. The caller opened store and closes it afterwards (a test
// passes one it holds, to count its statements).
func serveWith(ctx context.Context, cfg Config, store storage.Storage, log *slog.Logger, stdout io.Writer, now func() time.Time) error {
	kek, err := cfg.loadKEK()
	if err != nil {
		return err
	}
	if cfg.KEK == "" {
		log.Warn("dev mode: using the development key-encryption key; never use it in production", "file", devKEKPath(cfg.DataDir))
	}
	resolveMockSecrets(&cfg, kek)
	for _, w := range cfg.addrWarnings() {
		log.Warn(w)
	}

	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if v, err := schemaVersion(ctx, store); err == nil {
		log.Info("database ready", "dsn", redactDSN(cfg.DSN), "schema_version", v)
	}

	opts := cfg.keyOptions()
	opts.Now = now
	km := keys.New(store, kek, opts)
	for _, t := range cfg.Tenants {
		if err := km.EnsureKeys(ctx, t.Name); err != nil {
			return fmt.Errorf("tenant %q: %w", t.Name, err)
		}
	}

	// The sandbox population is the synthetic registry's content, seeded
	// when a tenant reads it (and in dev mode); seeding is idempotent, so
	// every node does it.
	seed := cfg.seedsPopulation()
	if seed {
		res, err := registry.SeedPopulation(ctx, store, now())
		if err != nil {
			return err
		}
		log.Info("sandbox population seeded", "persons", res.Persons, "relations", res.Relations)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	m.RegisterDBStats(store.Stats)

	// Usage-log events are written by one background writer in batches:
	// the events of concurrent requests share a transaction, off the
	// request path. A request waits for its event's commit only while
	// the writer is more than 50 ms behind (or always, with
	// usage_log_sync), so a crash loses at most the events of about the
	// last 100 ms (docs/performance.md). It is stopped, and what it holds
	// written, after both listeners have drained.
	if ew, ok := store.(eventWriterStore); ok {
		elog := log.With("component", "usage-log")
		ew.StartEventWriter(sqlstore.EventWriterOptions{Wait: cfg.UsageLogSync, MaxLag: 50 * time.Millisecond, OnError: func(err error) { elog.Error("usage log write failed", "err", err) }})
		defer func() {
			if err := ew.StopEventWriter(); err != nil {
				log.Error("usage log: events lost at shutdown", "err", err)
			}
		}()
	}

	hc, err := outboundClient(cfg)
	if err != nil {
		return err
	}
	cw, err := newConsentWiring(cfg, store, now, hc, log.With("component", "backchannel"))
	if err != nil {
		return err
	}
	handler, mockOn, err := buildHandler(ctx, cfg, store, km, m, log, now, cw)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("addr: listen on %s: %w; choose another with --addr or OIDCP_ADDR", cfg.Addr, err)
	}
	adminLn, err := net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		ln.Close()
		// Often a second oidcp: OIDCP_ADDR moved the public port but not
		// this one.
		return fmt.Errorf("admin_addr: listen on %s: %w; choose another with --admin-addr or OIDCP_ADMIN_ADDR (the admin listener: /metrics, /healthz, /readyz)", cfg.AdminAddr, err)
	}
	public := &http.Server{
		Handler:           requestLog(log, handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Readiness fails from the moment shutdown begins, so a load balancer
	// polling /readyz stops sending new requests while in-flight ones drain.
	var draining atomic.Bool
	checks := readyChecks(cfg, store, km)
	checks["shutdown"] = func(context.Context) error {
		if draining.Load() {
			return errors.New("shutting down")
		}
		return nil
	}
	admin := &http.Server{
		Handler: adminHandler(reg, checks, slices.Concat(
			pprofRoutes(cfg.AdminToken),
			sandboxAdminRoutes(cfg, store, now),
			resourceAdminRoutes(cfg, store, now),
			cw.adminRoutes(cfg),
			[]adminRoute{{"POST " + registry.ImportPath, registry.ImportHandler(registry.HandlerConfig{
				Store: store, Token: cfg.AdminToken, Now: now, Registries: cfg.registries(), Log: log.With("component", "registry"),
			})}},
		)...),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	jctx, stopJanitor := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		runJanitor(jctx, announcingStore{Storage: store, sessions: cw.ender, now: now, log: log}, cfg.retentions(), janitorInterval, now, log)
	})
	// Back-channel logouts queued by any node (or the CLI) go out from
	// every node; the outbox lease keeps them from being sent twice.
	wg.Go(func() { cw.worker.Run(jctx) })
	if seed {
		wg.Go(func() { registry.KeepSeeded(jctx, store, janitorInterval, now, log.With("component", "registry")) })
	}

	// Both listeners are bound, so the URLs are final; print them before
	// serving so that whoever sees /readyz answer also sees the banner.
	log.Info("serving", "addr", ln.Addr().String(), "admin_addr", adminLn.Addr().String(), "base_url", cfg.BaseURL,
		"tenants", cfg.tenantNames(), "dev", cfg.Dev, "tls", cfg.TLSCert != "")
	printBanner(stdout, cfg, adminLn.Addr().String(), mockOn)

	errc := make(chan error, 2)
	go func() {
		var err error
		if cfg.TLSCert != "" {
			err = public.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = public.Serve(ln)
		}
		errc <- fmt.Errorf("public listener: %w", err)
	}()
	go func() { errc <- fmt.Errorf("admin listener: %w", admin.Serve(adminLn)) }()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case runErr = <-errc:
		log.Error("listener failed; shutting down", "err", runErr)
	}
	draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// The public listener drains first; the admin one stays up meanwhile
	// so metrics and /healthz remain observable during the drain.
	if err := public.Shutdown(sctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("public shutdown: %w", err))
	}
	if err := admin.Shutdown(sctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("admin shutdown: %w", err))
	}
	stopJanitor()
	wg.Wait()
	log.Info("stopped")
	return runErr
}

// eventWriterStore is the SQL stores' background usage-log writer.
type eventWriterStore interface {
	StartEventWriter(sqlstore.EventWriterOptions)
	StopEventWriter() error
}

// readyChecks: the database answers, and every tenant has a key that
// signs RS256 now (OIDC's default alg; without it no ID token can be issued).
func readyChecks(cfg Config, store storage.Storage, km *keys.Manager) map[string]readyCheck {
	checks := map[string]readyCheck{"storage": store.Ping}
	for _, t := range cfg.Tenants {
		checks["keys:"+t.Name] = func(ctx context.Context) error {
			_, err := km.Signer(ctx, t.Name, keys.RS256)
			return err
		}
	}
	return checks
}
