package tool

import "testing"

// TestRelationWord: the bokmål page names the relation in Norwegian,
// not by the claim's code ("(parent)").
func TestRelationWord(t *testing.T) {
	for kind, want := range map[string]string{"parent": "foreldreansvar", "power_of_attorney": "fullmakt", "assigned_power_of_attorney": "tildelt fullmakt", "other": "other"} {
		if got := relationWord(kind); got != want {
			t.Errorf("relationWord(%q) = %q, want %q", kind, got, want)
		}
	}
}
