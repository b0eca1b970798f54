package claimjson

import (
	"encoding/json"
	"testing"
)

type claims struct {
	Exp   *float64        `json:"exp"`
	HTM   string          `json:"htm,omitempty"`
	Aud   json.RawMessage `json:"aud"`
	Plain string
	Skip  string `json:"-"`
}

func TestUnmarshalMatchesNamesExactly(t *testing.T) {
	for _, tc := range []struct {
		name, in  string
		exp       any // nil or float64
		htm, aud  string
		plain     string
		skipEmpty bool
	}{
		{name: "exact", in: `{"exp":5,"htm":"GET","aud":"a","Plain":"p"}`, exp: 5.0, htm: "GET", aud: `"a"`, plain: "p"},
		{name: "case variants are other members", in: `{"EXP":5,"Htm":"POST","AUD":"a","plain":"p"}`},
		{name: "a variant after the exact name does not override it", in: `{"exp":5,"EXP":9,"htm":"GET","HTM":"POST"}`, exp: 5.0, htm: "GET"},
		{name: "a variant before the exact name does not override it", in: `{"EXP":9,"exp":5}`, exp: 5.0},
		{name: "a dash-tagged field is not read", in: `{"-":"x","Skip":"y","exp":1}`, exp: 1.0},
		{name: "other members are ignored", in: `{"exp":1,"nonce":"n"}`, exp: 1.0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c claims
			if err := Unmarshal([]byte(tc.in), &c); err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.exp == nil && c.Exp != nil:
				t.Errorf("exp = %v, want none", *c.Exp)
			case tc.exp != nil && (c.Exp == nil || *c.Exp != tc.exp.(float64)):
				t.Errorf("exp = %v, want %v", c.Exp, tc.exp)
			}
			if c.HTM != tc.htm || string(c.Aud) != tc.aud || c.Plain != tc.plain || c.Skip != "" {
				t.Errorf("got htm %q aud %q Plain %q Skip %q", c.HTM, c.Aud, c.Plain, c.Skip)
			}
		})
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	var c claims
	for _, in := range []string{
		`null`, `[]`, `"exp"`, `1`, `{"exp":"soon"}`, `{"exp":1`, ``, ` `,
		`{"exp":9,"exp":5}`, `{"htm":"GET","htm":"GET"}`, `{"exp":1}{}`, `{"exp":1} x`,
	} {
		if err := Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%q decoded without an error", in)
		}
	}
	var notStruct map[string]any
	if err := Unmarshal([]byte(`{}`), &notStruct); err == nil {
		t.Error("a map target was accepted")
	}
	if err := Unmarshal([]byte(`{}`), c); err == nil {
		t.Error("a non-pointer target was accepted")
	}
}
