package claimjson

import (
	"bytes"
	"encoding/json"
	"testing"
)

// duplicateName finds a top-level member name that data holds twice.
func duplicateName(data []byte) (string, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	if _, err := d.Token(); err != nil {
		return "", false
	}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return "", false
		}
		if seen[name] {
			return name, true
		}
		seen[name] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}

// str is v if it is a string, else "" (what a string field holds when
// the member is absent or null).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// FuzzUnmarshal: whatever object is decoded has no member name twice,
// and each field holds what encoding/json's map reader finds under its
// exact name (a raw member byte for byte), nothing when there is none.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"exp":1,"htm":"GET","aud":["a"]}`, `{"EXP":1,"exp":2}`, `{"exp":2,"Exp":1}`,
		`{"htm":"GET","htm":"POST"}`, `{"\u0065xp":1}`, `{"ſub":"x"}`, `{"KID":"k"}`, `null`, `[]`, `{"exp":"1"}`,
	} {
		f.Add([]byte(s))
	}
	type target struct {
		Exp *float64        `json:"exp"`
		HTM string          `json:"htm"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Kid *string         `json:"kid"`
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got target
		if err := Unmarshal(data, &got); err != nil {
			return
		}
		if name, dup := duplicateName(data); dup {
			t.Fatalf("%q decoded, but %q appears twice", data, name)
		}
		// Read back from maps, where member names are exact.
		var raw map[string]json.RawMessage
		var m map[string]any
		if json.Unmarshal(data, &raw) != nil || json.Unmarshal(data, &m) != nil || m == nil {
			t.Fatalf("%q decoded, but it is not a JSON object", data)
		}
		exp, hasExp := m["exp"].(float64)
		kid, hasKid := m["kid"].(string)
		switch {
		case hasExp != (got.Exp != nil) || hasExp && *got.Exp != exp:
			t.Fatalf("%q: exp %v, the map has %v", data, got.Exp, m["exp"])
		case got.HTM != str(m["htm"]) || got.Sub != str(m["sub"]):
			t.Fatalf("%q: htm %q sub %q, the map has %v and %v", data, got.HTM, got.Sub, m["htm"], m["sub"])
		case string(got.Aud) != string(raw["aud"]):
			t.Fatalf("%q: aud %s, sent as %s", data, got.Aud, raw["aud"])
		case hasKid != (got.Kid != nil) || hasKid && *got.Kid != kid:
			t.Fatalf("%q: kid %v, the map has %v", data, got.Kid, m["kid"])
		}
	})
}
