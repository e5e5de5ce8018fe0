package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

// Options change how Load treats a document.
type Options struct {
	// ExternalRefs lets the loader follow a $ref to another file or URL.
	// Off, such a reference is reported and nothing is read: a nightly
	// job must not fetch whatever a document points at.
	ExternalRefs bool
	// ModelOnly builds the model, repaired as always, and skips
	// kin-openapi's validation, which only grades it: for a caller that
	// has the document's verdict already and needs its model again, as
	// the merge does. The problems of the result are then incomplete.
	ModelOnly bool
}

// Result is what Load found out about one document.
type Result struct {
	OpenAPI    string // the version as declared: "3.0.0", "3.1.0", "2.0"; "" if unknown
	Title      string
	APIVersion string // info.version
	Operations int
	Valid      bool // no problem of level error
	// Problems are sorted errors first, then by pointer, rule and message,
	// and capped (see RuleTooManyProblems).
	Problems []Problem
	// Repaired is the document after the repairs (and the conversion of
	// Swagger 2.0 to OpenAPI 3.0), as JSON with sorted keys; it is what
	// merge and diff read. nil when the document could not be parsed, or
	// was Swagger 2.0 and could not be converted.
	Repaired []byte
	// Doc is kin-openapi's model of Repaired, internal references
	// resolved; nil when it could not be built (broken or external
	// references, a structure kin-openapi cannot read).
	Doc *openapi3.T
	// Modeled says the model was built: Doc, or every part of LoadParts.
	Modeled bool
}

// Summary is the part of a Result worth keeping next to a stored blob,
// so an unchanged document need not be validated again.
type Summary struct {
	OpenAPI    string    `json:"openapi"`
	Title      string    `json:"title"`
	APIVersion string    `json:"api_version"`
	Operations int       `json:"operations"`
	Valid      bool      `json:"valid"`
	Problems   []Problem `json:"problems"`
}

// Summary returns the JSON-serialisable part of the result.
func (r *Result) Summary() Summary {
	problems := r.Problems
	if problems == nil {
		problems = []Problem{}
	}
	return Summary{OpenAPI: r.OpenAPI, Title: r.Title, APIVersion: r.APIVersion, Operations: r.Operations, Valid: r.Valid, Problems: problems}
}

// Errors counts the problems of level error.
func (r *Result) Errors() int { return r.count(LevelError) }

// Warnings counts the problems of level warning.
func (r *Result) Warnings() int { return r.count(LevelWarning) }

func (r *Result) count(level Level) int {
	n := 0
	for _, p := range r.Problems {
		if p.Level == level {
			n++
		}
	}
	return n
}

// Load reads, repairs and validates one OpenAPI 3.0/3.1 or Swagger 2.0
// document given as JSON or YAML bytes. It never panics and never returns
// nil: whatever goes wrong is a Problem of the result.
func Load(ctx context.Context, data []byte, opts Options) (result *Result) {
	result = &Result{}
	ps := newProblems()
	defer func() {
		if recovered := recover(); recovered != nil {
			ps.addf(RuleInternal, "", "validation stopped on an internal fault: %v (%s)", recovered, firstFrames(debug.Stack()))
			result.Doc, result.Modeled = nil, false
		}
		result.Valid = !ps.hasErrors()
		result.Problems = ps.sorted()
	}()
	l := &loading{ctx: ctx, opts: opts, ps: ps, result: result}
	l.run(data)
	return result
}

// PartPaths is about how many paths a part of LoadParts holds. A model
// costs about twenty times the bytes of its JSON; a part of this many
// small paths is a few megabytes, whatever the size of the document.
const PartPaths = 1000

// LoadParts is Load for documents of any size: instead of one model in
// Result.Doc (which stays nil), each is given kin-openapi's model of the
// repaired document in parts, and each part is let go when each returns.
// Every part has all of the document but its paths, and a share of those:
// about PartPaths (the paths are dealt by a hash of their template), each
// path in exactly one part, paths that could conflict ("/a/{x}",
// "/a/{y}") in the same one, in an order that depends only on the paths.
// A document of up to PartPaths paths is one part. The
// result is the one Load gives, problems and repairs alike; the error is
// the first that each returned, which stops the parts.
func LoadParts(ctx context.Context, data []byte, opts Options, each func(part *openapi3.T) error) (*Result, error) {
	var eachErr error
	result := &Result{}
	ps := newProblems()
	func() {
		defer func() {
			if recovered := recover(); recovered != nil {
				ps.addf(RuleInternal, "", "validation stopped on an internal fault: %v (%s)", recovered, firstFrames(debug.Stack()))
				result.Modeled = false
			}
		}()
		l := &loading{ctx: ctx, opts: opts, ps: ps, result: result, each: func(part *openapi3.T) bool {
			eachErr = each(part)
			return eachErr == nil
		}}
		l.run(data)
	}()
	result.Valid = !ps.hasErrors()
	result.Problems = ps.sorted()
	return result, eachErr
}

func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > 12 {
		lines = lines[:12]
	}
	return strings.Join(lines, " | ")
}

// loading carries one Load through its stages.
type loading struct {
	ctx    context.Context
	opts   Options
	ps     *problems
	result *Result
	// each, when set, is given the model in parts (LoadParts); false
	// stops them.
	each func(part *openapi3.T) bool
	size int // of the document as given
	// repaired: the document was read, repaired and checked before
	// (LoadRepairedParts); the checks are not run again.
	repaired bool
}

func (l *loading) interrupted() bool {
	if err := l.ctx.Err(); err != nil {
		l.ps.addf(RuleInterrupted, "", "validation interrupted: %v", err)
		return true
	}
	return false
}

func (l *loading) run(data []byte) {
	l.size = len(data)
	// Path items stay compact JSON until the walker reaches each; see
	// jsonReader.
	tree, err := parseDocumentWith(data, l.ps.add, true)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			l.ps.add(Problem{Rule: pe.rule, Pointer: pe.pointer, Message: pe.msg})
			return
		}
		l.ps.addf(RuleInvalidYAML, "", "%v", err)
		return
	}
	root, ok := tree.(map[string]any)
	if !ok {
		l.ps.addf(RuleNotOpenAPI, "", "the document is %s, not an OpenAPI object", kindOf(tree))
		return
	}
	version, isSwagger := l.declaredVersion(root)
	l.result.OpenAPI = version
	if info, ok := root["info"].(map[string]any); ok {
		if v, isNumber := info["version"].(json.Number); isNumber {
			// "version: 1.0" unquoted in YAML; kin-openapi needs a string.
			info["version"] = string(v)
			l.ps.addf(RuleVersionNotString, "/info/version", "info.version was the number %s; read as the string %q", v, string(v))
		}
		l.result.Title, _ = info["title"].(string)
		l.result.APIVersion = scalarText(info["version"])
	}
	if version == "" {
		return
	}
	if l.interrupted() {
		return
	}

	var w *walker
	if isSwagger {
		expandAll(root)
		w = newWalker(root, l.ps, l.opts)
		w.swagger2 = true
		w.document2()
		if w.unresolvedRefs > 0 || (w.externalRefs > 0 && !l.opts.ExternalRefs) {
			// The converter resolves references itself and would only
			// fail on those already reported. Without a conversion there
			// is no OpenAPI 3 document to hand on.
			return
		}
		converted, ok := l.convert(root)
		if !ok {
			return
		}
		root = converted
		w = newWalker(root, l.ps, l.opts)
		w.checkRefs = false
		w.document3()
	} else {
		w = newWalker(root, l.ps, l.opts)
		w.v31 = !strings.HasPrefix(version, "3.0")
		w.document3()
	}
	w.reportFormats()
	l.result.Operations = w.operations
	l.result.Repaired = l.marshal(root)
	if l.result.Repaired == nil || l.interrupted() {
		return
	}
	if w.unresolvedRefs > 0 || (w.externalRefs > 0 && !l.opts.ExternalRefs) {
		return // kin-openapi would stop at the first of the references already reported
	}
	if l.each != nil {
		// From here on the parts are read from the repaired document, so
		// the tree, many times the document's size, can go.
		l.loadParts(w.externalRefs > 0)
		return
	}
	doc := l.loadModel(l.result.Repaired, w.externalRefs > 0)
	if doc == nil || l.interrupted() {
		return
	}
	l.result.Doc, l.result.Modeled = doc, true
	if edits := l.validateModel(doc); len(edits) > 0 {
		applyEdits(root, edits)
		l.result.Repaired = l.marshal(root)
	}
}

// loadParts builds, checks and hands on the model of the repaired
// document part by part (LoadParts). Each part is written from the
// repaired document's bytes, not from the tree; what the checks leave out
// is left out of a tree read again from those bytes, after the last part,
// and only when there is anything to leave out.
func (l *loading) loadParts(hasExternal bool) {
	top, _ := splitObject(l.result.Repaired)
	paths, _ := splitObject(top["paths"])
	var groups [][]string
	if len(paths) > PartPaths {
		groups = make([][]string, (len(paths)+PartPaths-1)/PartPaths)
		for template := range paths {
			g := chunkOf(template, len(groups))
			groups[g] = append(groups[g], template)
		}
	}
	var edits []treeEdit
	for i := 0; i < max(1, len(groups)); i++ {
		data := l.result.Repaired
		if groups != nil {
			share := make(map[string]json.RawMessage, len(groups[i]))
			for _, template := range groups[i] {
				share[template] = paths[template]
			}
			var err error
			if top["paths"], err = json.Marshal(share); err == nil {
				data, err = json.Marshal(top)
			}
			if err != nil {
				l.ps.addf(RuleInternal, "", "could not write part %d of the repaired document: %v", i+1, err)
				return
			}
		}
		doc := l.loadModel(data, hasExternal)
		if doc == nil || l.interrupted() {
			return
		}
		if !l.repaired {
			edits = append(edits, l.validateModel(doc)...)
		}
		if !l.each(doc) {
			return
		}
	}
	l.result.Modeled = true
	if len(edits) > 0 {
		tree, err := parseDocument(l.result.Repaired, func(Problem) {})
		root, ok := tree.(map[string]any)
		if err != nil || !ok {
			l.ps.addf(RuleInternal, "", "could not read the repaired document again: %v", err)
			return
		}
		applyEdits(root, edits)
		l.result.Repaired = l.marshal(root)
	}
}

// declaredVersion reads "openapi" or "swagger" and reports a document
// that declares neither, or a version this package does not read.
func (l *loading) declaredVersion(root map[string]any) (version string, isSwagger bool) {
	if v, present := root["openapi"]; present {
		version = scalarText(v)
		if _, isNumber := v.(json.Number); isNumber {
			// An unquoted "openapi: 3.0" in YAML is the number 3; the
			// author meant the version, and kin-openapi needs a string.
			if version == "3" {
				version = "3.0"
			}
			root["openapi"] = version
			l.ps.addf(RuleVersionNotString, "/openapi", "openapi was the number %s; read as the string %q", v, version)
		} else if version == "3" {
			version = "3.0"
			root["openapi"] = version
			l.ps.addf(RuleVersionNotString, "/openapi", "openapi was %q; read as %q", "3", version)
		}
		switch {
		case strings.HasPrefix(version, "3.0"), strings.HasPrefix(version, "3.1"), strings.HasPrefix(version, "3.2"):
			return version, false
		}
		l.ps.addf(RuleUnsupportedVersion, "/openapi", "openapi %q is not a version this tool reads (3.0, 3.1)", version)
		l.result.OpenAPI = version
		return "", false
	}
	if v, present := root["swagger"]; present {
		version = scalarText(v)
		if version == "2.0" || version == "2" {
			root["swagger"] = "2.0"
			return "2.0", true
		}
		l.ps.addf(RuleUnsupportedVersion, "/swagger", "swagger %q is not a version this tool reads (2.0)", version)
		return "", false
	}
	l.ps.addf(RuleNotOpenAPI, "", "the document declares neither openapi nor swagger, so it is not an OpenAPI document")
	return "", false
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return string(t)
	case bool:
		return fmt.Sprint(t)
	}
	return ""
}

// marshal writes the tree as JSON. encoding/json sorts object keys, so
// equal trees give equal bytes.
func (l *loading) marshal(root map[string]any) []byte {
	return l.marshalSized(root, l.size)
}

// marshalSized is marshal with the expected size: a buffer grown by
// doubling would hold up to twice the document.
func (l *loading) marshalSized(root map[string]any, size int) []byte {
	var buf bytes.Buffer
	buf.Grow(size + size/8)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		l.ps.addf(RuleInternal, "", "could not write the repaired document: %v", err)
		return nil
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// convert turns a repaired Swagger 2.0 tree into an OpenAPI 3.0 tree with
// kin-openapi's converter.
func (l *loading) convert(root map[string]any) (map[string]any, bool) {
	data := l.marshal(root)
	if data == nil {
		return nil, false
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(data, &doc2); err != nil {
		l.ps.addf(RuleSwaggerConversion, "", "the Swagger 2.0 document could not be read: %v", err)
		return nil, false
	}
	loader := openapi3.NewLoader()
	loader.Context = l.ctx
	loader.IsExternalRefsAllowed = l.opts.ExternalRefs
	doc3, err := openapi2conv.ToV3WithLoader(&doc2, loader, nil)
	if err != nil {
		l.ps.addf(RuleSwaggerConversion, "", "the Swagger 2.0 document could not be converted to OpenAPI 3.0: %v", err)
		return nil, false
	}
	converted, err := json.Marshal(doc3)
	if err != nil {
		l.ps.addf(RuleSwaggerConversion, "", "the converted document could not be written: %v", err)
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(converted))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		l.ps.addf(RuleSwaggerConversion, "", "the converted document could not be read back: %v", err)
		return nil, false
	}
	if tree["paths"] == nil {
		// A Swagger 2.0 document with no paths ("paths": {}) converts to
		// none at all, which OpenAPI 3.0 does not allow.
		tree["paths"] = map[string]any{}
	}
	return tree, true
}

// splitObject lists the members of a JSON object as slices of data, so
// that a large document is not copied to be cut into parts.
func splitObject(data []byte) (map[string]json.RawMessage, error) {
	if out, ok := splitObjectFast(data); ok {
		return out, nil
	}
	return splitObjectTokens(data)
}

// splitObjectTokens is splitObject through encoding/json's token stream.
func splitObjectTokens(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		start := dec.InputOffset()
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		// From the end of the key: the colon and white space, then the
		// value, which never starts with either.
		out[key] = bytes.TrimLeft(data[start:dec.InputOffset()], " \t\r\n:")
	}
	return out, nil
}

// LoadRepaired builds the model of a document Load has already read,
// checked and repaired: repaired is that Result's Repaired. It skips the
// parse, the repairs and every check, which are the same for the same
// bytes, so a caller that kept Repaired (on disk, say) gets the model again
// at a fraction of the cost of Load without holding it in between.
func LoadRepaired(ctx context.Context, repaired []byte, opts Options) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = opts.ExternalRefs
	doc, err := decodeModel(repaired)
	if err != nil {
		return nil, err
	}
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return nil, err
	}
	return doc, nil
}

// LoadRepairedParts is LoadRepaired for documents of any size: the model
// comes in parts, as LoadParts gives them. The error is the first that
// each returned, or why the model could not be built.
func LoadRepairedParts(ctx context.Context, repaired []byte, opts Options, each func(part *openapi3.T) error) error {
	var eachErr error
	l := &loading{ctx: ctx, opts: opts, ps: newProblems(), result: &Result{Repaired: repaired}, repaired: true,
		each: func(part *openapi3.T) bool {
			eachErr = each(part)
			return eachErr == nil
		}}
	l.loadParts(false)
	switch {
	case eachErr != nil:
		return eachErr
	case !l.result.Modeled:
		if problems := l.ps.sorted(); len(problems) > 0 {
			return errors.New(problems[0].String())
		}
		return errors.New("the repaired document could not be loaded")
	}
	return nil
}

// loadModel builds kin-openapi's model of data, the repaired document or
// a part of it.
func (l *loading) loadModel(data []byte, hasExternal bool) *openapi3.T {
	loader := openapi3.NewLoader()
	loader.Context = l.ctx
	loader.IsExternalRefsAllowed = l.opts.ExternalRefs
	// Repaired is JSON; decoding it as JSON directly is several times
	// faster than LoadFromData, which reads everything as YAML.
	doc, err := decodeModel(data)
	if err == nil {
		err = loader.ResolveRefsIn(doc, nil)
	}
	if err != nil {
		rule := RuleStructure
		var disallowed *openapi3.DisallowedExternalRefError
		if hasExternal || errors.As(err, &disallowed) {
			rule = RuleExternalRefFailed
		}
		l.ps.addf(rule, "", "the document could not be loaded: %v", err)
		return nil
	}
	return doc
}
