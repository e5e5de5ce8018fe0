package xanotest

import (
	"fmt"
	"strings"
)

// Edit kinds: what a nightly change did to one group. The ids are stable;
// tests compare them with what a diff reports.
const (
	EditOperationRemoved        = "operation-removed"
	EditOperationAdded          = "operation-added"
	EditParameterBecameRequired = "parameter-became-required"
	EditResponseTypeChanged     = "response-property-type-changed"
	EditEnumValueAdded          = "enum-value-added"
	EditEnumValueRemoved        = "enum-value-removed"
	EditDescriptionChanged      = "description-changed"
	EditBecameInvalid           = "became-invalid"
	EditGroupRemoved            = "group-removed"
	EditGroupAdded              = "group-added"
)

// EditKinds lists every kind in the order each transition applies them.
var EditKinds = []string{
	EditOperationRemoved, EditOperationAdded, EditParameterBecameRequired, EditResponseTypeChanged,
	EditEnumValueAdded, EditEnumValueRemoved, EditDescriptionChanged, EditBecameInvalid,
	EditGroupRemoved, EditGroupAdded,
}

// Edit is one change between two generations, the ground truth a diff is
// checked against. It is served as JSON by GET /__sim/edits; the field
// names are part of the simulator's contract.
type Edit struct {
	Generation int    `json:"generation"` // the generation the edit first shows in
	Instance   string `json:"instance"`
	Workspace  string `json:"workspace"`
	Group      string `json:"group"`
	GroupID    int    `json:"group_id"`
	Kind       string `json:"kind"`
	Operation  string `json:"operation,omitempty"` // "GET /books", when one operation is concerned
	Detail     string `json:"detail"`
}

// plan decides the edits that turn generation to-1 into generation to.
// Each edit kind goes to its own group, chosen among the valid OpenAPI 3.0
// groups alive at to-1 (one extra group per kind for every thousand groups),
// so a diff of any one group shows one kind of change. Callers hold g.mu.
func (g *generator) plan(to int) *step {
	s := &step{to: to, byGroup: map[int][]Edit{}, removed: map[int]bool{}}
	rng := newRand(g.opts.Seed, "plan", to)
	alive := g.aliveAt(to - 1)
	invalid := map[int]bool{}
	for _, prev := range g.steps {
		for _, e := range prev.edits {
			if e.Kind == EditBecameInvalid {
				invalid[e.GroupID] = true
			}
		}
	}
	var candidates []*groupDef
	for _, d := range alive {
		if d.group.Format == FormatOpenAPI30 && d.broken == "" && !invalid[d.group.ID] {
			candidates = append(candidates, d)
		}
	}
	rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	perKind := 1 + len(alive)/1000
	used := map[int]bool{}
	for _, kind := range EditKinds {
		for n := 0; n < perKind; n++ {
			if kind == EditGroupAdded {
				s.addGroup(g, to, rng.IntN(len(g.skeleton)*g.opts.Workspaces))
				continue
			}
			for _, d := range candidates {
				if used[d.group.ID] {
					continue
				}
				m := g.modelLocked(d, to-1)
				op, detail, ok := applyEdit(&m, kind, to)
				if !ok {
					continue
				}
				used[d.group.ID] = true
				inst := g.skeleton[d.inst]
				e := Edit{Generation: to, Instance: inst.Name, Workspace: inst.Workspaces[d.ws].Name,
					Group: d.group.Name, GroupID: d.group.ID, Kind: kind, Operation: op, Detail: detail}
				s.edits = append(s.edits, e)
				s.byGroup[d.group.ID] = append(s.byGroup[d.group.ID], e)
				if kind == EditGroupRemoved {
					s.removed[d.group.ID] = true
					d.died = to
				}
				break
			}
		}
	}
	return s
}

func (s *step) addGroup(g *generator, to, slot int) {
	inst := g.skeleton[slot/g.opts.Workspaces]
	ws := inst.Workspaces[slot%g.opts.Workspaces]
	id := g.nextID
	g.nextID++
	name := fmt.Sprintf("%s %d", addedGroupNames[(to+slot)%len(addedGroupNames)], to)
	d := &groupDef{inst: slot / g.opts.Workspaces, ws: slot % g.opts.Workspaces, born: to, group: Group{
		ID:        id,
		Name:      name,
		Canonical: newCanonical(g.opts.Seed, id, map[string]bool{}),
		Host:      inst.Name,
		Format:    FormatOpenAPI30,
		Expect:    ExpectValid,
	}}
	g.defs[id] = d
	s.added = append(s.added, d)
	e := Edit{Generation: to, Instance: inst.Name, Workspace: ws.Name, Group: name, GroupID: id,
		Kind: EditGroupAdded, Detail: "group " + name + " added"}
	s.edits = append(s.edits, e)
}

// applyEdit changes m as an edit of the given kind made in generation to
// does, and says which operation it touched. It is deterministic: planning
// calls it to check that the edit applies, rendering calls it again to
// replay the edit. ok is false when the model offers nothing to edit.
func applyEdit(m *groupModel, kind string, to int) (operation, detail string, ok bool) {
	li := m.listingOp()
	switch kind {
	case EditOperationRemoved:
		for i := len(m.ops) - 1; i >= 0; i-- {
			if !m.ops[i].listing {
				name := m.ops[i].name()
				m.ops = append(m.ops[:i], m.ops[i+1:]...)
				return name, "operation " + name + " removed", true
			}
		}
	case EditOperationAdded:
		op := opModel{verb: "GET", path: fmt.Sprintf("/reports/daily_%d", to), summary: "Daily report", auth: true,
			params: []paramModel{{name: "date", in: "query", schema: prop{typ: "string", format: "date"}}},
			resp:   prop{typ: "object", props: []prop{int64Prop("count"), timestampProp("generated_at")}}}
		m.ops = append(m.ops, op)
		return op.name(), "operation " + op.name() + " added", true
	case EditParameterBecameRequired:
		if li < 0 {
			return "", "", false
		}
		op := &m.ops[li]
		for i := range op.params {
			p := &op.params[i]
			if p.in == "query" && !p.required {
				p.required = true
				return op.name(), "query parameter " + p.name + " became required", true
			}
		}
	case EditResponseTypeChanged:
		if rec := listingRecord(m); rec != nil {
			for i := range rec.props {
				p := &rec.props[i]
				if p.typ == "integer" && p.name != "id" {
					p.typ, p.format = "string", ""
					return m.ops[li].name(), "response property items[]." + p.name + " changed type from integer to string", true
				}
			}
		}
	case EditEnumValueAdded, EditEnumValueRemoved:
		rec := listingRecord(m)
		if rec == nil {
			return "", "", false
		}
		param, resp := enumOf(m.ops[li].params), enumProp(rec)
		if param == nil || resp == nil {
			return "", "", false
		}
		if kind == EditEnumValueAdded {
			value := fmt.Sprintf("archived_%d", to)
			param.enum = append(param.enum, value)
			resp.enum = append(resp.enum, value)
			return m.ops[li].name(), "enum value " + value + " added to query parameter status and response property items[].status", true
		}
		if len(param.enum) < 2 || len(resp.enum) < 2 {
			return "", "", false
		}
		value := param.enum[len(param.enum)-1]
		param.enum = param.enum[:len(param.enum)-1]
		resp.enum = removeValue(resp.enum, value)
		return m.ops[li].name(), "enum value " + value + " removed from query parameter status and response property items[].status", true
	case EditDescriptionChanged:
		m.description = strings.TrimSpace(m.description + fmt.Sprintf(" Revised in generation %d.", to))
		for i := range m.ops {
			m.ops[i].summary = strings.TrimSpace(m.ops[i].summary + " (revised)")
		}
		return "", "info and operation descriptions changed", true
	case EditBecameInvalid:
		if li < 0 {
			return "", "", false
		}
		m.danglingRef = fmt.Sprintf("Record%d", to)
		return m.ops[li].name(), "200 response refers to #/components/schemas/" + m.danglingRef + ", which does not exist", true
	case EditGroupRemoved:
		return "", "group removed", true
	}
	return "", "", false
}

func listingRecord(m *groupModel) *prop {
	li := m.listingOp()
	if li < 0 {
		return nil
	}
	for i := range m.ops[li].resp.props {
		if p := &m.ops[li].resp.props[i]; p.name == "items" && p.items != nil {
			return p.items
		}
	}
	return nil
}

func enumOf(params []paramModel) *prop {
	for i := range params {
		if params[i].schema.enum != nil {
			return &params[i].schema
		}
	}
	return nil
}

func enumProp(rec *prop) *prop {
	for i := range rec.props {
		if rec.props[i].enum != nil {
			return &rec.props[i]
		}
	}
	return nil
}

func removeValue(values []string, v string) []string {
	out := values[:0:0]
	for _, x := range values {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
