package harvest

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces every secret this package removes from what it shows.
const redacted = "REDACTED"

// secretParams are query parameter names whose values are credentials.
// Xano puts the developer token of a tokenUrl and the swagger token of a
// protected document in "token"; the others cover common signed URLs.
var secretParams = map[string]bool{
	"token": true, "access_token": true, "auth_token": true, "authtoken": true,
	"api_key": true, "apikey": true, "key": true, "secret": true, "password": true,
	"signature": true, "sig": true, "x-amz-signature": true, "x-amz-credential": true,
	"x-amz-security-token": true, "client_secret": true, "code": true,
}

// secretParamPattern catches name=value pairs in text that is not a
// parseable URL, so a malformed URL still loses its secrets.
var secretParamPattern = regexp.MustCompile(`(?i)((?:^|[?&;\s"'])(?:token|access_token|auth_token|authtoken|api_key|apikey|key|secret|password|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|client_secret|code)=)[^&;\s"'#]*`)

// userinfoPattern catches user:password@ in text that is not a parseable URL.
var userinfoPattern = regexp.MustCompile(`(//)[^/@\s]*@`)

// RedactURL returns raw with every secret removed: the values of secret
// query parameters (token=, api_key=, …) and any user name and password.
// The result is what this package logs, reports and stores as a URL; it is
// still recognisable (host, path and other parameters are kept) but carries
// nothing that grants access.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return redactText(raw)
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	if u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
	}
	if u.Fragment != "" {
		u.Fragment = redactText(u.Fragment)
		u.RawFragment = ""
	}
	return u.String()
}

// redactQuery keeps the order and spelling of the parameters, so a
// redacted URL still reads like the original.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		plain, err := url.QueryUnescape(name)
		if err != nil {
			plain = name
		}
		if hasValue && secretParams[strings.ToLower(plain)] {
			parts[i] = name + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// RedactText removes secret-looking parameters and credentials from free
// text: error messages and log lines that may quote a URL this package did
// not build.
func RedactText(s string) string { return redactText(s) }

func redactText(s string) string {
	s = secretParamPattern.ReplaceAllString(s, "${1}"+redacted)
	return userinfoPattern.ReplaceAllString(s, "${1}"+redacted+"@")
}
