package app

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequireAuth(t *testing.T) {
	s := newServer(options{})
	h := s.routes()
	alice := login(t, h, DemoUser)
	bob := login(t, h, "bob@example.com")
	aliceElsewhere := login(t, Router(), DemoUser)

	aliceSig := alice[strings.Index(alice, ".")+1:]
	enc := base64.RawURLEncoding.EncodeToString
	// flip changes the last character of tok, keeping it valid base64url.
	flip := func(tok string) string {
		last := tok[len(tok)-1]
		repl := "A"
		if last == 'A' {
			repl = "B"
		}
		return tok[:len(tok)-1] + repl
	}

	const unauthorized = "missing or invalid bearer token"
	tests := []struct {
		name          string
		authorization string
		wantStatus    int
		wantJSON      map[string]string
	}{
		{"demo user", "Bearer " + alice, 200, map[string]string{"email": DemoUser, "name": "Alice"}},
		{"other user", "Bearer " + bob, 200, map[string]string{"email": "bob@example.com", "name": "Bob"}},
		{"scheme is case-insensitive", "bearer " + alice, 200, map[string]string{"email": DemoUser, "name": "Alice"}},
		{"no header", "", 401, map[string]string{"error": unauthorized}},
		{"scheme only", "Bearer", 401, map[string]string{"error": unauthorized}},
		{"token without scheme", alice, 401, map[string]string{"error": unauthorized}},
		{"basic scheme", "Basic " + alice, 401, map[string]string{"error": unauthorized}},
		{"token from another Router", "Bearer " + aliceElsewhere, 401, map[string]string{"error": unauthorized}},
		{"tampered signature", "Bearer " + flip(alice), 401, map[string]string{"error": unauthorized}},
		{"other email with demo user's signature", "Bearer " + enc([]byte("bob@example.com")) + "." + aliceSig, 401, map[string]string{"error": unauthorized}},
		{"unknown email", "Bearer " + enc([]byte("mallory@example.com")) + "." + aliceSig, 401, map[string]string{"error": unauthorized}},
		{"validly signed token for unknown email", "Bearer " + s.token("mallory@example.com"), 401, map[string]string{"error": unauthorized}},
		{"not a token", "Bearer hello", 401, map[string]string{"error": unauthorized}},
		{"bad base64", "Bearer !!!.!!!", 401, map[string]string{"error": unauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, http.MethodGet, "/api/v1/users/me", "", tt.authorization)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q, want application/json", got)
			}
			got := map[string]string{}
			for k, v := range decodeBody(t, rec) {
				s, _ := v.(string)
				got[k] = s
			}
			if diff := cmp.Diff(tt.wantJSON, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogin_tokens(t *testing.T) {
	h := Router()
	alice := login(t, h, DemoUser)
	tests := []struct {
		name     string
		other    string
		wantSame bool
	}{
		{"same user, same Router", login(t, h, DemoUser), true},
		{"other user, same Router", login(t, h, "bob@example.com"), false},
		{"same user, another Router", login(t, Router(), DemoUser), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if same := tt.other == alice; same != tt.wantSame {
				t.Errorf("token %q vs demo user's %q: same = %v, want %v", tt.other, alice, same, tt.wantSame)
			}
		})
	}
}
