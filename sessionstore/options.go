package sessionstore

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults for Options fields left zero (DESIGN.md "Sessions and the usage
// log": idle 30 min, absolute 120 min).
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 120 * time.Minute
	DefaultTouchEvery      = time.Minute
)

// Options configure a Store for one tenant.
type Options struct {
	// Tenant is the tenant whose sessions this store sees; sessions of
	// other tenants presented to it are treated as absent.
	Tenant string
	// CookieName is the session cookie's name (and the gorilla session
	// name the handlers ask for).
	CookieName string
	// Path is the cookie path: the tenant's issuer path, e.g. "/main", so
	// the browser does not send one tenant's cookie to another.
	Path string
	// Secure marks the cookie Secure; true whenever the issuer is https.
	Secure bool
	// HashKey signs the cookie value (HMAC-SHA256); at least 32 bytes.
	HashKey []byte
	// IdleTimeout ends a session not seen for longer than this.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created, however
	// active it is.
	AbsoluteTimeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TouchEvery limits LastSeenAt writes to one per this interval per
	// session, so that idle tracking is not a database write per request.
	// Idle expiry is therefore accurate to within TouchEvery.
	TouchEvery time.Duration
}

// Validate reports configuration errors, for cmd/oidcp to call before New.
func (o Options) Validate() error {
	var errs []error
	if o.Tenant == "" {
		errs = append(errs, errors.New("tenant is empty"))
	}
	if o.CookieName == "" || strings.ContainsAny(o.CookieName, " \t\r\n;,=\"") {
		errs = append(errs, fmt.Errorf("cookie name %q is not a valid cookie name", o.CookieName))
	}
	if len(o.HashKey) < 32 {
		errs = append(errs, fmt.Errorf("hash key has %d bytes, want at least 32", len(o.HashKey)))
	}
	if o.IdleTimeout < 0 || o.AbsoluteTimeout < 0 || o.TouchEvery < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	o = o.withDefaults()
	if o.IdleTimeout > o.AbsoluteTimeout {
		errs = append(errs, fmt.Errorf("idle timeout %v exceeds absolute timeout %v", o.IdleTimeout, o.AbsoluteTimeout))
	}
	if o.TouchEvery >= o.IdleTimeout {
		errs = append(errs, fmt.Errorf("touch interval %v must be well below the idle timeout %v", o.TouchEvery, o.IdleTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sessionstore options: %w", err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.AbsoluteTimeout == 0 {
		o.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if o.TouchEvery == 0 {
		o.TouchEvery = DefaultTouchEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Path == "" {
		o.Path = "/"
	}
	return o
}

// cookieSameSite is Lax rather than Strict: the browser comes back to the
// provider from the upstream eID and from clients by top-level navigation,
// and Strict would drop the cookie on exactly those requests.
const cookieSameSite = http.SameSiteLaxMode
