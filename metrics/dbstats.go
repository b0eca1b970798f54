package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oidcp/oidcp/storage"
)

// RegisterDBStats registers gauges that read the connection pool at scrape
// time. One scrape reads stats once, however many gauges it reports, so
// the figures are consistent with each other (within a short window).
func (m *Metrics) RegisterDBStats(stats func() storage.PoolStats) {
	s := &poolSampler{read: stats, maxAge: time.Second}
	gauge := func(name, help string, v func(storage.PoolStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "db", Name: name, Help: help,
		}, func() float64 { return v(s.get()) })
	}
	m.reg.MustRegister(
		gauge("connections_open", "Open database connections.", func(p storage.PoolStats) float64 { return float64(p.Open) }),
		gauge("connections_in_use", "Database connections in use.", func(p storage.PoolStats) float64 { return float64(p.InUse) }),
		gauge("connections_idle", "Idle database connections.", func(p storage.PoolStats) float64 { return float64(p.Idle) }),
		// Wait count and duration only grow; they are exposed as counters
		// so rate() works on them.
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "db", Name: "connection_waits_total",
			Help: "Times a caller waited for a free database connection.",
		}, func() float64 { return float64(s.get().WaitCount) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "db", Name: "connection_wait_seconds_total",
			Help: "Total time callers waited for a free database connection.",
		}, func() float64 { return s.get().WaitDuration.Seconds() }),
	)
}

// poolSampler caches one PoolStats reading for maxAge, so the gauges of
// one scrape read the pool once.
type poolSampler struct {
	read   func() storage.PoolStats
	maxAge time.Duration

	mu   sync.Mutex
	at   time.Time
	last storage.PoolStats
}

func (p *poolSampler) get() storage.PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); p.at.IsZero() || now.Sub(p.at) >= p.maxAge {
		p.last, p.at = p.read(), now
	}
	return p.last
}
