// Package router is the one place where oidcp's public HTTP routes are
// registered and where what every route needs is applied once: the
// security headers, the per-endpoint metrics, and the fallback page for
// paths and methods nobody serves.
//
// Every HTTP component (the provider's tenants, the ID-porten mock, the
// demo relying party, the population page, the index) is a Handler that
// mounts its own routes on a Mux, as dex's server/router does;
// cmd/oidcp builds one Router and mounts a list of handlers. A
// component names each route's metrics labels and, where its pages need
// another one, its Content-Security-Policy; it sets none of the common
// headers itself.
//
// Request ids and the request log wrap the whole listener in cmd/oidcp,
// so they too apply once, to every route and to the fallback.
//
// router owns no route and imports no component.
package router
