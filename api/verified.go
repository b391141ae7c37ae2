package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// Checking an admin password with bcrypt costs tens of milliseconds of CPU
// by design; an operator page polling every few seconds would pay it on
// every request. Credentials bcrypt accepted are remembered for
// verifiedFor, keyed by an HMAC (per-process random key) of user, bcrypt
// hash and password: a changed password or configuration misses, and the
// memory never holds a password or a fast hash an attacker could invert.
// Wrong credentials are never remembered: each one costs a bcrypt check.
const (
	verifiedFor = 5 * time.Minute
	maxVerified = 1024
)

// verified is the cache of accepted credentials (zero value ready).
type verified struct {
	once  sync.Once
	key   []byte
	mu    sync.Mutex
	until map[[sha256.Size]byte]time.Time
}

func (v *verified) digest(user, hash, pass string) [sha256.Size]byte {
	v.once.Do(func() {
		v.key = make([]byte, 32)
		_, _ = rand.Read(v.key) // never fails (crypto/rand)
		v.until = map[[sha256.Size]byte]time.Time{}
	})
	m := hmac.New(sha256.New, v.key)
	for _, s := range []string{user, hash, pass} {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	var d [sha256.Size]byte
	copy(d[:], m.Sum(nil))
	return d
}

// known tells whether these credentials were accepted within verifiedFor.
func (v *verified) known(user, hash, pass string, now time.Time) bool {
	d := v.digest(user, hash, pass)
	v.mu.Lock()
	defer v.mu.Unlock()
	return now.Before(v.until[d])
}

// remember records accepted credentials.
func (v *verified) remember(user, hash, pass string, now time.Time) {
	d := v.digest(user, hash, pass)
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.until) >= maxVerified {
		for k, t := range v.until {
			if !now.Before(t) {
				delete(v.until, k)
			}
		}
		if len(v.until) >= maxVerified {
			clear(v.until)
		}
	}
	v.until[d] = now.Add(verifiedFor)
}
