package oracle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/specharvest/specharvest/harvest/validate"
)

type docPair struct {
	name           string
	base, revision []byte
}

// fixturePairs are the diff's own rule fixtures: one small pair per rule.
func fixturePairs(t *testing.T) []docPair {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("..", "testdata", "diff", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []docPair
	for _, dir := range dirs {
		base, errB := os.ReadFile(filepath.Join(dir, "base.yaml"))
		revision, errR := os.ReadFile(filepath.Join(dir, "revision.yaml"))
		if errB != nil || errR != nil {
			continue
		}
		out = append(out, docPair{name: "fixture " + filepath.Base(dir), base: base, revision: revision})
	}
	if len(out) == 0 {
		t.Fatal("no rule fixtures found in ../testdata/diff")
	}
	return out
}

// editedPairs makes n seeded single edits of real vendor documents (the
// Xano fixtures, repaired as a run repairs them), each compared in both
// directions: an edit that narrows one way widens the other.
func editedPairs(t *testing.T, n int) []docPair {
	t.Helper()
	var sources []docPair
	for _, name := range []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "merge", name))
		if err != nil {
			t.Fatal(err)
		}
		res := validate.Load(context.Background(), raw, validate.Options{})
		if res.Repaired == nil {
			t.Fatalf("%s cannot be repaired: %v", name, res.Problems)
		}
		sources = append(sources, docPair{name: name, base: res.Repaired})
	}
	rng := rand.New(rand.NewPCG(11, 2026))
	var out []docPair
	for i := 0; len(out) < 2*n && i < 50*n; i++ {
		src := sources[i%len(sources)]
		var doc any
		if err := json.Unmarshal(src.base, &doc); err != nil {
			t.Fatal(err)
		}
		// Re-encode the original too, so both sides differ only by the edit.
		orig, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		what, ok := applyEdit(rng, doc)
		if !ok {
			continue
		}
		edited, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(orig, edited) {
			continue
		}
		name := fmt.Sprintf("edit %d of %s: %s", i, src.name, what)
		out = append(out,
			docPair{name: name, base: orig, revision: edited},
			docPair{name: name + " (reversed)", base: edited, revision: orig})
	}
	return out
}

// site is a place in a decoded document: the map holding it and the key.
type site struct {
	pointer string
	node    map[string]any
	// parent and key locate node, where an edit removes it.
	parent map[string]any
	key    string
}

type sites struct {
	operations []site // the operation object
	schemas    []site // a schema object
	parameters []site // a parameter object
	contents   []site // a request body or response (holds "content")
	responses  []site // an operation's "responses" map
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func collect(doc any) *sites {
	s := &sites{}
	root, _ := doc.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			ptr := "/paths/" + p + "/" + m
			s.operations = append(s.operations, site{pointer: ptr, node: op, parent: item, key: m})
			if rs, ok := op["responses"].(map[string]any); ok {
				s.responses = append(s.responses, site{pointer: ptr + "/responses", node: rs})
				for _, code := range sortedKeys(rs) {
					if r, ok := rs[code].(map[string]any); ok && r["content"] != nil {
						s.contents = append(s.contents, site{pointer: ptr + "/responses/" + code, node: r})
					}
				}
			}
			if rb, ok := op["requestBody"].(map[string]any); ok && rb["content"] != nil {
				s.contents = append(s.contents, site{pointer: ptr + "/requestBody", node: rb})
			}
			params, _ := op["parameters"].([]any)
			for i, p := range params {
				if pm, ok := p.(map[string]any); ok && pm["$ref"] == nil {
					s.parameters = append(s.parameters, site{pointer: fmt.Sprintf("%s/parameters/%d", ptr, i), node: pm})
				}
			}
		}
	}
	walkSchemas(root, "", false, func(ptr string, m map[string]any) {
		s.schemas = append(s.schemas, site{pointer: ptr, node: m})
	})
	return s
}

// walkSchemas visits every schema object: under "schema", a property,
// "items", a composition branch, or components/schemas.
func walkSchemas(n any, ptr string, isSchema bool, visit func(string, map[string]any)) {
	switch v := n.(type) {
	case map[string]any:
		if isSchema && v["$ref"] == nil {
			visit(ptr, v)
		}
		for _, k := range sortedKeys(v) {
			child := ptr + "/" + k
			switch {
			case k == "schema" || k == "items" || k == "additionalProperties" || k == "not":
				walkSchemas(v[k], child, true, visit)
			case (k == "properties" && isSchema) || (k == "schemas" && ptr == "/components"):
				if props, ok := v[k].(map[string]any); ok {
					for _, name := range sortedKeys(props) {
						walkSchemas(props[name], child+"/"+name, true, visit)
					}
				}
			case (k == "allOf" || k == "oneOf" || k == "anyOf") && isSchema:
				if list, ok := v[k].([]any); ok {
					for i, b := range list {
						walkSchemas(b, fmt.Sprintf("%s/%d", child, i), true, visit)
					}
				}
			case k == "example" || k == "examples" || k == "enum" || k == "default":
			default:
				walkSchemas(v[k], child, false, visit)
			}
		}
	case []any:
		for i, c := range v {
			walkSchemas(c, fmt.Sprintf("%s/%d", ptr, i), false, visit)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func pick[T any](rng *rand.Rand, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[rng.IntN(len(xs))], true
}

// applyEdit makes one contract edit at a random site and says what it
// did; false when the chosen kind has no site in this document.
func applyEdit(rng *rand.Rand, doc any) (string, bool) {
	s := collect(doc)
	stringSchemas := filter(s.schemas, func(m map[string]any) bool { return m["type"] == "string" })
	objectSchemas := filter(s.schemas, func(m map[string]any) bool { _, ok := m["properties"].(map[string]any); return ok })
	switch rng.IntN(14) {
	case 0:
		op, ok := pick(rng, s.operations)
		if !ok {
			return "", false
		}
		delete(op.parent, op.key)
		return "operation removed at " + op.pointer, true
	case 1:
		rs, ok := pick(rng, s.responses)
		if !ok || len(rs.node) < 2 {
			return "", false
		}
		code, _ := pick(rng, sortedKeys(rs.node))
		delete(rs.node, code)
		return "response " + code + " removed at " + rs.pointer, true
	case 2:
		sc, ok := pick(rng, filter(s.schemas, func(m map[string]any) bool { _, ok := m["type"].(string); return ok }))
		if !ok {
			return "", false
		}
		from := sc.node["type"].(string)
		to := map[string]string{"string": "integer", "integer": "string", "number": "string", "boolean": "string", "object": "string", "array": "object"}[from]
		if to == "" {
			return "", false
		}
		sc.node["type"] = to
		return "type " + from + " → " + to + " at " + sc.pointer, true
	case 3:
		sc, ok := pick(rng, objectSchemas)
		if !ok {
			return "", false
		}
		props := sc.node["properties"].(map[string]any)
		name, ok := pick(rng, sortedKeys(props))
		if !ok {
			return "", false
		}
		delete(props, name)
		if req, ok := sc.node["required"].([]any); ok {
			sc.node["required"] = slices.DeleteFunc(req, func(x any) bool { return x == name })
		}
		return "property " + name + " removed at " + sc.pointer, true
	case 4:
		sc, ok := pick(rng, objectSchemas)
		if !ok {
			return "", false
		}
		props := sc.node["properties"].(map[string]any)
		req, _ := sc.node["required"].([]any)
		var optional []string
		for _, name := range sortedKeys(props) {
			if !slices.Contains(req, any(name)) {
				optional = append(optional, name)
			}
		}
		name, ok := pick(rng, optional)
		if !ok {
			return "", false
		}
		sc.node["required"] = append(req, name)
		return "property " + name + " became required at " + sc.pointer, true
	case 5:
		sc, ok := pick(rng, filter(s.schemas, func(m map[string]any) bool { e, ok := m["enum"].([]any); return ok && len(e) > 1 }))
		if !ok {
			return "", false
		}
		e := sc.node["enum"].([]any)
		sc.node["enum"] = e[1:]
		return fmt.Sprintf("enum value %v removed at %s", e[0], sc.pointer), true
	case 6:
		sc, ok := pick(rng, stringSchemas)
		if !ok {
			return "", false
		}
		sc.node["maxLength"] = 3
		return "maxLength 3 at " + sc.pointer, true
	case 7:
		sc, ok := pick(rng, stringSchemas)
		if !ok {
			return "", false
		}
		sc.node["pattern"] = "^[a-z]+$"
		return "pattern added at " + sc.pointer, true
	case 8:
		sc, ok := pick(rng, stringSchemas)
		if !ok {
			return "", false
		}
		before := sc.node["format"]
		sc.node["format"] = "uuid"
		if before == "uuid" {
			sc.node["format"] = "date-time"
		}
		return fmt.Sprintf("format %v → %v at %s", before, sc.node["format"], sc.pointer), true
	case 9:
		sc, ok := pick(rng, filter(s.schemas, func(m map[string]any) bool { _, ok := m["type"].(string); return ok }))
		if !ok {
			return "", false
		}
		nullable, _ := sc.node["nullable"].(bool)
		sc.node["nullable"] = !nullable
		return fmt.Sprintf("nullable → %v at %s", !nullable, sc.pointer), true
	case 10:
		p, ok := pick(rng, s.parameters)
		if !ok {
			return "", false
		}
		required, _ := p.node["required"].(bool)
		if p.node["in"] == "path" {
			return "", false
		}
		p.node["required"] = !required
		return fmt.Sprintf("parameter required → %v at %s", !required, p.pointer), true
	case 11:
		op, ok := pick(rng, s.operations)
		if !ok {
			return "", false
		}
		params, _ := op.node["parameters"].([]any)
		op.node["parameters"] = append(params, map[string]any{
			"name": "added_filter", "in": "query", "required": true, "schema": map[string]any{"type": "string"},
		})
		return "required query parameter added at " + op.pointer, true
	case 12:
		c, ok := pick(rng, s.contents)
		if !ok {
			return "", false
		}
		content, _ := c.node["content"].(map[string]any)
		mt, ok := pick(rng, sortedKeys(content))
		if !ok {
			return "", false
		}
		delete(content, mt)
		content["application/xml"] = map[string]any{"schema": map[string]any{"type": "string"}}
		return "media type " + mt + " replaced by application/xml at " + c.pointer, true
	default:
		sc, ok := pick(rng, filter(s.schemas, func(m map[string]any) bool { t, _ := m["type"].(string); return t == "integer" || t == "number" }))
		if !ok {
			return "", false
		}
		sc.node["minimum"] = 10
		return "minimum 10 at " + sc.pointer, true
	}
}

func filter(xs []site, keep func(map[string]any) bool) []site {
	var out []site
	for _, x := range xs {
		if keep(x.node) {
			out = append(out, x)
		}
	}
	return out
}
