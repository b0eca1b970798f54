// Package population generates the sandbox's synthetic population: the
// persons and relations that let a vendor try every representation rule
// (children under 12, 12–15 limited, a child turning 16 today, ordinary,
// assigned, expired and withdrawn powers of attorney, a confidential
// address), the table rows (Rows) that the Markdown document and the
// sandbox page both render, and that Markdown document.
//
// Birth dates are computed from the day the population is generated for,
// so every case holds on any day. All fødselsnummer are synthetic
// (month + 80, representation.SyntheticPID) and the names are invented.
//
// It owns neither storage nor HTTP: the sandbox imports Generate's output
// into the registry and serves Markdown on its own pages.
package population
