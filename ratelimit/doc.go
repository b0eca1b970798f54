// Package ratelimit decides whether a request may proceed under fixed-window
// rate limits whose counters are shared by every node (through a Counter,
// the storage contract's RateCounter), and names the source address a
// request is counted under.
//
// It owns the counting policy: fixed windows, a per-node batch of hits
// between writes to the shared counter (a rule with a small limit is
// written through on every hit, so it is exact across nodes), and the
// bounded in-memory table that batching needs. It does not own which
// endpoints are limited, the limits themselves or the HTTP answer
// (provider), nor the SQL (storage backends).
package ratelimit
