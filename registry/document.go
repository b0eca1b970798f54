package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Document is the import format: {"persons": [...], "relations": [...]}.
// docs/registry-import.md describes every field.
type Document struct {
	Persons   []PersonRecord   `json:"persons"`
	Relations []RelationRecord `json:"relations"`
}

// PersonRecord is one person of a Document.
type PersonRecord struct {
	PID        string `json:"pid"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	// BirthDate is YYYY-MM-DD; optional, since the fødselsnummer encodes
	// it. When given it must agree with the number.
	BirthDate           string `json:"birthdate,omitempty"`
	ConfidentialAddress bool   `json:"confidential_address,omitempty"`
	LacksCapacity       bool   `json:"lacks_capacity,omitempty"`
}

// RelationRecord is one relation of a Document. Times are RFC 3339.
type RelationRecord struct {
	// ID is the source register's stable key for the relation; importing
	// a record with a known ID updates that relation.
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Holder       string     `json:"holder"`
	Subject      string     `json:"subject"`
	ValidFrom    *time.Time `json:"valid_from,omitempty"`
	ValidTo      *time.Time `json:"valid_to,omitempty"`
	ServiceAreas []string   `json:"service_areas,omitempty"`
	Withdrawn    bool       `json:"withdrawn,omitempty"`
	WithdrawnAt  *time.Time `json:"withdrawn_at,omitempty"`
}

// ErrMalformed means the input is not a Document at all (not JSON, an
// unknown field, a wrong type); record errors are *ValidationError.
var ErrMalformed = errors.New("registry: malformed import document")

// Decode reads one JSON Document from r. Unknown fields are an error, so
// a misspelt field is not silently dropped.
func Decode(r io.Reader) (Document, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Document{}, fmt.Errorf("%w: data after the JSON document", ErrMalformed)
	}
	return d, nil
}

// DecodeBytes is Decode on a byte slice.
func DecodeBytes(b []byte) (Document, error) { return Decode(bytes.NewReader(b)) }
