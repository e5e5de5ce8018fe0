package merge

import (
	"crypto/sha256"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// componentField is the field of openapi3.Components that holds a kind:
// schemas → Schemas, requestBodies → RequestBodies, and so on.
func componentField(kind string) string {
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// member is one component as one input defines it.
type member struct {
	input int // index into the sorted inputs
	kind  string
	name  string
	value reflect.Value // a *XRef, as in the input's Components
	hash  [sha256.Size]byte
	deps  []componentRef
	class int
}

// componentPlan says, for every component of every input, under which name
// it lives in the merged document, and which input's copy is written.
type componentPlan struct {
	// final lists the merged components per kind: name → the member whose
	// value is written (the first input, by key, of its class).
	final map[string]map[string]*member
	// renames per input index.
	renames []*renames
	report  []Rename
}

// planComponents decides which components are shared and which renamed.
//
// Two components with one name are the same when they are equal field by
// field and every component they refer to is, recursively, the same too.
// This is computed by partition refinement rather than by pairwise
// recursive comparison: every component starts in the class of its own
// fields (a SHA-256 of a canonical encoding in which references count by
// their text), and classes are split, round after round, until the
// components of a class also refer to components of equal classes. The
// result is the largest consistent equivalence, so reference cycles need
// no special care, and the cost is linear in the size of the components
// times the depth of the reference graph, however many inputs share a name.
//
// renamesOf holds each input's operationId renames, which links follow,
// and receives its component renames.
func planComponents(inputs []*prepared, types *typeTable, renamesOf []*renames) *componentPlan {
	var members []*member
	for i, in := range inputs {
		for _, mb := range membersOf(in.Doc, types) {
			mb.input = i
			members = append(members, mb)
		}
	}
	return planMembers(members, inputs, renamesOf)
}

// membersOf fingerprints every component of one document. The members
// carry their values, for buildComponents; a Digest keeps only their
// fingerprints.
func membersOf(doc *openapi3.T, types *typeTable) []*member {
	if doc == nil || doc.Components == nil {
		return nil
	}
	var members []*member
	f := &fingerprinter{types: types}
	comps := reflect.ValueOf(doc.Components).Elem()
	for _, kind := range componentKinds {
		m := comps.FieldByName(componentField(kind))
		for _, name := range sortedMapKeys(m) {
			v := m.MapIndex(name)
			if v.IsNil() {
				continue
			}
			f.reset()
			f.walk(v)
			members = append(members, &member{
				kind:  kind,
				name:  name.String(),
				value: v,
				hash:  sha256.Sum256(f.buf),
				deps:  append([]componentRef(nil), f.deps...),
			})
		}
	}
	return members
}

// planMembers decides names for members already fingerprinted, each with
// its input index set.
func planMembers(members []*member, inputs []*prepared, renamesOf []*renames) *componentPlan {
	index := map[int]map[componentRef]*member{}
	for i := range inputs {
		index[i] = map[componentRef]*member{}
	}
	for _, mb := range members {
		index[mb.input][componentRef{kind: mb.kind, name: mb.name}] = mb
	}

	refine(members, index, renamesOf)

	plan := &componentPlan{
		final:   map[string]map[string]*member{},
		renames: renamesOf,
	}
	byName := map[componentRef][]*member{}
	for _, mb := range members {
		ref := componentRef{kind: mb.kind, name: mb.name}
		byName[ref] = append(byName[ref], mb)
	}
	for _, kind := range componentKinds {
		plan.final[kind] = nameKind(kind, byName, inputs, plan)
	}
	return plan
}

// refine splits the members into classes of equal components (see
// planComponents). A reference to a component its input does not define
// counts by its text, so two dangling references to one name are equal. A
// link's operationId counts by the id it will have in the merged document.
func refine(members []*member, index map[int]map[componentRef]*member, renamesOf []*renames) {
	ids := map[string]int{}
	for _, mb := range members {
		sig := mb.kind + "\x00" + mb.name + "\x00" + string(mb.hash[:])
		id, ok := ids[sig]
		if !ok {
			id = len(ids)
			ids[sig] = id
		}
		mb.class = id
	}
	classes := len(ids)
	var sig strings.Builder
	next := make([]int, len(members))
	for {
		ids = map[string]int{}
		for i, mb := range members {
			sig.Reset()
			sig.WriteString(strconv.Itoa(mb.class))
			for _, d := range mb.deps {
				sig.WriteByte(',')
				if d.kind == operationDep {
					id := d.name
					if to, ok := renamesOf[mb.input].operations[id]; ok {
						id = to
					}
					sig.WriteString("op:" + strconv.Quote(id))
				} else if target, ok := index[mb.input][d]; ok {
					sig.WriteString(strconv.Itoa(target.class))
				} else {
					sig.WriteString("missing:" + d.kind + "/" + d.name)
				}
			}
			id, ok := ids[sig.String()]
			if !ok {
				id = len(ids)
				ids[sig.String()] = id
			}
			next[i] = id
		}
		for i, mb := range members {
			mb.class = next[i]
		}
		if len(ids) == classes {
			return
		}
		classes = len(ids)
	}
}

// nameKind names the merged components of one kind. A name whose
// definitions are all equal stays as it is. When one name has several
// different definitions, the one most inputs share keeps the name (the
// first input by key breaks a tie), and each other one is renamed
// "<name>_<suffix>", the suffix being the shortest tail of its first
// input's key (segments joined by dots) that tells the renamed ones apart:
// the group name alone, else "workspace.group", and so on. A name the
// specification does not allow is made valid first.
func nameKind(kind string, byName map[componentRef][]*member, inputs []*prepared, plan *componentPlan) map[string]*member {
	var names []string
	for ref := range byName {
		if ref.kind == kind {
			names = append(names, ref.name)
		}
	}
	sort.Strings(names)

	final := map[string]*member{}
	type pending struct {
		name    string
		classes [][]*member
		keep    bool // the first class is the name's holder, sanitized
	}
	var renamed []pending
	for _, name := range names {
		classes := groupClasses(byName[componentRef{kind: kind, name: name}])
		if validComponentName(name) {
			final[name] = classes[0][0]
			if len(classes) > 1 {
				renamed = append(renamed, pending{name: name, classes: classes})
			}
			continue
		}
		renamed = append(renamed, pending{name: name, classes: classes, keep: true})
	}
	for _, p := range renamed {
		base := sanitizeName(p.name)
		if p.keep {
			to := unusedName(base, final)
			final[to] = p.classes[0][0]
			plan.rename(inputs, kind, p.classes[0], to)
		}
		// Suffixes tell every definition apart, the holder's included,
		// so that no renamed one looks like the holder's group.
		keys := make([]string, len(p.classes))
		for i, c := range p.classes {
			keys[i] = inputs[c[0].input].Key
		}
		suffixes := distinguishingSuffixes(keys)
		for i, c := range p.classes[1:] {
			to := unusedName(base+"_"+suffixes[i+1], final)
			final[to] = c[0]
			plan.rename(inputs, kind, c, to)
		}
	}
	return final
}

// rename records that every member of a class is called to in the merged
// document.
func (plan *componentPlan) rename(inputs []*prepared, kind string, class []*member, to string) {
	for _, mb := range class {
		if mb.name == to {
			continue
		}
		rn := plan.renames[mb.input]
		if rn.components[kind] == nil {
			rn.components[kind] = map[string]string{}
		}
		rn.components[kind][mb.name] = to
		plan.report = append(plan.report, Rename{Kind: kind, Key: inputs[mb.input].Key, From: mb.name, To: to})
	}
}

// groupClasses orders the definitions of one name by class, each class by
// input, and the classes by size, largest first, then by their first
// input; inputs are sorted by key.
func groupClasses(members []*member) [][]*member {
	byClass := map[int][]*member{}
	var order []int
	for _, mb := range members {
		if _, ok := byClass[mb.class]; !ok {
			order = append(order, mb.class)
		}
		byClass[mb.class] = append(byClass[mb.class], mb)
	}
	for _, c := range byClass {
		sort.Slice(c, func(i, j int) bool { return c[i].input < c[j].input })
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := byClass[order[i]], byClass[order[j]]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a[0].input < b[0].input
	})
	out := make([][]*member, len(order))
	for i, id := range order {
		out[i] = byClass[id]
	}
	return out
}

// unusedName appends "_2", "_3", … until name is free in taken.
func unusedName[V any](name string, taken map[string]V) string {
	if _, ok := taken[name]; !ok {
		return name
	}
	for n := 2; ; n++ {
		cand := name + "_" + strconv.Itoa(n)
		if _, ok := taken[cand]; !ok {
			return cand
		}
	}
}

// validComponentName is the rule of the OpenAPI specification for the
// keys of components: ^[a-zA-Z0-9._-]+$.
func validComponentName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return false
		}
	}
	return true
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// sanitizeName makes any text a valid component name: every run of other
// characters becomes one dash.
func sanitizeName(s string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		if nameByte(s[i]) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteByte(s[i])
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

// distinguishingSuffixes returns, for distinct group keys, the shortest
// tails of their "/"-separated segments, joined by dots and made valid as
// names, that differ from each other: the group name alone when it is
// unique, "workspace.group" when two workspaces have a group of that name.
func distinguishingSuffixes(keys []string) []string {
	segments := make([][]string, len(keys))
	longest := 0
	for i, k := range keys {
		segments[i] = strings.Split(k, "/")
		longest = max(longest, len(segments[i]))
	}
	out := make([]string, len(keys))
	for n := 1; n <= longest; n++ {
		seen := map[string]bool{}
		unique := true
		for i, segs := range segments {
			from := max(0, len(segs)-n)
			out[i] = sanitizeName(strings.Join(segs[from:], "."))
			if seen[out[i]] {
				unique = false
			}
			seen[out[i]] = true
		}
		if unique {
			return out
		}
	}
	// Keys that differ only in characters sanitizeName drops: number them.
	for i := range out {
		out[i] = sanitizeName(strings.ReplaceAll(keys[i], "/", ".")) + "-" + strconv.Itoa(i+1)
	}
	return out
}

// buildComponents writes the merged components: each under its final name,
// the value of the first input of its class with that input's renames
// applied to the references inside it.
func buildComponents(plan *componentPlan, inputs []*prepared) *openapi3.Components {
	comps := &openapi3.Components{}
	cv := reflect.ValueOf(comps).Elem()
	for _, kind := range componentKinds {
		final := plan.final[kind]
		if len(final) == 0 {
			continue
		}
		field := cv.FieldByName(componentField(kind))
		m := reflect.MakeMapWithSize(field.Type(), len(final))
		for name, mb := range final {
			rw := inputs[mb.input].rewriter
			v := mb.value
			if rw.mask != 0 {
				if nv, changed := rw.walk(v); changed {
					v = nv
				}
			}
			m.SetMapIndex(reflect.ValueOf(name), v)
		}
		field.Set(m)
	}
	return comps
}
