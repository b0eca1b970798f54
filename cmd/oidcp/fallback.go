package main

import "net/http"

// withFallback serves mux, but a request no route matches, which the mux
// would answer with Go's bare "404 page not found" (or "Method Not
// Allowed"), is answered by notFound with that status instead (Allow
// already set for a 405). Handlers' own 404s are theirs and pass.
func withFallback(mux *http.ServeMux, notFound func(http.ResponseWriter, *http.Request, int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		fw := &fallbackWriter{ResponseWriter: w}
		mux.ServeHTTP(fw, r)
		if fw.status != 0 {
			h := w.Header()
			h.Del("Content-Type")
			h.Del("X-Content-Type-Options")
			notFound(w, r, fw.status)
		}
	})
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
