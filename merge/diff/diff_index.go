package diff

import (
	"maps"
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The reverse index behind root-cause findings: for every schema in
// components/schemas, the operations that reach it — through any chain of
// $refs — from their request and from their responses. A change inside the
// component is then reported once, with that list, in the direction(s) it
// is used.

const schemaRefPrefix = "#/components/schemas/"

// componentUsage maps a component schema name to the operations reaching
// it, per direction. An operation is kept as its index in ops (sorted
// keys): Stripe's operations each reach hundreds of components, and lists
// of strings that long cost more to build than the comparison.
type componentUsage struct {
	ops    []string
	byName map[string]*usedBy
}

type usedBy struct {
	request  []int32
	response []int32
	// keys holds the lists as keys, once asked for (request, response).
	keys [2][]string
}

// operations lists, sorted, the operation keys reaching the component.
// The list is shared: callers do not modify it.
func (u componentUsage) operations(name string, dir direction) []string {
	entry := u.byName[name]
	if entry == nil {
		return nil
	}
	ids, slot := entry.response, 1
	if dir == dirRequest {
		ids, slot = entry.request, 0
	}
	if len(ids) == 0 {
		return nil
	}
	if entry.keys[slot] == nil {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = u.ops[id]
		}
		entry.keys[slot] = out
	}
	return entry.keys[slot]
}

func indexComponentUsage(m *specModel) componentUsage {
	g := newRefGraph(m)
	usage := componentUsage{ops: slices.Sorted(maps.Keys(m.operations)), byName: make(map[string]*usedBy)}
	var request, response []string
	for i, key := range usage.ops {
		ref := m.operations[key]
		request, response = request[:0], response[:0]
		for _, p := range effectiveParameters(ref) {
			request = append(request, directRefs(parameterSchema(p))...)
		}
		if body := ref.op.RequestBody; body != nil {
			for _, mt := range body.Content.FromOldest() {
				request = append(request, directRefs(mt.Schema)...)
			}
		}
		for _, resp := range responsesOf(ref.op.Responses) {
			for _, mt := range resp.Content.FromOldest() {
				response = append(response, directRefs(mt.Schema)...)
			}
			for _, h := range resp.Headers.FromOldest() {
				response = append(response, directRefs(h.Schema)...)
			}
		}
		for _, name := range g.reachable(request) {
			entry := usage.entry(name)
			entry.request = append(entry.request, int32(i))
		}
		for _, name := range g.reachable(response) {
			entry := usage.entry(name)
			entry.response = append(entry.response, int32(i))
		}
	}
	return usage
}

func (u componentUsage) entry(name string) *usedBy {
	e := u.byName[name]
	if e == nil {
		e = &usedBy{}
		u.byName[name] = e
	}
	return e
}

// refGraph is the component reference graph with integer ids, so the
// closure for each of thousands of operations costs no allocation per
// visited node.
type refGraph struct {
	ids   map[string]int
	names []string
	edges [][]int
	// mark[i] == stamp means visited in the current walk.
	mark  []uint32
	stamp uint32
	// queue and out are reused from walk to walk.
	queue []int
	out   []string
}

func newRefGraph(m *specModel) *refGraph {
	g := &refGraph{ids: make(map[string]int)}
	if m.doc.Components == nil {
		return g
	}
	refs := make([][]string, 0, m.doc.Components.Schemas.Len())
	for name, proxy := range m.doc.Components.Schemas.FromOldest() {
		g.id(name)
		refs = append(refs, directRefs(proxy))
	}
	g.edges = make([][]int, len(g.names))
	for i, targets := range refs {
		for _, t := range targets {
			g.edges[i] = append(g.edges[i], g.id(t))
		}
	}
	return g
}

// id numbers a component, including a dangling reference's target.
func (g *refGraph) id(name string) int {
	if i, ok := g.ids[name]; ok {
		return i
	}
	i := len(g.names)
	g.ids[name] = i
	g.names = append(g.names, name)
	g.edges = append(g.edges, nil)
	g.mark = append(g.mark, 0)
	return i
}

// reachable is the closure of roots over the reference graph; visiting
// each node once makes cycles harmless. The list is valid until the next
// call.
func (g *refGraph) reachable(roots []string) []string {
	if len(roots) == 0 {
		return nil
	}
	g.stamp++
	queue := g.queue[:0]
	for _, r := range roots {
		queue = append(queue, g.id(r))
	}
	out := g.out[:0]
	defer func() { g.queue, g.out = queue, out }()
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if g.mark[i] == g.stamp {
			continue
		}
		g.mark[i] = g.stamp
		out = append(out, g.names[i])
		queue = append(queue, g.edges[i]...)
	}
	return out
}

// directRefs lists the components a schema refers to without following
// any reference. It reads the schema's YAML node rather than building the
// model: most components never change, and building every one of them
// only to find its references would cost more than the whole comparison.
func directRefs(p *base.SchemaProxy) []string {
	if p == nil {
		return nil
	}
	if p.IsReference() {
		if name, ok := strings.CutPrefix(p.GetReference(), schemaRefPrefix); ok {
			return []string{name}
		}
		return nil
	}
	low := p.GoLow()
	if low == nil {
		return nil
	}
	var out []string
	collectRefs(low.GetValueNode(), 0, &out)
	return out
}

// collectRefs gathers the $ref targets under n. Aliases are not followed,
// so a hostile document cannot loop it; depth is capped as well.
func collectRefs(n *yaml.Node, depth int, out *[]string) {
	if n == nil || depth > 4*maxSchemaDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Value == "$ref" && value.Kind == yaml.ScalarNode {
				if name, ok := strings.CutPrefix(value.Value, schemaRefPrefix); ok {
					*out = append(*out, name)
				}
				continue
			}
			collectRefs(value, depth+1, out)
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			collectRefs(c, depth+1, out)
		}
	}
}

// responsesOf lists an operation's responses, default included.
func responsesOf(rs *v3.Responses) []*v3.Response {
	if rs == nil {
		return nil
	}
	var out []*v3.Response
	for _, r := range rs.Codes.FromOldest() {
		out = append(out, r)
	}
	if rs.Default != nil {
		out = append(out, rs.Default)
	}
	return out
}
