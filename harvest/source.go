package harvest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Validate checks that a source has what its type needs, before anything
// is fetched. The message names the source and never quotes a secret.
func (s Source) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("source %q: %s", s.Name, fmt.Sprintf(format, a...))
	}
	if s.Name == "" {
		return errors.New("source without a name")
	}
	if strings.Contains(s.Name, "/") {
		return bad("the name must not contain /")
	}
	switch s.Type {
	case SourceXano:
		if s.Master == "" || s.APIKey == "" {
			return bad("type xano needs master and api_key")
		}
		if !isFetchableURL(s.Master) {
			return bad("master %q is not an http(s) URL with a host", RedactURL(s.Master))
		}
	case SourceXanoMeta:
		if (s.Master == "") == (s.Instance == "") {
			return bad("type xano-meta needs exactly one of master and instance")
		}
		if s.Token == "" {
			return bad("type xano-meta needs token")
		}
		for _, f := range []struct{ key, v string }{{"master", s.Master}, {"instance", s.Instance}} {
			if f.v != "" && !isFetchableURL(f.v) {
				return bad("%s %q is not an http(s) URL with a host", f.key, RedactURL(f.v))
			}
		}
	case SourceURL:
		if len(s.URLs) == 0 {
			return bad("type url needs urls")
		}
		for _, u := range s.URLs {
			if !isFetchableURL(u) {
				return bad("%q is not an http(s) URL with a host", RedactURL(u))
			}
		}
	case SourceFiles:
		if len(s.Paths) == 0 {
			return bad("type files needs paths")
		}
	default:
		return bad("unknown type %q (xano, xano-meta, url or files)", s.Type)
	}
	if _, err := newFilter(s.Include, s.Exclude); err != nil {
		return bad("%v", err)
	}
	return nil
}

// isFetchableURL: http or https, with a host. "app.xano.com" (no scheme)
// parses as a path and "ftp://…" is another protocol; both would only fail
// at run time, after retries, with the store already touched.
func isFetchableURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}
