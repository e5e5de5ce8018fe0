package diff

import (
	"slices"
	"strings"
)

// Stubbing unchanged path items. Dropping a path (prune.go) needs its deep
// hash unchanged, and on a real API nearly every path reaches some
// changed schema (Stripe's expandable anyOf links reach ~400 of its ~550
// schemas from every path), so almost nothing drops. Yet a path item
// whose own content is the same on both sides cannot, by itself, give a
// finding: every comparison of it meets itself, and stops at the $refs to
// component schemas (a schema is compared once, at the component). What
// its operations add to the result is only
//
//   - that they exist (their keys, for path matching and for the lists of
//     operations a finding affects);
//   - which component schemas each reaches from its request and from its
//     responses (componentUsage, which gives a component finding its
//     operations and its direction);
//   - what they declare of their own that document-wide findings read:
//     security, servers, deprecation, operationId.
//
// So such a path item is replaced, identically on both sides, by a stub
// that keeps exactly that: each operation's own keys but parameters,
// requestBody and responses, plus one request body and one response whose
// schema lists, as anyOf of $refs, the component schemas the usage index
// would find from the request and from the responses. Everything else of
// the path (its inline request and response schemas — most of a large
// document) never reaches libopenapi.
//
// A path item that anything refers into, or that refers to anything but
// component schemas, or that has a shape the stub does not mirror
// (callbacks, links, $ref'd parameters, a parameter's schema the usage
// index would skip), stays whole.

// The stub carries request references in a request body, response
// references in one response.
const (
	stubMediaType = "application/json"
	stubResponse  = "200"
)

// pathMethods are the operation keys of a path item libopenapi reads.
var pathMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// stubbable lists the paths, kept by droppable, to send as stubs: present
// on both sides with the same own content and a shape no other path
// shares, referred to by nothing, and mirrored exactly by their stubs.
func stubbable(b, r *unitIndex, drop map[string]bool) map[string]*[2]*tnode {
	referred := make(map[string]bool)
	for _, u := range []*unitIndex{b, r} {
		for _, targets := range u.refs {
			for _, t := range targets {
				referred[t] = true
			}
		}
	}
	out := make(map[string]*[2]*tnode)
	for name, bn := range b.nodes {
		path, ok := strings.CutPrefix(name, "paths/")
		if !ok || drop[name] || referred[name] {
			continue
		}
		rn := r.nodes[name]
		if rn == nil || b.hashes[name] != r.hashes[name] {
			continue
		}
		if b.templates[PathTemplate(path)] != 1 || r.templates[PathTemplate(path)] != 1 {
			continue
		}
		// Only references to component schemas: anything else (a
		// parameter or response component, another path) is compared
		// inside each operation, so it must be there to compare.
		schemaOnly := true
		for _, u := range []*unitIndex{b, r} {
			for _, t := range u.refs[name] {
				if !strings.HasPrefix(t, "components/schemas/") {
					schemaOnly = false
				}
			}
		}
		if !schemaOnly {
			continue
		}
		bs, okB := stubPathItem(bn, b.refs[name])
		rs, okR := stubPathItem(rn, r.refs[name])
		if okB && okR {
			out[name] = &[2]*tnode{bs, rs}
		}
	}
	return out
}

// stubPathItem builds the stub of a path item whose references (units)
// are refs, or reports that the stub would not mirror it exactly.
func stubPathItem(item *tnode, refs []string) (*tnode, bool) {
	if item.kind != 'o' {
		return nil, false
	}
	stub := &tnode{kind: 'o'}
	var pathParams []*tnode
	reached := make(map[string]bool)
	for i, key := range item.keys {
		value := item.items[i]
		switch {
		case key == "parameters":
			if value.kind != 'a' {
				return nil, false
			}
			pathParams = value.items
		case key == "summary" || key == "description" || key == "servers" || strings.HasPrefix(key, "x-"):
			stub.keys = append(stub.keys, key)
			stub.items = append(stub.items, value)
		case slices.Contains(pathMethods, key):
			// Filled in below, once the path's parameters are known.
			stub.keys = append(stub.keys, key)
			stub.items = append(stub.items, nil)
		default:
			return nil, false
		}
	}
	for i, key := range stub.keys {
		if stub.items[i] != nil {
			continue
		}
		op, ok := stubOperation(item.get(key), pathParams, reached)
		if !ok {
			return nil, false
		}
		stub.items[i] = op
	}
	// Every reference of the path must be one the usage index finds (and
	// the stub therefore keeps); a reference it would skip — an
	// overridden parameter's, one nested past its depth cap — would be
	// lost to the components' reachability.
	for _, t := range refs {
		if !reached[strings.TrimPrefix(t, "components/schemas/")] {
			return nil, false
		}
	}
	return stub, true
}

// stubOperation mirrors indexComponentUsage for one operation: the
// component schemas its effective parameters and request body reach, and
// those its responses (content and headers) reach.
func stubOperation(op *tnode, pathParams []*tnode, reached map[string]bool) (*tnode, bool) {
	if op == nil || op.kind != 'o' {
		return nil, false
	}
	stub := &tnode{kind: 'o'}
	var opParams []*tnode
	var request, response []string
	var body, responses *tnode
	for i, key := range op.keys {
		value := op.items[i]
		switch key {
		case "parameters":
			if value.kind != 'a' {
				return nil, false
			}
			opParams = value.items
		case "requestBody":
			body = value
		case "responses":
			responses = value
		case "callbacks":
			return nil, false
		default:
			stub.keys = append(stub.keys, key)
			stub.items = append(stub.items, value)
		}
	}
	// Effective parameters: the path's, overridden by the operation's of
	// the same location and name.
	var effective []*tnode
	index := make(map[string]int)
	for _, p := range append(slices.Clone(pathParams), opParams...) {
		if p.kind != 'o' || p.get("$ref") != nil {
			return nil, false
		}
		in, name := p.get("in"), p.get("name")
		if in == nil || name == nil || in.kind != 's' || name.kind != 's' {
			return nil, false
		}
		k := strings.ToLower(in.text) + ":" + name.text
		if i, ok := index[k]; ok {
			effective[i] = p
			continue
		}
		index[k] = len(effective)
		effective = append(effective, p)
	}
	for _, p := range effective {
		schema := p.get("schema")
		if schema == nil {
			if content := p.get("content"); content != nil {
				if content.kind != 'o' {
					return nil, false
				}
				if len(content.items) > 0 {
					mt := content.items[0]
					if mt.kind != 'o' {
						return nil, false
					}
					schema = mt.get("schema")
				}
			}
		}
		var ok bool
		if request, ok = schemaRefs(schema, request); !ok {
			return nil, false
		}
	}
	if body != nil {
		var ok bool
		if request, ok = contentRefs(body, request); !ok {
			return nil, false
		}
	}
	if responses != nil {
		if responses.kind != 'o' {
			return nil, false
		}
		for j, resp := range responses.items {
			if strings.HasPrefix(responses.keys[j], "x-") {
				// An extension, not a response; a reference in it is
				// one the usage index skips, which the check on the
				// path's references turns into "stays whole".
				continue
			}
			var ok bool
			if response, ok = contentRefs(resp, response); !ok {
				return nil, false
			}
			if resp.get("links") != nil {
				return nil, false
			}
			if headers := resp.get("headers"); headers != nil {
				if headers.kind != 'o' {
					return nil, false
				}
				for _, h := range headers.items {
					if h.kind != 'o' || h.get("$ref") != nil {
						return nil, false
					}
					if response, ok = schemaRefs(h.get("schema"), response); !ok {
						return nil, false
					}
				}
			}
		}
	}
	for _, name := range request {
		reached[name] = true
	}
	for _, name := range response {
		reached[name] = true
	}
	if len(request) > 0 {
		stub.keys = append(stub.keys, "requestBody")
		stub.items = append(stub.items, stubContent(request))
	}
	stub.keys = append(stub.keys, "responses")
	stub.items = append(stub.items, &tnode{kind: 'o', keys: []string{stubResponse}, items: []*tnode{stubContent(response)}})
	return stub, true
}

// contentRefs adds the references of each media type's schema of a
// request body or response (inline: a $ref'd one is not stubbed).
func contentRefs(n *tnode, out []string) ([]string, bool) {
	if n.kind != 'o' || n.get("$ref") != nil {
		return nil, false
	}
	content := n.get("content")
	if content == nil {
		return out, true
	}
	if content.kind != 'o' {
		return nil, false
	}
	for _, mt := range content.items {
		if mt.kind != 'o' {
			return nil, false
		}
		var ok bool
		if out, ok = schemaRefs(mt.get("schema"), out); !ok {
			return nil, false
		}
	}
	return out, true
}

// schemaRefs adds the component schemas a schema refers to directly, as
// directRefs and collectRefs (diff_index.go) read them, depth cap
// included. A schema that is not an object is not stubbed.
func schemaRefs(schema *tnode, out []string) ([]string, bool) {
	if schema == nil {
		return out, true
	}
	if schema.kind != 'o' {
		return nil, false
	}
	var walk func(n *tnode, depth int)
	walk = func(n *tnode, depth int) {
		if depth > 4*maxSchemaDepth {
			return
		}
		switch n.kind {
		case 'o':
			for i, key := range n.keys {
				value := n.items[i]
				if key == "$ref" && value.kind == 's' {
					if name, ok := strings.CutPrefix(value.text, schemaRefPrefix); ok {
						out = append(out, name)
					}
					continue
				}
				walk(value, depth+1)
			}
		case 'a':
			for _, c := range n.items {
				walk(c, depth+1)
			}
		}
	}
	walk(schema, 0)
	return out, true
}

// stubContent is a request body or response whose one schema refers to
// each name once.
func stubContent(names []string) *tnode {
	n := &tnode{kind: 'o', keys: []string{"description"}, items: []*tnode{{kind: 's'}}}
	schema := stubSchemaOf(names)
	if schema == nil {
		return n
	}
	mt := &tnode{kind: 'o', keys: []string{"schema"}, items: []*tnode{schema}}
	n.keys = append(n.keys, "content")
	n.items = append(n.items, &tnode{kind: 'o', keys: []string{stubMediaType}, items: []*tnode{mt}})
	return n
}

// stubSchemaOf is a schema that refers to each name once, as an anyOf of
// $refs; nil for no name.
func stubSchemaOf(names []string) *tnode {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return nil
	}
	variants := &tnode{kind: 'a'}
	for _, name := range names {
		variants.items = append(variants.items, &tnode{kind: 'o', keys: []string{"$ref"}, items: []*tnode{{kind: 's', text: schemaRefPrefix + name}}})
	}
	return &tnode{kind: 'o', keys: []string{"anyOf"}, items: []*tnode{variants}}
}
