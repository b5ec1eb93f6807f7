package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// TokenCookie is the cookie that carries the dashboard's token once a
// browser has visited it with ?token=.
const TokenCookie = "apiload_dashboard_token"

// TokenParam is the query parameter that carries the token on a first visit.
const TokenParam = "token"

// tokenAuth checks requests for the dashboard's token.
type tokenAuth struct {
	sum    [sha256.Size]byte
	cookie string // the cookie's value: derived from the token, not the token
}

func newTokenAuth(token string) *tokenAuth {
	c := sha256.Sum256([]byte("apiload dashboard cookie\x00" + token))
	return &tokenAuth{sum: sha256.Sum256([]byte(token)), cookie: hex.EncodeToString(c[:])}
}

// matches compares in constant time. Hashing first makes the time
// independent of the length of either string too.
func (a *tokenAuth) matches(got string) bool {
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], a.sum[:]) == 1
}

// check reports whether r carries the token. The first credential found
// decides, in this order: ?token= (a first visit, or a new token after a
// restart), the Authorization header ("Bearer <token>"), the cookie. When
// the token came in the query, check sets the cookie, and a page (not the
// API) is redirected to its URL without the token, so it stays out of the
// address bar and the history. When check returns false it has answered.
func (a *tokenAuth) check(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	var got string
	var presented bool
	if q.Has(TokenParam) {
		got, presented = q.Get(TokenParam), true
	} else if v := r.Header.Get("Authorization"); v != "" {
		scheme, cred, _ := strings.Cut(v, " ")
		if strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(cred)
		}
		presented = true
	} else if c, err := r.Cookie(TokenCookie); err == nil {
		if subtle.ConstantTimeCompare([]byte(c.Value), []byte(a.cookie)) != 1 {
			a.refuse(w, r, true)
			return false
		}
		return true
	}
	if !presented || !a.matches(got) {
		a.refuse(w, r, presented)
		return false
	}
	if !q.Has(TokenParam) {
		return true
	}
	http.SetCookie(w, &http.Cookie{
		Name:     TokenCookie,
		Value:    a.cookie,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	if isAPI(r) {
		return true
	}
	q.Del(TokenParam)
	// Back to this page on this host: a path that starts with "//" would
	// read as another host ("//evil.example/"), so it keeps one slash.
	target := "/" + strings.TrimLeft(r.URL.EscapedPath(), "/")
	if rest := q.Encode(); rest != "" {
		target += "?" + rest
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return false
}

func (a *tokenAuth) refuse(w http.ResponseWriter, r *http.Request, presented bool) {
	msg := "this dashboard needs its token: open it once with ?token=<token> (a cookie keeps it), or send the header \"Authorization: Bearer <token>\""
	if presented {
		msg = "wrong token: " + msg
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="apiload dashboard"`)
	if isAPI(r) {
		writeAPIError(w, http.StatusUnauthorized, msg)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(msg + "\n"))
}
