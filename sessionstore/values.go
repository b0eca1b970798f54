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

// envelope is what LoginSession.Values holds, gob-encoded. The values
// travel as a list of pairs, not as a map: gob sizes a map from the count
// the blob claims before reading any entry (golang/go#79539), so a stored
// blob of a few hundred bytes could make the decoder allocate gigabytes,
// while a list's count is checked against the bytes that follow. A blob
// in the earlier map form decodes with its values dropped: gob skips the
// unknown field entry by entry, and the session keeps its login.
type envelope struct {
	Pairs    []pair
	Upstream upstream
}

// pair is one session value.
type pair struct {
	Key, Value interface{}
}

// encodeValues serialises a session's Values (without the store's own
// state) and the upstream fields.
func encodeValues(vals map[interface{}]interface{}, up upstream) ([]byte, error) {
	env := envelope{Pairs: make([]pair, 0, len(vals)), Upstream: up}
	for k, v := range vals {
		if _, ok := k.(stateKey); ok {
			continue
		}
		env.Pairs = append(env.Pairs, pair{Key: k, Value: v})
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
	vals := make(map[interface{}]interface{}, len(env.Pairs))
	for _, p := range env.Pairs {
		if err := setValue(vals, p.Key, p.Value); err != nil {
			return nil, upstream{}, err
		}
	}
	return vals, env.Upstream, nil
}

// setValue sets vals[k] = v, or fails if k cannot be a map key (a decoded
// slice, say), which would otherwise panic.
func setValue(vals map[interface{}]interface{}, k, v interface{}) (err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("decode session values: a key of type %T cannot be a map key", k)
		}
	}()
	vals[k] = v
	return nil
}
