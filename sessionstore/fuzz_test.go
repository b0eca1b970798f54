package sessionstore

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"reflect"
	"testing"
)

// FuzzDecodeValues: a stored Values blob (from the database, so from any
// past version of the code or a tampered row) either fails to decode or
// decodes to values that encode and decode back to the same thing.
func FuzzDecodeValues(f *testing.F) {
	for _, v := range []map[interface{}]interface{}{
		{},
		{"flow": "abc", "lang": "nn"},
		{"n": "", "": "x"},
	} {
		b, err := encodeValues(v, upstream{SID: "sid-1", IDToken: "eyJ.x.y", Locale: "nb"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x7f, 0xff, 0x81, 0x03, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		vals, up, err := decodeValues(b)
		if err != nil {
			return
		}
		if vals == nil {
			t.Fatal("decoded to nil Values")
		}
		again, err := encodeValues(vals, up)
		if err != nil {
			// A decoded value gob cannot encode again would make the
			// session unsavable.
			t.Fatalf("decoded %x to %#v, which does not encode: %v", b, vals, err)
		}
		vals2, up2, err := decodeValues(again)
		if err != nil || !reflect.DeepEqual(vals, vals2) || up != up2 {
			t.Fatalf("decode(encode(%#v, %#v)) = %#v, %#v, %v", vals, up, vals2, up2, err)
		}
	})
}

// FuzzValuesRoundTrip: decode(encode(x)) == x for any string values and
// upstream fields, and the store's own state never reaches storage.
func FuzzValuesRoundTrip(f *testing.F) {
	f.Add("flow", "abc", "lang", "nb", "sid", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "nn")
	f.Add("", "", "", "", "", "", "")
	f.Add("\x00", "\xff\xfe", "æøå", "€", "\n", "\t", "en-GB")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, sid, idToken, locale string) {
		in := map[interface{}]interface{}{k1: v1, k2: v2}
		up := upstream{SID: sid, IDToken: idToken, Locale: locale}
		withState := map[interface{}]interface{}{stateKey{}: &state{stored: true}}
		for k, v := range in {
			withState[k] = v
		}
		b, err := encodeValues(withState, up)
		if err != nil {
			t.Fatal(err)
		}
		out, gotUp, err := decodeValues(b)
		if err != nil || !reflect.DeepEqual(out, in) || gotUp != up {
			t.Fatalf("decode(encode(%q, %+v)) = %q, %+v, %v", in, up, out, gotUp, err)
		}
	})
}

// FuzzReadID: the session id comes only from a cookie this store signed
// under this name; any other cookie value, including a signed one with a
// byte changed, reads as no session.
func FuzzReadID(f *testing.F) {
	s := New(nil, Options{Tenant: "main", CookieName: "oidcp_session_main", HashKey: bytes.Repeat([]byte("k"), 32)})
	const name, id = "oidcp_session_main", "T2lkY3Atc2Vzc2lvbi1pZC1mb3ItZnV6emluZy0xMjM"
	minted, err := s.codec.Encode(name, []byte(id))
	if err != nil {
		f.Fatal(err)
	}
	other, err := s.codec.Encode("oidcp_session_other", []byte(id))
	if err != nil {
		f.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/main/authorize", nil)
	r.Header.Set("Cookie", name+"="+minted)
	if got := s.readID(r, name); got != id {
		f.Fatalf("the minted cookie reads as %q, want %q", got, id)
	}
	f.Add(minted, uint16(0), byte(0))
	f.Add(minted, uint16(10), byte(1))
	f.Add(other, uint16(0), byte(0))
	f.Add("", uint16(0), byte(0))
	f.Add("MTcwMDAwMDAwMHxpZHxzaWc=", uint16(3), byte(4))
	f.Fuzz(func(t *testing.T, value string, pos uint16, flip byte) {
		r := httptest.NewRequest("GET", "/main/authorize", nil)
		r.Header.Set("Cookie", name+"="+value)
		if got := s.readID(r, name); got != "" && (got != id || value == other) {
			t.Fatalf("cookie %q read as session id %q", value, got)
		}
		if flip == 0 {
			return
		}
		tampered := []byte(minted)
		tampered[int(pos)%len(tampered)] ^= flip
		r = httptest.NewRequest("GET", "/main/authorize", nil)
		r.Header.Set("Cookie", name+"="+string(tampered))
		got := s.readID(r, name)
		if got == "" {
			return
		}
		// base64 ignores the unused low bits of the last character, so a
		// few changes decode to the very same signed bytes; those are the
		// same cookie, not a forgery.
		a, errA := base64.URLEncoding.DecodeString(minted)
		b, errB := base64.URLEncoding.DecodeString(string(tampered))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("tampered cookie %q (byte %d ^ %#x) read as session id %q", tampered, int(pos)%len(tampered), flip, got)
		}
	})
}
