// Package claimjson decodes a JWT claims set or a JOSE header into a
// struct with the member names matched exactly.
//
// encoding/json matches object keys to struct fields without regard to
// case, so {"EXP": 1} fills a field tagged "exp", and of {"exp": 1,
// "EXP": 2} the later one wins. JWT claim names and JOSE header
// parameter names are case-sensitive (RFC 7519 section 4, RFC 7515
// section 4), and fosite and go-jose read claims into maps, where "exp"
// and "EXP" are different members. A check of our own that read a token
// through encoding/json alone could therefore see a different exp, alg
// or htm than the code that acts on the token.
//
// Unmarshal keeps only the members whose names are exactly a field's
// name. Of a duplicated name the last one counts, as in the map readers
// (RFC 7519 section 4 allows that choice).
package claimjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Unmarshal decodes the JSON object data into the struct v points to,
// reading only members whose names equal a field's JSON name exactly.
// Anything other than an object is an error, as is a v that is not a
// pointer to a struct.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("claimjson: Unmarshal needs a pointer to a struct, not %T", v)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	if members == nil {
		return errors.New("claimjson: null is not a JSON object") // the only other value that decodes to a nil map
	}
	// Each member goes straight into its field, so a json.RawMessage
	// field holds the member's bytes as sent.
	st := rv.Elem()
	for i, name := range fieldIndexes(st.Type()) {
		if m, ok := members[name]; ok {
			if err := json.Unmarshal(m, st.Field(i).Addr().Interface()); err != nil {
				return fmt.Errorf("claimjson: member %q: %w", name, err)
			}
		}
	}
	return nil
}

var namesCache sync.Map // reflect.Type -> map[int]string

// fieldIndexes maps the index of each of t's exported fields to its JSON
// name, as encoding/json would name it: the tag's name, or the field's
// name if the tag gives none. Fields tagged "-" and embedded structs are
// left out (none of the claim structs embeds one).
func fieldIndexes(t reflect.Type) map[int]string {
	if n, ok := namesCache.Load(t); ok {
		return n.(map[int]string)
	}
	names := map[int]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names[i] = name
	}
	namesCache.Store(t, names)
	return names
}
