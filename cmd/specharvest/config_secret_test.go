package main

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/specharvest/specharvest/harvest"
)

// configLeaf is one settable place of the config, as a YAML path.
type configLeaf struct {
	path []string // mapping keys; "0" is the first item of a list
	list bool     // the leaf is a list of scalars
	m    bool     // the leaf is a mapping of scalars
}

// configLeaves lists every scalar setting of t by reflection, so a field
// added to Config is covered without touching the test.
func configLeaves(t reflect.Type, prefix []string) []configLeaf {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []configLeaf
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		p := append(append([]string(nil), prefix...), tag)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case reflect.PointerTo(ft).Implements(unmarshalerType):
			out = append(out, configLeaf{path: p})
		case ft.Kind() == reflect.Struct:
			out = append(out, configLeaves(ft, p)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, configLeaves(ft.Elem(), append(p, "0"))...)
		case ft.Kind() == reflect.Slice:
			out = append(out, configLeaf{path: p, list: true})
		case ft.Kind() == reflect.Map:
			out = append(out, configLeaf{path: p, m: true})
		default:
			out = append(out, configLeaf{path: p})
		}
	}
	return out
}

// baseConfigs are valid configs, one per source type, that the leaves
// are set into.
func baseConfigs() []map[string]any {
	var out []map[string]any
	for _, src := range []map[string]any{
		{"name": "a", "type": "xano", "master": "https://m.example", "api_key": "k-plain"},
		{"name": "a", "type": "xano-meta", "instance": "https://i.example", "token": "t-plain"},
		{"name": "a", "type": "url", "urls": []any{"https://u.example/doc.json"}},
		{"name": "a", "type": "files", "paths": []any{"specs/*.json"}},
	} {
		out = append(out, map[string]any{"store": "./s", "sources": []any{src},
			"notify": []any{map[string]any{"url": "https://hook.example", "on": []any{"failure"}}}})
	}
	return out
}

func setLeaf(doc map[string]any, leaf configLeaf, value string) {
	var cur any = doc
	for i, k := range leaf.path {
		last := i == len(leaf.path)-1
		var v any = value
		if last && leaf.list {
			v = []any{value}
		} else if last && leaf.m {
			v = map[string]any{"X-Key": value}
		}
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = v
				return
			}
			if c[k] == nil {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			if last {
				c[0] = v
				return
			}
			cur = c[0]
		}
	}
}

// secretShapes are values a variable may hold: plain tokens, and values
// that are wrong for most fields (so the field's own check fires and its
// message would quote them), in several alphabets and cases.
func secretShapes(r *rand.Rand) []string {
	word := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	tok := word(12, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	return []string{
		tok,
		"Secret" + strings.ToUpper(tok),
		"ftp://" + tok + ".example/x",
		tok + ".example.com",
		"https://h.example/doc?token=" + tok,
		"*[" + tok,
		"a/b/c/" + tok,
		tok + " with \"quotes\"\n",
		"-" + tok + "-",
		"12" + tok + "s",
	}
}

// TestConfigErrorsNeverQuoteAVariable is the law: whatever field a ${VAR}
// is used in, and whatever it holds, a config error does not show its
// value in any form (as is, lower-cased, slugged, escaped).
func TestConfigErrorsNeverQuoteAVariable(t *testing.T) {
	leaves := configLeaves(reflect.TypeOf(Config{}), nil)
	if len(leaves) < 30 {
		t.Fatalf("only %d config leaves found", len(leaves))
	}
	r := rand.New(rand.NewPCG(12, 34))
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	tried, failed := 0, 0
	for round := 0; round < rounds; round++ {
		for _, secret := range secretShapes(r) {
			for _, base := range baseConfigs() {
				for _, leaf := range leaves {
					doc := deepCopy(base).(map[string]any)
					setLeaf(doc, leaf, "${SECRET_VALUE}")
					data, err := yaml.Marshal(doc)
					if err != nil {
						t.Fatal(err)
					}
					tried++
					_, err = parseConfig("c.yaml", data, fakeEnv(map[string]string{"SECRET_VALUE": secret}))
					if err == nil {
						continue
					}
					failed++
					msg := err.Error()
					for _, form := range []string{secret, strings.ToLower(secret), strings.TrimSpace(secret), harvest.Slug(secret),
						fmt.Sprintf("%q", secret)[1 : len(fmt.Sprintf("%q", secret))-1]} {
						if len(form) >= minScrubbed && form != "unnamed" && strings.Contains(msg, form) {
							t.Fatalf("field %s holding %q: the error quotes it (%q): %s", strings.Join(leaf.path, "."), secret, form, msg)
						}
					}
				}
			}
		}
	}
	if failed == 0 {
		t.Fatal("no value was refused: the law was never exercised")
	}
	t.Logf("%d configs over %d fields, %d refused, none quoting the variable", tried, len(leaves), failed)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// TestConfigRefusesMasterWithoutSchemeOrHost: master and instance are
// checked like url sources.
func TestConfigRefusesMasterWithoutSchemeOrHost(t *testing.T) {
	for _, c := range []struct{ typ, field, value string }{
		{"xano", "master", "app.xano.com"}, {"xano", "master", "ftp://app.xano.com"}, {"xano", "master", "https://"},
		{"xano-meta", "instance", "x1.n7.xano.io"}, {"xano-meta", "master", "file:///etc/passwd"},
	} {
		cred := "api_key: k"
		if c.typ == "xano-meta" {
			cred = "token: t"
		}
		data := fmt.Sprintf("sources:\n  - name: a\n    type: %s\n    %s: %s\n    %s\n", c.typ, c.field, c.value, cred)
		_, err := parseConfig("c.yaml", []byte(data), fakeEnv(nil))
		if err == nil || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "http(s) URL with a host") {
			t.Errorf("%s %s: %v", c.field, c.value, err)
		}
	}
}
