package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/oidcp/oidcp/storage"
)

// observer mirrors provider.Observer (cmd/oidcp holds the real guard;
// importing provider here would tie the metrics tests to its build).
type observer interface {
	Endpoint(tenant, name string, h http.Handler) http.Handler
	TokenIssued(tenant, grantType string)
	Login(tenant, result string)
}

var _ observer = (*Metrics)(nil)

func newTest(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	return New(reg), reg
}

func TestEndpointCountsByCodeClass(t *testing.T) {
	m, reg := newTest(t)
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code != 0 {
				w.WriteHeader(code)
			}
		})
	}
	cases := []struct {
		code int
		want string
	}{
		{0, "2xx"}, // nothing written means 200
		{http.StatusOK, "2xx"},
		{http.StatusFound, "3xx"},
		{http.StatusBadRequest, "4xx"},
		{http.StatusUnauthorized, "4xx"},
		{http.StatusInternalServerError, "5xx"},
	}
	for _, c := range cases {
		h := m.Endpoint("sandbox", "token", status(c.code))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/sandbox/token", nil))
	}
	for class, want := range map[string]float64{"2xx": 2, "3xx": 1, "4xx": 2, "5xx": 1} {
		got := testutil.ToFloat64(m.requests.WithLabelValues("sandbox", "token", class))
		if got != want {
			t.Errorf("requests{code=%q} = %v, want %v", class, got, want)
		}
	}
	if n := testutil.CollectAndCount(m.latency); n != 1 {
		t.Errorf("latency series = %d, want 1 (tenant+endpoint only)", n)
	}
	if n := histogramCount(t, m.latency.WithLabelValues("sandbox", "token").(prometheus.Histogram)); n != uint64(len(cases)) {
		t.Errorf("latency observations = %d, want %d", n, len(cases))
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

func TestEndpointPassesResponseThrough(t *testing.T) {
	m, _ := newTest(t)
	h := m.Endpoint("main", "discovery", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "1")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("body"))
		// The status recorder must not hide Flush from ResponseController.
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusTeapot || rec.Body.String() != "body" || rec.Header().Get("X-Test") != "1" {
		t.Errorf("response changed: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	if got := testutil.ToFloat64(m.inflight.WithLabelValues("main", "discovery")); got != 0 {
		t.Errorf("in flight after return = %v, want 0", got)
	}
}

func TestCodeClass(t *testing.T) {
	for code, want := range map[int]string{100: "1xx", 199: "1xx", 200: "2xx", 299: "2xx", 300: "3xx", 404: "4xx", 499: "4xx", 500: "5xx", 599: "5xx", 600: "other", 0: "other", 99: "other"} {
		if got := codeClass(code); got != want {
			t.Errorf("codeClass(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestTokensAndLogins(t *testing.T) {
	m, reg := newTest(t)
	m.TokenIssued("main", "authorization_code")
	m.TokenIssued("main", "authorization_code")
	m.TokenIssued("main", "refresh_token")
	m.Login("sandbox", "ok")
	m.Login("sandbox", "upstream_error")
	want := `
# HELP oidcp_tokens_issued_total Token responses issued, by tenant and grant type.
# TYPE oidcp_tokens_issued_total counter
oidcp_tokens_issued_total{grant_type="authorization_code",tenant="main"} 2
oidcp_tokens_issued_total{grant_type="refresh_token",tenant="main"} 1
# HELP oidcp_logins_total Completed upstream logins, by tenant and result.
# TYPE oidcp_logins_total counter
oidcp_logins_total{result="ok",tenant="sandbox"} 1
oidcp_logins_total{result="upstream_error",tenant="sandbox"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "oidcp_tokens_issued_total", "oidcp_logins_total"); err != nil {
		t.Error(err)
	}
}

func TestUpstreamObserve(t *testing.T) {
	m, _ := newTest(t)
	m.UpstreamObserve("par", 30*time.Millisecond, nil)
	m.UpstreamObserve("par", 2*time.Second, errors.New("boom"))
	m.UpstreamObserve("token", 10*time.Millisecond, nil)
	if n := testutil.CollectAndCount(m.upstream); n != 3 {
		t.Fatalf("upstream series = %d, want 3 (par/ok, par/error, token/ok)", n)
	}
	// The error observation lands in the error series only.
	h := m.upstream.WithLabelValues("par", "error").(prometheus.Histogram)
	if sum := histogramSum(t, h); sum != 2 {
		t.Errorf("par/error sum = %v, want 2", sum)
	}
}

func TestRegisterDBStats(t *testing.T) {
	m, reg := newTest(t)
	calls := 0
	m.RegisterDBStats(func() storage.PoolStats {
		calls++
		return storage.PoolStats{Open: 5, InUse: 3, Idle: 2, WaitCount: 7, WaitDuration: 1500 * time.Millisecond}
	})
	want := `
# HELP oidcp_db_connections_open Open database connections.
# TYPE oidcp_db_connections_open gauge
oidcp_db_connections_open 5
# HELP oidcp_db_connections_in_use Database connections in use.
# TYPE oidcp_db_connections_in_use gauge
oidcp_db_connections_in_use 3
# HELP oidcp_db_connections_idle Idle database connections.
# TYPE oidcp_db_connections_idle gauge
oidcp_db_connections_idle 2
# HELP oidcp_db_connection_waits_total Times a caller waited for a free database connection.
# TYPE oidcp_db_connection_waits_total counter
oidcp_db_connection_waits_total 7
# HELP oidcp_db_connection_wait_seconds_total Total time callers waited for a free database connection.
# TYPE oidcp_db_connection_wait_seconds_total counter
oidcp_db_connection_wait_seconds_total 1.5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"oidcp_db_connections_open", "oidcp_db_connections_in_use", "oidcp_db_connections_idle",
		"oidcp_db_connection_waits_total", "oidcp_db_connection_wait_seconds_total"); err != nil {
		t.Error(err)
	}
	if calls != 1 {
		t.Errorf("pool read %d times in one scrape, want 1", calls)
	}
}
