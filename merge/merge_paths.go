package merge

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// pathEntry is one path of one input on its way into the merged document.
type pathEntry struct {
	in       *prepared
	original string // the path in its own document
	item     *openapi3.PathItem
	// ops are the operations of item that this entry carries: all of
	// them, unless some are served under another base path.
	ops map[string]*openapi3.Operation
	// opServers are the servers of operations that have their own,
	// reduced like servers.
	opServers map[string]openapi3.Servers
	servers   openapi3.Servers // scheme and host only; the base path moved into merged
	merged    string           // base path + original, and a collision prefix if needed
	// operationIDs holds the new operationId per method, where it changed.
	operationIDs map[string]string
}

// collectPaths lists every path of every input, in input order then path
// order, with the input's base path already prefixed.
func collectPaths(inputs []*prepared) []*pathEntry {
	var entries []*pathEntry
	for _, in := range inputs {
		if in.Doc.Paths == nil {
			continue
		}
		docBase, docServers := splitServers(in.Doc.Servers)
		m := in.Doc.Paths.Map()
		for _, p := range orderedKeys(m) {
			item := m[p]
			if item == nil {
				continue
			}
			base, servers := docBase, docServers
			if len(item.Servers) > 0 {
				// Path-level servers already override the document's.
				base, servers = splitServers(item.Servers)
			}
			entries = append(entries, splitByOperationServers(in, p, item, base, servers)...)
		}
	}
	return entries
}

// splitByOperationServers makes the entries of one path item. Operations
// with servers of their own keep them, reduced to scheme and host, when
// they share the path's base path; an operation served under another base
// path moves to that base path, in an entry of its own, since a path
// carries one base path only.
func splitByOperationServers(in *prepared, p string, item *openapi3.PathItem, base string, servers openapi3.Servers) []*pathEntry {
	entry := func(base string, servers openapi3.Servers) *pathEntry {
		return &pathEntry{
			in:        in,
			original:  p,
			item:      item,
			ops:       map[string]*openapi3.Operation{},
			opServers: map[string]openapi3.Servers{},
			servers:   servers,
			merged:    joinPath(base, p),
		}
	}
	main := entry(base, servers)
	others := map[string]*pathEntry{}
	ops := item.Operations()
	for _, method := range orderedKeys(ops) {
		op := ops[method]
		if op.Servers == nil || len(*op.Servers) == 0 {
			main.ops[method] = op
			continue
		}
		opBase, opServers := splitServers(*op.Servers)
		target := main
		if opBase != base {
			if others[opBase] == nil {
				others[opBase] = entry(opBase, nil)
			}
			target = others[opBase]
		}
		target.ops[method] = op
		target.opServers[method] = opServers
	}
	var out []*pathEntry
	if len(main.ops) > 0 || len(others) == 0 {
		out = append(out, main)
	}
	for _, b := range orderedKeys(others) {
		out = append(out, others[b])
	}
	return out
}

// splitServers returns the base path of the first server, with server
// variables at their defaults, and the servers that serve that base path
// reduced to their scheme and host, as path-level servers for the merged
// document. A server at another base path cannot serve the prefixed paths
// and is left out; a relative server ("/v1") contributes its base path only.
func splitServers(servers openapi3.Servers) (string, openapi3.Servers) {
	var base string
	var out openapi3.Servers
	first := true
	for _, s := range servers {
		if s == nil {
			continue
		}
		origin, path := splitURL(substituteVariables(s.URL, s.Variables))
		path = strings.TrimRight(path, "/")
		if path != "" && !strings.HasPrefix(path, "/") {
			// "api.example.com/v1", written without a scheme, is a
			// relative URL; a path must still begin with a slash.
			path = "/" + path
		}
		if first {
			base = path
			first = false
		} else if path != base {
			continue
		}
		if origin == "" {
			continue
		}
		ns := &openapi3.Server{Extensions: s.Extensions, URL: origin, Description: s.Description}
		if rawOrigin, rawPath := splitURL(s.URL); strings.Contains(rawOrigin, "{") && !strings.Contains(rawPath, "{") {
			// Keep a templated host ("{tenant}.example.com") templated.
			ns.URL = rawOrigin
			ns.Variables = s.Variables
		}
		out = append(out, ns)
	}
	return base, out
}

// substituteVariables replaces every {name} by the variable's default, the
// URL a client uses unless told otherwise.
func substituteVariables(u string, vars map[string]*openapi3.ServerVariable) string {
	if !strings.Contains(u, "{") {
		return u
	}
	for _, name := range orderedKeys(vars) {
		if v := vars[name]; v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	return u
}

// splitURL splits a server URL into "scheme://host[:port]" and its path.
func splitURL(u string) (origin, path string) {
	rest := u
	prefix := 0
	if i := strings.Index(u, "://"); i >= 0 {
		prefix = i + 3
	} else if strings.HasPrefix(u, "//") {
		prefix = 2
	} else {
		return "", u
	}
	rest = u[prefix:]
	j := strings.IndexAny(rest, "/?#")
	if j < 0 {
		return u, ""
	}
	path = rest[j:]
	if k := strings.IndexAny(path, "?#"); k >= 0 {
		path = path[:k]
	}
	return u[:prefix+j], path
}

func joinPath(base, p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return base + p
}

// templateShape replaces every path parameter by "{}": "/a/{id}" and
// "/a/{name}" are one path to a router, so they collide.
func templateShape(p string) string {
	if !strings.Contains(p, "{") {
		return p
	}
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '{':
			if depth == 0 {
				b.WriteString("{}")
			}
			depth++
		case r == '}' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// keyPrefix turns a group key into a path prefix, one segment per key
// segment: "/prod/main/books/public-api".
func keyPrefix(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = sanitizeName(s)
	}
	return "/" + strings.Join(segs, "/")
}

// maxPrefixRounds bounds resolveCollisions: one round settles every real
// fleet; a second is needed only when a prefixed path meets another
// input's path that already begins with that prefix.
const maxPrefixRounds = 4

// resolveCollisions prefixes, with its input's key, every path that has
// the same shape as a path of another input. Every colliding input is
// prefixed, not only the later ones, so that the result does not depend on
// which input came first and a group's paths do not move when another
// group with the same paths appears or disappears elsewhere in the fleet.
func resolveCollisions(entries []*pathEntry) ([]Collision, error) {
	var collisions []Collision
	for round := 0; round < maxPrefixRounds; round++ {
		groups := map[string][]*pathEntry{}
		for _, e := range entries {
			shape := templateShape(e.merged)
			groups[shape] = append(groups[shape], e)
		}
		var shapes []string
		for shape, es := range groups {
			if distinctInputs(es) > 1 {
				shapes = append(shapes, shape)
			}
		}
		if len(shapes) == 0 {
			return collisions, nil
		}
		sort.Strings(shapes)
		for _, shape := range shapes {
			es := groups[shape]
			sort.Slice(es, func(i, j int) bool {
				if es[i].in.index != es[j].in.index {
					return es[i].in.index < es[j].in.index
				}
				return es[i].merged < es[j].merged
			})
			c := Collision{Path: es[0].merged}
			var moved []string
			for _, e := range es {
				if len(c.Keys) == 0 || c.Keys[len(c.Keys)-1] != e.in.Key {
					c.Keys = append(c.Keys, e.in.Key)
				}
				e.merged = keyPrefix(e.in.Key) + e.merged
				moved = append(moved, e.merged)
			}
			c.Resolution = "prefixed with each input's key: " + strings.Join(moved, ", ")
			collisions = append(collisions, c)
		}
	}
	return nil, fmt.Errorf("merge: paths still collide after %d rounds of prefixing", maxPrefixRounds)
}

func distinctInputs(es []*pathEntry) int {
	seen := map[int]bool{}
	for _, e := range es {
		seen[e.in.index] = true
	}
	return len(seen)
}

// planOperationIDs makes operationIds unique. An id used by several
// inputs is renamed in every one of them, "<id>_<suffix>" with the
// shortest tail of the key that tells them apart; an id repeated inside
// one input (invalid, but loaded leniently) is numbered from its second
// use on. Links that name a renamed operation follow it.
func planOperationIDs(entries []*pathEntry, rn []*renames) []Rename {
	type use struct {
		e      *pathEntry
		method string
	}
	byID := map[string][]use{}
	for _, e := range entries {
		ops := e.ops
		for _, method := range orderedKeys(ops) {
			if id := ops[method].OperationID; id != "" {
				byID[id] = append(byID[id], use{e: e, method: method})
			}
		}
	}
	taken := map[string]bool{}
	var ids []string
	for id, uses := range byID {
		if len(uses) == 1 {
			taken[id] = true
		} else {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var out []Rename
	for _, id := range ids {
		uses := byID[id]
		var keys []string
		for _, u := range uses {
			if len(keys) == 0 || keys[len(keys)-1] != u.e.in.Key {
				keys = append(keys, u.e.in.Key)
			}
		}
		suffixes := map[string]string{}
		if len(keys) > 1 {
			for i, s := range distinguishingSuffixes(keys) {
				suffixes[keys[i]] = s
			}
		}
		nth := map[string]int{}
		for _, u := range uses {
			key := u.e.in.Key
			nth[key]++
			to := id
			if s, ok := suffixes[key]; ok {
				to += "_" + s
			}
			if nth[key] > 1 {
				to += "_" + strconv.Itoa(nth[key])
			}
			to = unusedName(to, taken)
			taken[to] = true
			if u.e.operationIDs == nil {
				u.e.operationIDs = map[string]string{}
			}
			u.e.operationIDs[u.method] = to
			if nth[key] == 1 {
				rn[u.e.in.index].operations[id] = to
			}
			out = append(out, Rename{Kind: "operationId", Key: key, From: id, To: to})
		}
	}
	return out
}

// mergePathItem copies one path item into the merged document: servers
// reduced to scheme and host, references renamed, and every operation
// made explicit about its security and marked with its source.
func mergePathItem(e *pathEntry, tags *tagPlan) *openapi3.PathItem {
	item := *e.item
	// A path item written as a $ref is written out in full: its operations
	// changed, and the place it pointed to is not part of the result.
	item.Ref = ""
	item.Servers = e.servers
	item.Parameters = rewriteAny(e.in.rewriter, e.item.Parameters)
	if item.AdditionalOperations != nil {
		// SetOperation writes custom methods into this map; it must not be
		// the input's.
		item.AdditionalOperations = maps.Clone(item.AdditionalOperations)
	}
	for method := range e.item.Operations() {
		if e.ops[method] == nil {
			item.SetOperation(method, nil)
		}
	}
	for method, op := range e.ops {
		item.SetOperation(method, mergeOperation(e, method, op, tags))
	}
	return &item
}

func mergeOperation(e *pathEntry, method string, op *openapi3.Operation, tags *tagPlan) *openapi3.Operation {
	c := *op
	if c.Security == nil && len(e.in.Doc.Security) > 0 {
		// The merged document has no top-level security: an operation
		// that inherited its document's gets it written out.
		inherited := e.in.Doc.Security
		c.Security = &inherited
	}
	if servers, ok := e.opServers[method]; ok {
		c.Servers = nil
		if len(servers) > 0 {
			c.Servers = &servers
		}
	}
	out := rewriteAny(e.in.rewriter, &c)
	if id, ok := e.operationIDs[method]; ok {
		out.OperationID = id
	}
	if len(op.Tags) > 0 {
		out.Tags = make([]string, len(op.Tags))
		for i, t := range op.Tags {
			out.Tags[i] = tags.name(e.in.index, t)
		}
	}
	ext := make(map[string]any, len(op.Extensions)+1)
	maps.Copy(ext, op.Extensions)
	ext[SourceExtension] = Source{
		Key:       e.in.Key,
		Instance:  e.in.Instance,
		Workspace: e.in.Workspace,
		Group:     e.in.Group,
		Path:      e.original,
	}
	out.Extensions = ext
	return out
}

// mergeWebhooks (OpenAPI 3.1) keeps every webhook; a name used by several
// inputs becomes "<key>/<name>" in each.
func mergeWebhooks(inputs []*prepared) (map[string]*openapi3.PathItem, []Rename) {
	users := map[string]int{}
	for _, in := range inputs {
		for name := range in.Doc.Webhooks {
			users[name]++
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	out := map[string]*openapi3.PathItem{}
	var renamed []Rename
	for _, in := range inputs {
		for _, name := range orderedKeys(in.Doc.Webhooks) {
			to := name
			if users[name] > 1 {
				to = in.Key + "/" + name
				renamed = append(renamed, Rename{Kind: "webhook", Key: in.Key, From: name, To: to})
			}
			out[to] = rewriteAny(in.rewriter, in.Doc.Webhooks[name])
		}
	}
	return out, renamed
}

func orderedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
