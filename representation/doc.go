// Package representation owns who may act for whom: fødselsnummer parsing
// and the relation rules (parent, power of attorney, assigned power of
// attorney) evaluated at a point in time in Europe/Oslo.
//
// Evaluate is the one place the rules of DESIGN.md "Representation" live;
// Acceptable applies a tool's declared relations, and Choices combines
// both into the list a chooser shows. Ages count calendar days in Oslo
// (see age.go for 29 February).
//
// It is plain Go: no HTTP, no SQL, no fosite types. It does not store
// relations (the registry on the storage contract does) and does not render
// the chooser (the provider does).
package representation

import _ "time/tzdata" // the Oslo zone must exist on machines without tzdata
