package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

type loginRequest struct {
	Email string `json:"email"`
}

type loginResponse struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"`
}

type meResponse struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// userKey is the request context key under which RequireAuth stores the
// authenticated email.
type userKey struct{}

// login handles POST /api/v1/auth/login.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if _, ok := s.users[req.Email]; !ok {
		writeError(w, http.StatusUnauthorized, "unknown user")
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: s.token(req.Email), TokenType: "bearer"})
}

// token returns the bearer token for email: the email and an HMAC of it under
// the server's key, so it is the same for every login against one Router and
// invalid for any other.
func (s *server) token(email string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(email)) + "." + enc.EncodeToString(s.mac(email))
}

func (s *server) mac(email string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("apiload-example-token-v1:" + email))
	return m.Sum(nil)
}

// userFromToken returns the known user a token was issued to.
func (s *server) userFromToken(token string) (email string, ok bool) {
	payload, sig, found := strings.Cut(token, ".")
	if !found {
		return "", false
	}
	rawEmail, ok := decodeCanonical(payload)
	if !ok {
		return "", false
	}
	rawSig, ok := decodeCanonical(sig)
	if !ok {
		return "", false
	}
	email = string(rawEmail)
	if !hmac.Equal(rawSig, s.mac(email)) {
		return "", false
	}
	if _, known := s.users[email]; !known {
		return "", false
	}
	return email, true
}

// decodeCanonical decodes s, unpadded base64url, only when s is exactly how
// token encodes those bytes, so each token has one spelling: strict decoding
// rejects a last character whose unused low bits are not zero (which lenient
// decoding ignores), and the round trip rejects the CR and LF that the
// decoder skips.
func decodeCanonical(s string) ([]byte, bool) {
	enc := base64.RawURLEncoding.Strict()
	b, err := enc.DecodeString(s)
	if err != nil || enc.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// RequireAuth is middleware that lets a request through to next only with an
// "Authorization: Bearer <token>" header holding a token this Router's login
// issued; otherwise it answers 401 {"error":"missing or invalid bearer token"}.
// Router applies it to the /api/v1/users subrouter. It is safe for concurrent use.
func (s *server) RequireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		email, ok := "", false
		if strings.EqualFold(scheme, "Bearer") {
			email, ok = s.userFromToken(strings.TrimSpace(token))
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="apiload-example"`)
			writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, email)))
	})
}

// me handles GET /api/v1/users/me behind RequireAuth.
func (s *server) me(w http.ResponseWriter, r *http.Request) {
	email, _ := r.Context().Value(userKey{}).(string)
	name, ok := s.users[email]
	if !ok { // only reachable if the route is mounted without RequireAuth
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	writeJSON(w, http.StatusOK, meResponse{Email: email, Name: name})
}
