package merge

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Input is one document to merge, with the identity of the group it
// describes.
type Input struct {
	// Key is "source/instance/workspace/group" for a harvested group, or a
	// slug of the file name for a plain file; it names the input in the
	// report, in renamed components and in collision prefixes.
	Key       string
	Instance  string
	Workspace string
	Group     string
	// Doc is the document as the loader repaired it. Merge reads it and
	// never changes it: the result shares unchanged parts with it.
	Doc *openapi3.T
}

// Options describe the merged document itself.
type Options struct {
	Title       string // default "Merged API"
	Version     string // default "1.0.0"
	Description string
}

// Report says what the merge had to do so that nothing was lost.
type Report struct {
	Inputs        int         `json:"inputs"`
	OperationsIn  int         `json:"operations_in"`
	OperationsOut int         `json:"operations_out"`
	Collisions    []Collision `json:"collisions"`
	Renames       []Rename    `json:"renames"`
	// Excluded are groups left out because their document could not be
	// turned into a model; the caller fills it in, since Merge only
	// ever sees documents that loaded. Nothing leaves silently.
	Excluded []Exclusion `json:"excluded,omitempty"`
}

// Exclusion is one group left out of the merged document, and why.
type Exclusion struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Collision is one path served by several inputs.
type Collision struct {
	// Path is the colliding path after each input's base path was applied,
	// as the first of the colliding inputs (by key) spells it.
	Path string   `json:"path"`
	Keys []string `json:"keys"`
	// Resolution says where each input's operations went.
	Resolution string `json:"resolution"`
}

// Rename is one name changed in one input.
type Rename struct {
	// Kind is a component kind ("schemas", "parameters", …,
	// "securitySchemes"), "operationId", "tag" or "webhook".
	Kind string `json:"kind"`
	Key  string `json:"key"`
	From string `json:"from"`
	To   string `json:"to"`
}

// SourceExtension is the extension every merged operation carries.
const SourceExtension = "x-specharvest-source"

// Source is the value of SourceExtension: where an operation came from.
type Source struct {
	Key       string `json:"key"`
	Instance  string `json:"instance"`
	Workspace string `json:"workspace"`
	Group     string `json:"group"`
	// Path is the operation's path in its own document, before any base
	// path or collision prefix was added.
	Path string `json:"path"`
}

// SourceOf reads SourceExtension from an operation, whether Merge put it
// there (a Source) or it was read back from JSON or YAML (a map).
func SourceOf(op *openapi3.Operation) (Source, bool) {
	if op == nil {
		return Source{}, false
	}
	switch v := op.Extensions[SourceExtension].(type) {
	case Source:
		return v, true
	case *Source:
		return *v, v != nil
	case map[string]any:
		str := func(k string) string { s, _ := v[k].(string); return s }
		return Source{Key: str("key"), Instance: str("instance"), Workspace: str("workspace"), Group: str("group"), Path: str("path")}, true
	}
	return Source{}, false
}

// prepared is an input with what the merge learns about it on the way.
type prepared struct {
	Input
	index    int
	rewriter *rewriter
}

// Merge merges documents into one valid OpenAPI document (see the package
// documentation for the rules). The result depends only on the set of
// inputs, not on their order. Inputs are not modified.
func Merge(inputs []Input, opts Options) (*openapi3.T, *Report, error) {
	sorted, err := sortInputs(inputs)
	if err != nil {
		return nil, nil, err
	}
	report := &Report{Inputs: len(sorted), Collisions: []Collision{}, Renames: []Rename{}}
	entries := collectPaths(sorted)
	for _, e := range entries {
		report.OperationsIn += len(e.ops)
	}
	collisions, err := resolveCollisions(entries)
	if err != nil {
		return nil, nil, err
	}
	report.Collisions = append(report.Collisions, collisions...)

	// operationIds first: links in components name operations, so two
	// links are the same only if the operations they name end up the same.
	renamesOf := make([]*renames, len(sorted))
	for i := range sorted {
		renamesOf[i] = &renames{components: map[string]map[string]string{}, operations: map[string]string{}}
	}
	report.Renames = append(report.Renames, planOperationIDs(entries, renamesOf)...)
	types := newTypeTable()
	plan := planComponents(sorted, types, renamesOf)
	report.Renames = append(report.Renames, plan.report...)
	// Every rename is known now; each input gets the rewriter that applies
	// its own.
	for i, in := range sorted {
		in.rewriter = newRewriter(types, renamesOf[i])
	}
	tags := planTags(sorted, entries)
	report.Renames = append(report.Renames, tags.renames...)

	doc := &openapi3.T{
		OpenAPI: outputVersion(sorted),
		Info: &openapi3.Info{
			Title:       orDefault(opts.Title, "Merged API"),
			Version:     orDefault(opts.Version, "1.0.0"),
			Description: opts.Description,
		},
		Paths:      openapi3.NewPathsWithCapacity(len(entries)),
		Components: buildComponents(plan, sorted),
	}
	for _, e := range entries {
		if doc.Paths.Value(e.merged) != nil {
			// resolveCollisions leaves no two entries on one path; this
			// guards the promise that no operation is ever dropped.
			return nil, nil, fmt.Errorf("merge: path %q of %q still collides after prefixing", e.original, e.in.Key)
		}
		doc.Paths.Set(e.merged, mergePathItem(e, tags))
	}
	for _, e := range entries {
		report.OperationsOut += len(doc.Paths.Value(e.merged).Operations())
	}
	webhooks, webhookRenames := mergeWebhooks(sorted)
	doc.Webhooks = webhooks
	report.Renames = append(report.Renames, webhookRenames...)
	doc.Tags = tags.definitions()
	if groups := tags.groups(); len(groups) > 0 {
		doc.Extensions = map[string]any{"x-tagGroups": groups}
	}
	sortRenames(report.Renames)
	return doc, report, nil
}

func sortInputs(inputs []Input) ([]*prepared, error) {
	out := make([]*prepared, 0, len(inputs))
	seen := map[string]bool{}
	for _, in := range inputs {
		if in.Key == "" {
			return nil, errors.New("merge: an input has no key")
		}
		if in.Doc == nil {
			return nil, fmt.Errorf("merge: input %q has no document", in.Key)
		}
		if seen[in.Key] {
			return nil, fmt.Errorf("merge: two inputs have the key %q", in.Key)
		}
		seen[in.Key] = true
		out = append(out, &prepared{Input: in})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	for i, in := range out {
		in.index = i
	}
	return out, nil
}

// outputVersion is 3.0.3, the version every 3.0 tool reads, unless an input
// is 3.1 or later: its keywords would not be valid 3.0.
func outputVersion(inputs []*prepared) string {
	version := "3.0.3"
	for _, in := range inputs {
		if strings.HasPrefix(in.Doc.OpenAPI, "3.1") || strings.HasPrefix(in.Doc.OpenAPI, "3.2") {
			version = "3.1.0"
		}
	}
	return version
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortRenames(rs []Rename) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.From < b.From
	})
}
