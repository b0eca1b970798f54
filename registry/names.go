package registry

import (
	"fmt"
	"regexp"
)

// Registry names. The store keeps several registries (data sets) apart,
// and each tenant reads exactly one. Synthetic is the only registry
// guaranteed to hold nothing but synthetic numbers: Import refuses any
// other number into it, so it is the only registry a tenant that logs in
// through the ID-porten mock (the sandbox) may read. Real register data
// goes into any other registry, by default Main.
const (
	Synthetic = "synthetic"
	Main      = "main"
)

// namePattern keeps registry names short, lower-case and printable.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckName reports whether name can name a registry.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("registry name %q must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit; e.g. %s or %s", name, Main, Synthetic)
	}
	return nil
}
