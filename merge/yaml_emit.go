package merge

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// emitYAMLEntry writes what yaml.v3's encoder (indent 2) writes for the
// one-key mapping {key: value}, for node trees built from JSON
// (yamlNodeFast). Laying out block mappings and sequences is simple and
// fixed; what takes yaml.v3 its time is an event queue per document, and
// it was most of the time of writing a merged document. Scalars whose
// text is plainly a string (letters first, then letters, digits and a
// few safe marks) and numbers in their plain form are written as they
// are; every other scalar is written by yaml.v3 itself, alone, and used
// when that is one line, or a literal block moved to its place. Anything
// else — a key yaml.v3 writes over several lines or as "? key", another
// multi-line form — gives up (ok false), and the caller writes
// the entry with yaml.v3 whole. FuzzEmitYAMLEntry holds it to yaml.v3.
func emitYAMLEntry(key string, value *yaml.Node) (out []byte, ok bool) {
	e := &yamlEmitter{buf: make([]byte, 0, 1024), scalars: map[string]string{}}
	if !e.pair(0, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, value) {
		return nil, false
	}
	return e.buf, true
}

type yamlEmitter struct {
	buf     []byte
	scalars map[string]string // yaml.v3's rendering of scalars, by context and text
}

const yamlIndent = "  "

func (e *yamlEmitter) indent(depth int) {
	for range depth {
		e.buf = append(e.buf, yamlIndent...)
	}
}

// pair writes "key: value" at depth, the key already indented.
func (e *yamlEmitter) pair(depth int, key, value *yaml.Node) bool {
	text, ok := e.scalar(key, true)
	if !ok {
		return false
	}
	e.buf = append(e.buf, text...)
	e.buf = append(e.buf, ':')
	return e.after(depth, value, false)
}

// after writes a value that follows "key:" or "-".
func (e *yamlEmitter) after(depth int, value *yaml.Node, inSequence bool) bool {
	switch value.Kind {
	case yaml.ScalarNode:
		text, ok := e.scalar(value, false)
		if !ok {
			return false
		}
		e.buf = append(e.buf, ' ')
		// A block scalar's lines are one step in from the key or dash it
		// follows; yaml.v3 wrote them one step in from column 0.
		for i, line := range strings.Split(text, "\n") {
			if i > 0 {
				e.buf = append(e.buf, '\n')
				if line != "" {
					e.indent(depth + 1)
					e.buf = append(e.buf, line[len(yamlIndent):]...)
				}
				continue
			}
			e.buf = append(e.buf, line...)
		}
		e.buf = append(e.buf, '\n')
		return true
	case yaml.MappingNode, yaml.SequenceNode:
		if len(value.Content) == 0 {
			if value.Kind == yaml.MappingNode {
				e.buf = append(e.buf, " {}\n"...)
			} else {
				e.buf = append(e.buf, " []\n"...)
			}
			return true
		}
		if inSequence {
			// "- k: v" and "- - x": the first entry on the dash's line.
			e.buf = append(e.buf, ' ')
		} else {
			e.buf = append(e.buf, '\n')
			e.indent(depth + 1)
		}
		if value.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(value.Content); i += 2 {
				if i > 0 {
					e.indent(depth + 1)
				}
				if !e.pair(depth+1, value.Content[i], value.Content[i+1]) {
					return false
				}
			}
			return true
		}
		for i, item := range value.Content {
			if i > 0 {
				e.indent(depth + 1)
			}
			e.buf = append(e.buf, '-')
			if !e.after(depth+1, item, true) {
				return false
			}
		}
		return true
	}
	return false
}

// scalar is the text of a scalar as a key or as a value.
func (e *yamlEmitter) scalar(n *yaml.Node, asKey bool) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.Anchor != "" {
		return "", false
	}
	switch n.Tag {
	case "!!str":
		if plainString(n.Value) && (!asKey || len(n.Value) <= 128) {
			return n.Value, true
		}
		return e.rendered(n.Value, asKey)
	case "!!int":
		return n.Value, plainInt(n.Value)
	case "!!float":
		return n.Value, plainFloat(n.Value)
	case "!!bool":
		return n.Value, n.Value == "true" || n.Value == "false"
	case "!!null":
		return n.Value, n.Value == "null"
	}
	return "", false
}

// rendered asks yaml.v3 how it writes one string, as a key or as a value,
// and takes it when that is one line.
func (e *yamlEmitter) rendered(s string, asKey bool) (string, bool) {
	cacheKey := "v" + s
	if asKey {
		cacheKey = "k" + s
	}
	if text, ok := e.scalars[cacheKey]; ok {
		return text, text != ""
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str("k"), str(s)}}
	if asKey {
		doc.Content = []*yaml.Node{str(s), str("v")}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	text := ""
	if enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}) == nil && enc.Close() == nil {
		line := out.String()
		switch {
		case strings.Count(line, "\n") != 1:
			if !asKey {
				text = blockScalar(line)
			}
		case asKey && strings.HasSuffix(line, ": v\n") && !strings.HasPrefix(line, "? "):
			text = strings.TrimSuffix(line, ": v\n")
		case !asKey && strings.HasPrefix(line, "k: "):
			text = strings.TrimSuffix(strings.TrimPrefix(line, "k: "), "\n")
		}
	}
	e.scalars[cacheKey] = text
	return text, text != ""
}

// blockScalar takes yaml.v3's "k: |-" rendering of a string over
// several lines: a literal or folded header with no indentation digit,
// then lines one step in or empty. It returns the header and the lines,
// joined by newlines, or "" for any other shape.
func blockScalar(out string) string {
	rest, ok := strings.CutPrefix(out, "k: ")
	if !ok {
		return ""
	}
	rest = strings.TrimSuffix(rest, "\n")
	header, body, _ := strings.Cut(rest, "\n")
	switch header {
	case "|", "|-", "|+", ">", ">-", ">+":
	default:
		return ""
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" && !strings.HasPrefix(line, yamlIndent) {
			return ""
		}
	}
	return rest
}

// plainString says whether yaml.v3 writes s as it is: it starts with a
// letter, holds only letters, digits, spaces and "_-./", does not end in a
// space, and is no word YAML reads as a boolean or null.
func plainString(s string) bool {
	if s == "" || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i == 0:
			return false
		case c >= '0' && c <= '9', c == ' ', c == '_', c == '-', c == '.', c == '/':
		default:
			return false
		}
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
			return false
		}
	}
	return true
}

// plainInt: an integer as JSON writes it, short enough to be read back
// as the same integer.
func plainInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 18 || (d[0] == '0' && len(d) > 1) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// plainFloat: digits, one point, digits; nothing yaml.v3 could read as
// something else.
func plainFloat(s string) bool {
	whole, frac, found := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	return found && plainInt(whole) && frac != "" && strings.Trim(frac, "0123456789") == "" && len(frac) <= 17
}
