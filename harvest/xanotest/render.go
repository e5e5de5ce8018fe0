package xanotest

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// The fixed response descriptions every Xano operation carries.
var xanoResponses = []struct{ code, description string }{
	{"400", "Input Error. Check the request payload for issues."},
	{"401", "Unauthorized"},
	{"403", "Access denied. Additional privileges are needed access the requested resource."},
	{"404", "Not Found. The requested resource does not exist."},
	{"429", "Rate Limited. Too many requests."},
	{"500", "Unexpected error"},
}

var verbOrder = map[string]int{"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}

// render writes the group's document as served from origin (scheme and
// host of the listener that hosts it) under api:<canonical>.
func (m groupModel) render(origin, canonical string) []byte {
	var doc object
	switch m.format {
	case FormatSwagger20:
		doc = m.swagger2(origin, canonical)
	default:
		doc = m.openapi3(origin, canonical)
	}
	var buf bytes.Buffer
	buf.Grow(2048 * (len(m.ops) + 1))
	encodeJSON(&buf, doc)
	return buf.Bytes()
}

// pathsInOrder groups operations by path, paths sorted as Xano lists them.
func (m groupModel) pathsInOrder() ([]string, map[string][]opModel) {
	byPath := map[string][]opModel{}
	for _, o := range m.ops {
		byPath[o.path] = append(byPath[o.path], o)
	}
	paths := make([]string, 0, len(byPath))
	for p, ops := range byPath {
		paths = append(paths, p)
		sort.SliceStable(ops, func(i, j int) bool { return verbOrder[ops[i].verb] < verbOrder[ops[j].verb] })
	}
	sort.Strings(paths)
	return paths, byPath
}

func (o opModel) description() string {
	auth := "not required"
	if o.auth {
		auth = "required"
	}
	return o.summary + "\n<br /><br />\n<b>Authentication:</b> " + auth
}

func (o opModel) security() []any {
	if o.auth {
		return []any{object{{"bearerAuth", []any{}}}}
	}
	return []any{}
}

// openapi3 renders OpenAPI 3.0.0 exactly as Xano does, defects included,
// or a clean OpenAPI 3.1.0 for the groups that are served that way.
func (m groupModel) openapi3(origin, canonical string) object {
	clean := m.format == FormatOpenAPI31
	version := "3.0.0"
	if clean {
		version = "3.1.0"
	}
	doc := object{
		{"openapi", version},
		{"info", object{{"title", m.title}, {"description", m.description}, {"version", "0.0.1"}}},
		{"servers", []any{object{{"url", origin + "/api:" + canonical}}}},
		{"components", object{
			{"securitySchemes", object{{"bearerAuth", object{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}},
			{"schemas", object{}},
		}},
	}
	if m.missingPaths {
		return doc
	}
	paths, byPath := m.pathsInOrder()
	var pathsObj object
	for _, p := range paths {
		var item object
		for _, o := range byPath[p] {
			op := object{
				{"operationId", m.title + o.path + "|" + o.verb},
				{"summary", o.summary},
				{"description", o.description()},
				{"tags", []string{o.tag()}},
				{"security", o.security()},
			}
			params := []any{}
			for _, pm := range o.params {
				po := object{{"name", pm.name}, {"in", pm.in}, {"description", ""}}
				if pm.in != "path" || clean || !m.pathParamsUnmarked {
					po.set("required", pm.required || pm.in == "path")
				}
				po.set("schema", schema3(pm.schema, clean))
				params = append(params, po)
			}
			op.set("parameters", params)
			var ok any = object{{"description", "Success!"}, {"content", object{{"application/json", object{{"schema", schema3(o.resp, clean)}}}}}}
			if m.danglingRef != "" && o.listing {
				ok = object{{"description", "Success!"}, {"content", object{{"application/json", object{{"schema", object{{"$ref", "#/components/schemas/" + m.danglingRef}}}}}}}}
			}
			responses := object{{"200", ok}}
			for _, r := range xanoResponses {
				responses.set(r.code, object{{"description", r.description}})
			}
			op.set("responses", responses)
			if o.body != nil {
				body := schema3(prop{typ: "object", props: o.body}, clean)
				op.set("requestBody", object{{"content", object{
					{"application/json", object{{"schema", body}}},
					{"multipart/form-data", object{{"schema", body}}},
				}}})
			}
			item.set(strings.ToLower(o.verb), op)
		}
		pathsObj.set(p, item)
	}
	doc.set("paths", pathsObj)
	return doc
}

// schema3 renders a schema node. Xano style keeps its defects (numbers
// and defaults as strings, "required": true on properties); clean style
// writes what OpenAPI 3.1 expects.
func schema3(p prop, clean bool) object {
	var s object
	switch {
	case clean && p.nullable:
		s.set("type", []string{p.typ, "null"})
	default:
		s.set("type", p.typ)
	}
	if p.format != "" {
		s.set("format", p.format)
	}
	if p.typ != "object" && p.typ != "array" || p.name != "" {
		s.set("description", p.description)
	}
	if p.nullable && !clean {
		s.set("nullable", true)
	}
	if p.enum != nil {
		s.set("enum", append([]string(nil), p.enum...))
	}
	if p.hasDef {
		if clean {
			if v, ok := typedDefault(p); ok {
				s.set("default", v)
			}
		} else {
			s.set("default", p.def)
		}
	}
	if p.typ == "object" {
		var props object
		var required []string
		for _, q := range p.props {
			props.set(q.name, schema3(q, clean))
			if q.required {
				required = append(required, q.name)
			}
		}
		if props == nil {
			props = object{}
		}
		s.set("properties", props)
		if clean && len(required) > 0 {
			s.set("required", required)
		}
	}
	if p.items != nil {
		s.set("items", schema3(*p.items, clean))
	}
	if p.minItems != "" {
		s.set("minItems", bound(p.minItems, clean))
	}
	if p.maxItems != "" {
		s.set("maxItems", bound(p.maxItems, clean))
	}
	if p.required && !clean {
		s.set("required", true)
	}
	return s
}

func bound(v string, clean bool) any {
	if !clean {
		return v
	}
	n, _ := strconv.Atoi(v)
	return n
}

// typedDefault converts a Xano string default to the schema's type; "now"
// on a timestamp has no typed equivalent and is dropped.
func typedDefault(p prop) (any, bool) {
	switch p.typ {
	case "boolean":
		b, err := strconv.ParseBool(p.def)
		return b, err == nil
	case "integer":
		n, err := strconv.ParseInt(p.def, 10, 64)
		return n, err == nil
	case "number":
		f, err := strconv.ParseFloat(p.def, 64)
		return f, err == nil
	default:
		return p.def, true
	}
}

// swagger2 renders a clean Swagger 2.0 document, as a group exported by
// another tool and dropped into the account would look.
func (m groupModel) swagger2(origin, canonical string) object {
	host := strings.TrimPrefix(strings.TrimPrefix(origin, "http://"), "https://")
	scheme := "http"
	if strings.HasPrefix(origin, "https://") {
		scheme = "https"
	}
	doc := object{
		{"swagger", "2.0"},
		{"info", object{{"title", m.title}, {"description", m.description}, {"version", "0.0.1"}}},
		{"host", host},
		{"basePath", "/api:" + canonical},
		{"schemes", []string{scheme}},
		{"consumes", []string{"application/json"}},
		{"produces", []string{"application/json"}},
		{"securityDefinitions", object{{"bearerAuth", object{{"type", "apiKey"}, {"name", "Authorization"}, {"in", "header"}}}}},
	}
	if m.missingPaths {
		return doc
	}
	paths, byPath := m.pathsInOrder()
	var pathsObj object
	for _, p := range paths {
		var item object
		for _, o := range byPath[p] {
			op := object{
				{"operationId", m.title + o.path + "|" + o.verb},
				{"summary", o.summary},
				{"description", o.description()},
				{"tags", []string{o.tag()}},
				{"security", o.security()},
			}
			params := []any{}
			for _, pm := range o.params {
				po := object{{"name", pm.name}, {"in", pm.in}, {"description", ""}, {"required", pm.required || pm.in == "path"}}
				for _, kv := range schema2(pm.schema) {
					if kv.key != "description" {
						po = append(po, kv)
					}
				}
				params = append(params, po)
			}
			if o.body != nil {
				params = append(params, object{{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", schema2(prop{typ: "object", props: o.body})}})
			}
			op.set("parameters", params)
			var okSchema any = schema2(o.resp)
			if m.danglingRef != "" && o.listing {
				okSchema = object{{"$ref", "#/definitions/" + m.danglingRef}}
			}
			responses := object{{"200", object{{"description", "Success!"}, {"schema", okSchema}}}}
			for _, r := range xanoResponses {
				responses.set(r.code, object{{"description", r.description}})
			}
			op.set("responses", responses)
			item.set(strings.ToLower(o.verb), op)
		}
		pathsObj.set(p, item)
	}
	doc.set("paths", pathsObj)
	return doc
}

func schema2(p prop) object {
	var s object
	typ := p.typ
	format := p.format
	if format == "binary" {
		typ, format = "string", "byte"
	}
	s.set("type", typ)
	if format != "" {
		s.set("format", format)
	}
	s.set("description", p.description)
	if p.nullable {
		s.set("x-nullable", true)
	}
	if p.enum != nil {
		s.set("enum", append([]string(nil), p.enum...))
	}
	if p.hasDef {
		if v, ok := typedDefault(p); ok {
			s.set("default", v)
		}
	}
	if p.typ == "object" {
		props := object{}
		var required []string
		for _, q := range p.props {
			props.set(q.name, schema2(q))
			if q.required {
				required = append(required, q.name)
			}
		}
		s.set("properties", props)
		if len(required) > 0 {
			s.set("required", required)
		}
	}
	if p.items != nil {
		s.set("items", schema2(*p.items))
	}
	if p.minItems != "" {
		s.set("minItems", bound(p.minItems, true))
	}
	if p.maxItems != "" {
		s.set("maxItems", bound(p.maxItems, true))
	}
	return s
}
