package merge

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The merge fingerprints components and rewrites their references by
// walking kin-openapi's model with reflection (components_reflect.go,
// components_rewrite.go). The benchmarks below hold that walk up against
// the same work done over the canonical JSON tree of the components (the
// repaired document's JSON decoded into maps), on the two real Xano
// documents and a Stripe release:
//
//	go test ./merge -run '^$' -bench 'Components' -benchtime 20x
//
// "reflection" walks the model the merge already has; "json-tree" walks
// a tree already decoded; "json-tree+decode" also decodes the tree from
// the components' canonical JSON, which a merge over trees would have to
// do, since the pipeline builds the model anyway (validation, paths). The
// tree walkers here do what the reflection does where the time goes
// ($refs, discriminator mappings, links' operationIds); they are a
// yardstick, not a replacement. The figures and the verdict are in doc.go.

type componentsCase struct {
	name string
	doc  *openapi3.T
	// tree holds the same components as canonical JSON trees, and raw
	// as the JSON they are decoded from, per kind and name.
	raw  map[string]map[string]json.RawMessage
	tree map[string]map[string]any
}

func componentCases(b *testing.B) []componentsCase {
	b.Helper()
	var cases []componentsCase
	add := func(name string, data []byte) {
		doc, _ := loadThroughValidate(b, data, name)
		c := componentsCase{name: name, doc: doc, raw: map[string]map[string]json.RawMessage{}}
		encoded, err := json.Marshal(doc.Components)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(encoded, &c.raw); err != nil {
			b.Fatal(err)
		}
		c.tree = decodeComponentTrees(b, c.raw)
		cases = append(cases, c)
	}
	for _, name := range []string{"apigroup-mobile-native.openapi.json", "instance-metadata-api-2025-03.openapi.json"} {
		data, err := os.ReadFile(filepath.Join("..", "harvest", "xanotest", "testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		add("xano-"+name[:len(name)-len(".openapi.json")], data)
	}
	pair := stripePair(b)
	add("stripe-v120", pair[1])
	return cases
}

func decodeComponentTrees(b *testing.B, raw map[string]map[string]json.RawMessage) map[string]map[string]any {
	out := map[string]map[string]any{}
	for kind, m := range raw {
		if !isComponentKind(kind) {
			continue
		}
		out[kind] = map[string]any{}
		for name, r := range m {
			dec := json.NewDecoder(bytes.NewReader(r))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
			out[kind][name] = v
		}
	}
	return out
}

func BenchmarkComponentsFingerprint(b *testing.B) {
	for _, c := range componentCases(b) {
		count := 0
		for _, m := range c.tree {
			count += len(m)
		}
		b.Run(c.name+"/reflection", func(b *testing.B) {
			for b.Loop() {
				if n := len(membersOf(c.doc, newTypeTable())); n != count {
					b.Fatalf("%d members, want %d", n, count)
				}
			}
		})
		b.Run(c.name+"/json-tree", func(b *testing.B) {
			for b.Loop() {
				if n := len(treeMembers(c.tree)); n != count {
					b.Fatalf("%d members, want %d", n, count)
				}
			}
		})
		b.Run(c.name+"/json-tree+decode", func(b *testing.B) {
			for b.Loop() {
				if n := len(treeMembers(decodeComponentTrees(b, c.raw))); n != count {
					b.Fatalf("%d members, want %d", n, count)
				}
			}
		})
	}
}

// BenchmarkComponentsRewrite renames every component of a document (the
// most a merge ever renames) and rewrites every component's references.
func BenchmarkComponentsRewrite(b *testing.B) {
	for _, c := range componentCases(b) {
		rn := &renames{components: map[string]map[string]string{}, operations: map[string]string{}}
		for kind, m := range c.tree {
			rn.components[kind] = map[string]string{}
			for name := range m {
				rn.components[kind][name] = name + "_2"
			}
		}
		b.Run(c.name+"/reflection", func(b *testing.B) {
			comps := reflect.ValueOf(c.doc.Components).Elem()
			for b.Loop() {
				r := newRewriter(newTypeTable(), rn)
				changed := 0
				for _, kind := range componentKinds {
					m := comps.FieldByName(componentField(kind))
					for _, name := range m.MapKeys() {
						if _, ch := r.walk(m.MapIndex(name)); ch {
							changed++
						}
					}
				}
				if changed == 0 && len(c.tree["schemas"]) > 1 {
					b.Fatal("nothing rewritten")
				}
			}
		})
		b.Run(c.name+"/json-tree", func(b *testing.B) {
			for b.Loop() {
				r := newRewriter(newTypeTable(), rn)
				changed := 0
				for _, kind := range componentKinds {
					for _, v := range c.tree[kind] {
						if _, ch := treeRewrite(r, v, ""); ch {
							changed++
						}
					}
				}
				if changed == 0 && len(c.tree["schemas"]) > 1 {
					b.Fatal("nothing rewritten")
				}
			}
		})
		b.Run(c.name+"/json-tree+decode", func(b *testing.B) {
			for b.Loop() {
				trees := decodeComponentTrees(b, c.raw)
				r := newRewriter(newTypeTable(), rn)
				changed := 0
				for _, kind := range componentKinds {
					for _, v := range trees[kind] {
						if _, ch := treeRewrite(r, v, ""); ch {
							changed++
						}
					}
				}
				if changed == 0 && len(c.tree["schemas"]) > 1 {
					b.Fatal("nothing rewritten")
				}
			}
		})
	}
}

// treeMembers fingerprints components given as JSON trees: a canonical
// encoding (kinds, lengths, sorted keys) hashed, and the components each
// refers to ($ref, discriminator mappings, the operations links name).
func treeMembers(trees map[string]map[string]any) []*member {
	var out []*member
	f := &treeFingerprinter{}
	for _, kind := range componentKinds {
		names := make([]string, 0, len(trees[kind]))
		for name := range trees[kind] {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			f.buf, f.deps = f.buf[:0], f.deps[:0]
			f.walk(trees[kind][name], kind == "links")
			out = append(out, &member{kind: kind, name: name, hash: sha256.Sum256(f.buf), deps: append([]componentRef(nil), f.deps...)})
		}
	}
	return out
}

type treeFingerprinter struct {
	buf  []byte
	deps []componentRef
	keys []string
}

func (f *treeFingerprinter) str(s string) {
	f.buf = binary.AppendUvarint(f.buf, uint64(len(s)))
	f.buf = append(f.buf, s...)
}

func (f *treeFingerprinter) walk(v any, link bool) {
	switch t := v.(type) {
	case map[string]any:
		f.buf = append(f.buf, 'o')
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		f.buf = binary.AppendUvarint(f.buf, uint64(len(keys)))
		for _, k := range keys {
			f.str(k)
			switch k {
			case "$ref":
				if ref, ok := t[k].(string); ok {
					if target, _, ok := parseLocalRef(ref); ok {
						f.deps = append(f.deps, target)
					}
				}
			case "mapping":
				if m, ok := t[k].(map[string]any); ok {
					for _, mk := range sortedKeys(m) {
						if ref, ok := m[mk].(string); ok {
							if target, _, ok := mappingTarget(ref); ok {
								f.deps = append(f.deps, target)
							}
						}
					}
				}
			case "operationId":
				if id, ok := t[k].(string); ok && link {
					f.deps = append(f.deps, componentRef{kind: operationDep, name: id})
				}
			}
			f.walk(t[k], k == "links" || (link && k != "parameters"))
		}
	case []any:
		f.buf = append(f.buf, 'a')
		f.buf = binary.AppendUvarint(f.buf, uint64(len(t)))
		for _, e := range t {
			f.walk(e, false)
		}
	case string:
		f.buf = append(f.buf, 's')
		f.str(t)
	case json.Number:
		f.buf = append(f.buf, 'n')
		f.str(string(t))
	case bool:
		if t {
			f.buf = append(f.buf, 't')
		} else {
			f.buf = append(f.buf, 'f')
		}
	case nil:
		f.buf = append(f.buf, 'z')
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

// treeRewrite rewrites the references of a JSON tree as the rewriter
// would, copying on write.
func treeRewrite(r *rewriter, v any, parentKey string) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, e := range t {
			var nv any
			var ch bool
			switch {
			case k == "$ref":
				if ref, ok := e.(string); ok {
					var s string
					s, ch = r.ref(ref, false)
					nv = s
				}
			case parentKey == "mapping":
				if ref, ok := e.(string); ok {
					var s string
					s, ch = r.ref(ref, true)
					nv = s
				}
			default:
				nv, ch = treeRewrite(r, e, k)
			}
			if ch {
				if out == nil {
					out = make(map[string]any, len(t))
					for k2, e2 := range t {
						out[k2] = e2
					}
				}
				out[k] = nv
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range t {
			if nv, ch := treeRewrite(r, e, ""); ch {
				if out == nil {
					out = append([]any(nil), t...)
				}
				out[i] = nv
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}
