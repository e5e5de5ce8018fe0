package merge

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// marshalModel returns json.Marshal(v) for a value of kin-openapi's
// model, written in time that grows with the output rather than with the
// output times its depth.
//
// kin-openapi's MarshalJSON methods each turn their value into a map
// (MarshalYAML) and give it to json.Marshal, which calls the MarshalJSON
// of every value inside and then reads each one's output again to check
// and compact it, so each byte is read once per level above it. Here
// every such value's map is written directly, entry by entry as
// encoding/json writes a map (keys sorted and escaped alike), and
// everything else (strings, numbers, extensions, any type not in the
// list below) by json.Marshal itself. If anything fails, the value is
// marshalled again by json.Marshal, whose error is the one returned.
// TestMarshalModelIsMarshal and FuzzMarshalModel hold the law.
func marshalModel(v any) ([]byte, error) {
	buf, err := appendModel(make([]byte, 0, 1024), reflect.ValueOf(v), 0)
	if err == nil {
		return buf, nil
	}
	return json.Marshal(v)
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()

	// viaMapTypes are the model types whose MarshalJSON is
	// json.Marshal(MarshalYAML()).
	viaMapTypes = func() map[reflect.Type]bool {
		types := map[reflect.Type]bool{}
		for _, v := range []any{
			openapi3.Components{}, openapi3.Contact{}, openapi3.Discriminator{}, openapi3.Encoding{},
			openapi3.Example{}, openapi3.ExternalDocs{}, openapi3.Info{}, openapi3.License{}, openapi3.Link{},
			openapi3.Responses{}, openapi3.Callback{}, openapi3.Paths{}, openapi3.MediaType{}, openapi3.T{},
			openapi3.Operation{}, openapi3.Parameter{}, openapi3.PathItem{}, openapi3.Ref{},
			openapi3.CallbackRef{}, openapi3.ExampleRef{}, openapi3.HeaderRef{}, openapi3.LinkRef{},
			openapi3.ParameterRef{}, openapi3.RequestBodyRef{}, openapi3.ResponseRef{}, openapi3.SchemaRef{},
			openapi3.SecuritySchemeRef{}, openapi3.RequestBody{}, openapi3.Response{}, openapi3.Types{},
			openapi3.BoolSchema{}, openapi3.Schema{}, openapi3.SecurityScheme{}, openapi3.OAuthFlows{},
			openapi3.OAuthFlow{}, openapi3.Server{}, openapi3.ServerVariable{}, openapi3.Tag{}, openapi3.XML{},
		} {
			types[reflect.TypeOf(v)] = true
		}
		return types
	}()
	typeOfHeaderValue = reflect.TypeFor[openapi3.Header]()
)

type yamlMarshaler interface{ MarshalYAML() (any, error) }

// maxMarshalDepth bounds the recursion; deeper values go to json.Marshal.
const maxMarshalDepth = 10000

var errMarshalWhole = errors.New("marshal the value whole")

// appendModel appends what encoding/json writes for v.
func appendModel(buf []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxMarshalDepth {
		return nil, errMarshalWhole
	}
	if !v.IsValid() {
		return append(buf, "null"...), nil
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		v = v.Elem()
	}
	t := v.Type()
	if t.Implements(jsonMarshalerType) {
		base := t
		if t.Kind() == reflect.Pointer {
			if v.IsNil() {
				return append(buf, "null"...), nil
			}
			base = t.Elem()
		}
		switch {
		case base == typeOfHeaderValue:
			// Header's MarshalJSON is its Parameter's.
			return appendModel(buf, reflect.Indirect(v).FieldByName("Parameter"), depth+1)
		case viaMapTypes[base]:
			m, ok := v.Interface().(yamlMarshaler)
			if !ok {
				// MarshalYAML has a pointer receiver (Info): call it on a copy.
				p := reflect.New(base)
				p.Elem().Set(v)
				m, ok = p.Interface().(yamlMarshaler)
			}
			if !ok {
				return nil, errMarshalWhole
			}
			y, err := m.MarshalYAML()
			if err != nil {
				return nil, err
			}
			return appendModel(buf, reflect.ValueOf(y), depth+1)
		}
		return appendJSON(buf, v)
	}
	if t.Implements(textMarshalerType) {
		return appendJSON(buf, v)
	}
	switch v.Kind() {
	case reflect.String:
		return appendString(buf, v)
	case reflect.Bool:
		return strconv.AppendBool(buf, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(buf, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(buf, v.Uint(), 10), nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t).Implements(jsonMarshalerType) {
			return appendJSON(buf, v)
		}
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.String()
		}
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
		buf = append(buf, '{')
		for i, at := range order {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, reflect.ValueOf(names[at])); err != nil {
				return nil, err
			}
			buf = append(buf, ':')
			if buf, err = appendModel(buf, v.MapIndex(keys[at]), depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	case reflect.Slice:
		// Items are addressable: an item type whose pointer marshals
		// itself is marshalled so by encoding/json; leave those to it.
		elem := t.Elem()
		if elem.Kind() == reflect.Uint8 || reflect.PointerTo(t).Implements(jsonMarshalerType) ||
			(!elem.Implements(jsonMarshalerType) && reflect.PointerTo(elem).Implements(jsonMarshalerType)) {
			return appendJSON(buf, v)
		}
		if v.IsNil() {
			return append(buf, "null"...), nil
		}
		buf = append(buf, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendModel(buf, v.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	}
	return appendJSON(buf, v)
}

// appendString writes a string with nothing to escape as it is, quoted,
// and any other as json.Marshal does (which escapes <, > and & too).
func appendString(buf []byte, v reflect.Value) ([]byte, error) {
	s := v.String()
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return appendJSON(buf, v)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"'), nil
}

// appendJSON appends json.Marshal's text for v.
func appendJSON(buf []byte, v reflect.Value) ([]byte, error) {
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}
