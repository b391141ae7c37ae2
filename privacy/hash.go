package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// minHashKey is the shortest number-hash key accepted (HMAC-SHA256's
// block-size advice: at least the output's 32 bytes).
const minHashKey = 32

// NumberHasher computes the keyed hash of a customer number that Temporal's
// CustomerNumber search attribute holds instead of the number.
type NumberHasher struct{ key []byte }

// NewNumberHasher is a hasher with the given HMAC key.
func NewNumberHasher(key []byte) (*NumberHasher, error) {
	if len(key) < minHashKey {
		return nil, errors.New("number hash key: at least 32 bytes")
	}
	return &NumberHasher{key: append([]byte(nil), key...)}, nil
}

// Hash is the hex HMAC-SHA256 of the normalised number, "" for none.
func (h *NumberHasher) Hash(number string) string {
	n := NormalNumber(number)
	if n == "" {
		return ""
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(n))
	return hex.EncodeToString(mac.Sum(nil))
}

// NormalNumber is the number as it is hashed: a phone number's digits,
// with a leading + kept, so "+1 (555) 010-1234" and "+15550101234" hash
// alike; anything else (a SIP address, an account number with letters)
// trimmed.
func NormalNumber(number string) string {
	number = strings.TrimSpace(number)
	var b strings.Builder
	for i, r := range number {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -().", r):
		default:
			return number
		}
	}
	if b.String() == "+" {
		return ""
	}
	return b.String()
}
