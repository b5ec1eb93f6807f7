package app

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequireAuth(t *testing.T) {
	s := newServer(options{})
	h := s.routes()
	alice := login(t, h, DemoUser)
	bob := login(t, h, "bob@example.com")
	aliceElsewhere := login(t, Router(), DemoUser)

	alicePayload, aliceSig, _ := strings.Cut(alice, ".")
	enc := base64.RawURLEncoding.EncodeToString
	sig, err := base64.RawURLEncoding.DecodeString(aliceSig)
	require.NoError(t, err)
	require.Len(t, sig, 32, "an HMAC-SHA256")
	tampered := bytes.Clone(sig)
	tampered[len(tampered)/2] ^= 0xff // a whole byte of the MAC changed

	// Lenient decoding ignores the unused low bits of the last character, so
	// these spellings decode to alice's own bytes: only strict decoding
	// tells them from hers.
	oddSig, oddPayload := withPaddingBits(t, aliceSig), withPaddingBits(t, alicePayload)

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
		{"tampered signature", "Bearer " + alicePayload + "." + enc(tampered), 401, map[string]string{"error": unauthorized}},
		{"signature with padding bits set", "Bearer " + alicePayload + "." + oddSig, 401, map[string]string{"error": unauthorized}},
		{"payload with padding bits set", "Bearer " + oddPayload + "." + aliceSig, 401, map[string]string{"error": unauthorized}},
		{"line break inside the signature", "Bearer " + alicePayload + "." + aliceSig[:20] + "\n" + aliceSig[20:], 401, map[string]string{"error": unauthorized}},
		{"other email with demo user's signature", "Bearer " + enc([]byte("bob@example.com")) + "." + aliceSig, 401, map[string]string{"error": unauthorized}},
		{"unknown email", "Bearer " + enc([]byte("mallory@example.com")) + "." + aliceSig, 401, map[string]string{"error": unauthorized}},
		{"validly signed token for unknown email", "Bearer " + s.token("mallory@example.com"), 401, map[string]string{"error": unauthorized}},
		{"not a token", "Bearer hello", 401, map[string]string{"error": unauthorized}},
		{"bad base64", "Bearer !!!.!!!", 401, map[string]string{"error": unauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, http.MethodGet, "/api/v1/users/me", "", tt.authorization)
			assert.Equal(t, tt.wantStatus, rec.Code, "status (body %s)", rec.Body)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
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

// withPaddingBits returns s, unpadded base64url, with the unused low bit of
// its last character set: another spelling of the same bytes that only
// lenient decoding accepts. It stops the test if s has no unused bits (its
// length is a multiple of 4) or the result does not decode, leniently, to s's bytes.
func withPaddingBits(t *testing.T, s string) string {
	t.Helper()
	require.NotZero(t, len(s)%4, "%q: every bit of its last character is used", s)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	require.GreaterOrEqual(t, last, 0, "%q: last character is not base64url", s)
	odd := s[:len(s)-1] + string(alphabet[last^1])
	lenient := base64.RawURLEncoding
	want, err := lenient.DecodeString(s)
	require.NoError(t, err)
	got, err := lenient.DecodeString(odd)
	require.NoError(t, err)
	require.Equal(t, want, got, "%q and %q must decode alike when decoding is lenient", s, odd)
	return odd
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
			assert.Equal(t, tt.wantSame, tt.other == alice, "token %q vs demo user's %q: the same?", tt.other, alice)
		})
	}
}
