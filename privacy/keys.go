package privacy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// keySize is AES-256's key length.
const keySize = 32

// Key is one AES-256 key and the ID payloads name it by.
type Key struct {
	ID     string
	Secret []byte
}

// Keys is a key ring: the first key encrypts, every key decrypts, so a key
// is rotated by putting a new one first and keeping the old ones until no
// open callback's history needs them.
type Keys []Key

// ParseKeys reads a key ring written as `id:base64-key` entries separated
// by commas or newlines; blank lines and lines starting with # are skipped.
func ParseKeys(s string) (Keys, error) {
	var ks Keys
	seen := map[string]bool{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, ok := strings.Cut(line, ":")
		id = strings.TrimSpace(id)
		if !ok || id == "" {
			return nil, fmt.Errorf("key entry %q: want id:base64-key", redact(line))
		}
		secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("key %q: not base64: %w", id, err)
		}
		if len(secret) != keySize {
			return nil, fmt.Errorf("key %q: %d bytes, AES-256 needs %d", id, len(secret), keySize)
		}
		if seen[id] {
			return nil, fmt.Errorf("key %q: listed twice", id)
		}
		seen[id] = true
		ks = append(ks, Key{ID: id, Secret: secret})
	}
	if len(ks) == 0 {
		return nil, errors.New("no key")
	}
	return ks, nil
}

// String writes the ring as ParseKeys reads it, one key per line.
func (ks Keys) String() string {
	var b strings.Builder
	for _, k := range ks {
		b.WriteString(k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret) + "\n")
	}
	return b.String()
}

// redact keeps an entry's ID and hides its secret in error messages.
func redact(entry string) string {
	if id, _, ok := strings.Cut(entry, ":"); ok {
		return id + ":…"
	}
	if len(entry) > 4 {
		return entry[:4] + "…"
	}
	return entry
}
