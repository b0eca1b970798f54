//go:build resilience

package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// testProxy is the load balancer in front of two oidcp nodes: round robin
// over the live nodes, and every /idporten-mock/ request to the one mock
// process. It fails over only where that cannot hide a failure: a node
// that refuses the connection has not seen the request, so the proxy
// marks it dead and sends the request to the next node. Any other error
// (the node died with the request in flight) is a 502 to the client. Each
// response names its backend in X-Test-Backend.
type testProxy struct {
	mock  *lbBackend
	nodes []*lbBackend
	next  atomic.Uint64
	tr    *http.Transport
}

type lbBackend struct {
	name, addr string
	dead       atomic.Bool
}

func newTestProxy() *testProxy {
	// A connection per request: after a kill, no request rides a stale
	// keep-alive connection; each either connects or is refused.
	return &testProxy{tr: &http.Transport{DisableKeepAlives: true}}
}

func (p *testProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "proxy: read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var cands []*lbBackend
	if strings.HasPrefix(r.URL.Path, mockPath+"/") {
		cands = []*lbBackend{p.mock}
	} else {
		i := int(p.next.Add(1))
		for k := range p.nodes {
			if b := p.nodes[(i+k)%len(p.nodes)]; !b.dead.Load() {
				cands = append(cands, b)
			}
		}
	}
	for _, b := range cands {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host, out.Host = "http", b.addr, r.Host
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp, err := p.tr.RoundTrip(out)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				b.dead.Store(true) // never reached the node: next one
				continue
			}
			w.Header().Set(backendHeader, b.name)
			http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.Header().Set(backendHeader, b.name)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body) // a node dying mid-body truncates it: the client sees the error
		resp.Body.Close()
		return
	}
	http.Error(w, "proxy: no live backend", http.StatusServiceUnavailable)
}
