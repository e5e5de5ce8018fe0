package merge

import (
	"encoding/binary"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The merge walks kin-openapi's model by reflection rather than by hand so
// that every field the model has, including OpenAPI 3.1 keywords and those
// added by later kin-openapi versions, is compared and has its $refs
// rewritten; a hand-written walker would silently miss the fields it forgot.
//
// Three kinds of struct matter to the walkers:
//   - reference wrappers (SchemaRef, ParameterRef, …, MappingRef): a struct
//     with a string field Ref and a pointer field Value. When Ref is set the
//     walkers look at the reference, never at the value it points to, so they
//     never follow a cycle and never visit a shared component twice;
//   - map-like containers (Paths, Responses, Callback) whose entries live in
//     an unexported map and are reached through their methods;
//   - everything else, walked field by field over exported fields only
//     (unexported ones hold loader bookkeeping such as resolved URLs).

var (
	originPtrType    = reflect.TypeFor[*openapi3.Origin]()
	responsesPtrType = reflect.TypeFor[*openapi3.Responses]()
	callbackPtrType  = reflect.TypeFor[*openapi3.Callback]()
	pathsPtrType     = reflect.TypeFor[*openapi3.Paths]()
	mappingRefType   = reflect.TypeFor[openapi3.MappingRef]()
	linkType         = reflect.TypeFor[openapi3.Link]()
	securityReqType  = reflect.TypeFor[openapi3.SecurityRequirement]()
	securityReqsType = reflect.TypeFor[openapi3.SecurityRequirements]()
)

// structInfo is what the walkers need to know about one struct type,
// computed once per type and merge.
type structInfo struct {
	isRef    bool // a reference wrapper: Ref string + Value pointer
	refField int
	valField int
	fields   []int // exported fields worth walking, Origin excluded
	// rewritable lists, per rewriteMask, the fields that may hold
	// something the rewriter changes, so that it skips the rest.
	rewritable map[rewriteMask][]int
}

// rewriteMask says what a rewriter has to change, so that it descends only
// where such things can be: an input whose only renames are security
// schemes need not walk its schemas.
type rewriteMask uint8

const (
	rewriteRefs     rewriteMask = 1 << iota // $refs and discriminator mappings
	rewriteSecurity                         // keys of security requirements
	rewriteLinks                            // operationIds named by links
)

type typeMask struct {
	t    reflect.Type
	mask rewriteMask
}

// typeTable caches structInfo and "may hold a reference" per type for one
// merge; it is not shared between merges, so the package keeps no state.
type typeTable struct {
	structs  map[reflect.Type]*structInfo
	mayHold  map[typeMask]bool
	visiting map[typeMask]bool
}

func newTypeTable() *typeTable {
	return &typeTable{
		structs:  map[reflect.Type]*structInfo{},
		mayHold:  map[typeMask]bool{},
		visiting: map[typeMask]bool{},
	}
}

func (tt *typeTable) info(t reflect.Type) *structInfo {
	if si, ok := tt.structs[t]; ok {
		return si
	}
	si := &structInfo{refField: -1, valField: -1, rewritable: map[rewriteMask][]int{}}
	tt.structs[t] = si
	if f, ok := t.FieldByName("Ref"); ok && f.Type.Kind() == reflect.String && len(f.Index) == 1 {
		if v, ok := t.FieldByName("Value"); ok && v.Type.Kind() == reflect.Pointer && len(v.Index) == 1 {
			si.isRef = true
			si.refField = f.Index[0]
			si.valField = v.Index[0]
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Type == originPtrType {
			continue
		}
		si.fields = append(si.fields, i)
	}
	return si
}

// rewritableFields are the fields of struct type t that may hold what a
// rewriter with mask changes.
func (tt *typeTable) rewritableFields(t reflect.Type, mask rewriteMask) []int {
	si := tt.info(t)
	fields, ok := si.rewritable[mask]
	if ok {
		return fields
	}
	fields = []int{}
	for _, i := range si.fields {
		if tt.mayHoldRewritable(t.Field(i).Type, mask) {
			fields = append(fields, i)
		}
	}
	si.rewritable[mask] = fields
	return fields
}

// mayHoldRewritable reports whether a value of type t can contain what a
// rewriter with mask changes. Types still being examined (the model is
// recursive) count as "may", which is the safe answer.
func (tt *typeTable) mayHoldRewritable(t reflect.Type, mask rewriteMask) bool {
	key := typeMask{t: t, mask: mask}
	if v, ok := tt.mayHold[key]; ok {
		return v
	}
	if tt.visiting[key] {
		return true
	}
	tt.visiting[key] = true
	defer delete(tt.visiting, key)
	holds := false
	switch t {
	case responsesPtrType:
		holds = tt.mayHoldRewritable(reflect.TypeFor[*openapi3.ResponseRef](), mask)
	case callbackPtrType, pathsPtrType:
		holds = tt.mayHoldRewritable(reflect.TypeFor[*openapi3.PathItem](), mask)
	case securityReqType, securityReqsType:
		holds = mask&rewriteSecurity != 0
	default:
		switch t.Kind() {
		case reflect.Interface:
			// Raw JSON (extensions, examples) may hold $refs too.
			holds = mask&rewriteRefs != 0
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			holds = tt.mayHoldRewritable(t.Elem(), mask)
		case reflect.Struct:
			if t == linkType && mask&rewriteLinks != 0 {
				holds = true
				break
			}
			if tt.info(t).isRef && mask&rewriteRefs != 0 {
				holds = true
				break
			}
			for _, i := range tt.info(t).fields {
				if tt.mayHoldRewritable(t.Field(i).Type, mask) {
					holds = true
					break
				}
			}
		}
	}
	tt.mayHold[key] = holds
	return holds
}

// componentRef is a reference to one component of one document.
type componentRef struct {
	kind, name string
}

// componentKinds are the sections of components, in the order the merge
// handles them; they are also the path segments of a local $ref.
var componentKinds = [...]string{
	"schemas", "parameters", "headers", "requestBodies", "responses",
	"securitySchemes", "examples", "links", "callbacks",
}

func isComponentKind(kind string) bool {
	for _, k := range componentKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// parseLocalRef splits "#/components/<kind>/<name>[/rest]" into its parts;
// ok is false for any other reference (external files, paths, …), which the
// merge leaves as it is.
func parseLocalRef(ref string) (target componentRef, rest string, ok bool) {
	const prefix = "#/components/"
	if !strings.HasPrefix(ref, prefix) {
		return componentRef{}, "", false
	}
	kind, after, found := strings.Cut(ref[len(prefix):], "/")
	if !found || !isComponentKind(kind) {
		return componentRef{}, "", false
	}
	name, rest, _ := strings.Cut(after, "/")
	if rest != "" {
		rest = "/" + rest
	}
	name = unescapePointer(name)
	if name == "" {
		return componentRef{}, "", false
	}
	return componentRef{kind: kind, name: name}, rest, true
}

func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// mappingTarget reads a discriminator mapping value, which may be a full
// reference or, by the specification, a bare schema name.
func mappingTarget(ref string) (componentRef, string, bool) {
	if !strings.ContainsAny(ref, "#/.") {
		return componentRef{kind: "schemas", name: ref}, "", true
	}
	return parseLocalRef(ref)
}

// fingerprinter encodes a component into a canonical byte string: two
// components have the same encoding exactly when they are equal in every
// field, with references compared by their text. The components they refer
// to are collected in deps, in a deterministic order, for the refinement in
// components.go to compare.
type fingerprinter struct {
	types *typeTable
	buf   []byte
	deps  []componentRef
}

// operationDep is the kind of the dependency a link has on the operation
// it names; no component kind is spelled like it.
const operationDep = "#operation"

func (f *fingerprinter) reset() {
	f.buf = f.buf[:0]
	f.deps = f.deps[:0]
}

func (f *fingerprinter) byte(b byte) { f.buf = append(f.buf, b) }

func (f *fingerprinter) uint(n uint64) { f.buf = binary.AppendUvarint(f.buf, n) }

func (f *fingerprinter) string(s string) {
	f.uint(uint64(len(s)))
	f.buf = append(f.buf, s...)
}

func (f *fingerprinter) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			f.byte(0)
			return
		}
		f.byte(1)
		switch v.Type() {
		case responsesPtrType:
			r := v.Interface().(*openapi3.Responses)
			f.walkMap(reflect.ValueOf(r.Map()))
			f.walk(reflect.ValueOf(r.Extensions))
			return
		case callbackPtrType:
			c := v.Interface().(*openapi3.Callback)
			f.walkMap(reflect.ValueOf(c.Map()))
			f.walk(reflect.ValueOf(c.Extensions))
			return
		case pathsPtrType:
			p := v.Interface().(*openapi3.Paths)
			f.walkMap(reflect.ValueOf(p.Map()))
			f.walk(reflect.ValueOf(p.Extensions))
			return
		}
		f.walk(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			f.byte(0)
			return
		}
		e := v.Elem()
		f.byte(1)
		f.string(e.Type().String())
		f.walk(e)
		f.rawDeps(e.Interface())
	case reflect.Struct:
		f.walkStruct(v)
	case reflect.Map:
		f.walkMap(v)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			f.byte(0)
			return
		}
		f.byte(1)
		f.uint(uint64(v.Len()))
		for i := 0; i < v.Len(); i++ {
			f.walk(v.Index(i))
		}
	case reflect.String:
		f.string(v.String())
	case reflect.Bool:
		if v.Bool() {
			f.byte(1)
		} else {
			f.byte(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.buf = binary.AppendVarint(f.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		f.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		f.uint(math.Float64bits(v.Float()))
	default:
		// Channels, funcs and the like never occur in the model; their
		// kind alone keeps two different values from looking equal.
		f.string(v.Kind().String())
	}
}

// rawDeps collects a reference written inside a raw JSON value:
// extensions such as Stripe's x-expansionResources hold real $refs, which
// must follow renames like any other. walk reaches the nested values.
func (f *fingerprinter) rawDeps(v any) {
	if x, ok := v.(map[string]any); ok {
		if ref, ok := x["$ref"].(string); ok {
			if target, _, ok := parseLocalRef(ref); ok {
				f.deps = append(f.deps, target)
			}
		}
	}
}

func (f *fingerprinter) walkStruct(v reflect.Value) {
	t := v.Type()
	si := f.types.info(t)
	if si.isRef {
		ref := v.Field(si.refField).String()
		if ref != "" {
			f.byte('R')
			f.string(ref)
			target, _, ok := parseLocalRef(ref)
			if t == mappingRefType {
				target, _, ok = mappingTarget(ref)
			}
			if ok {
				f.deps = append(f.deps, target)
			}
			// Fields written next to a $ref (extensions, 3.1 siblings)
			// belong to the reference, not to its target.
			for _, i := range si.fields {
				if i != si.refField && i != si.valField {
					f.walk(v.Field(i))
				}
			}
			return
		}
		f.byte('V')
	}
	for _, i := range si.fields {
		f.walk(v.Field(i))
	}
	if t == linkType {
		// The id the link names after the merge is known only once every
		// input is planned: it counts as a dependency, resolved in refine.
		if id := v.FieldByName("OperationID").String(); id != "" {
			f.deps = append(f.deps, componentRef{kind: operationDep, name: id})
		}
	}
}

func (f *fingerprinter) walkMap(v reflect.Value) {
	if v.IsNil() {
		f.byte(0)
		return
	}
	f.byte(1)
	keys := sortedMapKeys(v)
	f.uint(uint64(len(keys)))
	for _, k := range keys {
		f.walk(k)
		f.walk(v.MapIndex(k))
	}
}

// sortedMapKeys orders map keys so that walks are deterministic; the
// model's maps are keyed by strings, other key kinds sort by their text.
func sortedMapKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	if v.Type().Key().Kind() == reflect.String {
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		return keys
	}
	sort.Slice(keys, func(i, j int) bool {
		return reflectText(keys[i]) < reflectText(keys[j])
	})
	return keys
}

func reflectText(v reflect.Value) string {
	var f fingerprinter
	f.types = newTypeTable()
	f.walk(v)
	return string(f.buf)
}
