// Package audit owns the vocabulary of the usage log (logg over bruk): the
// event kinds and how an event is written. Every security-relevant step
// (login, token issued/refreshed/revoked, reuse detected, logout) is
// appended through Record.
//
// It does not store events (the storage contract's EventLog does) nor show
// them to citizens (a later web package does). Event details never carry
// tokens, secrets or anything not needed to explain the event.
package audit
