// Package backchannel delivers OpenID Connect Back-Channel Logout 1.0
// logout tokens through a persisted outbox.
//
// Enqueuer turns a revoked grant, a disabled client or an ended login
// session into outbox messages (storage.Outbox), inside the caller's
// transaction, for every client that registered a backchannel_logout_uri.
// Worker, run on every node, claims due messages (a lease, so two nodes
// never send the same one and a dead node's messages are picked up
// again), signs a fresh logout token for each attempt, POSTs it with a
// bounded timeout through the outbound HTTP client (which refuses
// private and loopback addresses outside dev mode), and records the
// attempt: delivered, retried with exponential backoff, or failed once
// the retry window has passed. The final outcome goes to the usage log.
//
// It does not decide what to revoke (consent, provider), compute pairwise
// subjects or hold keys (the provider signs through TokenMaker).
package backchannel
