package keys

import (
	"bytes"
	"errors"
	"testing"
)

func testKEK(b byte) []byte { return bytes.Repeat([]byte{b}, KEKSize) }

func TestSealOpen(t *testing.T) {
	kek := testKEK(1)
	plain := []byte("private key bytes")
	aad := keyAAD("main", "kid-1", ES256)
	sealed, err := Seal(kek, plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("sealed value contains the plaintext")
	}
	if sealed[0] != sealV1 {
		t.Fatalf("format byte = %#x, want %#x", sealed[0], sealV1)
	}
	again, _ := Seal(kek, plain, aad)
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same plaintext are equal: nonce not random")
	}

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		kek    []byte
		sealed []byte
		aad    []byte
		ok     bool
	}{
		{"round trip", kek, sealed, aad, true},
		{"wrong KEK", testKEK(2), sealed, aad, false},
		{"other tenant", kek, sealed, keyAAD("sandbox", "kid-1", ES256), false},
		{"other kid", kek, sealed, keyAAD("main", "kid-2", ES256), false},
		{"other alg", kek, sealed, keyAAD("main", "kid-1", RS256), false},
		{"key opened as secret", kek, sealed, secretAAD("main", "kid-1"), false},
		{"nil aad", kek, sealed, nil, false},
		{"tampered version", kek, flip(0), aad, false},
		{"tampered nonce", kek, flip(5), aad, false},
		{"tampered ciphertext", kek, flip(14), aad, false},
		{"tampered tag", kek, flip(len(sealed) - 1), aad, false},
		{"truncated", kek, sealed[:len(sealed)-1], aad, false},
		{"too short", kek, sealed[:10], aad, false},
		{"empty", kek, nil, aad, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(tt.kek, tt.sealed, tt.aad)
			if tt.ok {
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("Open = %q, %v; want %q", got, err, plain)
				}
				return
			}
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open err = %v, want ErrOpen", err)
			}
		})
	}
}

func TestSealRejectsBadKEK(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := Seal(make([]byte, n), []byte("x"), nil); err == nil {
			t.Errorf("Seal with %d-byte KEK succeeded", n)
		}
		if _, err := Open(make([]byte, n), []byte("x"), nil); err == nil || errors.Is(err, ErrOpen) {
			t.Errorf("Open with %d-byte KEK: err = %v, want a KEK size error", n, err)
		}
	}
}

func TestBindAADUnambiguous(t *testing.T) {
	pairs := [][2][]byte{
		{bindAAD("p", "ab", "c"), bindAAD("p", "a", "bc")},
		{bindAAD("p", "a|b", "c"), bindAAD("p", "a", "b|c")},
		{keyAAD("t", "k", "ES256"), secretAAD("t", "k")},
		{secretAAD("t", ""), secretAAD("", "t")},
	}
	for i, p := range pairs {
		if bytes.Equal(p[0], p[1]) {
			t.Errorf("pair %d: AADs collide: %q", i, p[0])
		}
	}
}
