package validate

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// modelCheck walks kin-openapi's model of the repaired document with the
// JSON pointer of each element, checks examples and defaults against
// their schemas, and leaves out of both the model and the tree those
// that do not match: they illustrate the contract, they are not part of
// it, and a document that keeps them fails kin-openapi's own validation.
type modelCheck struct {
	ps      *problems
	v31     bool
	visited map[*openapi3.Schema]bool
	// edits are what the check leaves out of the tree, in order; the
	// caller applies them and writes the tree again.
	edits []treeEdit
}

// treeEdit is one change to the tree: the value at pointer removed, or
// replaced by value.
type treeEdit struct {
	pointer string
	value   any
	remove  bool
}

// applyEdits changes the tree as the edits say; an edit whose place is
// gone (an earlier one removed it) changes nothing.
func applyEdits(root map[string]any, edits []treeEdit) {
	for _, e := range edits {
		parent, key := parentAt(root, e.pointer)
		switch {
		case parent == nil:
		case e.remove:
			delete(parent, key)
		default:
			parent[key] = e.value
		}
	}
}

type direction int

const (
	directionNone direction = iota
	directionRequest
	directionResponse
)

// validateModel checks the model and returns what it left out of the
// model, for the caller to leave out of the tree too.
func (l *loading) validateModel(doc *openapi3.T) []treeEdit {
	mc := &modelCheck{ps: l.ps, v31: doc.IsOpenAPI31OrLater(), visited: map[*openapi3.Schema]bool{}}
	mc.document(doc)
	if l.opts.ModelOnly || l.interrupted() {
		return mc.edits
	}
	for _, err := range kinValidate(l.ctx, doc) {
		var duplicate *openapi3.DuplicateOperationIDError
		if errors.As(err, &duplicate) {
			continue // the walker reports every duplicate across the whole document
		}
		l.ps.add(kinProblem(err))
	}
	return mc.edits
}

// kinValidate runs kin-openapi's validation, which checks what this
// package does not: server URLs, security requirements, path templates
// against parameters, and more. Patterns are left to the walker, which
// grades ECMA-only syntax as a warning; kin-openapi compiles them with
// Go's regexp and fails.
//
// The paths are validated through validationView, which spares
// kin-openapi from validating the component schemas again at every
// reference, and in parallel chunks, each a shallow copy of the document
// with a share of the paths; paths that could conflict ("/a/{x}",
// "/a/{y}") land in the same chunk, so kin-openapi still sees every
// conflict. Validation only reads the model.
func kinValidate(ctx context.Context, doc *openapi3.T) []error {
	opts := []openapi3.ValidationOption{openapi3.EnableMultiError(), openapi3.DisableSchemaPatternValidation()}
	chunks := min(runtime.GOMAXPROCS(0), maxValidationChunks)
	if doc.Paths == nil || doc.Paths.Len() < minPathsPerChunk*2 {
		chunks = 1
	}
	if doc.Paths == nil {
		return multiErrors(doc.Validate(ctx, opts...))
	}
	parts := make([]*openapi3.Paths, chunks)
	for i := range parts {
		parts[i] = openapi3.NewPaths()
		parts[i].Extensions = doc.Paths.Extensions
		parts[i].Origin = doc.Paths.Origin
	}
	for template, item := range doc.Paths.Map() {
		parts[chunkOf(template, chunks)].Set(template, validationView(item, doc.Components))
	}
	results := make([][]error, chunks)
	var wg sync.WaitGroup
	for i := range parts {
		part := *doc
		part.Paths = parts[i]
		if i > 0 && doc.Components != nil {
			// Only the first chunk validates the components; the others
			// need the security schemes their operations name.
			part.Components = &openapi3.Components{SecuritySchemes: doc.Components.SecuritySchemes}
		}
		wg.Go(func() { results[i] = multiErrors(part.Validate(ctx, opts...)) })
	}
	wg.Wait()
	var all []error
	for _, r := range results {
		all = append(all, r...)
	}
	return all
}

const (
	maxValidationChunks = 4
	minPathsPerChunk    = 25
)

// chunkOf places a path by its template with the variable names left
// out, which is how kin-openapi decides that two paths conflict.
func chunkOf(template string, chunks int) int {
	h := fnv.New32a()
	inVariable := false
	for _, r := range template {
		switch {
		case r == '{':
			inVariable = true
			h.Write([]byte("{}"))
		case r == '}':
			inVariable = false
		case !inVariable:
			h.Write([]byte(string(r)))
		}
	}
	return int(h.Sum32() % uint32(chunks))
}

func multiErrors(err error) []error {
	if err == nil {
		return nil
	}
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		return multi
	}
	return []error{err}
}

func (mc *modelCheck) document(doc *openapi3.T) {
	mc.unknownFields(doc.Extensions, "")
	if doc.Info != nil {
		mc.unknownFields(doc.Info.Extensions, "/info")
	}
	if doc.Components != nil {
		mc.unknownFields(doc.Components.Extensions, "/components")
		for _, name := range sortedNames(doc.Components.Schemas) {
			mc.schema(doc.Components.Schemas[name], "/components/schemas/"+escapePointer(name))
		}
		for _, name := range sortedNames(doc.Components.Parameters) {
			mc.parameter(doc.Components.Parameters[name], "/components/parameters/"+escapePointer(name))
		}
		for _, name := range sortedNames(doc.Components.Headers) {
			if h := doc.Components.Headers[name]; h != nil && h.Ref == "" && h.Value != nil {
				mc.parameterValue(&h.Value.Parameter, "/components/headers/"+escapePointer(name), directionResponse)
			}
		}
		for _, name := range sortedNames(doc.Components.RequestBodies) {
			mc.requestBody(doc.Components.RequestBodies[name], "/components/requestBodies/"+escapePointer(name))
		}
		for _, name := range sortedNames(doc.Components.Responses) {
			mc.response(doc.Components.Responses[name], "/components/responses/"+escapePointer(name))
		}
	}
	if doc.Paths != nil {
		paths := doc.Paths.Map()
		for _, template := range sortedNames(paths) {
			item := paths[template]
			if item == nil || item.Ref != "" {
				continue
			}
			pointer := "/paths/" + escapePointer(template)
			mc.unknownFields(item.Extensions, pointer)
			for i, p := range item.Parameters {
				mc.parameter(p, pointer+"/parameters/"+strconv.Itoa(i))
			}
			for _, method := range httpMethods {
				op := item.GetOperation(strings.ToUpper(method))
				if op == nil {
					continue
				}
				opPointer := pointer + "/" + method
				mc.unknownFields(op.Extensions, opPointer)
				for i, p := range op.Parameters {
					mc.parameter(p, opPointer+"/parameters/"+strconv.Itoa(i))
				}
				mc.requestBody(op.RequestBody, opPointer+"/requestBody")
				if op.Responses != nil {
					mc.unknownFields(op.Responses.Extensions, opPointer+"/responses")
					responses := op.Responses.Map()
					for _, code := range sortedNames(responses) {
						mc.response(responses[code], opPointer+"/responses/"+escapePointer(code))
					}
				}
			}
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (mc *modelCheck) parameter(ref *openapi3.ParameterRef, pointer string) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	mc.parameterValue(ref.Value, pointer, directionRequest)
}

func (mc *modelCheck) parameterValue(p *openapi3.Parameter, pointer string, dir direction) {
	mc.unknownFields(p.Extensions, pointer)
	if p.Schema != nil {
		mc.schema(p.Schema, pointer+"/schema")
		if p.Schema.Value != nil {
			if p.Example != nil && mc.mismatch(p.Example, p.Schema.Value, dir, pointer+"/example") {
				p.Example = nil
			}
			for _, name := range sortedNames(p.Examples) {
				ex := p.Examples[name]
				if ex == nil || ex.Value == nil || ex.Value.Value == nil {
					continue
				}
				if mc.mismatch(ex.Value.Value, p.Schema.Value, dir, pointer+"/examples/"+escapePointer(name)) {
					delete(p.Examples, name)
				}
			}
		}
	}
	mc.content(p.Content, pointer+"/content", dir)
}

func (mc *modelCheck) requestBody(ref *openapi3.RequestBodyRef, pointer string) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	mc.unknownFields(ref.Value.Extensions, pointer)
	mc.content(ref.Value.Content, pointer+"/content", directionRequest)
}

func (mc *modelCheck) response(ref *openapi3.ResponseRef, pointer string) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	mc.unknownFields(ref.Value.Extensions, pointer)
	for _, name := range sortedNames(ref.Value.Headers) {
		if h := ref.Value.Headers[name]; h != nil && h.Ref == "" && h.Value != nil {
			mc.parameterValue(&h.Value.Parameter, pointer+"/headers/"+escapePointer(name), directionResponse)
		}
	}
	mc.content(ref.Value.Content, pointer+"/content", directionResponse)
}

func (mc *modelCheck) content(content openapi3.Content, pointer string, dir direction) {
	for _, mediaType := range sortedNames(content) {
		media := content[mediaType]
		if media == nil {
			continue
		}
		p := pointer + "/" + escapePointer(mediaType)
		mc.unknownFields(media.Extensions, p)
		if media.Schema == nil {
			continue
		}
		mc.schema(media.Schema, p+"/schema")
		if media.Schema.Value == nil {
			continue
		}
		if media.Example != nil && mc.mismatch(media.Example, media.Schema.Value, dir, p+"/example") {
			media.Example = nil
		}
		for _, name := range sortedNames(media.Examples) {
			ex := media.Examples[name]
			if ex == nil || ex.Value == nil || ex.Value.Value == nil {
				continue
			}
			if mc.mismatch(ex.Value.Value, media.Schema.Value, dir, p+"/examples/"+escapePointer(name)) {
				delete(media.Examples, name)
			}
		}
	}
}

// schema checks a schema written at pointer and the schemas inside it. A
// referenced schema is checked where it is written, once; that is also
// what keeps a recursive schema from recursing here.
func (mc *modelCheck) schema(ref *openapi3.SchemaRef, pointer string) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	s := ref.Value
	if mc.visited[s] {
		return
	}
	mc.visited[s] = true
	mc.unknownFields(s.Extensions, pointer)
	if s.Default != nil && mc.mismatch(s.Default, s, directionNone, pointer+"/default") {
		s.Default = nil
	}
	if s.Example != nil && mc.mismatch(s.Example, s, directionNone, pointer+"/example") {
		s.Example = nil
	}
	if len(s.Examples) > 0 {
		mc.schemaExamples(s, pointer+"/examples")
	}
	for _, name := range sortedNames(s.Properties) {
		mc.schema(s.Properties[name], pointer+"/properties/"+escapePointer(name))
	}
	mc.schema(s.Items, pointer+"/items")
	mc.schema(s.Not, pointer+"/not")
	if s.AdditionalProperties.Schema != nil {
		mc.schema(s.AdditionalProperties.Schema, pointer+"/additionalProperties")
	}
	for keyword, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		for i, sub := range list {
			mc.schema(sub, pointer+"/"+keyword+"/"+strconv.Itoa(i))
		}
	}
}

// unknownFields leaves out the fields of an object that OpenAPI does not
// define and that are not extensions ("x-…"). kin-openapi keeps them
// among the extensions, where its validation rejects them; no OpenAPI
// reader gives them a meaning, so leaving them out is contract-neutral.
func (mc *modelCheck) unknownFields(extensions map[string]any, pointer string) {
	for _, key := range sortedNames(extensions) {
		if strings.HasPrefix(key, "x-") {
			continue
		}
		delete(extensions, key)
		at := pointer + "/" + escapePointer(key)
		mc.edits = append(mc.edits, treeEdit{pointer: at, remove: true})
		mc.ps.addf(RuleUnknownField, at, "%q is not a field OpenAPI defines here (extensions start with \"x-\"); left out", key)
	}
}

// schemaExamples checks the examples list of a JSON Schema 2020-12
// schema (OpenAPI 3.1) and keeps only those that match.
func (mc *modelCheck) schemaExamples(s *openapi3.Schema, pointer string) {
	kept := make([]any, 0, len(s.Examples))
	for i, example := range s.Examples {
		if err := mc.visit(example, s, directionNone); err != nil {
			mc.ps.addf(RuleExampleMismatch, pointer+"/"+strconv.Itoa(i), "the example does not match its schema (%s); left out of the repaired document", shortError(err))
			continue
		}
		kept = append(kept, example)
	}
	if len(kept) == len(s.Examples) {
		return
	}
	s.Examples = kept
	if len(kept) == 0 {
		s.Examples = nil
		mc.edits = append(mc.edits, treeEdit{pointer: pointer, remove: true})
	} else {
		mc.edits = append(mc.edits, treeEdit{pointer: pointer, value: kept})
	}
}

func (mc *modelCheck) visit(value any, schema *openapi3.Schema, dir direction) error {
	opts := []openapi3.SchemaValidationOption{}
	switch dir {
	case directionRequest:
		opts = append(opts, openapi3.VisitAsRequest())
	case directionResponse:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	if mc.v31 {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	return schema.VisitJSON(value, opts...)
}

// mismatch reports whether value fails schema; if it does, the value is
// left out of the tree at pointer and a warning recorded. The caller
// removes it from the model.
func (mc *modelCheck) mismatch(value any, schema *openapi3.Schema, dir direction, pointer string) bool {
	err := mc.visit(value, schema, dir)
	if err == nil {
		return false
	}
	rule, what := RuleExampleMismatch, "example"
	if strings.HasSuffix(pointer, "/default") {
		rule, what = RuleDefaultInvalid, "default"
	}
	mc.ps.addf(rule, pointer, "the %s does not match its schema (%s); left out of the repaired document", what, shortError(err))
	mc.edits = append(mc.edits, treeEdit{pointer: pointer, remove: true})
	return true
}

// shortError keeps the first line of a schema error, which says what
// failed; the rest repeats the schema and the value.
func shortError(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// parentAt returns the object holding the value at a JSON pointer, and
// its key there; nil when the pointer does not lead through objects.
// The pointers come from walking the model, so they step through lists
// only by index.
func parentAt(root map[string]any, pointer string) (map[string]any, string) {
	tokens := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	var node any = root
	for _, token := range tokens[:len(tokens)-1] {
		switch n := node.(type) {
		case map[string]any:
			key := unescapePointer(token)
			node = n[key]
			if raw, ok := node.(json.RawMessage); ok {
				// A path item kept as JSON (see jsonReader): expanded
				// where it is to be changed.
				if tree, err := expandJSON(raw); err == nil {
					n[key], node = tree, tree
				}
			}
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(n) {
				return nil, ""
			}
			node = n[i]
		default:
			return nil, ""
		}
	}
	parent, ok := node.(map[string]any)
	if !ok {
		return nil, ""
	}
	return parent, unescapePointer(tokens[len(tokens)-1])
}

// kinProblem turns one of kin-openapi's validation errors into a problem,
// locating it from the context wrappers kin-openapi puts around it.
func kinProblem(err error) Problem {
	pointer := ""
	rule := RuleStructure
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch t := e.(type) {
		case *openapi3.SectionValidationError:
			if key := sectionKey(t.Section); key != "" {
				pointer = "/" + key
			}
		case *openapi3.ComponentValidationError:
			pointer += "/" + componentKey(t.Section) + "/" + escapePointer(t.Name)
		case *openapi3.PathValidationError:
			pointer += "/" + escapePointer(t.Path)
		case *openapi3.OperationValidationError:
			pointer += "/" + strings.ToLower(t.Method)
		case *openapi3.SchemaValueError:
			if t.ValueKind == "default" {
				rule = RuleDefaultInvalid
			} else {
				rule = RuleExampleMismatch
			}
		case *openapi3.DuplicateOperationIDError:
			rule = RuleDuplicateOperationID
		case *openapi3.PathParametersError:
			rule = RulePathParamUndeclared
		case *openapi3.PathParameterRequiredError:
			rule = RulePathParamNotRequired
		case *openapi3.ExtraSiblingFieldsError:
			// Unknown fields where modelCheck does not look (servers,
			// tags, security schemes, …): harmless, but not left out.
			rule = RuleUnknownField
		case *openapi3.FieldVersionMismatchError:
			if t.MinVersion == "3.1" {
				rule = RuleKeywordOf31
			}
		}
	}
	return Problem{Rule: rule, Pointer: pointer, Message: shortError(err)}
}

func sectionKey(section string) string {
	switch section {
	case "external docs":
		return "externalDocs"
	case "components", "info", "paths", "security", "servers", "tags", "webhooks", "jsonSchemaDialect":
		return section
	}
	return ""
}

func componentKey(section string) string {
	switch section {
	case "request body":
		return "requestBodies"
	case "security scheme":
		return "securitySchemes"
	case "path item":
		return "pathItems"
	}
	return section + "s"
}
