package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Store is the slice of the storage contract keys needs.
type Store interface {
	CreateKey(ctx context.Context, k storage.Key) error
	ListKeys(ctx context.Context, tenant string) ([]storage.Key, error)
	// UpdateKey reads, applies fn and writes in one transaction.
	UpdateKey(ctx context.Context, tenant, kid string, fn func(storage.Key) (storage.Key, error)) error
	// PutSecretIfAbsent stores s unless (tenant, name) exists and returns
	// the stored value either way.
	PutSecretIfAbsent(ctx context.Context, s storage.TenantSecret) (storage.TenantSecret, error)
}

// Interface guard: every storage backend satisfies Store.
var _ Store = storage.Storage(nil)

// Supported JWS algorithms (RFC 7518 §3.1). ID tokens default to RS256
// (OIDC Core §3.1.3.7); ES256 and PS256 are offered per client.
const (
	RS256 = "RS256"
	ES256 = "ES256"
	PS256 = "PS256"
)

// Errors callers may test with errors.Is.
var (
	// ErrNoSigningKey means the tenant has no key that signs now for the
	// alg: EnsureKeys has not run for the tenant, or the alg is not one of
	// Options.Algs.
	ErrNoSigningKey = errors.New("keys: no active signing key")
	// ErrUnknownKID means no published key of the tenant has that kid.
	ErrUnknownKID = errors.New("keys: unknown kid")
	// ErrUnsupportedAlg means the alg is not RS256, ES256 or PS256.
	ErrUnsupportedAlg = errors.New("keys: unsupported alg")
)

// Options tune a Manager. Zero fields take the defaults documented on each.
type Options struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Algs are the algs the tenant keeps a key for; default RS256, ES256, PS256.
	Algs []string
	// PublishLead is how long a new key is in JWKS before it signs; default
	// 10m. It must exceed how long verifiers cache the JWKS (the provider
	// sends max-age=300) plus CacheTTL.
	PublishLead time.Duration
	// MaxSignedLifetime is the longest lifetime of anything a key signs (ID
	// tokens, JWT access tokens, logout tokens); a retired key stays
	// published at least this long after it stops signing. Default 1h.
	MaxSignedLifetime time.Duration
	// CacheTTL is how long a node trusts its cached key set; default 30s.
	CacheTTL time.Duration
	// RSABits is the RSA modulus size for RS256 and PS256; default 2048.
	RSABits int
}

// Defaults for Options.
const (
	DefaultPublishLead       = 10 * time.Minute
	DefaultMaxSignedLifetime = time.Hour
	DefaultCacheTTL          = 30 * time.Second
	DefaultRSABits           = 2048
)

// DefaultAlgs are the algs a tenant keeps keys for unless configured.
var DefaultAlgs = []string{RS256, ES256, PS256}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Algs) == 0 {
		o.Algs = slices.Clone(DefaultAlgs)
	}
	if o.PublishLead == 0 {
		o.PublishLead = DefaultPublishLead
	}
	if o.MaxSignedLifetime == 0 {
		o.MaxSignedLifetime = DefaultMaxSignedLifetime
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.RSABits == 0 {
		o.RSABits = DefaultRSABits
	}
	return o
}

// Validate reports the first option that would make rotation unsafe or
// key generation fail; cmd/oidcp calls it while validating configuration.
// Zero values are valid (they take the defaults).
func (o Options) Validate() error {
	o = o.withDefaults()
	for _, a := range o.Algs {
		if !supportedAlg(a) {
			return fmt.Errorf("keys: alg %q: %w (want RS256, ES256 or PS256)", a, ErrUnsupportedAlg)
		}
	}
	switch {
	case o.PublishLead < 0 || o.MaxSignedLifetime < 0 || o.CacheTTL < 0:
		return errors.New("keys: durations must not be negative")
	case o.CacheTTL >= o.PublishLead:
		// A node with a cache loaded just before a rotation must learn of
		// it before the next key signs, or it keeps signing with the old one.
		return fmt.Errorf("keys: cache TTL %v must be shorter than publish lead %v", o.CacheTTL, o.PublishLead)
	case o.RSABits < 2048:
		return fmt.Errorf("keys: RSA key size %d is below 2048 bits (RFC 7518 §3.3)", o.RSABits)
	}
	return nil
}

func supportedAlg(alg string) bool {
	return alg == RS256 || alg == ES256 || alg == PS256
}

// Manager manages the signing keys and secrets of every tenant. It is safe
// for concurrent use; several Managers (one per node) may share a Store.
type Manager struct {
	store Store
	kek   []byte
	opts  Options

	mu      sync.Mutex
	sets    map[string]*keySet // by tenant: cached key rows and opened keys
	secrets map[string][]byte  // by tenant + "\x00" + name
}

// New returns a Manager that seals under kek (32 bytes, see ParseKEK).
// Options are not validated here; call Options.Validate with the config.
func New(store Store, kek []byte, opts Options) *Manager {
	return &Manager{
		store:   store,
		kek:     slices.Clone(kek),
		opts:    opts.withDefaults(),
		sets:    map[string]*keySet{},
		secrets: map[string][]byte{},
	}
}
