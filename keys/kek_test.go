package keys

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKEK(t *testing.T) {
	raw := make([]byte, KEKSize)
	for i := range raw {
		raw[i] = byte(250 - i) // high bytes: std and URL encodings differ
	}
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; empty means success
	}{
		{"std padded", base64.StdEncoding.EncodeToString(raw), ""},
		{"std raw", base64.RawStdEncoding.EncodeToString(raw), ""},
		{"url padded", base64.URLEncoding.EncodeToString(raw), ""},
		{"url raw", base64.RawURLEncoding.EncodeToString(raw), ""},
		{"trailing newline", base64.StdEncoding.EncodeToString(raw) + "\n", ""},
		{"empty", "", "empty"},
		{"31 bytes", base64.StdEncoding.EncodeToString(raw[:31]), "decodes to 31 bytes"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 1)), "decodes to 33 bytes"},
		{"hex", strings.Repeat("ab", 32) + "!", "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKEK(tt.in)
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(got, raw) {
					t.Fatalf("ParseKEK = %x, %v; want %x", got, err, raw)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseKEK succeeded, want error containing %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || !strings.Contains(msg, "32 random bytes encoded as base64") {
				t.Fatalf("error %q should contain %q and name the expected form", msg, tt.wantErr)
			}
		})
	}
}

func TestLoadOrCreateDevKEK(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "dev-kek")
	first, err := LoadOrCreateDevKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != KEKSize {
		t.Fatalf("KEK is %d bytes", len(first))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	second, err := LoadOrCreateDevKEK(path)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("second load = %x, %v; want the first KEK", second, err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevKEK(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable KEK file: err = %v, want refusal", err)
	}

	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevKEK(bad); err == nil {
		t.Fatal("malformed KEK file accepted")
	}
}
