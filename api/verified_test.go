package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifiedCredentialsAreRememberedExactly(t *testing.T) {
	var v verified
	now := time.Now()
	require.False(t, v.known("admin", "$2a$hash", "secret", now))
	v.remember("admin", "$2a$hash", "secret", now)
	require.True(t, v.known("admin", "$2a$hash", "secret", now.Add(verifiedFor-time.Second)))
	require.False(t, v.known("admin", "$2a$hash", "secret", now.Add(verifiedFor)), "expired")
	require.False(t, v.known("admin", "$2a$hash", "Secret", now), "another password")
	require.False(t, v.known("admin", "$2a$other", "secret", now), "the configured hash changed")
	require.False(t, v.known("root", "$2a$hash", "secret", now), "another user")
	require.False(t, v.known("admin", "$2a$has", "hsecret", now), "fields cannot run into each other")

	for i := range maxVerified + 10 {
		v.remember("admin", "$2a$hash", string(rune('a'+i%26))+time.Duration(i).String(), now)
	}
	require.LessOrEqual(t, len(v.until), maxVerified, "bounded")
}

// Admin credentials are remembered, and expire, by the server's clock.
func TestAdminCredentialsAreRememberedByTheServersClock(t *testing.T) {
	for _, offset := range []time.Duration{-24 * time.Hour, 24 * time.Hour} {
		s, _ := fuzzServer(false)
		now := time.Now().Add(offset).UTC()
		s.Now = func() time.Time { return now }
		hash := s.Config().AdminUsers["admin"]
		as := func(pass string) (bool, bool) {
			r := httptest.NewRequest(http.MethodGet, "/genesys/1/admin/callback/queues", nil)
			r.SetBasicAuth("admin", pass)
			_, ok, e := s.adminUser(r)
			return ok, e == nil
		}

		ok, _ := as(fuzzAdminPassword)
		require.True(t, ok)
		require.True(t, s.verified.known("admin", hash, fuzzAdminPassword, now.Add(verifiedFor-time.Second)), "remembered at the server's now (%v)", offset)
		require.False(t, s.verified.known("admin", hash, fuzzAdminPassword, now.Add(verifiedFor)), "until the server's now + %v (%v)", verifiedFor, offset)

		// What is remembered is trusted without bcrypt, so a remembered
		// (planted) password shows which clock the check reads.
		s.verified.remember("admin", hash, "planted", now)
		now = now.Add(verifiedFor - time.Second)
		ok, _ = as("planted")
		require.True(t, ok, "still remembered by the server's clock (%v)", offset)
		now = now.Add(time.Second)
		ok, noErr := as("planted")
		require.False(t, ok || noErr, "expired by the server's clock (%v)", offset)
	}
}
