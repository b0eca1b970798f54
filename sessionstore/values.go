package sessionstore

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// upstream holds the Login fields that have no LoginSession column: they are
// only needed by the provider itself (RP-initiated logout at the upstream
// needs its id token and sid; tokens and sid claims name the chain), never
// queried.
type upstream struct {
	SID     string
	IDToken string
	Locale  string
	// Chain is Login.ChainID; empty in sessions stored before chains
	// existed, which are their own chain.
	Chain string
}

// envelope is what LoginSession.Values holds, gob-encoded.
type envelope struct {
	Values   map[interface{}]interface{}
	Upstream upstream
}

// encodeValues serialises a session's Values (without the store's own
// state) and the upstream fields.
func encodeValues(vals map[interface{}]interface{}, up upstream) ([]byte, error) {
	env := envelope{Values: make(map[interface{}]interface{}, len(vals)), Upstream: up}
	for k, v := range vals {
		if _, ok := k.(stateKey); ok {
			continue
		}
		env.Values[k] = v
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(env); err != nil {
		// Most likely a type in Values that was not gob.Register'ed.
		return nil, fmt.Errorf("encode session values: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeValues is the inverse of encodeValues; empty input is an empty
// session.
func decodeValues(b []byte) (map[interface{}]interface{}, upstream, error) {
	var env envelope
	if len(b) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&env); err != nil {
			return nil, upstream{}, fmt.Errorf("decode session values: %w", err)
		}
	}
	if env.Values == nil {
		env.Values = map[interface{}]interface{}{}
	}
	return env.Values, env.Upstream, nil
}
