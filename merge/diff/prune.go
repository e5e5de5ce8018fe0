package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/pb33f/go-yaml"
	"golang.org/x/sync/errgroup"
)

// The pre-pass. Building libopenapi's model of both documents costs far
// more than comparing them, and a nightly pair is nearly identical. So
// before any model is built, each path item gets a deep hash: its own
// content plus everything it reaches through $refs, transitively, plus
// the document-wide settings every operation inherits (servers, security,
// security schemes). A path whose deep hash is the same on both sides can
// yield no finding — nothing it reaches changed — so it is dropped from
// both documents, with the components that only dropped paths reach. The
// rest (changed paths, components they or anything else uses, webhooks,
// the document's top level) goes to the comparison as before, so the
// findings are those of the full comparison; a property test holds them
// equal.
//
// It gives up — and the documents go through whole — on anything it is
// not sure to read as libopenapi does: a $ref it cannot resolve, YAML
// aliases or non-string keys, $id/$anchor/$dynamicRef, a scalar of an
// unusual type.

// errNoPrune says the pre-pass gave up; the caller compares the whole
// documents.
var errNoPrune = errors.New("document not pruned")

// tnode is a parsed document node: an object (pairs in document order),
// an array, or a scalar (a string, or the JSON text of a number, true,
// false or null).
type tnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'l' literal
	text  string
	keys  []string
	items []*tnode // object values (parallel to keys) or array items
}

func (n *tnode) get(key string) *tnode {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.items[i]
		}
	}
	return nil
}

// pruneUnchanged returns the two documents without the paths that did not
// change deeply, with stubs for the paths whose own content did not change
// (prune_stub.go) and for the component schemas no comparison can set
// against anything but themselves (prune_schema_stub.go), and its plan.
// With nothing to drop or stub it returns JSON documents as they came;
// YAML comes back as JSON, which libopenapi reads several times faster.
func pruneUnchanged(base, revision []byte) (prunedBase, prunedRevision []byte, n prunePlan, err error) {
	// The two sides are independent until compared: read and index them
	// side by side (YAML parsing is most of a YAML pair's time).
	var b, r *tnode
	var bu, ru *unitIndex
	var g errgroup.Group
	g.Go(func() (err error) {
		if b, err = parseTree(base); err == nil {
			bu, err = newUnitIndex(b)
		}
		return err
	})
	g.Go(func() (err error) {
		if r, err = parseTree(revision); err == nil {
			ru, err = newUnitIndex(r)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, nil, n, err
	}
	if n = plan(bu, ru); n.dropped == 0 && n.stubbed == 0 && n.stubbedSchemas == 0 && isJSON(base) && isJSON(revision) {
		return base, revision, n, nil
	}
	return emitJSON(bu, n.drop, n.baseStubs), emitJSON(ru, n.drop, n.revisionStubs), n, nil
}

// plan decides what leaves both documents and what goes as a stub.
func plan(bu, ru *unitIndex) prunePlan {
	n := prunePlan{drop: droppable(bu, ru)}
	stubs := stubbable(bu, ru, n.drop)
	schemaStubs := stubbableSchemas(bu, ru, n.drop)
	for name := range n.drop {
		if strings.HasPrefix(name, "paths/") {
			n.dropped++
		}
	}
	n.stubbed, n.stubbedSchemas = len(stubs), len(schemaStubs)
	n.baseStubs, n.revisionStubs = make(map[string]*tnode, len(stubs)+len(schemaStubs)), make(map[string]*tnode, len(stubs)+len(schemaStubs))
	for name, pair := range stubs {
		n.baseStubs[name], n.revisionStubs[name] = pair[0], pair[1]
	}
	for name, stub := range schemaStubs {
		n.baseStubs[name], n.revisionStubs[name] = stub, stub
	}
	return n
}

// prunePlan is the pre-pass's plan: the units it drops and the stubs
// of each side, and how many paths it dropped, how many it replaced by
// stubs, and how many component schemas it stubbed.
type prunePlan struct {
	drop                             map[string]bool
	baseStubs, revisionStubs         map[string]*tnode
	dropped, stubbed, stubbedSchemas int
}

func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// ---- parsing

// maxTreeDepth bounds recursion on hostile input; a real document is a
// few dozen levels deep.
const maxTreeDepth = 512

func parseTree(data []byte) (*tnode, error) {
	if isJSON(data) {
		n, err := scanJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNoPrune, err)
		}
		return n, nil
	}
	// The fast reader takes what real documents are made of; whatever it
	// is not sure of goes to the general parser, which reads it as before.
	if n, err := scanYAML(data); err == nil {
		return n, nil
	}
	return parseYAML(data)
}

// parseYAML reads a YAML document with the parser libopenapi uses.
func parseYAML(data []byte) (*tnode, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPrune, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%w: not one YAML document", errNoPrune)
	}
	return fromYAML(doc.Content[0], 0)
}

func fromYAML(y *yaml.Node, depth int) (*tnode, error) {
	if depth > maxTreeDepth {
		return nil, fmt.Errorf("%w: too deep", errNoPrune)
	}
	switch y.Kind {
	case yaml.MappingNode:
		n := &tnode{kind: 'o', keys: make([]string, 0, len(y.Content)/2), items: make([]*tnode, 0, len(y.Content)/2)}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return nil, fmt.Errorf("%w: a YAML key that is not a plain string", errNoPrune)
			}
			value, err := fromYAML(y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.Value)
			n.items = append(n.items, value)
		}
		return n, nil
	case yaml.SequenceNode:
		n := &tnode{kind: 'a', items: make([]*tnode, 0, len(y.Content))}
		for _, c := range y.Content {
			value, err := fromYAML(c, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, value)
		}
		return n, nil
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!str":
			return &tnode{kind: 's', text: y.Value}, nil
		case "!!int", "!!float":
			if !jsontext.Value(y.Value).IsValid() {
				return nil, fmt.Errorf("%w: YAML number %q has no JSON form", errNoPrune, y.Value)
			}
			return &tnode{kind: 'l', text: y.Value}, nil
		case "!!bool":
			if y.Value != "true" && y.Value != "false" {
				return nil, fmt.Errorf("%w: YAML boolean %q", errNoPrune, y.Value)
			}
			return &tnode{kind: 'l', text: y.Value}, nil
		case "!!null":
			return &tnode{kind: 'l', text: "null"}, nil
		}
	}
	return nil, fmt.Errorf("%w: YAML node of kind %v, tag %s", errNoPrune, y.Kind, y.ShortTag())
}

// ---- units and references

// A unit is what the pre-pass keeps or drops whole: one path item
// ("paths/<path>"), one component ("components/<kind>/<name>"), or the
// rest of the document ("root"), which is always kept.
type unitIndex struct {
	doc   *tnode
	nodes map[string]*tnode
	// refs lists, per unit, the units its $refs point into.
	refs map[string][]string
	// hashes of each unit's own content: of its JSON text, which is kept
	// (by node) for writing the pruned document.
	hashes map[string][sha256.Size]byte
	texts  map[*tnode][]byte
	// global hashes what every operation inherits.
	global [sha256.Size]byte
	// templates counts the paths of each shape, as matchPath sees them.
	templates map[string]int
	// referredInto lists the units some reference points inside of
	// ("#/components/schemas/A/properties/b"), not just at.
	referredInto map[string]bool
}

const rootUnit = "root"

func newUnitIndex(doc *tnode) (*unitIndex, error) {
	if doc.kind != 'o' {
		return nil, fmt.Errorf("%w: the document is not an object", errNoPrune)
	}
	u := &unitIndex{doc: doc, nodes: make(map[string]*tnode), refs: make(map[string][]string),
		hashes: make(map[string][sha256.Size]byte), texts: make(map[*tnode][]byte), templates: make(map[string]int),
		referredInto: make(map[string]bool)}
	root := &tnode{kind: 'o'}
	for i, key := range doc.keys {
		value := doc.items[i]
		switch {
		case key == "paths" && value.kind == 'o':
			for j, path := range value.keys {
				u.nodes["paths/"+path] = value.items[j]
				u.templates[PathTemplate(path)]++
			}
		case key == "components" && value.kind == 'o':
			for j, kind := range value.keys {
				entries := value.items[j]
				if entries.kind != 'o' {
					return nil, fmt.Errorf("%w: components/%s is not an object", errNoPrune, kind)
				}
				for k, name := range entries.keys {
					u.nodes["components/"+kind+"/"+name] = entries.items[k]
				}
			}
		default:
			root.keys = append(root.keys, key)
			root.items = append(root.items, value)
		}
	}
	u.nodes[rootUnit] = root
	// The units' texts are carved from large chunks rather than grown one
	// by one: there are thousands, and growing each cost more than
	// writing them.
	var chunk []byte
	for name, n := range u.nodes {
		targets := make(map[string]bool)
		if err := u.collectRefs(n, targets); err != nil {
			return nil, err
		}
		for t := range targets {
			u.refs[name] = append(u.refs[name], t)
		}
		slices.Sort(u.refs[name])
		// JSON text says a tree unambiguously (key order kept, since
		// nothing proves the comparison ignores it), and hashing it in
		// one call is several times faster than feeding node by node.
		if cap(chunk)-len(chunk) < 64<<10 {
			chunk = make([]byte, 0, 1<<20)
		}
		start := len(chunk)
		chunk = appendNode(chunk, n)
		text := chunk[start:len(chunk):len(chunk)]
		u.texts[n] = text
		u.hashes[name] = sha256.Sum256(text)
	}
	// What every operation inherits, whatever it references: the
	// document's servers, its default security and the schemes security
	// requirements name (by name, not by $ref), and the dialect its
	// schemas are read in.
	h := sha256.New()
	for _, key := range []string{"openapi", "jsonSchemaDialect", "servers", "security"} {
		writeString(h, key)
		hashNode(h, doc.get(key))
	}
	var schemes []string
	for name := range u.nodes {
		if strings.HasPrefix(name, "components/securitySchemes/") {
			schemes = append(schemes, name)
		}
	}
	slices.Sort(schemes)
	for _, name := range schemes {
		writeString(h, name)
		hashNode(h, u.nodes[name])
	}
	copy(u.global[:], h.Sum(nil))
	return u, nil
}

// collectRefs adds to targets the unit of every reference under n: each
// $ref, each string that is a local JSON pointer ("#/…": links'
// operationRef, discriminator mappings), and each bare schema name of a
// discriminator mapping. A reference it cannot resolve stops the
// pre-pass: the full comparison reports it as it always has.
func (u *unitIndex) collectRefs(n *tnode, targets map[string]bool) error {
	switch n.kind {
	case 'o':
		for i, key := range n.keys {
			value := n.items[i]
			switch key {
			case "$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor":
				return fmt.Errorf("%w: %s", errNoPrune, key)
			case "mapping":
				if value.kind == 'o' {
					for _, v := range value.items {
						if v.kind == 's' && !strings.HasPrefix(v.text, "#") && !strings.Contains(v.text, "/") {
							if err := u.addTarget("#/components/schemas/"+v.text, targets, true); err != nil {
								return err
							}
						}
					}
				}
			}
			if key == "$ref" && value.kind == 's' {
				if err := u.addTarget(value.text, targets, false); err != nil {
					return err
				}
				continue
			}
			if err := u.collectRefs(value, targets); err != nil {
				return err
			}
		}
	case 'a':
		for _, value := range n.items {
			if err := u.collectRefs(value, targets); err != nil {
				return err
			}
		}
	case 's':
		if strings.HasPrefix(n.text, "#/") {
			// A string that looks like a pointer may be prose; keeping
			// what it would point to costs nothing but a little pruning.
			return u.addTarget(n.text, targets, true)
		}
	}
	return nil
}

// addTarget resolves a local reference to its unit. A reference to
// another document is left alone (the diff does not follow those). A
// lenient reference (not a $ref) that resolves to nothing is ignored.
func (u *unitIndex) addTarget(ref string, targets map[string]bool, lenient bool) error {
	pointer, ok := strings.CutPrefix(ref, "#")
	if !ok {
		// A reference to another document: the diff refuses it, wherever
		// it is, so the whole document must reach the diff.
		if lenient {
			return nil
		}
		return fmt.Errorf("%w: $ref %q to another document", errNoPrune, ref)
	}
	segments := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, s := range segments {
		segments[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	var unit string
	var rest []string
	switch {
	case pointer == "" || pointer == "/":
		unit = ""
	case segments[0] == "paths" && len(segments) >= 2:
		unit, rest = "paths/"+segments[1], segments[2:]
	case segments[0] == "components" && len(segments) >= 3:
		unit, rest = "components/"+segments[1]+"/"+segments[2], segments[3:]
	case segments[0] == "paths" || segments[0] == "components":
		unit = ""
	default:
		unit, rest = rootUnit, segments
	}
	if unit == "" {
		if lenient {
			return nil
		}
		return fmt.Errorf("%w: $ref %q to more than one unit", errNoPrune, ref)
	}
	n := u.nodes[unit]
	if unit == rootUnit {
		n = u.doc
	}
	for _, s := range rest {
		if n == nil {
			break
		}
		switch n.kind {
		case 'o':
			n = n.get(s)
		case 'a':
			var i int
			if _, err := fmt.Sscanf(s, "%d", &i); err != nil || i < 0 || i >= len(n.items) {
				n = nil
			} else {
				n = n.items[i]
			}
		default:
			n = nil
		}
	}
	if n == nil {
		if lenient {
			return nil
		}
		return fmt.Errorf("%w: $ref %q resolves to nothing the pre-pass can keep whole", errNoPrune, ref)
	}
	targets[unit] = true
	if len(rest) > 0 {
		u.referredInto[unit] = true
	}
	return nil
}

// closure lists the units reachable from roots, roots included.
func (u *unitIndex) closure(roots ...string) map[string]bool {
	return reachFrom(roots, func(name string) []string { return u.refs[name] })
}

// reachFrom lists start and everything next leads to from it, each once.
func reachFrom(start []string, next func(string) []string) map[string]bool {
	seen := make(map[string]bool)
	stack := slices.Clone(start)
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		stack = append(stack, next(name)...)
	}
	return seen
}

// deeplyUnchanged lists the units of b whose deep content — their own,
// and everything they reach — is the same in r: no unit they reach (in b)
// is missing from r or differs from it. (When all a unit reaches is equal
// on both sides, so are its references, hence what it reaches in r.) One
// walk back from the changed units marks every unit that reaches one.
func deeplyUnchanged(b, r *unitIndex) map[string]bool {
	reachedBy := make(map[string][]string)
	var stack []string
	for name, targets := range b.refs {
		for _, t := range targets {
			reachedBy[t] = append(reachedBy[t], name)
		}
	}
	for name := range b.nodes {
		if _, ok := r.nodes[name]; !ok || b.hashes[name] != r.hashes[name] {
			stack = append(stack, name)
		}
	}
	tainted := reachFrom(stack, func(name string) []string { return reachedBy[name] })
	out := make(map[string]bool)
	for name := range b.nodes {
		if !tainted[name] {
			out[name] = true
		}
	}
	return out
}

// droppable decides what leaves both documents: the paths present on
// both sides with equal deep hashes (and a shape no other path shares, so
// matching renamed paths is undisturbed), and the components that only
// those paths reach. Anything the kept part of either document reaches
// stays; the same units are dropped from both sides.
func droppable(b, r *unitIndex) map[string]bool {
	candidates := make(map[string]bool)
	if b.global != r.global {
		// What every operation inherits changed: no path is unchanged.
		return candidates
	}
	unchanged := deeplyUnchanged(b, r)
	for name := range b.nodes {
		path, ok := strings.CutPrefix(name, "paths/")
		if !ok || r.nodes[name] == nil {
			continue
		}
		if b.templates[PathTemplate(path)] != 1 || r.templates[PathTemplate(path)] != 1 {
			continue
		}
		if unchanged[name] {
			candidates[name] = true
		}
	}
	for {
		// Everything reachable from a dropped candidate, on either side.
		reached := make(map[string]bool)
		for name := range candidates {
			for _, u := range []*unitIndex{b, r} {
				for n := range u.closure(name) {
					reached[n] = true
				}
			}
		}
		// Everything the kept part reaches, on either side.
		kept := make(map[string]bool)
		for _, u := range []*unitIndex{b, r} {
			var roots []string
			for name := range u.nodes {
				if !candidates[name] && !(reached[name] && strings.HasPrefix(name, "components/")) {
					roots = append(roots, name)
				}
			}
			for n := range u.closure(roots...) {
				kept[n] = true
			}
		}
		changed := false
		for name := range candidates {
			if kept[name] {
				delete(candidates, name)
				changed = true
			}
		}
		if changed {
			continue
		}
		drop := make(map[string]bool)
		for name := range reached {
			if !kept[name] && !strings.HasPrefix(name, "components/securitySchemes/") {
				drop[name] = true
			}
		}
		return drop
	}
}

// ---- hashing and output

func writeString(h hash.Hash, s string) {
	writeLen(h, len(s))
	io.WriteString(h, s)
}

func writeLen(h hash.Hash, n int) {
	var b [binary.MaxVarintLen64]byte
	h.Write(b[:binary.PutUvarint(b[:], uint64(n))])
}

// hashNode feeds a node to h unambiguously, in document order: key order
// is kept, since nothing proves the comparison ignores it.
func hashNode(h hash.Hash, n *tnode) {
	if n == nil {
		h.Write([]byte{0})
		return
	}
	h.Write([]byte{n.kind})
	switch n.kind {
	case 'o':
		writeLen(h, len(n.keys))
		for i, k := range n.keys {
			writeString(h, k)
			hashNode(h, n.items[i])
		}
	case 'a':
		writeLen(h, len(n.items))
		for _, c := range n.items {
			hashNode(h, c)
		}
	default:
		writeString(h, n.text)
	}
}

// emitJSON writes the document without the dropped units, and with the
// stubbed path items and component schemas replaced by their stubs.
func emitJSON(u *unitIndex, drop map[string]bool, stubs map[string]*tnode) []byte {
	doc := u.doc
	buf := make([]byte, 0, 1<<20)
	buf = append(buf, '{')
	first := true
	member := func(key string) {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendQuoted(buf, key)
		buf = append(buf, ':')
	}
	// unit writes a kept unit, from the text its hash was taken of.
	unit := func(n *tnode) {
		if text, ok := u.texts[n]; ok {
			buf = append(buf, text...)
		} else {
			buf = appendNode(buf, n)
		}
	}
	for i, key := range doc.keys {
		value := doc.items[i]
		switch {
		case key == "paths" && value.kind == 'o':
			member(key)
			buf = append(buf, '{')
			first := true
			for j, k := range value.keys {
				if drop["paths/"+k] {
					continue
				}
				if !first {
					buf = append(buf, ',')
				}
				first = false
				buf = appendQuoted(buf, k)
				buf = append(buf, ':')
				if stub := stubs["paths/"+k]; stub != nil {
					buf = appendNode(buf, stub)
				} else {
					unit(value.items[j])
				}
			}
			buf = append(buf, '}')
		case key == "components" && value.kind == 'o':
			member(key)
			buf = append(buf, '{')
			for j, kind := range value.keys {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = appendQuoted(buf, kind)
				buf = append(buf, ':', '{')
				entries := value.items[j]
				first := true
				for k, name := range entries.keys {
					if drop["components/"+kind+"/"+name] {
						continue
					}
					if !first {
						buf = append(buf, ',')
					}
					first = false
					buf = appendQuoted(buf, name)
					buf = append(buf, ':')
					if stub := stubs["components/"+kind+"/"+name]; stub != nil {
						buf = appendNode(buf, stub)
					} else {
						unit(entries.items[k])
					}
				}
				buf = append(buf, '}')
			}
			buf = append(buf, '}')
		default:
			member(key)
			buf = appendNode(buf, value)
		}
	}
	return append(buf, '}')
}

func appendObject(buf []byte, n *tnode, skip func(string) bool) []byte {
	buf = append(buf, '{')
	first := true
	for i, k := range n.keys {
		if skip(k) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendQuoted(buf, k)
		buf = append(buf, ':')
		buf = appendNode(buf, n.items[i])
	}
	return append(buf, '}')
}

func appendNode(buf []byte, n *tnode) []byte {
	switch n.kind {
	case 'o':
		return appendObject(buf, n, func(string) bool { return false })
	case 'a':
		buf = append(buf, '[')
		for i, c := range n.items {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendNode(buf, c)
		}
		return append(buf, ']')
	case 's':
		buf = appendQuoted(buf, n.text)
		return buf
	default:
		return append(buf, n.text...)
	}
}

// appendQuoted appends s as a JSON string, as jsontext.AppendQuote does;
// most strings of a document need no escape, and copying those whole is
// several times faster.
func appendQuoted(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			buf, _ = jsontext.AppendQuote(buf, s)
			return buf
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
