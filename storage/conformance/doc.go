// Package conformance is the test suite every storage backend passes
// (the shape of dex's storage/conformance): RunTests takes a constructor
// for a fresh, migrated storage.Storage and checks the contract in
// storage/storage.go area by area, including the races the contract
// promises to settle (a code or refresh token used twice at once, a flow
// taken twice at once, racing secret creation).
//
// It imports only the contract, never a backend, and is used from each
// backend's own tests.
package conformance
