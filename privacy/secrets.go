package privacy

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

// Secrets are the key material of a process: the payload key ring and the
// number-hash key. The API and the worker must hold the same.
type Secrets struct {
	Payload    Keys
	NumberHash []byte
	// Source says where they came from, for the start log (never a key).
	Source string
}

// Sources are where secrets may come from: each value inline, or a file
// holding it (for secret mounts). Set at most one of each pair.
type Sources struct {
	PayloadKeys, PayloadKeysFile     string // GMS_PAYLOAD_KEYS, GMS_PAYLOAD_KEYS_FILE
	NumberHashKey, NumberHashKeyFile string // GMS_NUMBER_HASH_KEY, GMS_NUMBER_HASH_KEY_FILE
}

// configured tells whether any secret is set.
func (s Sources) configured() bool {
	return s.PayloadKeys != "" || s.PayloadKeysFile != "" || s.NumberHashKey != "" || s.NumberHashKeyFile != ""
}

// ErrNoSecrets is returned when no secret is configured and no
// development key ring may be used.
var ErrNoSecrets = errors.New("no payload keys configured: set GMS_PAYLOAD_KEYS or GMS_PAYLOAD_KEYS_FILE, and GMS_NUMBER_HASH_KEY or GMS_NUMBER_HASH_KEY_FILE (bin/api keygen DIR writes new ones)")

// Load reads the configured secrets. With none configured it uses the
// development secrets under devDir (created on first use) when devDir is
// not empty, and fails with ErrNoSecrets otherwise.
func Load(src Sources, devDir string) (*Secrets, error) {
	if !src.configured() {
		if devDir == "" {
			return nil, ErrNoSecrets
		}
		return DevSecrets(devDir)
	}
	payload, err := value("GMS_PAYLOAD_KEYS", src.PayloadKeys, src.PayloadKeysFile)
	if err != nil {
		return nil, err
	}
	hashKey, err := value("GMS_NUMBER_HASH_KEY", src.NumberHashKey, src.NumberHashKeyFile)
	if err != nil {
		return nil, err
	}
	return parse(payload, hashKey, "environment")
}

// value is a secret given inline (variable name) or in a file (name_FILE).
func value(name, inline, file string) (string, error) {
	switch {
	case inline != "" && file != "":
		return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
	case inline != "":
		return inline, nil
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return string(data), nil
	}
	return "", fmt.Errorf("%s (or %s_FILE) is not set", name, name)
}

func parse(payload, hashKey, source string) (*Secrets, error) {
	ks, err := ParseKeys(payload)
	if err != nil {
		return nil, fmt.Errorf("payload keys: %w", err)
	}
	h, err := base64.StdEncoding.DecodeString(strings.TrimSpace(hashKey))
	if err != nil {
		return nil, fmt.Errorf("number hash key: not base64: %w", err)
	}
	if len(h) < minHashKey {
		return nil, fmt.Errorf("number hash key: %d bytes, at least %d needed", len(h), minHashKey)
	}
	return &Secrets{Payload: ks, NumberHash: h, Source: source}, nil
}

// Codec is the payload codec of the secrets.
func (s *Secrets) Codec() (*Codec, error) { return NewCodec(s.Payload) }

// Hasher is the number hasher of the secrets.
func (s *Secrets) Hasher() *NumberHasher {
	h, err := NewNumberHasher(s.NumberHash)
	if err != nil {
		panic(err) // parse checked the length
	}
	return h
}

// File names of a secrets directory (DevSecrets, WriteNew).
const (
	PayloadKeysFile   = "payload-keys"
	NumberHashKeyFile = "number-hash-key"
)

// DevSecrets are the secrets kept in dir, created there with new random
// keys by the first process that needs them (the API and the worker of
// one machine share them).
func DevSecrets(dir string) (*Secrets, error) {
	if err := WriteNew(dir); err != nil {
		return nil, err
	}
	sec, err := Load(DirSources(dir), "")
	if err != nil {
		return nil, err
	}
	sec.Source = "development keys in " + dir
	return sec, nil
}

// DirSources are the files of a secrets directory (WriteNew's).
func DirSources(dir string) Sources {
	return Sources{PayloadKeysFile: filepath.Join(dir, PayloadKeysFile), NumberHashKeyFile: filepath.Join(dir, NumberHashKeyFile)}
}

// WriteNew writes new random secrets into dir: a payload key ring of one
// key and a number-hash key, each file only if it is missing (never
// replaced: the histories and the index need the old ones).
func WriteNew(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	id := "k" + randomHex(4)
	if err := writeOnce(filepath.Join(dir, PayloadKeysFile), Keys{{ID: id, Secret: randomBytes(keySize)}}.String()); err != nil {
		return err
	}
	return writeOnce(filepath.Join(dir, NumberHashKeyFile), base64.StdEncoding.EncodeToString(randomBytes(minHashKey))+"\n")
}

// writeOnce creates file with content unless it exists; a racing process
// that created it first wins. The file appears whole (written aside, then
// linked into place).
func writeOnce(file, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), file); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return b
}

func randomHex(n int) string { return fmt.Sprintf("%x", randomBytes(n)) }
