package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/specharvest/specharvest/internal/sniff"
)

// Limits on what the parser accepts. They are far above anything a real
// API description needs and far below what would exhaust a nightly job.
const (
	// maxDepth bounds nesting: real documents stay under a few dozen
	// levels, and every walker here recurses along the tree.
	maxDepth = 512
	// maxAliasExpansion bounds how many values YAML aliases may add to
	// the tree, relative to the values written out in the source. A
	// "billion laughs" document multiplies its size by each level of
	// aliases; a document that merely reuses a few anchors does not.
	maxAliasExpansion = 10
	// minAliasBudget keeps small documents that use anchors freely from
	// tripping the ratio above.
	minAliasBudget = 100_000
)

// parseError is a document that could not be read into a tree at all,
// graded under Rule with the byte offset or line where reading stopped.
type parseError struct {
	rule    string
	pointer string
	msg     string
}

func (e *parseError) Error() string { return e.msg }

// parseDocument reads JSON or YAML into a tree of map[string]any, []any,
// string, json.Number, bool and nil. It reports duplicate keys as
// problems (the last value wins, as most JSON readers do) and rejects
// invalid UTF-8, over-deep nesting and alias bombs with a parseError.
func parseDocument(data []byte, report func(Problem)) (any, error) {
	return parseDocumentWith(data, report, false)
}

// parseDocumentWith is parseDocument; compactPaths keeps the path items
// of a JSON document as compact JSON (see jsonReader).
func parseDocumentWith(data []byte, report func(Problem), compactPaths bool) (any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		offset := invalidUTF8Offset(data)
		return nil, &parseError{rule: RuleInvalidUTF8, msg: fmt.Sprintf("the document is not valid UTF-8 (first bad byte at offset %d)", offset)}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &parseError{rule: RuleNotOpenAPI, msg: "the document is empty"}
	}
	if sniff.JSON(data) {
		if tree, ok := parseJSONFast(data, compactPaths); ok {
			return tree, nil
		}
		return parseJSONWith(data, report, compactPaths)
	}
	return parseYAML(data, report)
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// jsonReader builds the tree from the token stream, which is what lets
// it see duplicate keys and count depth; encoding/json's Unmarshal does
// neither.
type jsonReader struct {
	dec    *json.Decoder
	report func(Problem)
	// compactPaths keeps each path item as its JSON (see compactPaths).
	compactPaths bool
}

// A document's path items are most of a large document, and a tree of
// maps costs about twelve times the JSON it is read from. Read with
// compactPaths, each item of /paths is read into a tree (so every
// problem of reading it is found as before), written back as compact
// JSON, and kept so; the walker expands one item at a time, repairs it
// and writes it back again. The tree of a document of 40,000 paths is
// then about the size of the document.

func parseJSON(data []byte, report func(Problem)) (any, error) {
	return parseJSONWith(data, report, false)
}

func parseJSONWith(data []byte, report func(Problem), compactPaths bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := &jsonReader{dec: dec, report: report, compactPaths: compactPaths}
	tok, err := dec.Token()
	if err != nil {
		return nil, r.syntaxError(err)
	}
	root, err := r.value(tok, "", 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return nil, &parseError{rule: RuleInvalidJSON, msg: fmt.Sprintf("invalid JSON: unexpected data after the document at offset %d", dec.InputOffset())}
		}
		return nil, r.syntaxError(err)
	}
	return root, nil
}

func (r *jsonReader) syntaxError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &parseError{rule: RuleInvalidJSON, msg: fmt.Sprintf("invalid JSON at offset %d: %v", syn.Offset, err)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &parseError{rule: RuleInvalidJSON, msg: "invalid JSON: the document ends too early"}
	}
	return &parseError{rule: RuleInvalidJSON, msg: fmt.Sprintf("invalid JSON at offset %d: %v", r.dec.InputOffset(), err)}
}

func (r *jsonReader) value(tok json.Token, pointer string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, tooDeep(pointer)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for r.dec.More() {
				keyTok, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxError(err)
				}
				key, ok := keyTok.(string)
				if !ok {
					return nil, &parseError{rule: RuleInvalidJSON, msg: fmt.Sprintf("invalid JSON at offset %d: object key is not a string", r.dec.InputOffset())}
				}
				valTok, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxError(err)
				}
				child := pointer + "/" + escapePointer(key)
				val, err := r.value(valTok, child, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := obj[key]; dup {
					r.report(Problem{Rule: duplicateKeyRule(key), Pointer: child, Message: fmt.Sprintf("the key %q appears more than once in one object; the last value is used", key)})
				}
				if r.compactPaths && pointer == "/paths" {
					if _, isObject := val.(map[string]any); isObject {
						if compact, err := compactJSON(val); err == nil {
							val = compact
						}
					}
				}
				obj[key] = val
			}
			if _, err := r.dec.Token(); err != nil {
				return nil, r.syntaxError(err)
			}
			return obj, nil
		case '[':
			arr := []any{}
			for r.dec.More() {
				valTok, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxError(err)
				}
				val, err := r.value(valTok, pointer+"/"+strconv.Itoa(len(arr)), depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			if _, err := r.dec.Token(); err != nil {
				return nil, r.syntaxError(err)
			}
			return arr, nil
		}
		return nil, &parseError{rule: RuleInvalidJSON, msg: fmt.Sprintf("invalid JSON at offset %d: unexpected %q", r.dec.InputOffset(), t)}
	default:
		return t, nil
	}
}

// yamlReader converts a yaml.v3 node tree. Parsing into nodes never
// expands aliases, so the budget below is the only place an alias bomb
// could grow, and it stops there.
type yamlReader struct {
	report  func(Problem)
	budget  int // values that aliases may still add
	inAlias int // > 0 while expanding an alias
}

func parseYAML(data []byte, report func(Problem)) (any, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &parseError{rule: RuleNotOpenAPI, msg: "the document is empty"}
		}
		return nil, &parseError{rule: RuleInvalidYAML, msg: fmt.Sprintf("invalid YAML: %v", trimYAMLError(err))}
	}
	nodes := countNodes(&root, 0)
	r := &yamlReader{report: report, budget: max(minAliasBudget, maxAliasExpansion*nodes)}
	return r.value(&root, "", 0)
}

func trimYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

func countNodes(n *yaml.Node, depth int) int {
	if n == nil || depth > maxDepth+2 {
		return 0
	}
	count := 1
	for _, c := range n.Content {
		count += countNodes(c, depth+1)
	}
	return count
}

func (r *yamlReader) value(n *yaml.Node, pointer string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, tooDeep(pointer)
	}
	if r.inAlias > 0 {
		r.budget--
		if r.budget < 0 {
			return nil, &parseError{rule: RuleAliasExpansion, pointer: pointer, msg: "YAML aliases expand the document far beyond its written size (an alias bomb); refusing to expand them"}
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, &parseError{rule: RuleNotOpenAPI, msg: "the document is empty"}
		}
		return r.value(n.Content[0], pointer, depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &parseError{rule: RuleInvalidYAML, pointer: pointer, msg: "invalid YAML: an alias refers to no anchor"}
		}
		r.inAlias++
		v, err := r.value(n.Alias, pointer, depth+1)
		r.inAlias--
		return v, err
	case yaml.MappingNode:
		obj := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			keyNode, valNode := n.Content[i], n.Content[i+1]
			if keyNode.Kind == yaml.ScalarNode && keyNode.Tag == "!!merge" {
				if err := r.merge(obj, valNode, pointer, depth); err != nil {
					return nil, err
				}
				continue
			}
			if keyNode.Kind != yaml.ScalarNode {
				return nil, &parseError{rule: RuleInvalidYAML, pointer: pointer, msg: fmt.Sprintf("invalid YAML at line %d: a mapping key must be a scalar", keyNode.Line)}
			}
			key := keyNode.Value
			child := pointer + "/" + escapePointer(key)
			val, err := r.value(valNode, child, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := obj[key]; dup {
				r.report(Problem{Rule: duplicateKeyRule(key), Pointer: child, Message: fmt.Sprintf("the key %q appears more than once in one mapping (line %d); the last value is used", key, keyNode.Line)})
			}
			obj[key] = val
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			val, err := r.value(c, pointer+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, val)
		}
		return arr, nil
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	}
	return nil, &parseError{rule: RuleInvalidYAML, pointer: pointer, msg: fmt.Sprintf("invalid YAML at line %d: unexpected node", n.Line)}
}

// merge applies a YAML merge key ("<<: *base"): keys already present win.
func (r *yamlReader) merge(obj map[string]any, n *yaml.Node, pointer string, depth int) error {
	sources := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		sources = n.Content
	}
	for _, src := range sources {
		v, err := r.value(src, pointer, depth+1)
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return &parseError{rule: RuleInvalidYAML, pointer: pointer, msg: fmt.Sprintf("invalid YAML at line %d: a merge key needs a mapping", src.Line)}
		}
		for k, val := range m {
			if _, exists := obj[k]; !exists {
				obj[k] = val
			}
		}
	}
	return nil
}

// yamlScalar resolves a scalar the way YAML 1.2's core schema does, so a
// YAML document and its JSON twin give the same tree.
func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int", "!!float":
		// Keep the number as written when JSON can write it the same
		// way, so "version: 1.0" stays 1.0 and not 1.
		if json.Valid([]byte(n.Value)) {
			return json.Number(n.Value)
		}
	}
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			// JSON has no Inf or NaN; such a value stays the text it was.
			if s := strconv.FormatFloat(f, 'g', -1, 64); !strings.ContainsAny(s, "IN") {
				return json.Number(s)
			}
		}
	}
	return n.Value
}

// duplicateKeyRule grades a key written twice: readers may disagree on
// which value holds, which breaks the contract, unless the key only
// documents it.
func duplicateKeyRule(key string) string {
	switch key {
	case "description", "summary", "title", "example", "externalDocs", "$comment":
		return RuleDuplicateAnnotation
	}
	if strings.HasPrefix(key, "x-") {
		return RuleDuplicateAnnotation
	}
	return RuleDuplicateKey
}

// tooDeep reports nesting past maxDepth at the ancestor a few levels
// down, where a reader can find it; the full pointer would be hundreds
// of segments long.
func tooDeep(pointer string) *parseError {
	const shown = 16
	tokens := strings.SplitN(pointer, "/", shown+2)
	if len(tokens) > shown+1 {
		pointer = strings.Join(tokens[:shown+1], "/")
	}
	return &parseError{rule: RuleTooDeep, pointer: pointer, msg: fmt.Sprintf("the document nests deeper than %d levels below here", maxDepth)}
}

// escapePointer escapes one reference token of a JSON pointer (RFC 6901).
func escapePointer(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// unescapePointer undoes escapePointer.
func unescapePointer(token string) string {
	if !strings.Contains(token, "~") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
}

// compactJSON writes a value of the tree as the repaired document has it
// (keys sorted, no HTML escaping), so that it can stand in the tree for
// the value and be written out unchanged.
func compactJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))), nil
}

// expandJSON reads a value kept as compact JSON back into a tree. It was
// read once already, so it cannot fail for want of syntax, and its
// duplicate keys were reported then.
func expandJSON(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// expandAll expands every path item kept as compact JSON.
func expandAll(root map[string]any) {
	paths, _ := root["paths"].(map[string]any)
	for k, v := range paths {
		if raw, ok := v.(json.RawMessage); ok {
			if tree, err := expandJSON(raw); err == nil {
				paths[k] = tree
			}
		}
	}
}
