// Command oidcc runs the conformance suite against an issuer; see
// conformance.Main for flags. `oidcp conformance` calls the same function.
package main

import (
	"os"

	"github.com/oidcp/oidcp/conformance"
)

func main() {
	os.Exit(conformance.Main(os.Args[1:], os.Stdout, os.Stderr))
}
