package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Endpoint wraps h so every request counts under tenant and the fixed
// endpoint name. The status is recorded as its class (2xx…5xx) so a client
// cannot create new label values.
func (m *Metrics) Endpoint(tenant, name string, h http.Handler) http.Handler {
	// Curry once at mount time: per request only the code label is looked up.
	reqs := m.requests.MustCurryWith(prometheus.Labels{"tenant": tenant, "endpoint": name})
	lat := m.latency.WithLabelValues(tenant, name)
	inflight := m.inflight.WithLabelValues(tenant, name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		inflight.Inc()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			inflight.Dec()
			lat.Observe(time.Since(start).Seconds())
			reqs.WithLabelValues(codeClass(rec.status())).Inc()
		}()
		h.ServeHTTP(rec, r)
	})
}

// codeClass maps a status to its class; anything outside 100..599 is "other".
func codeClass(code int) string {
	switch {
	case code >= 100 && code < 200:
		return "1xx"
	case code < 300 && code >= 200:
		return "2xx"
	case code < 400 && code >= 300:
		return "3xx"
	case code < 500 && code >= 400:
		return "4xx"
	case code < 600 && code >= 500:
		return "5xx"
	}
	return "other"
}

// statusRecorder remembers the status a handler wrote. A handler that
// panics is recorded as 500, which is what net/http's recovery effectively
// sends.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		// Nothing written: net/http sends 200 with an empty body.
		return http.StatusOK
	}
	return s.code
}
