// Command oidcp runs and operates the oidcp OpenID Provider.
//
// This package is the only place that reads configuration (viper: flags,
// OIDCP_* environment variables and an optional YAML file, in that order
// of precedence) and the only place that builds things: it opens the
// storage backend named by the DSN, loads the key-encryption key, creates
// the key manager, the upstream eID clients, the ID-porten mock in dev
// mode, the provider and the metrics, and mounts them on two listeners
// (the public one and the admin one with /metrics, /healthz, /readyz).
//
// It owns no protocol logic; subcommands are thin shells over the domain
// packages (clients, keys, storage) that print JSON.
package main
