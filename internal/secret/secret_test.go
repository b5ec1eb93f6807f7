package secret

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
)

func TestIsName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true},
		{"authorization", true},
		{"Proxy-Authorization", true},
		{"X-Upstream-Authorization", true},
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-Api-Key", true},
		{"x_api_key", true},
		{"key", true},
		{"X-Auth-Token", true},
		{"access_token", true},
		{"My-SECRET", true},
		{"password", true},
		{"passwd", true},
		{"db_pwd", true},
		{"X-Session-Id", true},
		{"client_credentials", true},
		{"X-Amz-Signature", true},
		{"sig", true},
		{"SIG", true},
		{"X-JWT", true},
		{"auth", true},
		{"Authorization ", true}, // not canonical: still a secret
		{"Accept", false},
		{"Content-Type", false},
		{"page", false},
		{"X-Trace-Id", false},
		{"signal", false},
		{"design", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsName(tt.name), "IsName(%q)", tt.name)
	}
}

func TestHeaderAndValues(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer t0k3n"}, "Accept": {"*/*"}, "X-Api-Key": {"a", "b"}}
	got := Header(h)
	want := http.Header{"Authorization": {Mask}, "Accept": {"*/*"}, "X-Api-Key": {Mask, Mask}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Header (-want +got):\n%s", diff)
	}
	assert.Equal(t, "Bearer t0k3n", h.Get("Authorization"), "Header modified its argument")
	got.Set("Accept", "changed")
	assert.Equal(t, "*/*", h.Get("Accept"), "Header shares its slices with its argument")

	q := url.Values{"key": {"AIzaSECRET"}, "auth": {"zzz"}, "page": {"2"}}
	wantQ := url.Values{"key": {Mask}, "auth": {Mask}, "page": {"2"}}
	if diff := cmp.Diff(wantQ, Values(q)); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	assert.Nil(t, Header(nil))
	assert.Nil(t, Values(url.Values{}))
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"none", "page=2&sort=asc", "page=2&sort=asc"},
		{"token", "page=2&access_token=s3cr3t", "page=2&access_token=xxxxx"},
		{"key and auth", "key=AIzaSECRET&auth=zzz&q=go", "key=xxxxx&auth=xxxxx&q=go"},
		{"bad escape in the value", "access_token=s3cr3t%zz&b=1", "access_token=xxxxx&b=1"},
		{"';' separates names", "a=1;api_key=s3cr3t", "a=1;api_key=xxxxx"},
		{"';' inside a secret value is hidden to the next '&'", "token=s3c;r3t&b=1", "token=xxxxx&b=1"},
		{"name that cannot be unescaped", "to%zzken=s3cr3t", "to%zzken=xxxxx"},
		{"escaped name", "access%5Ftoken=s3cr3t", "access%5Ftoken=xxxxx"},
		{"repeated", "token=a&token=b", "token=xxxxx&token=xxxxx"},
		{"no value", "token&x=1", "token&x=1"},
		{"empty value", "token=&x=1", "token=&x=1"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Query(tt.in))
		})
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"user and password", "redis://u:secret@h:6379/0", "redis://u:xxxxx@h:6379/0"},
		{"password alone", "redis://:secret@h", "redis://:xxxxx@h"},
		{"empty password", "redis://u:@h", "redis://u:xxxxx@h"},
		{"user alone is a token", "https://ghp_secret@h/p", "https://xxxxx@h/p"},
		{"@ in the path is no userinfo", "http://h/p/a@b?q=1", "http://h/p/a@b?q=1"},
		{"@ in a plain query value is no userinfo", "http://h/p?email=a@b", "http://h/p?email=a@b"},
		{"no user", "redis://h:6379/0", "redis://h:6379/0"},
		{"rediss", "rediss://u:secret@h/1", "rediss://u:xxxxx@h/1"},
		{"@ in password", "redis://u:se@cr@t@h/0", "redis://u:xxxxx@h/0"},
		{": in password", "redis://u:se:cret@h/0", "redis://u:xxxxx@h/0"},
		{"/ in password", "redis://u:sec/ret@h/0", "redis://u:xxxxx@h/0"},
		{"escaped password", "redis://u:se%40cret@h/0", "redis://u:xxxxx@h/0"},
		{"bad escape", "redis://u:se%zzcret@h/0", "redis://u:xxxxx@h/0"},
		{"no scheme", "u:secret@h:6379", "u:xxxxx@h:6379"},
		{"file", "file:///tmp/runs", "file:///tmp/runs"},
		{"none", "none", "none"},
		{"empty", "", ""},
		{"password in the query", "redis://h/0?password=secret&dial_timeout=1s", "redis://h/0?password=xxxxx&dial_timeout=1s"},
		{"token after ';'", "redis://h/0?a=1;auth_token=secret#frag", "redis://h/0?a=1;auth_token=xxxxx#frag"},
		{"token in the fragment", "https://h/cb#access_token=secret&state=1", "https://h/cb#access_token=xxxxx&state=1"},
		{"empty password and a secret query", "redis://u:@h/0?X-Token=secret", "redis://u:xxxxx@h/0?X-Token=xxxxx"},
		{"@ in a query secret", "redis://u:secret@h/0?pass=cr@t", "redis://u:xxxxx"},
		{"unescapable parameter name", "redis://h/0?k%zz=secret", "redis://h/0?k%zz=xxxxx"},
		{"the issue's URL", "http://127.0.0.1:8000/?access_token=t&key=AIzaSECRET", "http://127.0.0.1:8000/?access_token=xxxxx&key=xxxxx"},
		{"path and query", "/search?q=go&api_key=secret", "/search?q=go&api_key=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URL(tt.in)
			assert.Equal(t, tt.want, got)
			for _, s := range []string{"secret", "cret", "se@cr", "AIza"} {
				assert.NotContains(t, got, s)
			}
		})
	}
}

func TestPassword(t *testing.T) {
	assert.Equal(t, "p%zzw", Password("redis://u:p%zzw@h/0"))
	assert.Empty(t, Password("redis://u@h/0"))
	assert.Empty(t, Password("redis://h/0"))
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"net/http error", `Get "http://h/p?x=1;session_token=m-s3cr3t": EOF`, `Get "http://h/p?x=1;session_token=xxxxx": EOF`},
		{"quoted with an escaped quote", `Get "http://h/p?token=a\"s3cr3t&b=1": EOF`, `Get "http://h/p?token=xxxxx&b=1": EOF`},
		{"unquoted URL with userinfo", "dial http://u:s3cr3t@h:80/: refused", "dial http://u:xxxxx@h:80/: refused"},
		{"bare path and query", "panic: GET /p?api_key=s3cr3t failed", "panic: GET /p?api_key=xxxxx failed"},
		{"nothing to hide", "status 503 Service Unavailable", "status 503 Service Unavailable"},
		{"a space inside a query", "dial http://h/0? &x_credential=s3cr3t failed", "dial http://h/0? &x_credential=xxxxx failed"},
		{"a quoted secret pair", `login failed: password="s3cr3t" user=bob`, `login failed: password=xxxxx" user=bob`},
		{"a secret pair anywhere", "login failed: password=s3cr3t user=bob", "login failed: password=xxxxx user=bob"},
		{"an e-mail address is no URL", "user alice@example.com not found", "user alice@example.com not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "s3cr3t")
		})
	}
}

func TestKnownAndScrub(t *testing.T) {
	u, err := url.Parse("http://alice:pa55-word@127.0.0.1:8000/")
	if !assert.NoError(t, err) {
		return
	}
	known := Known(
		http.Header{"Authorization": {"Bearer eyJ.s3cr3t"}, "X-Session": {"sess-9"}, "Accept": {"application/json"}},
		url.Values{"api_key": {"k/e y"}, "page": {"2"}, "token": {"ab"}},
		u,
	)
	assert.ElementsMatch(t, []string{
		"Bearer eyJ.s3cr3t", "eyJ.s3cr3t", "sess-9", "k/e y", "k%2Fe+y", "pa55-word",
		"YWxpY2U6cGE1NS13b3Jk", // base64("alice:pa55-word"), the Basic credential
	}, known, "ab is too short to look for; Accept and page are no secrets")

	body := `{"error":"bad token eyJ.s3cr3t for alice:pa55-word (Basic YWxpY2U6cGE1NS13b3Jk), key k%2Fe+y","page":2,"accept":"application/json"}`
	got := Scrub(body, known)
	for _, s := range known {
		assert.NotContains(t, got, s)
	}
	assert.Contains(t, got, `"page":2,"accept":"application/json"`)
	assert.Equal(t, "no secrets here", Scrub("no secrets here", known))

	// A lone user name is the secret then.
	lone, err := url.Parse("https://ghp_t0k3n@h/")
	if assert.NoError(t, err) {
		assert.Contains(t, Known(nil, nil, lone), "ghp_t0k3n")
	}
}
