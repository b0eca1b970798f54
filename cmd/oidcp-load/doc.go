// Command oidcp-load drives a running oidcp with many concurrent clients
// and prints throughput and latency (requests/s, p50, p99) per scenario:
//
//   - cc: client_credentials token requests (RFC 6749 §4.4);
//   - introspect: token introspection (RFC 7662) of client_credentials
//     access tokens;
//   - login: the whole headless login of a person, as a browser and a tool
//     do it together: /authorize, the ID-porten mock's headless test login
//     (login_hint=testid:<pid>), oidcp's /callback, and the redemption of
//     the code at /token. One login is one sample.
//
// It talks to the server only over HTTP, like any client, and imports
// none of the server's packages. scripts/bench.sh builds and starts a
// server, registers a client and runs every scenario; `make bench` runs
// that script after the Go micro-benchmarks.
//
// The redirect URI of the login scenario need not listen: the driver
// stops following redirects when the next one would go there, as the
// tool's callback would receive it.
package main
