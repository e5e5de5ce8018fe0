package validate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specharvest/specharvest/internal/jsonlex"
)

// decodeModel builds kin-openapi's model of a JSON document: the model
// json.Unmarshal(data, &openapi3.T{}) builds, about five times faster on
// Xano documents.
//
// kin-openapi decodes each object twice, once into its struct and once
// into a map for its extensions, and encoding/json hands every nested
// object its own bytes again; so each byte is decoded once per level above
// it, and Xano documents inline their schemas a dozen levels deep. Here
// the document is indexed once (rawValue), each object of the model's main
// types (document, components, path items, operations, parameters,
// bodies, responses, media types) is given to kin-openapi's own decoder
// with its nested objects left out, the nested ones are decoded the same
// way and set in their fields, and schemas, most of the objects, are
// decoded member by member as Schema.UnmarshalJSON would (decodeSchema).
//
// Whatever this path is not sure of (invalid JSON, a $ref, keys that
// differ only in case, a number that reads otherwise once written again)
// goes to kin-openapi whole, and if anything fails the document is
// decoded again by json.Unmarshal, so the model and the error are always
// the ones json.Unmarshal gives. TestDecodeModelIsUnmarshal and
// FuzzDecodeModel hold that law, unexported fields included.
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
	root, err := indexJSON(data)
	if err != nil {
		return nil, err
	}
	doc := &openapi3.T{}
	if err := decodeInto(reflect.ValueOf(doc), root, 0); err != nil {
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
	typeOfSchema     = reflect.TypeFor[openapi3.Schema]()

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

// decodeInto decodes v into what ptr points at.
func decodeInto(ptr reflect.Value, v *rawValue, depth int) error {
	t := ptr.Type().Elem()
	if depth > maxDecodeDepth {
		return errDecodeWhole
	}
	if v.text[0] != '{' {
		return json.Unmarshal(v.text, ptr.Interface())
	}
	switch {
	case t == typeOfPaths || t == typeOfResponses || t == typeOfCallback:
		return decodeMapLike(ptr, v, depth)
	case t == typeOfBoolSchema:
		return decodeBoolSchema(ptr.Interface().(*openapi3.BoolSchema), v, depth)
	case t == typeOfHeader:
		// Header.UnmarshalJSON is its Parameter's.
		return decodeInto(ptr.Elem().FieldByName("Parameter").Addr(), v, depth+1)
	case refTypes[t]:
		for _, m := range v.members {
			if strings.EqualFold(m.key, "$ref") {
				return json.Unmarshal(v.text, ptr.Interface())
			}
		}
		value := ptr.Elem().FieldByName("Value")
		child := reflect.New(value.Type().Elem())
		if err := decodeInto(child, v, depth+1); err != nil {
			return err
		}
		value.Set(child)
		return nil
	case t == typeOfSchema:
		return decodeSchema(ptr.Interface().(*openapi3.Schema), v, depth)
	case objectTypes[t]:
		return decodeObject(ptr, v, depth)
	}
	return json.Unmarshal(v.text, ptr.Interface())
}

// decodeSchema does what Schema.UnmarshalJSON does with an object, member
// by member: schemas are most of a document's objects, and that method's
// fixed cost per object (a struct of sixty fields, every member read
// again into a map for the extensions, forty-odd deletes) is most of what
// decoding one costs. Each member goes into its field as encoding/json
// would put it there, or into the extensions when the schema has no field
// of that name; anything else goes to decodeObject.
func decodeSchema(schema *openapi3.Schema, v *rawValue, depth int) error {
	plan := schemaPlan()
	if v.sharedKeys {
		return decodeObject(reflect.ValueOf(schema), v, depth)
	}
	for _, m := range v.members {
		f, ok := plan.fields[m.key]
		if (ok && f.unsure) || (!ok && plan.folded[strings.ToLower(m.key)]) {
			return decodeObject(reflect.ValueOf(schema), v, depth)
		}
	}
	var extensions map[string]any
	target := reflect.ValueOf(schema).Elem()
	for _, m := range v.members {
		f, ok := plan.fields[m.key]
		if !ok || f.alsoExtension {
			var value any
			if err := json.Unmarshal(m.value.text, &value); err != nil {
				return err
			}
			if extensions == nil {
				extensions = map[string]any{}
			}
			extensions[m.key] = value
			if !ok {
				continue
			}
		}
		field := target.FieldByIndex(f.index)
		if f.nested != nil && f.nested.accepts(m.value.text[0]) {
			if err := f.nested.decode(field, m.value, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := json.Unmarshal(m.value.text, field.Addr().Interface()); err != nil {
			return err
		}
	}
	schema.Extensions = extensions
	return nil
}

// schemaField is where decodeSchema puts a member of a schema.
type schemaField struct {
	index []int
	// nested: the field holds schemas, decoded by decodeInto.
	nested *nestedField
	// alsoExtension: kin-openapi keeps the member as an extension too.
	alsoExtension bool
	// unsure: kin-openapi refused the member with a null value; such a
	// schema goes to decodeObject.
	unsure bool
}

type schemaFields struct {
	fields map[string]schemaField
	folded map[string]bool // the names in lower case
}

var schemaPlan = sync.OnceValue(func() schemaFields {
	t := typeOfSchema
	nested := planFor(t)
	plan := schemaFields{fields: map[string]schemaField{}, folded: map[string]bool{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || sf.Anonymous || name == "" || name == "-" {
			continue
		}
		f := schemaField{index: sf.Index}
		if n, ok := nested[name]; ok {
			f.nested = &n
		}
		probe := &openapi3.Schema{}
		key, _ := json.Marshal(name)
		if err := json.Unmarshal([]byte("{"+string(key)+":null}"), probe); err != nil {
			f.unsure = true
		}
		_, f.alsoExtension = probe.Extensions[name]
		plan.fields[name] = f
		plan.folded[strings.ToLower(name)] = true
	}
	return plan
})

// decodeObject gives kin-openapi the object without its members that
// hold objects or arrays of the model's types, then decodes those into
// their fields.
func decodeObject(ptr reflect.Value, v *rawValue, depth int) error {
	plan := planFor(ptr.Type().Elem())
	var nested []member
	for _, m := range v.members {
		f, ok := plan[m.key]
		// A member encoding/json could also match to another (keys that
		// differ in case, or twice the same) stays for kin-openapi to
		// settle; so does one whose value is not of the field's shape.
		if ok && !v.sharedKeys && f.accepts(m.value.text[0]) {
			nested = append(nested, m)
		}
	}
	if len(nested) == 0 {
		return json.Unmarshal(v.text, ptr.Interface())
	}
	shallow := make([]byte, 0, len(v.text)/4+64)
	shallow = append(shallow, '{')
	next := 0
	for _, m := range v.members {
		if next < len(nested) && nested[next].value == m.value {
			next++
			continue
		}
		if len(shallow) > 1 {
			shallow = append(shallow, ',')
		}
		shallow = append(shallow, m.rawKey...)
		shallow = append(shallow, ':')
		shallow = append(shallow, m.value.text...)
	}
	shallow = append(shallow, '}')
	if err := json.Unmarshal(shallow, ptr.Interface()); err != nil {
		return err
	}
	for _, m := range nested {
		f := plan[m.key]
		if err := f.decode(ptr.Elem().FieldByIndex(f.index), m.value, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// decodeMapLike decodes Paths, Responses and Callback as their
// UnmarshalJSON does. That method reads the object into a generic map and
// decodes each entry from what json.Marshal writes of it; an entry that
// reads the same either way (see rawValue.odd) is decoded from its own
// text, and the others from that text written again, like the method.
func decodeMapLike(ptr reflect.Value, v *rawValue, depth int) error {
	if v.odd {
		written, err := writtenAgain(v.text)
		if err != nil {
			return err
		}
		v = written
	}
	extensions := make(map[string]any)
	var set func(key string, entry *rawValue) error
	switch x := ptr.Interface().(type) {
	case *openapi3.Paths:
		*x = *openapi3.NewPathsWithCapacity(len(v.members))
		x.Extensions = extensions
		set = entrySetter(x.Set, depth)
	case *openapi3.Responses:
		*x = *openapi3.NewResponsesWithCapacity(len(v.members))
		x.Extensions = extensions
		set = entrySetter(x.Set, depth)
	case *openapi3.Callback:
		*x = *openapi3.NewCallbackWithCapacity(len(v.members))
		x.Extensions = extensions
		set = entrySetter(x.Set, depth)
	default:
		return errDecodeWhole
	}
	for _, m := range v.members {
		if strings.HasPrefix(m.key, "x-") {
			var value any
			if err := json.Unmarshal(m.value.text, &value); err != nil {
				return err
			}
			extensions[m.key] = value
			continue
		}
		if err := set(m.key, m.value); err != nil {
			return err
		}
	}
	return nil
}

// entrySetter decodes an entry of a map-like type into a new value and
// puts it under its key with put (the type's Set).
func entrySetter[T any](put func(string, *T), depth int) func(string, *rawValue) error {
	return func(key string, entry *rawValue) error {
		value := new(T)
		put(key, value)
		return decodeInto(reflect.ValueOf(value), entry, depth+1)
	}
}

// writtenAgain is what the map-like types decode their entries from: the
// object read into a generic map, its keys sorted and each value written
// by json.Marshal.
func writtenAgain(text []byte) (*rawValue, error) {
	var m map[string]any
	if err := json.Unmarshal(text, &m); err != nil {
		return nil, err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return indexJSON(data)
}

// decodeBoolSchema is BoolSchema.UnmarshalJSON for an object: a schema,
// read as that method reads it, from the object written again.
func decodeBoolSchema(bs *openapi3.BoolSchema, v *rawValue, depth int) error {
	if len(v.members) == 0 {
		return json.Unmarshal(v.text, bs)
	}
	if v.odd {
		written, err := writtenAgain(v.text)
		if err != nil {
			return err
		}
		v = written
	}
	bs.Schema = &openapi3.SchemaRef{}
	return decodeInto(reflect.ValueOf(bs.Schema), v, depth+1)
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

func (f nestedField) decode(field reflect.Value, v *rawValue, depth int) error {
	switch f.kind {
	case reflect.Struct:
		return decodeInto(field.Addr(), v, depth)
	case reflect.Pointer:
		child := reflect.New(f.elem)
		if err := decodeInto(child, v, depth); err != nil {
			return err
		}
		field.Set(child)
	case reflect.Map:
		m := reflect.MakeMapWithSize(field.Type(), len(v.members))
		for _, member := range v.members {
			key := reflect.ValueOf(member.key).Convert(field.Type().Key())
			if string(member.value.text) == "null" {
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
		s := reflect.MakeSlice(field.Type(), len(v.items), len(v.items))
		for i, item := range v.items {
			if string(item.text) == "null" {
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

// rawValue is one value of the document: its text, and for an object or
// an array its members or items, indexed once so that no level reads the
// text of the levels below it again.
type rawValue struct {
	text    []byte
	members []member
	items   []*rawValue
	// sharedKeys: two of the object's keys are the same but for case (or
	// the same), which encoding/json may match to one field.
	sharedKeys bool
	// odd: the value reads differently once read into a generic value and
	// written again by json.Marshal, as the map-like types do — a number
	// json.Marshal writes otherwise ("1.0", "1e2", a long integer), or
	// keys whose order decides which one encoding/json keeps.
	odd bool
}

// member is one name and value of a JSON object.
type member struct {
	key    string
	rawKey []byte
	value  *rawValue
}

// indexJSON indexes a document json.Valid has accepted.
func indexJSON(data []byte) (*rawValue, error) {
	ix := &jsonIndexer{Lexer: jsonlex.Lexer{Data: data}}
	ix.Space()
	v, err := ix.value(0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

type jsonIndexer struct {
	jsonlex.Lexer
	slab []rawValue
}

func (ix *jsonIndexer) node() *rawValue {
	if len(ix.slab) == 0 {
		ix.slab = make([]rawValue, 256)
	}
	v := &ix.slab[0]
	ix.slab = ix.slab[1:]
	return v
}

// skip moves past one value without indexing it.
func (ix *jsonIndexer) skip(depth int) bool {
	if ix.Pos >= len(ix.Data) || depth > maxDecodeDepth {
		return false
	}
	switch c := ix.Data[ix.Pos]; c {
	case '"':
		return ix.SkipString()
	case '{', '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		ix.Pos++
		ix.Space()
		if ix.Next(closing) {
			return true
		}
		for {
			ix.Space()
			if closing == '}' {
				if !ix.SkipString() {
					return false
				}
				ix.Space()
				if !ix.Next(':') {
					return false
				}
				ix.Space()
			}
			if !ix.skip(depth + 1) {
				return false
			}
			ix.Space()
			if ix.Next(',') {
				continue
			}
			return ix.Next(closing)
		}
	}
	for ix.Pos < len(ix.Data) {
		switch ix.Data[ix.Pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return true
		}
		ix.Pos++
	}
	return true
}

func (ix *jsonIndexer) value(depth int) (*rawValue, error) {
	if ix.Pos >= len(ix.Data) || depth > maxDecodeDepth {
		return nil, errDecodeWhole
	}
	start := ix.Pos
	v := ix.node()
	switch ix.Data[ix.Pos] {
	case '"':
		if !ix.SkipString() {
			return nil, errDecodeWhole
		}
	case '{':
		ix.Pos++
		ix.Space()
		if !ix.Next('}') {
			for {
				ix.Space()
				keyStart := ix.Pos
				if !ix.SkipString() {
					return nil, errDecodeWhole
				}
				rawKey := ix.Data[keyStart:ix.Pos]
				key, ok := plainKey(rawKey)
				if !ok {
					if err := json.Unmarshal(rawKey, &key); err != nil {
						return nil, err
					}
				}
				ix.Space()
				if !ix.Next(':') {
					return nil, errDecodeWhole
				}
				ix.Space()
				child, err := ix.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.odd = v.odd || child.odd
				v.members = append(v.members, member{key: key, rawKey: rawKey, value: child})
				ix.Space()
				if ix.Next(',') {
					continue
				}
				if ix.Next('}') {
					break
				}
				return nil, errDecodeWhole
			}
		}
		if sharesKeys(v.members) {
			v.sharedKeys, v.odd = true, true
		}
	case '[':
		ix.Pos++
		ix.Space()
		if !ix.Next(']') {
			for {
				ix.Space()
				child, err := ix.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.odd = v.odd || child.odd
				v.items = append(v.items, child)
				ix.Space()
				if ix.Next(',') {
					continue
				}
				if ix.Next(']') {
					break
				}
				return nil, errDecodeWhole
			}
		}
	default:
		for ix.Pos < len(ix.Data) {
			c := ix.Data[ix.Pos]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			ix.Pos++
		}
		if c := ix.Data[start]; c == '-' || (c >= '0' && c <= '9') {
			v.odd = !writtenAlike(ix.Data[start:ix.Pos])
		}
	}
	v.text = ix.Data[start:ix.Pos]
	return v, nil
}

// sharesKeys says whether two keys of an object are equal but for case.
func sharesKeys(members []member) bool {
	for i := 1; i < len(members); i++ {
		for j := 0; j < i; j++ {
			if len(members[i].key) == len(members[j].key) && strings.EqualFold(members[i].key, members[j].key) {
				return true
			}
		}
	}
	return false
}

// writtenAlike says whether json.Marshal writes the number that a JSON
// number literal stands for as that same literal.
func writtenAlike(literal []byte) bool {
	digits := literal
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if n := len(digits); n > 0 && n <= 15 && (digits[0] != '0' || n == 1) {
		plain := true
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
		}
		if plain {
			return true // an integer float64 holds exactly, written back as it came
		}
	}
	f, err := strconv.ParseFloat(string(literal), 64)
	if err != nil {
		return false
	}
	written, err := json.Marshal(f)
	return err == nil && string(written) == string(literal)
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
