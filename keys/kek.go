package keys

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// kekForm is how errors describe a valid KEK, so an operator can fix the
// configuration without reading code.
const kekForm = "32 random bytes encoded as base64 (standard or URL alphabet, padding optional), e.g. the output of `openssl rand -base64 32`"

// ParseKEK decodes a key-encryption key from configuration: base64 in the
// standard or URL alphabet, with or without padding, of exactly 32 bytes.
// Surrounding white space (a trailing newline from a file) is ignored.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("keys: key-encryption key is empty; want %s", kekForm)
	}
	encs := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}
	for _, enc := range encs {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KEKSize {
			return nil, fmt.Errorf("keys: key-encryption key decodes to %d bytes; want %s", len(b), kekForm)
		}
		return b, nil
	}
	return nil, fmt.Errorf("keys: key-encryption key is not base64; want %s", kekForm)
}

// LoadOrCreateDevKEK reads the KEK stored at path, creating the file (mode
// 0600, parent directories 0700) with a fresh random key when it does not
// exist. It is for development only: in production the KEK comes from
// configuration or the environment and lives apart from the database it
// protects. A file that group or others may read is refused.
func LoadOrCreateDevKEK(path string) ([]byte, error) {
	kek, err := readKEKFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kek, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keys: dev KEK dir: %w", err)
	}
	kek = make([]byte, KEKSize)
	if _, err := rand.Read(kek); err != nil {
		return nil, fmt.Errorf("keys: dev KEK: %w", err)
	}
	// O_EXCL: if another process created the file meanwhile, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKEKFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: create dev KEK %s: %w", path, err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(kek) + "\n")
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("keys: write dev KEK %s: %w", path, err)
	}
	return kek, nil
}

func readKEKFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		// fs.ErrNotExist stays visible through %w: the caller creates the file.
		return nil, fmt.Errorf("keys: dev KEK: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keys: dev KEK %s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: read dev KEK: %w", err)
	}
	kek, err := ParseKEK(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kek, nil
}
