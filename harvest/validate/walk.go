package validate

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// walker goes over the parsed tree along the structure of an OpenAPI
// document, so it knows which objects are schemas, parameters or
// responses. It repairs the defects that do not change the contract,
// checks the structure and every $ref, and counts operations. The tree is
// modified in place; it is what becomes Result.Repaired.
//
// The walk follows the tree, never a $ref, so cycles cannot trap it.
type walker struct {
	root     map[string]any
	ps       *problems
	opts     Options
	v31      bool // OpenAPI 3.1 or later: JSON Schema 2020-12 keywords
	swagger2 bool // the tree is still a Swagger 2.0 document
	// checkRefs is off for the second walk of a converted Swagger 2.0
	// document: its references were checked before conversion.
	checkRefs bool

	refs           map[string]bool // internal ref → resolves
	externalRefs   int
	unresolvedRefs int
	operations     int
	// formats counts unknown formats by name with the first place each
	// was seen, so a vendor-specific format used a thousand times is one
	// warning, not a thousand.
	formats map[string]*formatUse
	// operationIDs maps each operationId to where it was first seen.
	operationIDs map[string]string
}

type formatUse struct {
	pointer string
	count   int
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func newWalker(root map[string]any, ps *problems, opts Options) *walker {
	return &walker{root: root, ps: ps, opts: opts, checkRefs: true, refs: map[string]bool{}, formats: map[string]*formatUse{}, operationIDs: map[string]string{}}
}

// object returns v as an object, reporting wrong-type when it is
// something else. A missing value (nil, absent) is not reported.
func (w *walker) object(v any, pointer, what string) (map[string]any, bool) {
	if v == nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		w.ps.addf(RuleWrongType, pointer, "%s must be an object, not %s", what, kindOf(v))
	}
	return m, ok
}

func (w *walker) list(v any, pointer, what string) ([]any, bool) {
	if v == nil {
		return nil, false
	}
	l, ok := v.([]any)
	if !ok {
		w.ps.addf(RuleWrongType, pointer, "%s must be a list, not %s", what, kindOf(v))
	}
	return l, ok
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// eachEntry calls fn for every entry of an object in key order, so
// problems come out in the same order on every run.
func eachEntry(m map[string]any, fn func(key string, v any)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fn(k, m[k])
	}
}

// ---- OpenAPI 3.x ----

func (w *walker) document3() {
	root := w.root
	if info, ok := w.object(root["info"], "/info", "info"); ok {
		w.texts(info, "/info")
		for _, field := range []string{"title", "version"} {
			if _, present := info[field]; !present {
				w.ps.addf(RuleMissingField, "/info", "info has no %s", field)
			}
		}
	} else if root["info"] == nil {
		w.ps.addf(RuleMissingField, "", "the document has no info object")
	}
	w.servers(root["servers"], "/servers")
	_, hasPaths := root["paths"]
	if !hasPaths {
		_, hasComponents := root["components"]
		_, hasWebhooks := root["webhooks"]
		if !w.v31 || (!hasComponents && !hasWebhooks) {
			w.ps.addf(RuleMissingPaths, "", "the document has no paths object")
		}
	}
	if paths, ok := w.object(root["paths"], "/paths", "paths"); ok {
		eachEntry(paths, func(template string, v any) {
			pointer := "/paths/" + escapePointer(template)
			if !strings.HasPrefix(template, "/") && !strings.HasPrefix(template, "x-") {
				w.ps.addf(RuleInvalidPath, pointer, "path %q does not start with a slash", template)
			}
			if strings.HasPrefix(template, "x-") {
				return
			}
			raw, compact := v.(json.RawMessage)
			if compact {
				// Kept as JSON by the reader: expanded for the walk, and
				// written back after it.
				tree, err := expandJSON(raw)
				if err != nil {
					w.ps.addf(RuleInternal, pointer, "could not read the path item again: %v", err)
					return
				}
				v = tree
			}
			if item, ok := w.object(v, pointer, "a path item"); ok {
				w.pathItem(item, pointer, true)
			}
			if compact {
				if again, err := compactJSON(v); err == nil {
					paths[template] = again
				} else {
					paths[template] = v
				}
			}
		})
	}
	if hooks, ok := w.object(root["webhooks"], "/webhooks", "webhooks"); ok {
		eachEntry(hooks, func(name string, v any) {
			pointer := "/webhooks/" + escapePointer(name)
			if item, ok := w.object(v, pointer, "a webhook"); ok {
				w.pathItem(item, pointer, false)
			}
		})
	}
	if comps, ok := w.object(root["components"], "/components", "components"); ok {
		w.components(comps)
	}
}

func (w *walker) components(comps map[string]any) {
	sections := []struct {
		name string
		fn   func(v any, pointer string)
	}{
		{name: "schemas", fn: func(v any, p string) { w.schema(v, p, schemaPlain) }},
		{name: "parameters", fn: w.parameter},
		{name: "headers", fn: w.header},
		{name: "requestBodies", fn: w.requestBody},
		{name: "responses", fn: w.response},
		{name: "examples", fn: w.refOnly},
		{name: "links", fn: w.refOnly},
		{name: "securitySchemes", fn: w.refOnly},
		{name: "callbacks", fn: w.callback},
		{name: "pathItems", fn: func(v any, p string) {
			if item, ok := w.object(v, p, "a path item"); ok {
				w.pathItem(item, p, false)
			}
		}},
	}
	for _, s := range sections {
		pointer := "/components/" + s.name
		m, ok := w.object(comps[s.name], pointer, "components."+s.name)
		if !ok {
			continue
		}
		eachEntry(m, func(name string, v any) { s.fn(v, pointer+"/"+escapePointer(name)) })
	}
}

// refOnly checks a component kind this walker does not look into beyond
// its reference.
func (w *walker) refOnly(v any, pointer string) {
	if m, ok := v.(map[string]any); ok {
		w.ref(m, pointer)
	}
}

func (w *walker) pathItem(item map[string]any, pointer string, countOperations bool) {
	w.ref(item, pointer)
	w.texts(item, pointer)
	w.servers(item["servers"], pointer+"/servers")
	if params, ok := w.list(item["parameters"], pointer+"/parameters", "parameters"); ok {
		for i, p := range params {
			w.parameter(p, pointer+"/parameters/"+strconv.Itoa(i))
		}
	}
	for _, method := range httpMethods {
		v, present := item[method]
		if !present {
			continue
		}
		opPointer := pointer + "/" + method
		op, ok := w.object(v, opPointer, "an operation")
		if !ok {
			continue
		}
		if countOperations {
			w.operations++
		}
		w.operation(op, opPointer)
	}
}

func (w *walker) operation(op map[string]any, pointer string) {
	w.texts(op, pointer)
	if !w.swagger2 {
		w.servers(op["servers"], pointer+"/servers")
	}
	if id, ok := op["operationId"].(string); ok && id != "" {
		if first, seen := w.operationIDs[id]; seen {
			w.ps.addf(RuleDuplicateOperationID, pointer+"/operationId", "operationId %q is also used by %s", id, first)
		} else {
			w.operationIDs[id] = pointer
		}
	}
	if params, ok := w.list(op["parameters"], pointer+"/parameters", "parameters"); ok {
		for i, p := range params {
			w.parameter(p, pointer+"/parameters/"+strconv.Itoa(i))
		}
	}
	if w.swagger2 {
		if responses, ok := w.object(op["responses"], pointer+"/responses", "responses"); ok {
			eachEntry(responses, func(code string, v any) { w.response(v, pointer+"/responses/"+escapePointer(code)) })
		}
		return
	}
	w.requestBody(op["requestBody"], pointer+"/requestBody")
	if responses, ok := w.object(op["responses"], pointer+"/responses", "responses"); ok {
		eachEntry(responses, func(code string, v any) {
			if strings.HasPrefix(code, "x-") {
				return
			}
			w.response(v, pointer+"/responses/"+escapePointer(code))
		})
	} else if op["responses"] == nil && !w.v31 {
		w.ps.addf(RuleMissingField, pointer, "the operation has no responses")
	}
	if callbacks, ok := w.object(op["callbacks"], pointer+"/callbacks", "callbacks"); ok {
		eachEntry(callbacks, func(name string, v any) { w.callback(v, pointer+"/callbacks/"+escapePointer(name)) })
	}
}

func (w *walker) callback(v any, pointer string) {
	cb, ok := w.object(v, pointer, "a callback")
	if !ok || w.ref(cb, pointer) {
		return
	}
	eachEntry(cb, func(expr string, v any) {
		if strings.HasPrefix(expr, "x-") {
			return
		}
		p := pointer + "/" + escapePointer(expr)
		if item, ok := w.object(v, p, "a path item"); ok {
			w.pathItem(item, p, false)
		}
	})
}

func (w *walker) parameter(v any, pointer string) {
	param, ok := w.object(v, pointer, "a parameter")
	if !ok || w.ref(param, pointer) {
		return
	}
	w.texts(param, pointer)
	w.booleanField(param, "required", pointer)
	if param["in"] == "path" && param["required"] != true {
		was := "missing"
		if r, present := param["required"]; present {
			was = fmt.Sprintf("%v", r)
		}
		param["required"] = true
		w.ps.addf(RulePathParamNotRequired, pointer, "path parameter %q had required %s; marked required, as every path parameter is", param["name"], was)
	}
	if w.swagger2 {
		if param["in"] == "body" {
			w.schema(param["schema"], pointer+"/schema", schemaPlain)
			return
		}
		// A Swagger 2.0 parameter carries its schema keywords itself;
		// its "required" is the parameter's own.
		w.schema(param, pointer, schemaParameter2)
		return
	}
	w.schema(param["schema"], pointer+"/schema", schemaPlain)
	w.content(param["content"], pointer+"/content")
}

func (w *walker) header(v any, pointer string) {
	h, ok := w.object(v, pointer, "a header")
	if !ok || w.ref(h, pointer) {
		return
	}
	if w.swagger2 {
		w.schema(h, pointer, schemaParameter2)
		return
	}
	w.booleanField(h, "required", pointer)
	w.schema(h["schema"], pointer+"/schema", schemaPlain)
	w.content(h["content"], pointer+"/content")
}

func (w *walker) requestBody(v any, pointer string) {
	body, ok := w.object(v, pointer, "a request body")
	if !ok || w.ref(body, pointer) {
		return
	}
	w.texts(body, pointer)
	w.booleanField(body, "required", pointer)
	w.content(body["content"], pointer+"/content")
}

func (w *walker) response(v any, pointer string) {
	resp, ok := w.object(v, pointer, "a response")
	if !ok || w.ref(resp, pointer) {
		return
	}
	w.texts(resp, pointer)
	if headers, ok := w.object(resp["headers"], pointer+"/headers", "headers"); ok {
		eachEntry(headers, func(name string, v any) { w.header(v, pointer+"/headers/"+escapePointer(name)) })
	}
	if _, ok := resp["description"].(string); !ok {
		// Only documentation is missing; the response itself is intact.
		resp["description"] = ""
		w.ps.addf(RuleMissingDescription, pointer, "the response has no description, which OpenAPI requires; an empty one is added")
	}
	if w.swagger2 {
		w.schema(resp["schema"], pointer+"/schema", schemaPlain)
		return
	}
	w.content(resp["content"], pointer+"/content")
	if links, ok := w.object(resp["links"], pointer+"/links", "links"); ok {
		eachEntry(links, func(name string, v any) { w.refOnly(v, pointer+"/links/"+escapePointer(name)) })
	}
}

func (w *walker) content(v any, pointer string) {
	content, ok := w.object(v, pointer, "content")
	if !ok {
		return
	}
	eachEntry(content, func(mediaType string, v any) {
		p := pointer + "/" + escapePointer(mediaType)
		media, ok := w.object(v, p, "a media type")
		if !ok {
			return
		}
		w.schema(media["schema"], p+"/schema", schemaPlain)
		if examples, ok := w.object(media["examples"], p+"/examples", "examples"); ok {
			eachEntry(examples, func(name string, v any) { w.refOnly(v, p+"/examples/"+escapePointer(name)) })
		}
		if encodings, ok := w.object(media["encoding"], p+"/encoding", "encoding"); ok {
			eachEntry(encodings, func(name string, v any) {
				ep := p + "/encoding/" + escapePointer(name)
				if enc, ok := w.object(v, ep, "an encoding"); ok {
					if headers, ok := w.object(enc["headers"], ep+"/headers", "headers"); ok {
						eachEntry(headers, func(name string, v any) { w.header(v, ep+"/headers/"+escapePointer(name)) })
					}
				}
			})
		}
	})
}

// servers leaves out server variables the URL does not use: they
// change nothing a client sends, and kin-openapi rejects them.
func (w *walker) servers(v any, pointer string) {
	list, ok := w.list(v, pointer, "servers")
	if !ok {
		return
	}
	for i, item := range list {
		server, ok := item.(map[string]any)
		if !ok {
			continue
		}
		url, _ := server["url"].(string)
		vars, ok := server["variables"].(map[string]any)
		if !ok {
			continue
		}
		at := pointer + "/" + strconv.Itoa(i) + "/variables"
		eachEntry(vars, func(name string, _ any) {
			if !strings.Contains(url, "{"+name+"}") {
				delete(vars, name)
				w.ps.addf(RuleUnusedServerVariable, at+"/"+escapePointer(name), "server variable %q is not used in %q; left out", name, url)
			}
		})
		if len(vars) == 0 {
			delete(server, "variables")
		}
	}
}

// texts leaves out a description or summary that is not a string: it
// documents the contract without being part of it, and kin-openapi
// cannot read a document that has one (DigitalOcean's, for one, writes a
// $ref to another file there).
func (w *walker) texts(m map[string]any, pointer string) {
	for _, key := range []string{"description", "summary"} {
		v, present := m[key]
		if !present {
			continue
		}
		if _, ok := v.(string); ok {
			continue
		}
		delete(m, key)
		w.ps.addf(RuleTextNotAString, pointer+"/"+key, "%q must be a string, not %s; left out", key, describe(v))
	}
}

// ---- Swagger 2.0 (before conversion) ----

func (w *walker) document2() {
	root := w.root
	if defs, ok := w.object(root["definitions"], "/definitions", "definitions"); ok {
		eachEntry(defs, func(name string, v any) { w.schema(v, "/definitions/"+escapePointer(name), schemaPlain) })
	}
	if params, ok := w.object(root["parameters"], "/parameters", "parameters"); ok {
		eachEntry(params, func(name string, v any) { w.parameter(v, "/parameters/"+escapePointer(name)) })
	}
	if responses, ok := w.object(root["responses"], "/responses", "responses"); ok {
		eachEntry(responses, func(name string, v any) { w.response(v, "/responses/"+escapePointer(name)) })
	}
	if _, present := root["paths"]; !present {
		w.ps.addf(RuleMissingPaths, "", "the document has no paths object")
	}
	if paths, ok := w.object(root["paths"], "/paths", "paths"); ok {
		eachEntry(paths, func(template string, v any) {
			if strings.HasPrefix(template, "x-") {
				// kin-openapi's Swagger 2.0 model has no room for them.
				delete(paths, template)
				w.ps.addf(RuleExtensionDropped, "/paths/"+escapePointer(template), "extension %q of the paths object cannot be carried into OpenAPI 3.0; left out", template)
				return
			}
			pointer := "/paths/" + escapePointer(template)
			if item, ok := w.object(v, pointer, "a path item"); ok {
				w.pathItem(item, pointer, true)
			}
		})
	}
}

// ---- schemas ----

// schemaKind tells the schema walker what object it is looking at.
type schemaKind int

const (
	schemaPlain      schemaKind = iota
	schemaParameter2            // a Swagger 2.0 non-body parameter or header: schema keywords, but "required" is its own
)

var (
	integerKeywords = []string{"maxItems", "minItems", "maxLength", "minLength", "maxProperties", "minProperties", "maxContains", "minContains"}
	numberKeywords  = []string{"minimum", "maximum", "multipleOf"}
	booleanKeywords = []string{"nullable", "readOnly", "writeOnly", "uniqueItems", "deprecated", "allowEmptyValue"}

	schemaMapKeywords    = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
	schemaSingleKeywords = []string{"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema"}
	schemaListKeywords   = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
)

func (w *walker) schema(v any, pointer string, kind schemaKind) {
	if v == nil {
		return
	}
	if _, isBool := v.(bool); isBool {
		return // a boolean schema: true or false, valid in 3.1 and for additionalProperties
	}
	s, ok := w.object(v, pointer, "a schema")
	if !ok {
		return
	}
	if _, hasRef := s["$ref"]; hasRef {
		w.ref(s, pointer)
	}
	if !w.v31 && !w.swagger2 {
		w.keywordsOf31(s, pointer)
	}
	w.texts(s, pointer)
	for _, k := range integerKeywords {
		w.numericKeyword(s, k, pointer, true)
	}
	for _, k := range numberKeywords {
		w.numericKeyword(s, k, pointer, false)
	}
	for _, k := range []string{"exclusiveMinimum", "exclusiveMaximum"} {
		if w.v31 {
			w.numericKeyword(s, k, pointer, false)
		} else {
			w.booleanField(s, k, pointer)
		}
	}
	for _, k := range booleanKeywords {
		w.booleanField(s, k, pointer)
	}
	if kind == schemaParameter2 {
		w.booleanField(s, "required", pointer)
	} else {
		w.requiredKeyword(s, pointer)
	}
	if !w.v31 && s["type"] == "array" {
		if _, hasItems := s["items"]; !hasItems {
			// JSON Schema reads a missing items as any item; OpenAPI 3.0
			// (and kin-openapi) want it written out.
			s["items"] = map[string]any{}
			w.ps.addf(RuleArrayWithoutItems, pointer, "an array schema without items; \"items\": {} added, which is what a missing items means")
		}
	}
	w.defaultValue(s, pointer)
	w.format(s, pointer)
	w.pattern(s, pointer)

	for _, k := range schemaMapKeywords {
		if m, ok := w.object(s[k], pointer+"/"+k, k); ok {
			eachEntry(m, func(name string, v any) { w.schema(v, pointer+"/"+k+"/"+escapePointer(name), schemaPlain) })
		}
	}
	for _, k := range schemaSingleKeywords {
		child := s[k]
		if k == "items" && kind == schemaParameter2 {
			w.schema(child, pointer+"/items", schemaParameter2)
			continue
		}
		if list, isList := child.([]any); isList && k == "items" {
			for i, item := range list {
				w.schema(item, pointer+"/items/"+strconv.Itoa(i), schemaPlain)
			}
			continue
		}
		w.schema(child, pointer+"/"+k, schemaPlain)
	}
	for _, k := range schemaListKeywords {
		if list, ok := w.list(s[k], pointer+"/"+k, k); ok {
			for i, item := range list {
				w.schema(item, pointer+"/"+k+"/"+strconv.Itoa(i), schemaPlain)
			}
		}
	}
}

// keywordsOf31 handles JSON Schema 2020-12 keywords written in an
// OpenAPI 3.0 document, which 3.0 does not define (kin-openapi rejects
// them). Where 3.0 can say the same thing they are rewritten: a type list
// with "null" becomes type and nullable, const a one-value enum, a numeric
// exclusive bound a bound with exclusive true. The rest have no meaning
// for a 3.0 reader and are left out.
func (w *walker) keywordsOf31(s map[string]any, pointer string) {
	if types, ok := s["type"].([]any); ok {
		var named []string
		nullable := false
		for _, t := range types {
			name, _ := t.(string)
			if name == "null" {
				nullable = true
				continue
			}
			named = append(named, name)
		}
		if len(named) <= 1 {
			if len(named) == 1 {
				s["type"] = named[0]
			} else {
				delete(s, "type")
			}
			if nullable {
				s["nullable"] = true
			}
			w.ps.addf(RuleKeywordOf31, pointer+"/type", "a list of types is OpenAPI 3.1; rewritten as type %q%s", strings.Join(named, ""), map[bool]string{true: " with nullable: true", false: ""}[nullable])
		} else if _, hasAnyOf := s["anyOf"]; !hasAnyOf {
			delete(s, "type")
			alternatives := make([]any, len(named))
			for i, name := range named {
				alternatives[i] = map[string]any{"type": name}
			}
			s["anyOf"] = alternatives
			if nullable {
				s["nullable"] = true
			}
			w.ps.addf(RuleKeywordOf31, pointer+"/type", "a list of types %v is OpenAPI 3.1; rewritten as anyOf one schema per type", named)
		} else {
			delete(s, "type")
			w.ps.addf(RuleKeywordOf31, pointer+"/type", "a list of types %v is OpenAPI 3.1 and the schema has an anyOf already; left out", named)
		}
	}
	if c, ok := s["const"]; ok {
		delete(s, "const")
		if _, hasEnum := s["enum"]; !hasEnum {
			s["enum"] = []any{c}
			w.ps.addf(RuleKeywordOf31, pointer+"/const", "\"const\" is OpenAPI 3.1; rewritten as a one-value enum")
		} else {
			w.ps.addf(RuleKeywordOf31, pointer+"/const", "\"const\" is OpenAPI 3.1 and the schema has an enum already; left out")
		}
	}
	for _, bound := range []struct{ exclusive, inclusive string }{{exclusive: "exclusiveMinimum", inclusive: "minimum"}, {exclusive: "exclusiveMaximum", inclusive: "maximum"}} {
		n, ok := s[bound.exclusive].(json.Number)
		if !ok {
			continue
		}
		if _, has := s[bound.inclusive]; has {
			delete(s, bound.exclusive)
			w.ps.addf(RuleKeywordOf31, pointer+"/"+bound.exclusive, "a numeric %q is OpenAPI 3.1 and %q is set too; left out", bound.exclusive, bound.inclusive)
			continue
		}
		s[bound.inclusive] = n
		s[bound.exclusive] = true
		w.ps.addf(RuleKeywordOf31, pointer+"/"+bound.exclusive, "a numeric %q is OpenAPI 3.1; rewritten as %q: %s with %q: true", bound.exclusive, bound.inclusive, n, bound.exclusive)
	}
	for _, k := range keywordsOnlyIn31 {
		if _, ok := s[k]; ok {
			delete(s, k)
			w.ps.addf(RuleKeywordOf31, pointer+"/"+escapePointer(k), "%q is OpenAPI 3.1 (JSON Schema 2020-12) and means nothing in OpenAPI 3.0; left out", k)
		}
	}
}

// keywordsOnlyIn31 are the JSON Schema 2020-12 keywords OpenAPI 3.0 does
// not define and that have no 3.0 equivalent.
var keywordsOnlyIn31 = []string{
	"examples", "$comment", "$id", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$defs",
	"contentMediaType", "contentEncoding", "contentSchema", "prefixItems", "if", "then", "else", "contains",
	"minContains", "maxContains", "propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedItems",
	"unevaluatedProperties", "patternProperties",
}

// numericKeyword reads a number written as a string ("maxItems": "2")
// as that number; that is what the author meant and what every client
// generator guesses. A value that is not a number at all is left out.
func (w *walker) numericKeyword(s map[string]any, key, pointer string, integer bool) {
	v, present := s[key]
	if !present {
		return
	}
	at := pointer + "/" + key
	switch t := v.(type) {
	case json.Number:
		if integer && !isNonNegativeInteger(string(t)) {
			delete(s, key)
			w.ps.addf(RuleInvalidKeywordValue, at, "%q must be a non-negative integer, not %s; left out", key, t)
		}
		return
	case string:
		n, ok := parseNumber(t, integer)
		if ok {
			s[key] = n
			w.ps.addf(RuleNumericKeywordAsString, at, "%q was the string %q; read as %s", key, t, n)
			return
		}
	}
	delete(s, key)
	w.ps.addf(RuleInvalidKeywordValue, at, "%q must be a number, not %s; left out", key, describe(v))
}

func parseNumber(s string, integer bool) (json.Number, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	if integer {
		if f < 0 || f != math.Trunc(f) || f > 1<<53 {
			return "", false
		}
		return json.Number(strconv.FormatInt(int64(f), 10)), true
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}

func isNonNegativeInteger(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f >= 0 && f == math.Trunc(f) && f <= 1<<53
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + string(t)
	case bool:
		return fmt.Sprintf("the boolean %v", t)
	}
	return kindOf(v)
}

// booleanField reads "true"/"false" written as strings as booleans; any
// other non-boolean value is left out.
func (w *walker) booleanField(m map[string]any, key, pointer string) {
	v, present := m[key]
	if !present {
		return
	}
	if _, ok := v.(bool); ok {
		return
	}
	at := pointer + "/" + key
	if s, ok := v.(string); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			m[key] = b
			w.ps.addf(RuleBooleanKeywordAsString, at, "%q was the string %q; read as %v", key, s, b)
			return
		}
	}
	delete(m, key)
	w.ps.addf(RuleInvalidKeywordValue, at, "%q must be a boolean, not %s; left out", key, describe(v))
}

// requiredKeyword handles a schema's "required". In OpenAPI 3 it is a
// list of property names; "required": true on a property schema is a
// Swagger 2.0 habit that OpenAPI 3 gives no meaning. Dropping it is the
// contract-neutral repair: adding the property to the parent's required
// list would make the contract stricter than what any OpenAPI 3 reader
// of the original document understood.
func (w *walker) requiredKeyword(s map[string]any, pointer string) {
	v, present := s["required"]
	if !present {
		return
	}
	at := pointer + "/required"
	switch t := v.(type) {
	case []any:
		for _, name := range t {
			if _, ok := name.(string); !ok {
				delete(s, "required")
				w.ps.addf(RuleInvalidKeywordValue, at, "\"required\" must list property names, but holds %s; left out", describe(name))
				return
			}
		}
		return
	case bool:
		delete(s, "required")
		w.ps.addf(RuleBooleanRequired, at, "\"required\": %v on a schema has no meaning in OpenAPI 3 (required properties are listed in the parent's \"required\"); left out", t)
		return
	case string:
		if _, err := strconv.ParseBool(strings.TrimSpace(t)); err == nil {
			delete(s, "required")
			w.ps.addf(RuleBooleanRequired, at, "\"required\": %q on a schema has no meaning in OpenAPI 3 (required properties are listed in the parent's \"required\"); left out", t)
			return
		}
	}
	delete(s, "required")
	w.ps.addf(RuleInvalidKeywordValue, at, "\"required\" must list property names, not %s; left out", describe(v))
}

// schemaType returns the single non-null type a schema declares, or "".
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		found := ""
		for _, e := range t {
			name, _ := e.(string)
			if name == "null" {
				continue
			}
			if found != "" {
				return ""
			}
			found = name
		}
		return found
	}
	return ""
}

// defaultValue converts a default written as a string for a boolean,
// integer or number schema ("default": "false"), and a number or boolean
// default of a string schema, to the type the schema declares. A string
// that does not convert is left out: a default is a hint, not a promise.
func (w *walker) defaultValue(s map[string]any, pointer string) {
	v, present := s["default"]
	if !present || v == nil {
		return
	}
	at := pointer + "/default"
	typ := schemaType(s)
	switch typ {
	case "boolean", "integer", "number":
		str, isString := v.(string)
		if !isString {
			return
		}
		var converted any
		switch typ {
		case "boolean":
			if b, err := strconv.ParseBool(strings.TrimSpace(str)); err == nil {
				converted = b
			}
		case "integer":
			if n, ok := parseNumber(str, false); ok && isInteger(string(n)) {
				converted = n
			}
		case "number":
			if n, ok := parseNumber(str, false); ok {
				converted = n
			}
		}
		if converted == nil {
			delete(s, "default")
			w.ps.addf(RuleDefaultTypeMismatch, at, "the default of a %s schema was the string %q, which is not a %s; left out", typ, str, typ)
			return
		}
		s["default"] = converted
		w.ps.addf(RuleDefaultTypeMismatch, at, "the default of a %s schema was the string %q; read as %v", typ, str, converted)
	case "string":
		switch t := v.(type) {
		case json.Number:
			s["default"] = string(t)
			w.ps.addf(RuleDefaultTypeMismatch, at, "the default of a string schema was the number %s; read as the string %q", t, string(t))
		case bool:
			s["default"] = strconv.FormatBool(t)
			w.ps.addf(RuleDefaultTypeMismatch, at, "the default of a string schema was the boolean %v; read as the string %q", t, strconv.FormatBool(t))
		}
	}
}

func isInteger(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == math.Trunc(f)
}

// knownFormats are the formats OpenAPI 3.x and JSON Schema 2020-12 define,
// and the few the OpenAPI Format Registry adds that tools commonly know.
var knownFormats = map[string]bool{
	"int32": true, "int64": true, "float": true, "double": true, "byte": true, "binary": true,
	"date": true, "date-time": true, "password": true, "time": true, "duration": true,
	"email": true, "idn-email": true, "hostname": true, "idn-hostname": true, "ipv4": true, "ipv6": true,
	"uri": true, "uri-reference": true, "iri": true, "iri-reference": true, "uuid": true,
	"uri-template": true, "json-pointer": true, "relative-json-pointer": true, "regex": true,
	"int8": true, "int16": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"decimal": true, "char": true, "url": true, "html": true, "commonmark": true, "base64url": true,
	"media-range": true, "http-date": true, "sf-string": true, "sf-token": true, "sf-binary": true,
	"sf-boolean": true, "sf-integer": true, "sf-decimal": true, "int": true, "unixtime": true,
}

func (w *walker) format(s map[string]any, pointer string) {
	f, ok := s["format"].(string)
	if !ok || f == "" || knownFormats[f] {
		return
	}
	use := w.formats[f]
	if use == nil {
		w.formats[f] = &formatUse{pointer: pointer + "/format", count: 1}
		return
	}
	use.count++
}

// reportFormats turns the tally of unknown formats into one warning each.
func (w *walker) reportFormats() {
	eachFormat := make([]string, 0, len(w.formats))
	for f := range w.formats {
		eachFormat = append(eachFormat, f)
	}
	sort.Strings(eachFormat)
	for _, f := range eachFormat {
		use := w.formats[f]
		times := ""
		if use.count > 1 {
			times = fmt.Sprintf(" (used %d times; this is the first)", use.count)
		}
		w.ps.addf(RuleUnknownFormat, use.pointer, "format %q is not defined by OpenAPI or JSON Schema%s", f, times)
	}
}

func (w *walker) pattern(s map[string]any, pointer string) {
	p, ok := s["pattern"].(string)
	if !ok {
		return
	}
	if _, err := regexp.Compile(p); err != nil {
		w.ps.addf(RuleInvalidPattern, pointer+"/pattern", "pattern %q does not compile as a Go regular expression: %v", p, err)
	}
}

// ---- references ----

// ref checks the $ref of an object, if it has one, and reports whether
// it had one.
func (w *walker) ref(m map[string]any, pointer string) bool {
	v, present := m["$ref"]
	if !present {
		return false
	}
	if !w.checkRefs {
		return true
	}
	at := pointer + "/$ref"
	ref, ok := v.(string)
	if !ok {
		w.ps.addf(RuleInvalidRef, at, "$ref must be a string, not %s", kindOf(v))
		return true
	}
	if !strings.HasPrefix(ref, "#") {
		w.externalRefs++
		if !w.opts.ExternalRefs {
			w.ps.addf(RuleExternalRefSkipped, at, "$ref %q points outside the document; external references are not followed unless allowed", ref)
		}
		return true
	}
	resolves, seen := w.refs[ref]
	if !seen {
		resolves = w.resolves(ref)
		w.refs[ref] = resolves
	}
	if !resolves {
		w.unresolvedRefs++
		w.ps.addf(RuleUnresolvedRef, at, "$ref %q points at nothing in the document", ref)
	}
	return true
}

// resolves reports whether a local reference ("#/a/b") names a value.
func (w *walker) resolves(ref string) bool {
	fragment := strings.TrimPrefix(ref, "#")
	if unescaped, err := url.PathUnescape(fragment); err == nil {
		fragment = unescaped
	}
	if fragment == "" {
		return true
	}
	if !strings.HasPrefix(fragment, "/") {
		return false // a plain-name anchor; not something OpenAPI 3.0 readers resolve
	}
	var node any = w.root
	for _, token := range strings.Split(fragment[1:], "/") {
		token = unescapePointer(token)
		if raw, ok := node.(json.RawMessage); ok {
			node, _ = expandJSON(raw)
		}
		switch t := node.(type) {
		case map[string]any:
			next, ok := t[token]
			if !ok {
				return false
			}
			node = next
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(t) {
				return false
			}
			node = t[i]
		default:
			return false
		}
	}
	return true
}
