package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// inProcessClient is the HTTP client a tenant whose upstream is the
// built-in mock uses to reach it: the request is served by the mock's
// handler in this process instead of crossing the loopback interface
// (a TCP connection, and the request and response written and parsed
// twice). Only URLs under the mock's issuer are served; any other is
// refused, so the client cannot be used to reach anything else. The
// mock keeps its state in the shared database (mockState), so which
// node serves the call does not matter.
func inProcessClient(issuer string, mock http.Handler) *http.Client {
	return &http.Client{
		Transport: inProcess{prefix: strings.TrimRight(issuer, "/") + "/", h: mock},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type inProcess struct {
	prefix string
	h      http.Handler
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.String(), t.prefix) {
		return nil, fmt.Errorf("in-process mock client: %s is not under %s", req.URL.Redacted(), t.prefix)
	}
	r := req.Clone(req.Context())
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := &inProcessWriter{header: http.Header{}}
	t.h.ServeHTTP(w, r)
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)),
		StatusCode:    w.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          readCloser{bytes.NewReader(w.body.Bytes())},
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// inProcessWriter is the ResponseWriter the mock writes its answer to.
type inProcessWriter struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (w *inProcessWriter) Header() http.Header { return w.header }
func (w *inProcessWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *inProcessWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
