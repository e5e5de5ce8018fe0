package diff

import (
	"maps"
	"slices"
	"strings"
)

// Stubbing unchanged component schemas. Once the paths are stubbed, most
// of what reaches libopenapi is components/schemas (four fifths of a
// Stripe release), and on a nightly pair nearly all of them are the same
// on both sides. The diff reads a component schema's content in only two
// ways:
//
//   - compared with its namesake on the other side, at the component. A
//     schema whose own content is the same on both sides meets itself
//     there, and every comparison (the rules', the generic one of
//     law.go, libopenapi's change model) stops at the references inside
//     it, which are the same on both sides too: it gives nothing.
//   - reached through a $ref, from a place where the other side has not
//     the same $ref: a reference retargeted, made inline, or a property
//     or variant added or removed whose schema is read for its readOnly
//     flag or its type. Then the content is set against something else,
//     and so is everything it refers to.
//
// What it adds otherwise is only which component schemas it refers to
// (the usage index, and reachability for unused components). So a schema
// the second way cannot reach is replaced, identically on both sides, by
// a stub: an anyOf of $refs to exactly the schemas it refers to.
//
// Which schemas the second way can reach is over-approximated from the
// two documents alone, without knowing how each comparison pairs what it
// compares (reachSets). Every comparison starts at a unit (a path, a
// component, the top level) and its namesake, and goes down pairing
// children; two identical subtrees give nothing, and two references to
// the same target stop it. So each changed pair of units is walked down
// together, identical subtrees skipped, and wherever the pairing could be
// other than key by key, everything under both sides is taken as set
// against something else, and so is all it refers to, transitively:
//
//   - an object with a $ref on either side, or whose keywords differ (a
//     plain schema read as one variant of the other side's anyOf);
//   - a path item with parameters of its own (merged with each
//     operation's, and overridden by name);
//   - an array that differs (variants paired by reference or by type,
//     parameters by name, allOf by position), a scalar that differs (a
//     discriminator mapping's target);
//   - in a map of names (properties, responses, content, headers…), the
//     members another comparison may pair regardless of case: names
//     equal but for case or spaces, or names gone on one side while
//     others came on the other;
//   - a unit present on one side only whose path shape the other side
//     has (a renamed parameter), any path of a shape shared by another,
//     and the top-level members that differ.
//
// A name present on one side only (a property, a response, a path or a
// component added or removed) is compared with nothing; its schemas are
// only read, as text, one reference deep (a property's readOnly flag,
// the text of what was added), so what those refer to stays stubbable.

// stubbableSchemas lists the component schemas to send as stubs, with
// their stubs.
func stubbableSchemas(b, r *unitIndex, drop map[string]bool) map[string]*tnode {
	compared, read := reachSets(b, r)
	out := make(map[string]*tnode)
	for name, bn := range b.nodes {
		if !strings.HasPrefix(name, "components/schemas/") || drop[name] || compared[name] || read[name] || bn.kind != 'o' {
			continue
		}
		if r.nodes[name] == nil || b.hashes[name] != r.hashes[name] || b.referredInto[name] || r.referredInto[name] {
			continue
		}
		if stub, ok := stubSchema(bn, b.refs[name]); ok {
			out[name] = stub
		}
	}
	return out
}

// reachSets walks the two documents' units and returns the units whose
// content a comparison may set against something else (closed over their
// references on both sides), and those it may only read.
func reachSets(b, r *unitIndex) (compared, read map[string]bool) {
	w := &reachWalk{b: b, r: r}
	for _, u := range []*unitIndex{b, r} {
		other := r
		if u == r {
			other = b
		}
		for name := range u.nodes {
			if name == rootUnit {
				continue
			}
			on := other.nodes[name]
			switch {
			case mayMatchAnotherPath(u, other, name):
				w.seeds = append(w.seeds, u.refs[name]...)
				w.seeds = append(w.seeds, other.refs[name]...)
			case on == nil:
				// One side only, matched to nothing: read, not compared.
				w.reads = append(w.reads, u.refs[name]...)
			case u.hashes[name] != other.hashes[name] && u == b:
				w.unit(name, u.nodes[name], on)
			}
		}
	}
	w.seeds = append(w.seeds, changedTopLevelRefs(b, r)...)

	bothSides := func(name string) []string { return slices.Concat(b.refs[name], r.refs[name]) }
	compared = reachFrom(w.seeds, bothSides)
	// A read goes on through what is not a schema (a response component
	// to its schema), and stops at the first schema: schemas are read as
	// text, their references not followed.
	read = reachFrom(w.reads, func(name string) []string {
		if strings.HasPrefix(name, "components/schemas/") {
			return nil
		}
		return bothSides(name)
	})
	return compared, read
}

// mayMatchAnotherPath reports a path the comparison may match to another
// path (matchPath pairs paths of one shape, parameter names aside): one
// whose shape another path shares on either side, or that is on one side
// only while the other side has its shape (a renamed parameter).
func mayMatchAnotherPath(u, other *unitIndex, name string) bool {
	path, ok := strings.CutPrefix(name, "paths/")
	if !ok {
		return false
	}
	t := PathTemplate(path)
	if u.templates[t] > 1 || other.templates[t] > 1 {
		return true
	}
	return other.nodes[name] == nil && other.templates[t] > 0
}

// nameMaps are the keywords whose value maps names to objects: their
// members are paired by name, not compared as keywords.
var nameMaps = map[string]bool{
	"properties": true, "patternProperties": true, "$defs": true, "dependentSchemas": true,
	"responses": true, "content": true, "headers": true, "encoding": true,
}

type reachWalk struct {
	b, r         *unitIndex
	seeds, reads []string
}

// unit walks one unit present, changed, on both sides.
func (w *reachWalk) unit(name string, bn, rn *tnode) {
	if strings.HasPrefix(name, "paths/") && (bn.get("parameters") != nil || rn.get("parameters") != nil) {
		w.compared(bn, rn)
		return
	}
	w.pair(bn, rn, false)
}

// compared takes everything under both nodes as set against something
// else.
func (w *reachWalk) compared(bn, rn *tnode) {
	w.seeds = appendRefs(w.seeds, w.b, bn)
	w.seeds = appendRefs(w.seeds, w.r, rn)
}

// appendRefs appends the units n refers to.
func appendRefs(out []string, u *unitIndex, n *tnode) []string {
	if n == nil {
		return out
	}
	targets := make(map[string]bool)
	// Both documents were indexed whole already, so no reference in them
	// is one collectRefs refuses.
	_ = u.collectRefs(n, targets)
	return slices.AppendSeq(out, maps.Keys(targets))
}

// pair walks two nodes a comparison pairs; names says they are the value
// of a name map.
func (w *reachWalk) pair(bn, rn *tnode, names bool) {
	if sameTree(bn, rn) {
		return
	}
	if bn.kind != 'o' || rn.kind != 'o' {
		w.compared(bn, rn)
		return
	}
	if names {
		w.members(bn, rn)
		return
	}
	if bn.get("$ref") != nil || rn.get("$ref") != nil || len(bn.keys) != len(rn.keys) {
		w.compared(bn, rn)
		return
	}
	for _, k := range bn.keys {
		if rn.get(k) == nil {
			w.compared(bn, rn)
			return
		}
	}
	for i, k := range bn.keys {
		w.pair(bn.items[i], rn.get(k), nameMaps[k])
	}
}

// members walks a name map: members are paired by name; a name on one
// side only is read, unless a comparison might pair it with another.
func (w *reachWalk) members(bn, rn *tnode) {
	bf, okB := foldedNames(bn)
	rf, okR := foldedNames(rn)
	if !okB || !okR {
		w.compared(bn, rn)
		return
	}
	var gone, came []*tnode
	for i, k := range bn.keys {
		other, ok := rf[foldName(k)]
		switch {
		case !ok:
			gone = append(gone, bn.items[i])
		case other != k:
			// Equal but for case: paired by some comparisons, not by
			// others.
			w.compared(bn.items[i], rn.get(other))
		default:
			w.pair(bn.items[i], rn.get(k), false)
		}
	}
	for i, k := range rn.keys {
		if _, ok := bf[foldName(k)]; !ok {
			came = append(came, rn.items[i])
		}
	}
	for _, n := range gone {
		if len(came) > 0 {
			w.seeds = appendRefs(w.seeds, w.b, n)
		} else {
			w.reads = appendRefs(w.reads, w.b, n)
		}
	}
	for _, n := range came {
		if len(gone) > 0 {
			w.seeds = appendRefs(w.seeds, w.r, n)
		} else {
			w.reads = appendRefs(w.reads, w.r, n)
		}
	}
}

func foldName(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// foldedNames maps each folded name of a name map to the name, or
// reports two names that fold alike.
func foldedNames(n *tnode) (map[string]string, bool) {
	out := make(map[string]string, len(n.keys))
	for _, k := range n.keys {
		f := foldName(k)
		if _, dup := out[f]; dup {
			return nil, false
		}
		out[f] = k
	}
	return out, true
}

// sameTree reports two equal subtrees, key order included (an empty
// list and none are the same).
func sameTree(a, b *tnode) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind || a.text != b.text || len(a.keys) != len(b.keys) || len(a.items) != len(b.items) {
		return false
	}
	for i := range a.keys {
		if a.keys[i] != b.keys[i] {
			return false
		}
	}
	for i := range a.items {
		if !sameTree(a.items[i], b.items[i]) {
			return false
		}
	}
	return true
}

// changedTopLevelRefs lists the units referred to from the members of the
// document's top level (webhooks, servers, security…) that differ
// between the two sides.
func changedTopLevelRefs(b, r *unitIndex) []string {
	bRoot, rRoot := b.nodes[rootUnit], r.nodes[rootUnit]
	if b.hashes[rootUnit] == r.hashes[rootUnit] {
		return nil
	}
	keys := slices.Concat(bRoot.keys, rRoot.keys)
	var out []string
	for _, key := range keys {
		bv, rv := bRoot.get(key), rRoot.get(key)
		if bv != nil && rv != nil && sameTree(bv, rv) {
			continue
		}
		out = appendRefs(out, b, bv)
		out = appendRefs(out, r, rv)
	}
	return out
}

// stubSchema builds the stub of a component schema whose references
// (units) are refs: an anyOf of $refs to the component schemas the usage
// index finds in it (schemaRefs), or an empty schema if it finds none. It
// reports false when that would not mirror the schema's references
// exactly: a reference to anything but a component schema, or one the
// usage index would not find.
func stubSchema(schema *tnode, refs []string) (*tnode, bool) {
	names, ok := schemaRefs(schema, nil)
	if !ok {
		return nil, false
	}
	found := make(map[string]bool, len(names))
	for _, name := range names {
		found[name] = true
	}
	for _, t := range refs {
		name, ok := strings.CutPrefix(t, "components/schemas/")
		if !ok || !found[name] {
			return nil, false
		}
	}
	// Every name the usage index finds must be one of refs' units too (a
	// pointer into a schema names more than its unit).
	for name := range found {
		if !slices.Contains(refs, "components/schemas/"+name) {
			return nil, false
		}
	}
	if stub := stubSchemaOf(names); stub != nil {
		return stub, true
	}
	return &tnode{kind: 'o'}, true
}
