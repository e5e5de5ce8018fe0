package diff

import (
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
)

// nothingSilent runs the generic comparison after the rules and turns
// every difference no finding claims into one (see law.go).
func (d *differ) nothingSilent() {
	bRoot, rRoot := rootMapping(d.base.root), rootMapping(d.revision.root)
	if bRoot == nil || rRoot == nil {
		return
	}
	w := &lawWalker{base: bRoot, revision: rRoot, visited: make(map[string]bool)}
	w.bDocServers, w.rDocServers = mapGet(bRoot, "servers"), mapGet(rRoot, "servers")
	doc := lawSite{dir: dirRequest, area: areaDocument}

	if a, z := serversText(w.bDocServers), serversText(w.rDocServers); a != z {
		c := w.emit(doc, "servers", "servers", kindOf(w.bDocServers, w.rDocServers), w.bDocServers, w.rDocServers)
		c.oldText, c.newText = a, z
	}
	bSec, rSec := mapGet(bRoot, "security"), mapGet(rRoot, "security")
	if a, z := securityText(bSec), securityText(rSec); !slices.Equal(a, z) {
		var inheriting []string
		for _, key := range sortedOperationKeys(d.base, d.revision) {
			revisionRef := d.revision.operations[key]
			baseRef, _ := d.base.matchOperation(d.revision, revisionRef)
			if baseRef.op.Security == nil && revisionRef.op.Security == nil {
				inheriting = append(inheriting, key)
			}
		}
		if len(inheriting) > 0 {
			c := w.emit(lawSite{dir: dirRequest, area: areaOperation, scope: findingScope{operations: inheriting}}, "security", "security", kindModified, bSec, rSec)
			c.oldText, c.newText = strings.Join(a, " or "), strings.Join(z, " or ")
		}
	}

	bPaths, rPaths := mapGet(bRoot, "paths"), mapGet(rRoot, "paths")
	for _, key := range sortedOperationKeys(d.base, d.revision) {
		revisionRef := d.revision.operations[key]
		baseRef, _ := d.base.matchOperation(d.revision, revisionRef)
		bItem, rItem := resolve(bRoot, mapGet(bPaths, baseRef.path)), resolve(rRoot, mapGet(rPaths, revisionRef.path))
		bOp, rOp := methodNode(bItem, baseRef.method), methodNode(rItem, revisionRef.method)
		w.visited = make(map[string]bool)
		w.operation(lawSite{dir: dirRequest, scope: findingScope{operation: key}}, bItem, bOp, rItem, rOp, baseRef.path, revisionRef.path, bSec, rSec)
	}

	// Webhooks: the API sends the request, the client answers.
	bHooks, rHooks := mapGet(bRoot, "webhooks"), mapGet(rRoot, "webhooks")
	for _, name := range unionKeys(bHooks, rHooks) {
		if nonContract(name) {
			continue
		}
		w.visited = make(map[string]bool)
		s := lawSite{dir: dirResponse, scope: findingScope{operation: "webhook " + name}}
		w.pathItem(s, "webhooks."+name+".", "webhooks", mapGet(bHooks, name), mapGet(rHooks, name), name, name)
	}

	d.compareComponentTrees(w, bRoot, rRoot)
	d.classify(w.out)
}

func methodNode(item *yaml.Node, method string) *yaml.Node {
	for _, k := range mapKeys(item) {
		if strings.EqualFold(k, method) {
			return mapGet(item, k)
		}
	}
	return nil
}

// compareComponentTrees compares each component schema once per
// direction it is used in; components no operation reaches are reported
// once, at the component, as info.
func (d *differ) compareComponentTrees(w *lawWalker, bRoot, rRoot *yaml.Node) {
	bComp, rComp := mapGet(bRoot, "components"), mapGet(rRoot, "components")
	if bComp == nil && rComp == nil {
		return
	}
	reached := reachableRefs(bRoot)
	for ref := range reachableRefs(rRoot) {
		reached[ref] = true
	}
	for _, kind := range unionKeys(bComp, rComp) {
		if nonContract(kind) {
			continue
		}
		bk, rk := mapGet(bComp, kind), mapGet(rComp, kind)
		for _, name := range unionKeys(bk, rk) {
			bn, rn := mapGet(bk, name), mapGet(rk, name)
			loc := "components." + kind + "." + name
			ref := "#/components/" + kind + "/" + name
			switch kind {
			case "schemas":
				if bn != nil && rn != nil && d.compareComponentSchema(w, name, loc, bn, rn, reached[ref]) {
					continue
				}
			case "securitySchemes":
				if bn != nil && rn != nil {
					w.visited = make(map[string]bool)
					w.generic(lawSite{dir: dirRequest, area: areaSecurityScheme}, loc, bn, rn)
					continue
				}
			default:
				if reached[ref] && bn != nil && rn != nil {
					// Compared inside every operation using it.
					continue
				}
			}
			if canon(resolve(bRoot, bn)) == canon(resolve(rRoot, rn)) {
				continue
			}
			if reached[ref] && (bn == nil || rn == nil) {
				// A used component that came or went: the references to
				// it changed too, and are judged where they are.
				continue
			}
			what := "changed"
			switch {
			case bn == nil:
				what = "was added"
			case rn == nil:
				what = "was removed"
			}
			d.report(RuleUnusedComponentChanged, findingScope{}, loc, "component %s %s; no operation uses it", name, what)
		}
	}
}

// compareComponentSchema walks a component schema in each direction it is
// used; it reports whether it was used at all.
func (d *differ) compareComponentSchema(w *lawWalker, name, loc string, bn, rn *yaml.Node, reached bool) bool {
	used := false
	for _, dir := range []direction{dirRequest, dirResponse} {
		ops := mergeSorted(d.revision.usage.operations(name, dir), d.base.usage.operations(name, dir))
		if len(ops) == 0 {
			continue
		}
		used = true
		w.visited = make(map[string]bool)
		w.schema(lawSite{dir: dir, scope: findingScope{operations: ops}}, loc, bn, rn)
	}
	if !used && reached {
		// Reached only from callbacks, webhooks or other components'
		// links: judged in both directions, for no listed operation.
		for _, dir := range []direction{dirRequest, dirResponse} {
			w.visited = make(map[string]bool)
			w.schema(lawSite{dir: dir}, loc, bn, rn)
		}
		return true
	}
	return used
}

// reachableRefs lists every local component reference reachable from the
// document's paths and webhooks, through any chain of components.
func reachableRefs(root *yaml.Node) map[string]bool {
	seen := make(map[string]bool)
	var stack []*yaml.Node
	for _, key := range []string{"paths", "webhooks"} {
		if n := mapGet(root, key); n != nil {
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil {
			continue
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					ref := v.Value
					if strings.HasPrefix(ref, "#/components/") && !seen[ref] {
						seen[ref] = true
						stack = append(stack, pointer(root, ref[2:]))
					}
					continue
				}
				stack = append(stack, v)
			}
		case yaml.SequenceNode:
			stack = append(stack, n.Content...)
		}
	}
	// Security requirements name schemes without a $ref.
	return seen
}

// claimIndex maps a location to the contract findings made there.
func (d *differ) claimIndex() map[string][]Finding {
	idx := make(map[string][]Finding)
	for _, f := range d.findings {
		idx[f.Location] = append(idx[f.Location], f)
	}
	return idx
}

// claimed reports whether a rule's finding already covers a difference:
// same operations, and the same place and a keyword the rule judges, or
// an enclosing place the rule judges as a whole.
func (d *differ) claimed(idx map[string][]Finding, c rawChange) bool {
	for _, loc := range ancestors(c.loc) {
		for _, f := range idx[loc] {
			r, ok := d.rules[f.ID]
			if !ok || !overlap(f, c.scope) {
				continue
			}
			whole := slices.Contains(r.Keywords, "*")
			if whole || (loc == c.loc && slices.Contains(r.Keywords, c.keyword)) {
				return true
			}
		}
	}
	return false
}

// ancestors lists loc and every enclosing location, innermost first.
func ancestors(loc string) []string {
	out := []string{loc}
	for i := len(loc) - 1; i > 0; i-- {
		if loc[i] == '.' || loc[i] == '[' {
			out = append(out, loc[:i])
		}
	}
	return out
}

func overlap(f Finding, s findingScope) bool {
	ops := s.operations
	if s.operation != "" {
		ops = []string{s.operation}
	}
	affected := f.Affected()
	if len(ops) == 0 || len(affected) == 0 {
		return len(ops) == 0 && len(affected) == 0
	}
	for _, op := range ops {
		if slices.Contains(affected, op) {
			return true
		}
	}
	return false
}

// classify reports every difference no finding claims, by the keyword
// rules, else as contract-changed.
func (d *differ) classify(changes []rawChange) {
	idx := d.claimIndex()
	for _, c := range changes {
		if d.claimed(idx, c) {
			continue
		}
		id := classifyChange(c)
		if id == "" {
			id = RuleContractChanged
		}
		d.report(id, c.scope, c.loc, "%s", changeMessage(c))
	}
}

func changeMessage(c rawChange) string {
	old, new := c.oldText, c.newText
	if old == "" {
		old = valueText(c.keyword, c.old)
	}
	if new == "" {
		new = valueText(c.keyword, c.new)
	}
	switch c.kind {
	case kindAdded:
		if c.old == nil && c.oldText == "" {
			old = "(none)"
		}
	case kindRemoved:
		if c.new == nil && c.newText == "" {
			new = "(none)"
		}
	}
	return c.keyword + " at " + c.loc + ": " + old + " → " + new
}
