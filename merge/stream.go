package merge

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/sync/errgroup"
)

// Digest is what the merge needs to plan one document without holding
// it: its paths with the ids, tags and servers of their operations, its
// servers, tag definitions and webhook names, and one fingerprint per
// component. It is a few kilobytes where the model of a real document is
// tens of megabytes, and it does not depend on the other inputs, so a
// caller can keep it with the document's other facts and reuse it for as
// long as the document does not change.
type Digest struct {
	skeleton *openapi3.T
	members  []*member // values left out
}

// DigestOf digests a loaded document.
func DigestOf(doc *openapi3.T) *Digest {
	d := &Digest{}
	d.AddPart(doc)
	return d
}

// AddPart digests one part of a document given in parts (see Load): its
// paths, and with the first part everything but the paths, which every
// part carries.
func (d *Digest) AddPart(doc *openapi3.T) {
	if d.skeleton == nil {
		d.skeleton = &openapi3.T{OpenAPI: doc.OpenAPI, Servers: doc.Servers, Tags: doc.Tags}
		if len(doc.Webhooks) > 0 {
			d.skeleton.Webhooks = make(map[string]*openapi3.PathItem, len(doc.Webhooks))
			for name := range doc.Webhooks {
				d.skeleton.Webhooks[name] = &openapi3.PathItem{}
			}
		}
		d.members = membersOf(doc, newTypeTable())
		for _, mb := range d.members {
			mb.value = reflect.Value{}
		}
	}
	if doc.Paths == nil {
		return
	}
	sk := d.skeleton
	if sk.Paths == nil {
		sk.Paths = openapi3.NewPathsWithCapacity(doc.Paths.Len())
	}
	for p, item := range doc.Paths.Map() {
		if item == nil {
			continue
		}
		si := &openapi3.PathItem{Servers: item.Servers}
		for method, op := range item.Operations() {
			si.SetOperation(method, &openapi3.Operation{OperationID: op.OperationID, Tags: op.Tags, Servers: op.Servers})
		}
		sk.Paths.Set(p, si)
	}
}

type digestJSON struct {
	Skeleton   json.RawMessage   `json:"skeleton"`
	Components []digestComponent `json:"components,omitempty"`
}

type digestComponent struct {
	Kind string      `json:"kind"`
	Name string      `json:"name"`
	Hash string      `json:"hash"`
	Deps [][2]string `json:"deps,omitempty"`
}

// MarshalJSON lets a Digest be cached next to the document it digests.
func (d *Digest) MarshalJSON() ([]byte, error) {
	sk, err := json.Marshal(d.skeleton)
	if err != nil {
		return nil, err
	}
	out := digestJSON{Skeleton: sk}
	for _, mb := range d.members {
		c := digestComponent{Kind: mb.kind, Name: mb.name, Hash: hex.EncodeToString(mb.hash[:])}
		for _, dep := range mb.deps {
			c.Deps = append(c.Deps, [2]string{dep.kind, dep.name})
		}
		out.Components = append(out.Components, c)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (d *Digest) UnmarshalJSON(data []byte) error {
	var in digestJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	sk := &openapi3.T{}
	if err := json.Unmarshal(in.Skeleton, sk); err != nil {
		return fmt.Errorf("digest skeleton: %w", err)
	}
	d.skeleton, d.members = sk, nil
	for _, c := range in.Components {
		mb := &member{kind: c.Kind, name: c.Name}
		h, err := hex.DecodeString(c.Hash)
		if err != nil || len(h) != len(mb.hash) {
			return fmt.Errorf("digest of component %s/%s: bad hash", c.Kind, c.Name)
		}
		copy(mb.hash[:], h)
		for _, dep := range c.Deps {
			mb.deps = append(mb.deps, componentRef{kind: dep[0], name: dep[1]})
		}
		d.members = append(d.members, mb)
	}
	return nil
}

// StreamInput is one document of a streamed merge: its identity and its
// digest. The document itself is asked for only while it is written.
type StreamInput struct {
	Key       string
	Instance  string
	Workspace string
	Group     string
	Digest    *Digest
}

// StreamOptions tune MergeStream.
type StreamOptions struct {
	Options
	// Concurrency bounds how many documents are loaded at once; 0 means 1.
	Concurrency int
	// Spool, when set, is where the encoded fragments wait to be written,
	// instead of memory (see fragments).
	Spool Spool
}

// Load gives the model of input i (as Merge's Input.Doc would be) to
// each, whole or in parts: every part with all of the document but its
// paths, and a share of those, each path in exactly one part (as
// validate.LoadParts gives them). It is called once per input, from up to
// Concurrency goroutines at once, and each part is let go as soon as its
// share of the result is encoded; an error of each is returned.
type Load func(i int, each func(part *openapi3.T) error) error

// MergeStream is Merge for fleets too large to hold: it plans the merge
// from digests, then asks for each document in turn, encodes its paths,
// components and webhooks, and lets it go. The merged document is written
// to jsonOut (as MarshalDocument writes it) and, when yamlOut is not nil,
// to yamlOut (as MarshalDocumentYAML writes it), byte for byte the same as
// Merge's result encoded. Memory is the digests, where each encoded
// fragment waits in the spool (see fragments), and at most Concurrency
// models.
func MergeStream(inputs []StreamInput, load Load, opts StreamOptions, jsonOut, yamlOut io.Writer) (*Report, error) {
	order := make([]int, len(inputs))
	byKey := map[string]bool{}
	for i, in := range inputs {
		if in.Key == "" {
			return nil, errors.New("merge: an input has no key")
		}
		if in.Digest == nil {
			return nil, fmt.Errorf("merge: input %q has no digest", in.Key)
		}
		if byKey[in.Key] {
			return nil, fmt.Errorf("merge: two inputs have the key %q", in.Key)
		}
		byKey[in.Key] = true
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return inputs[order[a]].Key < inputs[order[b]].Key })
	sorted := make([]*prepared, len(inputs))
	for i, o := range order {
		in := inputs[o]
		sorted[i] = &prepared{Input: Input{Key: in.Key, Instance: in.Instance, Workspace: in.Workspace, Group: in.Group, Doc: in.Digest.skeleton}, index: i}
	}

	report := &Report{Inputs: len(sorted), Collisions: []Collision{}, Renames: []Rename{}}
	entries := collectPaths(sorted)
	for _, e := range entries {
		report.OperationsIn += len(e.ops)
	}
	collisions, err := resolveCollisions(entries)
	if err != nil {
		return nil, err
	}
	report.Collisions = append(report.Collisions, collisions...)
	renamesOf := make([]*renames, len(sorted))
	for i := range sorted {
		renamesOf[i] = &renames{components: map[string]map[string]string{}, operations: map[string]string{}}
	}
	report.Renames = append(report.Renames, planOperationIDs(entries, renamesOf)...)
	var members []*member
	for i, o := range order {
		for _, mb := range inputs[o].Digest.members {
			c := *mb
			c.input = i
			members = append(members, &c)
		}
	}
	plan := planMembers(members, sorted, renamesOf)
	report.Renames = append(report.Renames, plan.report...)
	types := newTypeTable()
	for i, in := range sorted {
		in.rewriter = newRewriter(types, renamesOf[i])
	}
	tags := planTags(sorted, entries)
	report.Renames = append(report.Renames, tags.renames...)
	hookUsers := map[string]int{}
	for _, in := range sorted {
		for name := range in.Doc.Webhooks {
			hookUsers[name]++
		}
	}
	for _, in := range sorted {
		for _, name := range orderedKeys(in.Doc.Webhooks) {
			if hookUsers[name] > 1 {
				report.Renames = append(report.Renames, Rename{Kind: "webhook", Key: in.Key, From: name, To: in.Key + "/" + name})
			}
		}
	}
	planned := make([][]*pathEntry, len(sorted))
	for _, e := range entries {
		planned[e.in.index] = append(planned[e.in.index], e)
	}
	owned := make([][]*member, len(sorted)) // the components each input writes
	finalName := map[*member]string{}
	for _, kind := range componentKinds {
		for name, mb := range plan.final[kind] {
			owned[mb.input] = append(owned[mb.input], mb)
			finalName[mb] = name
		}
	}

	kept := &fragments{spool: opts.Spool}
	out := &streamed{paths: map[string][]byte{}, components: map[string]map[string][]byte{}, webhooks: map[string][]byte{}, kept: kept}
	var mu sync.Mutex
	g := new(errgroup.Group)
	g.SetLimit(max(1, opts.Concurrency))
	for i := range sorted {
		g.Go(func() error {
			part, err := encodeInput(sorted[i], order[i], load, planned[i], owned[i], finalName, tags, hookUsers, kept)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			report.OperationsOut += part.operations
			for k, v := range part.paths {
				if _, dup := out.paths[k]; dup {
					return fmt.Errorf("merge: path %q of %q still collides after prefixing", k, sorted[i].Key)
				}
				out.paths[k] = v
			}
			for kind, m := range part.components {
				if out.components[kind] == nil {
					out.components[kind] = map[string][]byte{}
				}
				for k, v := range m {
					out.components[kind][k] = v
				}
			}
			for k, v := range part.webhooks {
				out.webhooks[k] = v
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sortRenames(report.Renames)

	info, err := json.Marshal(&openapi3.Info{
		Title:       orDefault(opts.Title, "Merged API"),
		Version:     orDefault(opts.Version, "1.0.0"),
		Description: opts.Description,
	})
	if err != nil {
		return nil, err
	}
	out.info = info
	out.version = outputVersion(sorted)
	if defs := tags.definitions(); len(defs) > 0 {
		if out.tags, err = json.Marshal(defs); err != nil {
			return nil, err
		}
	}
	if groups := tags.groups(); len(groups) > 0 {
		if out.tagGroups, err = json.Marshal(groups); err != nil {
			return nil, err
		}
	}
	if err := out.writeJSON(jsonOut); err != nil {
		return nil, err
	}
	if yamlOut != nil {
		if err := out.writeYAML(yamlOut); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// encodedInput is one input's share of the merged document, encoded.
type encodedInput struct {
	operations int
	paths      map[string][]byte
	components map[string]map[string][]byte
	webhooks   map[string][]byte
}

// encodeInput loads one document, checks it is the one its digest was
// made from, and encodes its part of the merged document as the plan says.
// The paths are encoded part by part; the components and webhooks, which
// every part carries, from the first.
func encodeInput(in *prepared, loadIndex int, load Load, planned []*pathEntry, owned []*member, finalName map[*member]string, tags *tagPlan, hookUsers map[string]int, kept *fragments) (*encodedInput, error) {
	part := &encodedInput{paths: map[string][]byte{}, components: map[string]map[string][]byte{}, webhooks: map[string][]byte{}}
	// A path may make several entries (operations under other base
	// paths); they come in the same order from a part as from the whole.
	byPath := map[string][]*pathEntry{}
	for _, p := range planned {
		byPath[p.original] = append(byPath[p.original], p)
	}
	seen, parts := 0, 0
	err := load(loadIndex, func(doc *openapi3.T) error {
		if doc == nil {
			return fmt.Errorf("merge: input %q has no document", in.Key)
		}
		parts++
		// The type table caches what it learns and is not safe to share
		// between goroutines: each document gets its own.
		real := &prepared{Input: in.Input, index: in.index, rewriter: newRewriter(newTypeTable(), in.rewriter.renames)}
		real.Doc = doc
		var last string
		k := 0
		for _, e := range collectPaths([]*prepared{real}) {
			if e.original != last {
				last, k = e.original, 0
			}
			want := byPath[e.original]
			if k >= len(want) || len(e.ops) != len(want[k].ops) {
				return fmt.Errorf("merge: the document of %q is not the one its digest describes (path %q)", in.Key, e.original)
			}
			p := want[k]
			k++
			seen++
			e.merged, e.operationIDs = p.merged, p.operationIDs
			item := mergePathItem(e, tags)
			part.operations += len(item.Operations())
			data, err := marshalModel(item)
			if err != nil {
				return fmt.Errorf("merge: encode path %q of %q: %w", e.original, in.Key, err)
			}
			if part.paths[e.merged], err = kept.put(data); err != nil {
				return err
			}
		}
		if parts > 1 {
			return nil
		}
		return encodeComponents(real, owned, finalName, hookUsers, part, kept)
	})
	if err != nil {
		return nil, err
	}
	if parts == 0 {
		return nil, fmt.Errorf("merge: input %q has no document", in.Key)
	}
	if seen != len(planned) {
		return nil, fmt.Errorf("merge: the document of %q is not the one its digest describes", in.Key)
	}
	return part, nil
}

// encodeComponents encodes the components an input owns and its webhooks.
func encodeComponents(real *prepared, owned []*member, finalName map[*member]string, hookUsers map[string]int, part *encodedInput, kept *fragments) error {
	doc := real.Doc
	var comps reflect.Value
	if doc.Components != nil {
		comps = reflect.ValueOf(doc.Components).Elem()
	}
	for _, mb := range owned {
		if !comps.IsValid() {
			return fmt.Errorf("merge: the document of %q has no components but its digest has", real.Key)
		}
		v := comps.FieldByName(componentField(mb.kind)).MapIndex(reflect.ValueOf(mb.name))
		if !v.IsValid() || v.IsNil() {
			return fmt.Errorf("merge: the document of %q has no %s %q but its digest has", real.Key, mb.kind, mb.name)
		}
		if real.rewriter.mask != 0 {
			if nv, changed := real.rewriter.walk(v); changed {
				v = nv
			}
		}
		data, err := marshalModel(v.Interface())
		if err != nil {
			return fmt.Errorf("merge: encode %s %q of %q: %w", mb.kind, mb.name, real.Key, err)
		}
		if part.components[mb.kind] == nil {
			part.components[mb.kind] = map[string][]byte{}
		}
		if part.components[mb.kind][finalName[mb]], err = kept.put(data); err != nil {
			return err
		}
	}
	for name, item := range doc.Webhooks {
		to := name
		if hookUsers[name] > 1 {
			to = real.Key + "/" + name
		}
		data, err := marshalModel(rewriteAny(real.rewriter, item))
		if err != nil {
			return fmt.Errorf("merge: encode webhook %q of %q: %w", name, real.Key, err)
		}
		if part.webhooks[to], err = kept.put(data); err != nil {
			return err
		}
	}
	return nil
}
