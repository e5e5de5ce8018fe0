package merge

import (
	"encoding/json"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yamlNodeFast builds the node tree yamlNode builds from one JSON value,
// in one pass over its bytes rather than through encoding/json's token
// stream, which cost more than encoding the YAML itself. It gives up (ok
// false) on anything that is not plain, valid JSON — and the caller then
// reads it with yamlNode, whose errors are the ones given.
// FuzzYAMLNodeFast holds it to yamlNode.
func yamlNodeFast(data []byte) (node *yaml.Node, ok bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	p := &yamlFast{data: data}
	p.space()
	node, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	return node, p.pos == len(p.data)
}

// maxYAMLFastDepth bounds the recursion; deeper values go to yamlNode.
const maxYAMLFastDepth = 10000

type yamlFast struct {
	data []byte
	pos  int
	slab []yaml.Node
}

func (p *yamlFast) node(kind yaml.Kind, tag, value string) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, 256)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.Kind, n.Tag, n.Value = kind, tag, value
	return n
}

func (p *yamlFast) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *yamlFast) next(c byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *yamlFast) value(depth int) (*yaml.Node, bool) {
	if depth > maxYAMLFastDepth || p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		n := p.node(yaml.MappingNode, "!!map", "")
		p.space()
		if p.next('}') {
			return n, true
		}
		for {
			p.space()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if !p.next(':') {
				return nil, false
			}
			p.space()
			val, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, p.node(yaml.ScalarNode, "!!str", key), val)
			p.space()
			if p.next(',') {
				continue
			}
			return n, p.next('}')
		}
	case c == '[':
		p.pos++
		n := p.node(yaml.SequenceNode, "!!seq", "")
		p.space()
		if p.next(']') {
			return n, true
		}
		for {
			p.space()
			val, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, val)
			p.space()
			if p.next(',') {
				continue
			}
			return n, p.next(']')
		}
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		return p.node(yaml.ScalarNode, "!!str", s), true
	case c == 't':
		return p.node(yaml.ScalarNode, "!!bool", "true"), p.literal("true")
	case c == 'f':
		return p.node(yaml.ScalarNode, "!!bool", "false"), p.literal("false")
	case c == 'n':
		return p.node(yaml.ScalarNode, "!!null", "null"), p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

func (p *yamlFast) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

// str reads a string: its bytes when it has no escapes, else as
// encoding/json unquotes it.
func (p *yamlFast) str() (string, bool) {
	if !p.next('"') {
		return "", false
	}
	start := p.pos - 1
	escaped := false
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '"':
			p.pos++
			if !escaped {
				return string(p.data[start+1 : p.pos-1]), true
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			p.pos += 2
		case c < 0x20:
			return "", false
		default:
			p.pos++
		}
	}
	return "", false
}

// number reads a number in JSON's grammar, tagged as yamlNode tags it.
func (p *yamlFast) number() (*yaml.Node, bool) {
	start := p.pos
	tag := "!!int"
	p.next('-')
	switch {
	case p.next('0'):
	case p.digits() == 0:
		return nil, false
	}
	if p.next('.') {
		tag = "!!float"
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.next('e') || p.next('E') {
		tag = "!!float"
		if !p.next('+') {
			p.next('-')
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return p.node(yaml.ScalarNode, tag, string(p.data[start:p.pos])), true
}

func (p *yamlFast) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}
