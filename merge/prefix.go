package merge

import (
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"
)

// PrefixComponents returns a copy of doc in which every component (of
// every kind) is named prefix+name and every $ref and security
// requirement follows, as redocly join's --prefix-components-with-info-prop
// does: two inputs' components then never share a name, so Merge keeps
// each input's own. doc is not modified; what does not change is shared.
func PrefixComponents(doc *openapi3.T, prefix string) *openapi3.T {
	if doc == nil || doc.Components == nil || prefix == "" {
		return doc
	}
	rn := &renames{components: map[string]map[string]string{}, operations: map[string]string{}}
	cv := reflect.ValueOf(doc.Components).Elem()
	for _, kind := range componentKinds {
		field := cv.FieldByName(componentField(kind))
		if field.Len() == 0 {
			continue
		}
		m := map[string]string{}
		for _, k := range field.MapKeys() {
			m[k.String()] = sanitizeName(prefix + k.String())
		}
		rn.components[kind] = m
	}
	rw := newRewriter(newTypeTable(), rn)
	out := *rewriteAny(rw, doc)
	// Paths keeps its map unexported, out of the rewriter's reach: each
	// path item is rewritten on its own, as Merge does.
	if doc.Paths != nil {
		out.Paths = openapi3.NewPathsWithCapacity(doc.Paths.Len())
		for path, item := range doc.Paths.Map() {
			out.Paths.Set(path, rewriteAny(rw, item))
		}
	}
	comps := *out.Components
	nc := reflect.ValueOf(&comps).Elem()
	for kind, names := range rn.components {
		field := nc.FieldByName(componentField(kind))
		m := reflect.MakeMapWithSize(field.Type(), field.Len())
		iter := field.MapRange()
		for iter.Next() {
			m.SetMapIndex(reflect.ValueOf(names[iter.Key().String()]), iter.Value())
		}
		field.Set(m)
	}
	out.Components = &comps
	return &out
}

// PrefixTags returns a copy of doc in which every tag, of the document
// and of each operation, is named prefix+tag, as redocly join's
// --prefix-tags-with-info-prop does. doc is not modified.
func PrefixTags(doc *openapi3.T, prefix string) *openapi3.T {
	if doc == nil || prefix == "" {
		return doc
	}
	out := *doc
	if doc.Tags != nil {
		out.Tags = make(openapi3.Tags, len(doc.Tags))
		for i, t := range doc.Tags {
			c := *t
			c.Name = prefix + t.Name
			out.Tags[i] = &c
		}
	}
	if doc.Paths != nil {
		out.Paths = openapi3.NewPathsWithCapacity(doc.Paths.Len())
		for path, item := range doc.Paths.Map() {
			ci := *item
			for method, op := range item.Operations() {
				if len(op.Tags) == 0 {
					continue
				}
				co := *op
				co.Tags = make([]string, len(op.Tags))
				for i, t := range op.Tags {
					co.Tags[i] = prefix + t
				}
				ci.SetOperation(method, &co)
			}
			out.Paths.Set(path, &ci)
		}
	}
	return &out
}
