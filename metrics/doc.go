// Package metrics owns oidcp's Prometheus instruments: per-endpoint request
// counts and latency, tokens issued, login results, upstream eID call
// latency and the database pool gauges. *Metrics implements
// provider.Observer and is handed to the provider and the upstream client
// by cmd/oidcp.
//
// It does not serve /metrics (cmd/oidcp mounts promhttp on the admin
// listener) and it never labels by anything a client controls beyond the
// fixed endpoint names, so label cardinality stays bounded: a request path,
// client id or subject never becomes a label.
package metrics
