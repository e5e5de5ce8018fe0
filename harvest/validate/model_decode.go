package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeModel builds kin-openapi's model of a JSON document: the model
// json.Unmarshal(data, &openapi3.T{}) builds, in time that grows with the
// document rather than with the document times its depth.
//
// kin-openapi decodes each object twice, once into its struct and once
// into a map for its extensions, and encoding/json hands every nested
// object its own bytes again; so each byte is decoded once per level above
// it, and Xano documents inline their schemas a dozen levels deep. Here
// each object of the model's main types (document, components, path
// items, operations, parameters, bodies, responses, media types, schemas)
// is given to kin-openapi's own decoder with its nested objects left out,
// and the nested ones are decoded the same way and set in their fields.
// kin-openapi still decides every value, extension and reference; what
// changes is only that no object reaches it inside another.
//
// Whatever this path is not sure of (invalid JSON, a $ref, keys that
// differ only in case, a duplicate key) goes to kin-openapi whole, and if
// anything fails the document is decoded again by json.Unmarshal, so the
// model and the error are always the ones json.Unmarshal gives.
// TestDecodeModelIsUnmarshal and FuzzDecodeModel hold that law.
func decodeModel(data []byte) (*openapi3.T, error) {
	if doc, err := decodeModelInParts(data); err == nil {
		return doc, nil
	}
	doc := &openapi3.T{}
	if err := json.Unmarshal(data, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// decodeModelInParts is decodeModel without the fallback: an error says
// only that this path gave up.
func decodeModelInParts(data []byte) (*openapi3.T, error) {
	if !json.Valid(data) {
		return nil, errDecodeWhole
	}
	doc := &openapi3.T{}
	if err := decodeInto(reflect.ValueOf(doc), data, 0); err != nil {
		return nil, err
	}
	return doc, nil
}

var (
	typeOfPaths      = reflect.TypeFor[openapi3.Paths]()
	typeOfResponses  = reflect.TypeFor[openapi3.Responses]()
	typeOfCallback   = reflect.TypeFor[openapi3.Callback]()
	typeOfBoolSchema = reflect.TypeFor[openapi3.BoolSchema]()
	typeOfHeader     = reflect.TypeFor[openapi3.Header]()

	// objectTypes decode with kin-openapi's "struct, then extensions"
	// pattern: nothing in their UnmarshalJSON looks at a member that
	// holds an object but its own field.
	objectTypes = map[reflect.Type]bool{
		reflect.TypeFor[openapi3.T]():           true,
		reflect.TypeFor[openapi3.Components]():  true,
		reflect.TypeFor[openapi3.PathItem]():    true,
		reflect.TypeFor[openapi3.Operation]():   true,
		reflect.TypeFor[openapi3.Parameter]():   true,
		reflect.TypeFor[openapi3.RequestBody](): true,
		reflect.TypeFor[openapi3.Response]():    true,
		reflect.TypeFor[openapi3.MediaType]():   true,
		reflect.TypeFor[openapi3.Encoding]():    true,
		reflect.TypeFor[openapi3.Schema]():      true,
	}

	// refTypes decode a value with no $ref as the decoding of their
	// Value field.
	refTypes = map[reflect.Type]bool{
		reflect.TypeFor[openapi3.SchemaRef]():      true,
		reflect.TypeFor[openapi3.ParameterRef]():   true,
		reflect.TypeFor[openapi3.RequestBodyRef](): true,
		reflect.TypeFor[openapi3.ResponseRef]():    true,
		reflect.TypeFor[openapi3.HeaderRef]():      true,
		reflect.TypeFor[openapi3.CallbackRef]():    true,
	}
)

// maxDecodeDepth bounds the recursion; deeper documents go to
// json.Unmarshal, which has its own bound.
const maxDecodeDepth = 2000

var errDecodeWhole = errors.New("decode the document whole")

// decodeInto decodes raw, one valid JSON value, into what ptr points at.
func decodeInto(ptr reflect.Value, raw []byte, depth int) error {
	t := ptr.Type().Elem()
	if depth > maxDecodeDepth {
		return errDecodeWhole
	}
	if len(raw) == 0 || raw[0] != '{' {
		return json.Unmarshal(raw, ptr.Interface())
	}
	switch {
	case t == typeOfPaths || t == typeOfResponses || t == typeOfCallback:
		return decodeMapLike(ptr, raw, depth)
	case t == typeOfBoolSchema:
		return decodeBoolSchema(ptr.Interface().(*openapi3.BoolSchema), raw, depth)
	case t == typeOfHeader:
		// Header.UnmarshalJSON is its Parameter's.
		return decodeInto(ptr.Elem().FieldByName("Parameter").Addr(), raw, depth+1)
	case refTypes[t]:
		members, err := splitMembers(raw)
		if err != nil {
			return err
		}
		for _, m := range members {
			if strings.EqualFold(m.key, "$ref") {
				return json.Unmarshal(raw, ptr.Interface())
			}
		}
		value := ptr.Elem().FieldByName("Value")
		child := reflect.New(value.Type().Elem())
		if err := decodeInto(child, raw, depth+1); err != nil {
			return err
		}
		value.Set(child)
		return nil
	case objectTypes[t]:
		return decodeObject(ptr, raw, depth)
	}
	return json.Unmarshal(raw, ptr.Interface())
}

// decodeObject gives kin-openapi the object without its members that
// hold objects or arrays of the model's types, then decodes those into
// their fields.
func decodeObject(ptr reflect.Value, raw []byte, depth int) error {
	plan := planFor(ptr.Type().Elem())
	members, err := splitMembers(raw)
	if err != nil {
		return err
	}
	folded := make(map[string]int, len(members))
	for _, m := range members {
		folded[strings.ToLower(m.key)]++
	}
	var shallow bytes.Buffer
	shallow.Grow(len(raw))
	shallow.WriteByte('{')
	type later struct {
		field nestedField
		value []byte
	}
	var nested []later
	for _, m := range members {
		f, ok := plan[m.key]
		// A member encoding/json could also match to another (keys that
		// differ in case, or twice the same) stays for kin-openapi to
		// settle; so does one whose value is not of the field's shape.
		if ok && folded[strings.ToLower(m.key)] == 1 && f.accepts(m.value[0]) {
			nested = append(nested, later{f, m.value})
			continue
		}
		if shallow.Len() > 1 {
			shallow.WriteByte(',')
		}
		shallow.Write(m.rawKey)
		shallow.WriteByte(':')
		shallow.Write(m.value)
	}
	if len(nested) == 0 {
		return json.Unmarshal(raw, ptr.Interface())
	}
	shallow.WriteByte('}')
	if err := json.Unmarshal(shallow.Bytes(), ptr.Interface()); err != nil {
		return err
	}
	for _, n := range nested {
		if err := n.field.decode(ptr.Elem().FieldByIndex(n.field.index), n.value, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// decodeMapLike decodes Paths, Responses and Callback as their
// UnmarshalJSON does — through a generic map, each entry written again by
// json.Marshal (so its numbers are read as float64 and written back) —
// except that each entry is then decoded by decodeInto.
func decodeMapLike(ptr reflect.Value, raw []byte, depth int) error {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	extensions := make(map[string]any)
	entries := make(map[string][]byte, len(m))
	for k, v := range m {
		if strings.HasPrefix(k, "x-") {
			extensions[k] = v
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		entries[k] = data
	}
	switch x := ptr.Interface().(type) {
	case *openapi3.Paths:
		*x = *openapi3.NewPathsWithCapacity(len(m))
		x.Extensions = extensions
		for k, data := range entries {
			item := &openapi3.PathItem{}
			if err := decodeInto(reflect.ValueOf(item), data, depth+1); err != nil {
				return err
			}
			x.Set(k, item)
		}
	case *openapi3.Responses:
		*x = *openapi3.NewResponsesWithCapacity(len(m))
		x.Extensions = extensions
		for k, data := range entries {
			response := &openapi3.ResponseRef{}
			if err := decodeInto(reflect.ValueOf(response), data, depth+1); err != nil {
				return err
			}
			x.Set(k, response)
		}
	case *openapi3.Callback:
		*x = *openapi3.NewCallbackWithCapacity(len(m))
		x.Extensions = extensions
		for k, data := range entries {
			item := &openapi3.PathItem{}
			if err := decodeInto(reflect.ValueOf(item), data, depth+1); err != nil {
				return err
			}
			x.Set(k, item)
		}
	default:
		return errDecodeWhole
	}
	return nil
}

// decodeBoolSchema is BoolSchema.UnmarshalJSON for an object: a schema,
// read as that method reads it, through a generic value written again.
func decodeBoolSchema(bs *openapi3.BoolSchema, raw []byte, depth int) error {
	var y map[string]any
	if err := json.Unmarshal(raw, &y); err != nil {
		return err
	}
	if len(y) == 0 {
		return json.Unmarshal(raw, bs)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(y); err != nil {
		return err
	}
	bs.Schema = &openapi3.SchemaRef{}
	return decodeInto(reflect.ValueOf(bs.Schema), bytes.TrimSuffix(buf.Bytes(), []byte("\n")), depth+1)
}

// nestedField is a field of an object type that holds the model's types:
// a pointer to one, a map or slice of pointers to one, or one by value.
type nestedField struct {
	index []int
	kind  reflect.Kind // Pointer, Map, Slice or Struct
	elem  reflect.Type // the pointed-to type, for Pointer, Map and Slice
}

func (f nestedField) accepts(first byte) bool {
	if f.kind == reflect.Slice {
		return first == '['
	}
	return first == '{'
}

func (f nestedField) decode(field reflect.Value, raw []byte, depth int) error {
	switch f.kind {
	case reflect.Struct:
		return decodeInto(field.Addr(), raw, depth)
	case reflect.Pointer:
		child := reflect.New(f.elem)
		if err := decodeInto(child, raw, depth); err != nil {
			return err
		}
		field.Set(child)
	case reflect.Map:
		members, err := splitMembers(raw)
		if err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(field.Type(), len(members))
		for _, member := range members {
			key := reflect.ValueOf(member.key).Convert(field.Type().Key())
			if string(member.value) == "null" {
				m.SetMapIndex(key, reflect.Zero(field.Type().Elem()))
				continue
			}
			child := reflect.New(f.elem)
			if err := decodeInto(child, member.value, depth); err != nil {
				return err
			}
			m.SetMapIndex(key, child)
		}
		field.Set(m)
	case reflect.Slice:
		items, err := splitItems(raw)
		if err != nil {
			return err
		}
		s := reflect.MakeSlice(field.Type(), len(items), len(items))
		for i, item := range items {
			if string(item) == "null" {
				continue
			}
			child := reflect.New(f.elem)
			if err := decodeInto(child, item, depth); err != nil {
				return err
			}
			s.Index(i).Set(child)
		}
		field.Set(s)
	}
	return nil
}

var plans sync.Map // reflect.Type → map[string]nestedField

// planFor lists, by JSON name, the fields of an object type that
// decodeObject decodes itself: those that hold the model's types and
// whose name kin-openapi leaves out of the extensions (checked here
// against kin-openapi itself, so a field it would also keep as an
// extension stays with it).
func planFor(t reflect.Type) map[string]nestedField {
	if plan, ok := plans.Load(t); ok {
		return plan.(map[string]nestedField)
	}
	plan := map[string]nestedField{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || sf.Anonymous || name == "" || name == "-" {
			continue
		}
		f := nestedField{index: sf.Index, kind: sf.Type.Kind()}
		switch f.kind {
		case reflect.Pointer:
			f.elem = sf.Type.Elem()
		case reflect.Map, reflect.Slice:
			if sf.Type.Elem().Kind() != reflect.Pointer || (f.kind == reflect.Map && sf.Type.Key().Kind() != reflect.String) {
				continue
			}
			f.elem = sf.Type.Elem().Elem()
		case reflect.Struct:
			if sf.Type != typeOfBoolSchema {
				continue
			}
		default:
			continue
		}
		if f.kind != reflect.Struct && !isModelType(f.elem) {
			continue
		}
		if !leftOutOfExtensions(t, name, f) {
			continue
		}
		plan[name] = f
	}
	plans.Store(t, plan)
	return plan
}

func isModelType(t reflect.Type) bool {
	return objectTypes[t] || refTypes[t] || t == typeOfPaths || t == typeOfResponses || t == typeOfCallback || t == typeOfHeader
}

// leftOutOfExtensions decodes an object of type t holding only the member
// name, with an empty value, and says whether kin-openapi kept name out
// of the extensions and took the member without an error.
func leftOutOfExtensions(t reflect.Type, name string, f nestedField) bool {
	empty := "{}"
	if f.kind == reflect.Slice {
		empty = "[]"
	}
	probe := reflect.New(t)
	key, _ := json.Marshal(name)
	if err := json.Unmarshal([]byte("{"+string(key)+":"+empty+"}"), probe.Interface()); err != nil {
		return false
	}
	ext := probe.Elem().FieldByName("Extensions")
	if !ext.IsValid() {
		return true
	}
	extensions, _ := ext.Interface().(map[string]any)
	_, kept := extensions[name]
	return !kept
}

// member is one name and value of a JSON object, as slices of its text.
type member struct {
	key    string
	rawKey []byte
	value  []byte
}

// splitMembers lists the members of a valid JSON object.
func splitMembers(raw []byte) ([]member, error) {
	s := jsonSkipper{data: raw}
	s.space()
	if !s.byte('{') {
		return nil, errDecodeWhole
	}
	var out []member
	s.space()
	if s.byte('}') {
		return out, nil
	}
	for {
		s.space()
		start := s.pos
		if !s.skipString() {
			return nil, errDecodeWhole
		}
		rawKey := raw[start:s.pos]
		key, ok := plainKey(rawKey)
		if !ok {
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return nil, err
			}
		}
		s.space()
		if !s.byte(':') {
			return nil, errDecodeWhole
		}
		s.space()
		vstart := s.pos
		if !s.skipValue(0) {
			return nil, errDecodeWhole
		}
		out = append(out, member{key: key, rawKey: rawKey, value: raw[vstart:s.pos]})
		s.space()
		if s.byte(',') {
			continue
		}
		if s.byte('}') {
			return out, nil
		}
		return nil, errDecodeWhole
	}
}

// splitItems lists the items of a valid JSON array.
func splitItems(raw []byte) ([][]byte, error) {
	s := jsonSkipper{data: raw}
	s.space()
	if !s.byte('[') {
		return nil, errDecodeWhole
	}
	var out [][]byte
	s.space()
	if s.byte(']') {
		return out, nil
	}
	for {
		s.space()
		start := s.pos
		if !s.skipValue(0) {
			return nil, errDecodeWhole
		}
		out = append(out, raw[start:s.pos])
		s.space()
		if s.byte(',') {
			continue
		}
		if s.byte(']') {
			return out, nil
		}
		return nil, errDecodeWhole
	}
}

// plainKey is the text of a quoted key with no escapes and only ASCII,
// which encoding/json reads as it is.
func plainKey(rawKey []byte) (string, bool) {
	inner := rawKey[1 : len(rawKey)-1]
	for _, c := range inner {
		if c == '\\' || c >= 0x80 || c < 0x20 {
			return "", false
		}
	}
	return string(inner), true
}

// jsonSkipper finds where values end in text json.Valid has accepted.
type jsonSkipper struct {
	data []byte
	pos  int
}

func (s *jsonSkipper) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonSkipper) byte(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func (s *jsonSkipper) skipString() bool {
	if !s.byte('"') {
		return false
	}
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
		case '"':
			s.pos++
			return true
		default:
			s.pos++
		}
	}
	return false
}

func (s *jsonSkipper) skipValue(depth int) bool {
	if s.pos >= len(s.data) || depth > maxDecodeDepth {
		return false
	}
	switch s.data[s.pos] {
	case '"':
		return s.skipString()
	case '{', '[':
		closing := byte('}')
		if s.data[s.pos] == '[' {
			closing = ']'
		}
		s.pos++
		s.space()
		if s.byte(closing) {
			return true
		}
		for {
			s.space()
			if closing == '}' {
				if !s.skipString() {
					return false
				}
				s.space()
				if !s.byte(':') {
					return false
				}
				s.space()
			}
			if !s.skipValue(depth + 1) {
				return false
			}
			s.space()
			if s.byte(',') {
				continue
			}
			return s.byte(closing)
		}
	default:
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return true
			}
			s.pos++
		}
		return true
	}
}
