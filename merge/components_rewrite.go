package merge

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// renames is what the rewriter changes in one input: component names per
// kind, operationIds, and nothing else.
type renames struct {
	components map[string]map[string]string // kind → old name → new name
	operations map[string]string            // old operationId → new
}

func (r *renames) component(kind, name string) (string, bool) {
	to, ok := r.components[kind][name]
	return to, ok
}

// rewriter copies on write: it returns the value unchanged (the same
// pointer) when nothing under it is renamed, and otherwise a fresh copy of
// every struct, map and slice on the way down to what changed. The
// inputs are therefore never modified, and the unchanged bulk of a
// document is shared with the merged result instead of copied.
type rewriter struct {
	types   *typeTable
	renames *renames
	mask    rewriteMask
}

func newRewriter(types *typeTable, rn *renames) *rewriter {
	var mask rewriteMask
	for kind, m := range rn.components {
		if len(m) == 0 {
			continue
		}
		if kind == "securitySchemes" {
			// Requirements name schemes without a $ref; a $ref to a
			// scheme can only stand in components.securitySchemes, which
			// the rewriter is handed directly.
			mask |= rewriteSecurity
		} else {
			mask |= rewriteRefs
		}
	}
	if len(rn.operations) > 0 {
		mask |= rewriteLinks
	}
	return &rewriter{types: types, renames: rn, mask: mask}
}

// rewriteAny is walk for a typed pointer; it returns the same type.
func rewriteAny[T any](r *rewriter, v T) T {
	if r.mask == 0 {
		return v
	}
	nv, changed := r.walk(reflect.ValueOf(v))
	if !changed {
		return v
	}
	return nv.Interface().(T)
}

func (r *rewriter) walk(v reflect.Value) (reflect.Value, bool) {
	t := v.Type()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		switch t {
		case responsesPtrType:
			return r.responses(v.Interface().(*openapi3.Responses))
		case callbackPtrType:
			return r.callback(v.Interface().(*openapi3.Callback))
		}
		if !r.types.mayHoldRewritable(t.Elem(), r.mask) {
			return v, false
		}
		ne, changed := r.walk(v.Elem())
		if !changed {
			return v, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(ne)
		return p, true
	case reflect.Struct:
		return r.walkStruct(v)
	case reflect.Map:
		return r.walkMap(v)
	case reflect.Slice:
		return r.walkSlice(v)
	case reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		nv, changed := r.raw(v.Elem().Interface())
		if !changed {
			return v, false
		}
		c := reflect.New(t).Elem()
		c.Set(reflect.ValueOf(nv))
		return c, true
	}
	return v, false
}

// raw rewrites the $refs inside a raw JSON value (see rawDeps), copying on
// write like the rest.
func (r *rewriter) raw(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		var c map[string]any
		for k, e := range x {
			var ne any
			changed := false
			if ref, ok := e.(string); ok && k == "$ref" {
				ne, changed = r.ref(ref, false)
			} else {
				ne, changed = r.raw(e)
			}
			if !changed {
				continue
			}
			if c == nil {
				c = maps.Clone(x)
			}
			c[k] = ne
		}
		if c == nil {
			return v, false
		}
		return c, true
	case []any:
		var c []any
		for i, e := range x {
			ne, changed := r.raw(e)
			if !changed {
				continue
			}
			if c == nil {
				c = slices.Clone(x)
			}
			c[i] = ne
		}
		if c == nil {
			return v, false
		}
		return c, true
	}
	return v, false
}

func (r *rewriter) walkStruct(v reflect.Value) (reflect.Value, bool) {
	t := v.Type()
	si := r.types.info(t)
	if si.isRef {
		ref := v.Field(si.refField).String()
		if ref != "" {
			to, changed := r.ref(ref, t == mappingRefType)
			if !changed {
				return v, false
			}
			c := reflect.New(t).Elem()
			c.Set(v)
			c.Field(si.refField).SetString(to)
			// Value keeps pointing at the input's own component, which
			// is equal to the renamed one in the merged document.
			return c, true
		}
	}
	var c reflect.Value
	for _, i := range r.types.rewritableFields(t, r.mask) {
		nf, changed := r.walk(v.Field(i))
		if !changed {
			continue
		}
		if !c.IsValid() {
			c = reflect.New(t).Elem()
			c.Set(v)
		}
		c.Field(i).Set(nf)
	}
	if t == linkType {
		id := v.FieldByName("OperationID").String()
		if to, ok := r.renames.operations[id]; ok && id != "" {
			if !c.IsValid() {
				c = reflect.New(t).Elem()
				c.Set(v)
			}
			c.FieldByName("OperationID").SetString(to)
		}
	}
	if !c.IsValid() {
		return v, false
	}
	return c, true
}

func (r *rewriter) ref(ref string, mapping bool) (string, bool) {
	target, rest, ok := parseLocalRef(ref)
	if mapping {
		target, rest, ok = mappingTarget(ref)
	}
	if !ok {
		return ref, false
	}
	to, renamed := r.renames.component(target.kind, target.name)
	if !renamed {
		return ref, false
	}
	if mapping && !strings.HasPrefix(ref, "#") {
		return to, true
	}
	return "#/components/" + target.kind + "/" + escapePointer(to) + rest, true
}

func (r *rewriter) walkMap(v reflect.Value) (reflect.Value, bool) {
	if v.IsNil() {
		return v, false
	}
	t := v.Type()
	if t == securityReqType {
		return r.securityRequirement(v)
	}
	if !r.types.mayHoldRewritable(t.Elem(), r.mask) {
		return v, false
	}
	var c reflect.Value
	iter := v.MapRange()
	for iter.Next() {
		nv, changed := r.walk(iter.Value())
		if !changed {
			continue
		}
		if !c.IsValid() {
			c = reflect.MakeMapWithSize(t, v.Len())
			copyIter := v.MapRange()
			for copyIter.Next() {
				c.SetMapIndex(copyIter.Key(), copyIter.Value())
			}
		}
		c.SetMapIndex(iter.Key(), nv)
	}
	if !c.IsValid() {
		return v, false
	}
	return c, true
}

// securityRequirement renames the keys of one requirement: they are the
// names of security schemes, which may have been renamed.
func (r *rewriter) securityRequirement(v reflect.Value) (reflect.Value, bool) {
	req := v.Interface().(openapi3.SecurityRequirement)
	changed := false
	for name := range req {
		if _, ok := r.renames.component("securitySchemes", name); ok {
			changed = true
			break
		}
	}
	if !changed {
		return v, false
	}
	out := make(openapi3.SecurityRequirement, len(req))
	for name, scopes := range req {
		if to, ok := r.renames.component("securitySchemes", name); ok {
			name = to
		}
		out[name] = scopes
	}
	return reflect.ValueOf(out), true
}

func (r *rewriter) walkSlice(v reflect.Value) (reflect.Value, bool) {
	if v.IsNil() || !r.types.mayHoldRewritable(v.Type().Elem(), r.mask) {
		return v, false
	}
	var c reflect.Value
	for i := 0; i < v.Len(); i++ {
		ne, changed := r.walk(v.Index(i))
		if !changed {
			continue
		}
		if !c.IsValid() {
			c = reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
		}
		c.Index(i).Set(ne)
	}
	if !c.IsValid() {
		return v, false
	}
	return c, true
}

// rewriteEntries rewrites the entries of a map-like container (Responses,
// Callback); nil when none changed.
func rewriteEntries[V comparable](r *rewriter, m map[string]V) map[string]V {
	var out map[string]V
	for k, v := range m {
		nv := rewriteAny(r, v)
		if nv == v {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		out[k] = nv
	}
	return out
}

func (r *rewriter) responses(rs *openapi3.Responses) (reflect.Value, bool) {
	out := rewriteEntries(r, rs.Map())
	if out == nil {
		return reflect.ValueOf(rs), false
	}
	c := openapi3.NewResponsesWithCapacity(len(out))
	c.Extensions, c.Origin = rs.Extensions, rs.Origin
	for code, resp := range out {
		c.Set(code, resp)
	}
	return reflect.ValueOf(c), true
}

func (r *rewriter) callback(cb *openapi3.Callback) (reflect.Value, bool) {
	out := rewriteEntries(r, cb.Map())
	if out == nil {
		return reflect.ValueOf(cb), false
	}
	c := openapi3.NewCallbackWithCapacity(len(out))
	c.Extensions, c.Origin = cb.Extensions, cb.Origin
	for expr, item := range out {
		c.Set(expr, item)
	}
	return reflect.ValueOf(c), true
}
