package clients

import (
	"slices"
	"testing"

	"github.com/oidcp/oidcp/representation"
)

// The representation metadata of DESIGN "Representation": what a tool
// accepts is stored as declared; a standalone tool may take parent and
// assigned power of attorney but not an ordinary one.
func TestBuildRepresentationMetadata(t *testing.T) {
	parent, poa, assigned := string(representation.Parent), string(representation.PowerOfAttorney),
		string(representation.AssignedPowerOfAttorney)
	tests := []struct {
		name       string
		category   string
		relations  []string
		standalone bool
		wantCat    string
		wantRels   []string
	}{
		{"defaults", "", nil, false, CategoryIdentified, []string{}},
		{"pseudonymous", CategoryPseudonymous, []string{parent}, false, CategoryPseudonymous, []string{parent}},
		{"every relation", "", []string{parent, poa, assigned, parent}, false,
			CategoryIdentified, []string{parent, poa, assigned}},
		{"standalone", CategoryIdentified, []string{parent, assigned}, true,
			CategoryIdentified, []string{parent, assigned}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := web()
			r.Category, r.AcceptedRelations, r.Standalone = tt.category, tt.relations, tt.standalone
			c, err := Build("sandbox", r, now)
			if err != nil {
				t.Fatal(err)
			}
			if c.Category != tt.wantCat || !slices.Equal(nonNil(c.AcceptedRelations), tt.wantRels) || c.Standalone != tt.standalone {
				t.Errorf("category %q relations %v standalone %v; want %q %v %v",
					c.Category, c.AcceptedRelations, c.Standalone, tt.wantCat, tt.wantRels, tt.standalone)
			}
		})
	}
}
