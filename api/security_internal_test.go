package api

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAdminAuthRejectsBadCredentials complements TestAdminAuthentication
// (missing, wrong, unknown user, non-base64, non-Basic on four routes, on
// the whole stack): every admin route, the bulk cancel included, refuses
// each malformed or wrong credential with the 401 envelope and a Basic
// challenge before it reads anything, and lets the right ones through.
func TestAdminAuthRejectsBadCredentials(t *testing.T) {
	s, _ := fuzzServer(false)
	h := s.Handler()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	bad := map[string]string{
		"missing":                  "",
		"scheme only":              "Basic",
		"scheme and blank":         "Basic ",
		"not base64":               "Basic !!!not-base64",
		"no colon":                 "Basic " + b64("admin"),
		"empty user and password":  "Basic " + b64(":"),
		"empty password":           "Basic " + b64("admin:"),
		"wrong password":           "Basic " + b64("admin:nope"),
		"password prefix":          "Basic " + b64("admin:"+fuzzAdminPassword[:len(fuzzAdminPassword)-1]),
		"password plus a byte":     "Basic " + b64("admin:"+fuzzAdminPassword+"x"),
		"password over 72 bytes":   "Basic " + b64("admin:"+fuzzAdminPassword+strings.Repeat("x", 80)),
		"user in another case":     "Basic " + b64("Admin:"+fuzzAdminPassword),
		"user with a blank":        "Basic " + b64("admin :"+fuzzAdminPassword),
		"unknown user":             "Basic " + b64("root:"+fuzzAdminPassword),
		"user is the password":     "Basic " + b64(fuzzAdminPassword+":"+fuzzAdminPassword),
		"bearer":                   "Bearer " + b64("admin:"+fuzzAdminPassword),
		"digest":                   `Digest username="admin", realm="GMS"`,
		"credentials in the query": "",
	}
	good := "Basic " + b64("admin:"+fuzzAdminPassword)
	var routes []Route
	for _, rt := range s.Routes() {
		if strings.HasPrefix(rt.Path, "/genesys/1/admin/") {
			routes = append(routes, rt)
		}
	}
	if len(routes) < 5 {
		t.Fatalf("only %d admin routes", len(routes))
	}
	for _, rt := range routes {
		for name, auth := range bad {
			target := rt.Path
			if name == "credentials in the query" {
				target += "?user=admin&password=" + fuzzAdminPassword
			}
			r := httptest.NewRequest(rt.Method, target, strings.NewReader(`{"ids":["x"],"callback_reason":"CANCELLED","_id":"x"}`))
			r.Header.Set("Content-Type", "application/json")
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s, %s: status %d, want 401 (%s)", rt.Method, rt.Path, name, rec.Code, rec.Body.Bytes())
				continue
			}
			m := checkEnvelope(t, rt.Method+" "+rt.Path+" "+name, rec)
			if m["code"].(float64) != 40100 || rec.Header().Get("WWW-Authenticate") != `Basic realm="GMS"` {
				t.Errorf("%s %s, %s: %v, challenge %q", rt.Method, rt.Path, name, m, rec.Header().Get("WWW-Authenticate"))
			}
			if strings.Contains(rec.Body.String(), fuzzAdminPassword) {
				t.Errorf("%s %s, %s: the answer repeats the password", rt.Method, rt.Path, name)
			}
		}
		// The right credentials pass (the read model is down: 503 or a 4xx about the body).
		r := httptest.NewRequest(rt.Method, rt.Path, strings.NewReader(`{"ids":["x"],"callback_reason":"CANCELLED","_id":"x"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", good)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusUnauthorized {
			t.Errorf("%s %s: the right credentials are refused", rt.Method, rt.Path)
		}
	}
}
