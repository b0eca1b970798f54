package router

import (
	"net/http"
)

// Handler is an HTTP component that registers its own routes.
type Handler interface {
	Mount(m Mux)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(m Mux)

// Mount calls f(m).
func (f HandlerFunc) Mount(m Mux) { f(m) }

// Mux is where a Handler registers routes.
type Mux interface {
	// Handle serves pattern (net/http.ServeMux syntax) with h, counted
	// under rt's labels and with the security headers of rt.
	Handle(pattern string, rt Route, h http.Handler)
}

// Route describes a route for what the router applies to it.
type Route struct {
	// Tenant and Endpoint label the route's metrics; Tenant is "" for
	// routes of no tenant.
	Tenant, Endpoint string
	// CSP is the route's Content-Security-Policy; "" is DefaultCSP.
	CSP string
	// Counted marks a handler that counts its own requests (with finer
	// endpoint names); the router adds no metrics to it.
	Counted bool
}

// DefaultCSP allows nothing but inline styles and same-origin images:
// oidcp's pages load no script or resource from anywhere.
const DefaultCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Observer counts requests per route (metrics.Metrics).
type Observer interface {
	Endpoint(tenant, name string, h http.Handler) http.Handler
}

// Options configure a Router.
type Options struct {
	// Observer counts requests; nil counts nothing.
	Observer Observer
	// NotFound answers a request no route matches (status 404) or whose
	// method no route allows (405); nil leaves the mux's own answer.
	NotFound func(w http.ResponseWriter, r *http.Request, status int)
	// Header is set on every answer, the fallback's included (e.g.
	// Strict-Transport-Security when served over https).
	Header http.Header
}

// Router is an http.Handler serving every mounted route.
type Router struct {
	mux  *http.ServeMux
	opts Options
}

var _ Mux = (*Router)(nil)

// New returns an empty Router.
func New(opts Options) *Router {
	return &Router{mux: http.NewServeMux(), opts: opts}
}

// Mount lets each handler register its routes.
func (rt *Router) Mount(hs ...Handler) {
	for _, h := range hs {
		h.Mount(rt)
	}
}

// Handle implements Mux.
func (rt *Router) Handle(pattern string, r Route, h http.Handler) {
	h = SecurityHeaders(r.CSP, h)
	if rt.opts.Observer != nil && !r.Counted {
		h = rt.opts.Observer.Endpoint(r.Tenant, r.Endpoint, h)
	}
	rt.mux.Handle(pattern, h)
}

// SecurityHeaders sets the headers every page and endpoint carries, with
// csp as the Content-Security-Policy ("" is DefaultCSP).
func SecurityHeaders(csp string, h http.Handler) http.Handler {
	if csp == "" {
		csp = DefaultCSP
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP serves the matching route, else the NotFound answer.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, vs := range rt.opts.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if _, pattern := rt.mux.Handler(r); pattern != "" || rt.opts.NotFound == nil {
		rt.mux.ServeHTTP(w, r)
		return
	}
	fw := &fallbackWriter{ResponseWriter: w}
	rt.mux.ServeHTTP(fw, r)
	if fw.status != 0 {
		h := w.Header()
		h.Del("Content-Type")
		h.Del("X-Content-Type-Options")
		rt.opts.NotFound(w, r, fw.status)
	}
}

// fallbackWriter swallows the mux's own 404 or 405 answer and passes any
// other (the mux's redirects to a cleaned path) through.
type fallbackWriter struct {
	http.ResponseWriter
	status int
}

func (f *fallbackWriter) WriteHeader(code int) {
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		f.status = code
		return
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *fallbackWriter) Write(b []byte) (int, error) {
	if f.status != 0 {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}
