package backchannel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage"
)

// Usage-log event kinds of delivery outcomes. Never change one.
const (
	EventDelivered = "backchannel_logout_delivered"
	EventFailed    = "backchannel_logout_failed"
)

// EventBackchannelLogout is the member of events that makes a JWT a
// logout token (Back-Channel Logout 1.0 §2.4).
const EventBackchannelLogout = "http://schemas.openid.net/event/backchannel-logout"

// TokenMaker is what the worker needs of the provider: the issuer, the
// sub and sid a client knows a person and session by, and a signature
// with the tenant's keys.
type TokenMaker interface {
	Issuer(tenant string) string
	LogoutClaims(ctx context.Context, tenant, clientID, pid, chainID string) (sub, sid string, err error)
	SignLogoutToken(ctx context.Context, tenant, clientID string, claims map[string]any) (string, error)
}

// WorkerStore is what the worker needs of the storage contract.
type WorkerStore interface {
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error)
	FinishOutbox(ctx context.Context, id, claim string, res storage.OutboxResult) (storage.OutboxMessage, error)
	AppendEvent(ctx context.Context, e storage.Event) (int64, error)
}

// Worker delivers due outbox messages.
type Worker struct {
	Store  WorkerStore
	Tokens TokenMaker
	// HTTP is the outbound client (outbound.New); its own timeout, if
	// any, applies too.
	HTTP *http.Client
	Now  func() time.Time
	Log  *slog.Logger
	// Interval between polls (default 1s), Timeout per attempt (default
	// 5s), Lease of a claim (default 30s, longer than an attempt),
	// Batch per poll (default 32), TokenLifetime (default 2m).
	Interval, Timeout, Lease, TokenLifetime time.Duration
	Batch                                   int
	// Backoff is the wait after the nth failed attempt (n from 1);
	// default 2s doubling up to 1m.
	Backoff func(n int) time.Duration
}

func (w *Worker) defaults() {
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&w.Interval, time.Second)
	def(&w.Timeout, 5*time.Second)
	def(&w.Lease, 30*time.Second)
	def(&w.TokenLifetime, 2*time.Minute)
	if w.Batch == 0 {
		w.Batch = 32
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
}

// DefaultBackoff waits 2s after the first failure, doubling to at most 1m.
func DefaultBackoff(n int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < n && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("back-channel logout: claim failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the due messages and attempts each once, concurrently;
// it returns how many it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	ms, err := w.Store.ClaimOutbox(ctx, w.Now(), w.Lease, w.Batch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() { w.attempt(ctx, m) })
	}
	wg.Wait()
	return len(ms), nil
}

func (w *Worker) attempt(ctx context.Context, m storage.OutboxMessage) {
	err := w.deliver(ctx, m)
	now := w.Now()
	res := storage.OutboxResult{At: now, Delivered: err == nil}
	if err != nil {
		res.Error = err.Error()
		res.RetryAt = now.Add(w.Backoff(m.Attempts + 1))
		w.Log.Warn("back-channel logout attempt failed", "tenant", m.Tenant, "client_id", m.ClientID, "id", m.ID, "attempt", m.Attempts+1, "err", err)
	}
	done, ferr := w.Store.FinishOutbox(context.WithoutCancel(ctx), m.ID, m.Claim, res)
	if ferr != nil {
		w.Log.Warn("back-channel logout: record attempt", "id", m.ID, "err", ferr)
		return
	}
	if done.State == storage.OutboxPending {
		return
	}
	kind := EventDelivered
	if done.State == storage.OutboxFailed {
		kind = EventFailed
	}
	detail := map[string]any{"reason": m.Reason, "attempts": done.Attempts, "jti": m.ID}
	if done.LastError != "" {
		detail["error"] = done.LastError
	}
	if err := audit.Record(context.WithoutCancel(ctx), w.Store, now, audit.Event{
		Tenant: m.Tenant, Kind: kind, Actor: m.Subject, Subject: m.Subject, ClientID: m.ClientID,
		SessionID: m.SessionID, GrantID: m.GrantID, Detail: detail,
	}); err != nil {
		w.Log.Error("usage log append failed", "kind", kind, "err", err)
	}
}

// deliver builds, signs and POSTs one logout token (§2.5): 200 (any
// 2xx) is success; anything else, or no answer within Timeout, is a
// failed attempt.
func (w *Worker) deliver(ctx context.Context, m storage.OutboxMessage) error {
	tok, err := w.token(ctx, m)
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, m.URI, strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no answer within %v", w.Timeout)
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// token makes a fresh logout token for one attempt; jti stays the
// message id, so an RP that got an earlier attempt can tell it is the
// same logout.
func (w *Worker) token(ctx context.Context, m storage.OutboxMessage) (string, error) {
	sub, sid, err := w.Tokens.LogoutClaims(ctx, m.Tenant, m.ClientID, m.Subject, m.SessionID)
	if err != nil {
		return "", fmt.Errorf("logout claims: %w", err)
	}
	now := w.Now().UTC()
	claims := map[string]any{
		"iss":    w.Tokens.Issuer(m.Tenant),
		"aud":    []string{m.ClientID},
		"iat":    now.Unix(),
		"exp":    now.Add(w.TokenLifetime).Unix(),
		"jti":    m.ID,
		"events": map[string]any{EventBackchannelLogout: map[string]any{}},
	}
	if sub != "" {
		claims["sub"] = sub
	}
	if sid != "" {
		claims["sid"] = sid
	}
	if sub == "" && sid == "" {
		return "", errors.New("logout token would have neither sub nor sid")
	}
	return w.Tokens.SignLogoutToken(ctx, m.Tenant, m.ClientID, claims)
}
