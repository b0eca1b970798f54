package metrics

import "time"

// UpstreamObserve records one call to the upstream eID; pass it as
// upstream.Config.Observe. op is one of a fixed set (discovery, jwks, par,
// token), so it is safe as a label.
func (m *Metrics) UpstreamObserve(op string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.upstream.WithLabelValues(op, result).Observe(d.Seconds())
}
