package merge

import (
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// workspace is what tags are grouped by: a Xano workspace, or a single
// document when the input belongs to none.
type workspace struct {
	id    string // instance + workspace, or the key of a lone document
	label string // "<instance> / <workspace>", the x-tagGroups name
	name  string // the workspace name alone, the shortest useful suffix
}

func workspaceOf(in *prepared) workspace {
	switch {
	case in.Instance != "" && in.Workspace != "":
		return workspace{id: "w\x00" + in.Instance + "\x00" + in.Workspace, label: in.Instance + " / " + in.Workspace, name: in.Workspace}
	case in.Instance != "" || in.Workspace != "":
		label := in.Instance + in.Workspace
		return workspace{id: "w\x00" + in.Instance + "\x00" + in.Workspace, label: label, name: label}
	default:
		return workspace{id: "k\x00" + in.Key, label: in.Key, name: in.Key}
	}
}

// tagPlan holds the merged tags. Groups of one workspace share their tags
// (Xano names them after the endpoints' folders, so "auth" in two groups of
// one workspace is one thing). A tag name used in several workspaces is
// made distinct in each, "<tag> (<workspace>)", so that x-tagGroups can
// place every tag under exactly one workspace.
type tagPlan struct {
	names   []map[string]string // per input: tag → merged tag
	defs    map[string]*openapi3.Tag
	byGroup map[string]map[string]bool // x-tagGroups label → merged tags
	renames []Rename
}

func planTags(inputs []*prepared, entries []*pathEntry) *tagPlan {
	used := make([]map[string]bool, len(inputs))
	for i := range inputs {
		used[i] = map[string]bool{}
		for _, t := range inputs[i].Doc.Tags {
			if t != nil {
				used[i][t.Name] = true
			}
		}
	}
	for _, e := range entries {
		for _, op := range e.ops {
			for _, t := range op.Tags {
				used[e.in.index][t] = true
			}
		}
	}

	spaces := map[string]map[string]workspace{} // tag → workspace id → workspace
	for i, in := range inputs {
		ws := workspaceOf(in)
		for t := range used[i] {
			if spaces[t] == nil {
				spaces[t] = map[string]workspace{}
			}
			spaces[t][ws.id] = ws
		}
	}

	// Tags kept as they are claim their names first, so a renamed tag
	// never takes the name of one that stayed.
	final := map[string]map[string]string{} // tag → workspace id → merged tag
	taken := map[string]bool{}
	tagNames := orderedKeys(spaces)
	for _, t := range tagNames {
		if len(spaces[t]) == 1 {
			taken[t] = true
			for id := range spaces[t] {
				final[t] = map[string]string{id: t}
			}
		}
	}
	for _, t := range tagNames {
		if len(spaces[t]) == 1 {
			continue
		}
		final[t] = map[string]string{}
		suffix := func(ws workspace) string { return ws.name }
		names := map[string]int{}
		for _, ws := range spaces[t] {
			names[ws.name]++
		}
		for _, n := range names {
			if n > 1 {
				suffix = func(ws workspace) string { return ws.label }
			}
		}
		for _, id := range orderedKeys(spaces[t]) {
			to := unusedName(t+" ("+suffix(spaces[t][id])+")", taken)
			taken[to] = true
			final[t][id] = to
		}
	}

	plan := &tagPlan{
		names:   make([]map[string]string, len(inputs)),
		defs:    map[string]*openapi3.Tag{},
		byGroup: map[string]map[string]bool{},
	}
	for i, in := range inputs {
		ws := workspaceOf(in)
		plan.names[i] = map[string]string{}
		if plan.byGroup[ws.label] == nil {
			plan.byGroup[ws.label] = map[string]bool{}
		}
		for _, t := range orderedKeys(used[i]) {
			to := final[t][ws.id]
			plan.names[i][t] = to
			plan.byGroup[ws.label][to] = true
			if to != t {
				plan.renames = append(plan.renames, Rename{Kind: "tag", Key: in.Key, From: t, To: to})
			}
		}
		// The first input (by key) that describes a tag gives its
		// description.
		for _, t := range in.Doc.Tags {
			if t == nil {
				continue
			}
			to := plan.names[i][t.Name]
			if _, ok := plan.defs[to]; ok {
				continue
			}
			def := *t
			def.Name = to
			plan.defs[to] = &def
		}
		for _, t := range orderedKeys(used[i]) {
			to := plan.names[i][t]
			if _, ok := plan.defs[to]; !ok {
				plan.defs[to] = &openapi3.Tag{Name: to}
			}
		}
	}
	return plan
}

func (p *tagPlan) name(input int, tag string) string {
	if to, ok := p.names[input][tag]; ok {
		return to
	}
	return tag
}

// definitions are the merged document's tags, sorted by name.
func (p *tagPlan) definitions() openapi3.Tags {
	var out openapi3.Tags
	for _, name := range orderedKeys(p.defs) {
		out = append(out, p.defs[name])
	}
	return out
}

// TagGroup is one entry of x-tagGroups, the extension Redoc and other
// renderers use to group tags: here, one per workspace.
type TagGroup struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

func (p *tagPlan) groups() []TagGroup {
	var out []TagGroup
	for _, label := range orderedKeys(p.byGroup) {
		tags := orderedKeys(p.byGroup[label])
		if len(tags) == 0 {
			continue
		}
		out = append(out, TagGroup{Name: label, Tags: tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
