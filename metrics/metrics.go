package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Namespace prefixes every metric name.
const Namespace = "oidcp"

// Metrics holds the instruments. Create it with New; it is safe for
// concurrent use.
type Metrics struct {
	reg prometheus.Registerer

	requests *prometheus.CounterVec   // tenant, endpoint, code
	latency  *prometheus.HistogramVec // tenant, endpoint
	inflight *prometheus.GaugeVec     // tenant, endpoint
	tokens   *prometheus.CounterVec   // tenant, grant_type
	logins   *prometheus.CounterVec   // tenant, result
	upstream *prometheus.HistogramVec // op, result
}

// latencyBuckets span a cached discovery read (sub-millisecond) to a slow
// bcrypt check or upstream round trip (seconds).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New creates the instruments and registers them with reg. It panics if
// they are already registered with reg, as prometheus.MustRegister does:
// that is a wiring bug, not a runtime condition.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests served, by tenant, endpoint and status code class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"tenant", "endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to serve an HTTP request, by tenant and endpoint.",
			Buckets: latencyBuckets,
		}, []string{"tenant", "endpoint"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served, by tenant and endpoint.",
		}, []string{"tenant", "endpoint"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "tokens_issued_total",
			Help: "Token responses issued, by tenant and grant type.",
		}, []string{"tenant", "grant_type"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "logins_total",
			Help: "Completed upstream logins, by tenant and result.",
		}, []string{"tenant", "result"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "upstream", Name: "request_duration_seconds",
			Help:    "Time of HTTP calls to the upstream eID, by operation (discovery, jwks, par, token) and result (ok, error).",
			Buckets: latencyBuckets,
		}, []string{"op", "result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight, m.tokens, m.logins, m.upstream)
	return m
}

// TokenIssued counts one token response of the grant type.
func (m *Metrics) TokenIssued(tenant, grantType string) {
	m.tokens.WithLabelValues(tenant, grantType).Inc()
}

// Login counts one completed login with its result (e.g. "ok",
// "upstream_error", "cancelled").
func (m *Metrics) Login(tenant, result string) {
	m.logins.WithLabelValues(tenant, result).Inc()
}
