package harvest

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://app.xano.com/api:developer/token/auth?token=DBWJQ2abc", "https://app.xano.com/api:developer/token/auth?token=REDACTED"},
		{"https://x.n7.xano.io/apispec:Wk_siXX?type=json&token=s3cret", "https://x.n7.xano.io/apispec:Wk_siXX?type=json&token=REDACTED"},
		{"https://x.io/a?Token=abc&api_key=k&keep=1", "https://x.io/a?Token=REDACTED&api_key=REDACTED&keep=1"},
		{"https://user:pass@x.io/doc.json", "https://REDACTED@x.io/doc.json"},
		{"https://x.io/doc.json", "https://x.io/doc.json"},
		{"https://x.io/doc.json?type=json&token=", "https://x.io/doc.json?type=json&token=REDACTED"},
	}
	for _, c := range cases {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// A URL that does not parse still loses its secret.
	bad := "http://x.io/%zz?token=topsecret&a=1"
	if got := RedactURL(bad); strings.Contains(got, "topsecret") {
		t.Errorf("RedactURL(%q) = %q still holds the token", bad, got)
	}
}
