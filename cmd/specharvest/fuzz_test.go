package main

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fuzzSecret is what every ${VAR} of a fuzzed config expands to, so that
// the error messages can be searched for it.
const fuzzSecret = "fuzz-secret-Zq8Xv2Lk"

// identifierKey matches the config keys whose values are identifiers.
var identifierKey = regexp.MustCompile(`(^|\.)(name|type|fail_on)$|\.on\[\d+\]$`)

// FuzzParseConfig feeds parseConfig arbitrary files. Whatever the input,
// it must answer within a time bound, either with a config that the rest of
// the program accepts or with a *ConfigError that names the file (and a line
// inside it) and does not quote the value of an environment variable.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"store: ./api-catalog\nsources:\n  - name: prod\n    type: xano\n    master: https://app.xano.com\n    api_key: ${XANO_DEVELOPER_API_KEY}\n    include: [\"*\"]\n    exclude: []\ncrawl: {concurrency: 16, per_host: 4, rate: 10/20s, timeout: 30s, retries: 5, max_spec_bytes: 64MiB, deadline: 30m}\ndiff: {fail_on: none}\nretention: {keep_last: 30}\n",
		"sources:\n  - name: meta\n    type: xano-meta\n    instance: https://x1.n7.xano.io\n    token: ${XANO_META_TOKEN}\n",
		"sources:\n  - name: partners\n    type: url\n    urls: [https://example.com/openapi.json]\n  - name: local\n    type: files\n    paths: [\"specs/**/*.yaml\"]\n",
		"sources:\n  - name: a\n    type: url\n    urls: [http://x]\ncrawl:\n  concurrency: lots\n",
		"sources:\n  - name: a\n    type: url\n    urls: [http://x]\n    colour: red\n",
		"sources:\n  - name: a\n    type: xano\n    master: http://m\n    api_key: ${NOPE}\n",
		"sources:\n  - name: a\n    type: url\n    urls: [http://x]\ncrawl:\n  timeout: ${KEY}\n",
		"a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nsources: &s [*b, *b, *b, *b, *b, *b, *b, *b]\n",
		"sources:\n  - &src {name: a, type: url, urls: [http://x]}\n  - *src\n",
		"notify:\n  - url: ${HOOK}\n    on: [breaking]\n    headers: {Authorization: \"Bearer ${TOKEN}\"}\nsources: [{name: a, type: files, paths: [x]}]\n",
		"store: \"\\xff\"\nsources: [{name: \"../..\", type: files, paths: [\"/etc/*\"]}]\n",
		"\t\x00",
		"",
	} {
		f.Add([]byte(seed))
	}
	getenv := func(name string) (string, bool) {
		if strings.HasPrefix(name, "NOPE") {
			return "", false
		}
		return fuzzSecret, true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type outcome struct {
			cfg *Config
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			cfg, err := parseConfig("fuzz.yaml", data, getenv)
			done <- outcome{cfg, err}
		}()
		var got outcome
		select {
		case got = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("parseConfig(%q) did not return within 20s", data)
		}
		if got.err == nil {
			if got.cfg == nil {
				t.Fatalf("parseConfig(%q): no config and no error", data)
			}
			// A config that passes its checks must not fail later for
			// a reason the checks could have named with file and line.
			for _, s := range got.cfg.HarvestSources() {
				if err := s.Validate(); err != nil {
					t.Fatalf("parseConfig(%q) accepted a source the crawler refuses: %v", data, err)
				}
			}
			return
		}
		var ce *ConfigError
		if !errors.As(got.err, &ce) {
			t.Fatalf("parseConfig(%q): %T %v, want a *ConfigError", data, got.err, got.err)
		}
		msg := got.err.Error()
		if !strings.HasPrefix(msg, "fuzz.yaml") {
			t.Fatalf("parseConfig(%q): %q does not name the file", data, msg)
		}
		if lines := yamlLines(data); ce.Line < 0 || ce.Line > lines {
			t.Fatalf("parseConfig(%q): line %d of a %d-line file", data, ce.Line, lines)
		}
		// Identifiers (a source's name and type, fail_on, a webhook's on)
		// are quoted so that the typo can be found; they hold no secret.
		if strings.Contains(msg, fuzzSecret) && !bytes.Contains(data, []byte(fuzzSecret)) && !identifierKey.MatchString(ce.Key) {
			t.Fatalf("parseConfig(%q): the error quotes an environment variable's value: %s", data, msg)
		}
	})
}

// yamlLines counts lines as YAML does: \n, \r\n and a lone \r end one, and
// so do the Unicode line breaks YAML 1.1 knows.
func yamlLines(data []byte) int {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(text, "\n") + strings.Count(text, "\r") +
		strings.Count(text, "\u0085") + strings.Count(text, "\u2028") + strings.Count(text, "\u2029")
}
