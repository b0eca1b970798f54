package registry

import (
	"os"
	"strings"
	"testing"
)

// The example in docs/registry-import.md is a valid document.
func TestDocExampleIsValid(t *testing.T) {
	b, err := os.ReadFile("../docs/registry-import.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no JSON example in docs/registry-import.md")
	}
	d, err := DecodeBytes([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if errs := Validate(d); len(errs) != 0 {
		t.Fatalf("the documented example is invalid: %v", errs)
	}
	res, err := Import(t.Context(), newStore(t), Main, d, now)
	if err != nil || res.Persons.Created != 5 || res.Relations.Created != 3 {
		t.Fatalf("importing the example: %+v, %v", res, err)
	}
}
