package notify

import (
	"errors"
	"testing"
)

func TestAllowed(t *testing.T) {
	const pattern = `https://hooks\.example\.com/.*`
	for _, tc := range []struct {
		pattern, url string
		ok           bool
	}{
		{pattern, "https://hooks.example.com/cb/1", true},
		{pattern, "https://hooks.example.com.evil.net/cb", false}, // matched as a whole
		{pattern, "http://hooks.example.com/cb", false},
		{pattern, "https://user:pw@hooks.example.com/cb", false},
		{pattern, "/relative", false},
		{pattern, "ftp://hooks.example.com/x", false},
		{"", "https://hooks.example.com/cb", false}, // no pattern: none allowed
		{`https?://127\.0\.0\.1:[0-9]+/.*`, "http://127.0.0.1:8080/hook", true},
	} {
		err := Allowed(tc.pattern, tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("Allowed(%q, %q) = %v, want ok=%v", tc.pattern, tc.url, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Allowed(%q, %q) = %v, not ErrNotAllowed", tc.pattern, tc.url, err)
		}
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"_id":"x"}`)
	sig := Sign("k1", body)
	// HMAC-SHA256("k1", body), computed independently (openssl dgst -sha256 -hmac k1).
	const want = "sha256=330e63250be727a6c8a2be32a45a38f15e22ecfeb3dedc8eb0269e9f32c0d635"
	if sig != want {
		t.Fatalf("Sign = %s, want %s", sig, want)
	}
	if !Verify("k1", body, sig) {
		t.Fatal("own signature does not verify")
	}
	if Verify("k2", body, sig) || Verify("k1", []byte(`{"_id":"y"}`), sig) || Verify("k1", body, "") {
		t.Fatal("a wrong key, body or signature verifies")
	}
}
