// Package registry owns the person and relation registry's data coming
// in and going out: the JSON import document (docs/registry-import.md),
// its record-by-record validation, the all-or-nothing idempotent Import
// onto the storage contract, the operator's HTTP import endpoint, the
// sandbox population's seeding, and the conversion of stored entries into
// the representation package's types for the rules.
//
// The store holds several registries (named data sets) side by side, and
// every read and import here names one; each tenant reads exactly one
// (cmd/oidcp's configuration). Synthetic, where the sandbox population is
// seeded, accepts only synthetic numbers, so it is the one registry that
// a tenant anyone can log in to as anyone (the sandbox, a tenant behind
// the ID-porten mock) may read. Real register data goes into another,
// by default Main.
//
// It does not decide who may act for whom (representation.Evaluate does)
// and does not store anything itself (the storage contract's PersonStore
// does). Error messages name records by index and field, never by
// fødselsnummer, so they can be shown and logged.
package registry
