// Package claimjson decodes a JWT claims set or a JOSE header into a
// struct the way go-jose reads JOSE objects: member names match exactly
// and a duplicated member name is an error.
//
// encoding/json matches object keys to struct fields without regard to
// case, so {"EXP": 1} fills a field tagged "exp", and of {"exp": 1,
// "EXP": 2} the later one wins. JWT claim names and JOSE header
// parameter names are case-sensitive (RFC 7519 section 4, RFC 7515
// section 4), and go-jose (under fosite too) reads them with its own
// fork of encoding/json that matches exactly and refuses duplicates. A
// check of our own that read a token through encoding/json could see a
// different exp, alg or htm than the code that acts on the token.
//
// The decoder is go-jose's fork (github.com/go-jose/go-jose/v4/json);
// this package is the one place that says why, and its tests pin the
// behaviour we rely on.
package claimjson

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	josejson "github.com/go-jose/go-jose/v4/json"
)

// Unmarshal decodes the JSON object data into the struct v points to,
// reading only members whose names equal a field's JSON name exactly.
// Anything other than one JSON object is an error, as is a duplicated
// member name or a v that is not a pointer to a struct.
func Unmarshal(data []byte, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("claimjson: Unmarshal needs a pointer to a struct, not %T", v)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("claimjson: not a JSON object")
	}
	return josejson.Unmarshal(data, v)
}
