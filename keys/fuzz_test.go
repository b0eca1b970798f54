package keys

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// kekErrPattern is every error ParseKEK may return: none quotes the
// configured value, which is a secret and ends up in logs.
var kekErrPattern = regexp.MustCompile(`^keys: key-encryption key (is empty|decodes to \d+ bytes|is not base64); want ` + regexp.QuoteMeta(kekForm) + `$`)

// FuzzParseKEK: a KEK from configuration or the environment is either
// exactly 32 bytes that re-encode to the same key, or an error that names
// the expected form without echoing the value.
func FuzzParseKEK(f *testing.F) {
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0x3e}, 11)[:KEKSize]
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw) + "\n",
		base64.RawStdEncoding.EncodeToString(raw),
		" \t" + base64.RawURLEncoding.EncodeToString(raw) + "\r\n",
		base64.StdEncoding.EncodeToString(raw[:31]),
		"", "====", "not base64 at all!", "+/-_",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kek, err := ParseKEK(s)
		if err != nil {
			if kek != nil {
				t.Fatalf("ParseKEK(%q) returned a key with error %v", s, err)
			}
			if !kekErrPattern.MatchString(err.Error()) {
				t.Fatalf("ParseKEK error %q is not one of the known forms (does it echo the value?)", err)
			}
			return
		}
		if len(kek) != KEKSize {
			t.Fatalf("ParseKEK(%q) accepted %d bytes", s, len(kek))
		}
		back, err := ParseKEK(base64.StdEncoding.EncodeToString(kek))
		if err != nil || !bytes.Equal(back, kek) {
			t.Fatalf("ParseKEK(%q) = %x, which does not round-trip: %x, %v", s, kek, back, err)
		}
		if !strings.ContainsAny(strings.TrimSpace(s), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") {
			t.Fatalf("ParseKEK(%q) accepted a value with no base64 digits", s)
		}
	})
}

// FuzzOpen: whatever blob the database hands back, Open either returns
// ErrOpen or the plaintext it was sealed with; a sealed blob with any byte
// changed, or under other additional data, never opens.
func FuzzOpen(f *testing.F) {
	kek := bytes.Repeat([]byte{7}, KEKSize)
	f.Add([]byte("secret"), []byte("aad"), []byte{}, uint16(0), byte(1))
	f.Add([]byte{}, []byte{}, []byte{sealV1}, uint16(13), byte(0x80))
	f.Add([]byte("k"), []byte("tenant|kid"), bytes.Repeat([]byte{sealV1}, 40), uint16(40), byte(0xff))
	f.Fuzz(func(t *testing.T, plain, aad, blob []byte, pos uint16, flip byte) {
		if pt, err := Open(kek, blob, aad); err == nil {
			t.Fatalf("Open accepted a blob that was never sealed: %x -> %x", blob, pt)
		} else if !errors.Is(err, ErrOpen) {
			t.Fatalf("Open(%x) = %v, want ErrOpen", blob, err)
		}
		sealed, err := Seal(kek, plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := Open(kek, sealed, aad)
		if err != nil || !bytes.Equal(pt, plain) {
			t.Fatalf("Open(Seal(%x)) = %x, %v", plain, pt, err)
		}
		if _, err := Open(kek, sealed, append(bytes.Clone(aad), 0)); !errors.Is(err, ErrOpen) {
			t.Fatalf("sealed value opened under other additional data: %v", err)
		}
		if flip == 0 {
			flip = 1
		}
		tampered := bytes.Clone(sealed)
		tampered[int(pos)%len(tampered)] ^= flip
		if _, err := Open(kek, tampered, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("tampered value opened (byte %d ^ %#x): %v", int(pos)%len(tampered), flip, err)
		}
	})
}
