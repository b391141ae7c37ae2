package api

import (
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
