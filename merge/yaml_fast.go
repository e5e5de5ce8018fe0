package merge

import (
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/specharvest/specharvest/internal/jsonlex"
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
	p := &yamlFast{Lexer: jsonlex.Lexer{Data: data}}
	p.Space()
	node, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.Space()
	return node, p.Pos == len(p.Data)
}

// maxYAMLFastDepth bounds the recursion; deeper values go to yamlNode.
const maxYAMLFastDepth = 10000

type yamlFast struct {
	jsonlex.Lexer
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

func (p *yamlFast) value(depth int) (*yaml.Node, bool) {
	if depth > maxYAMLFastDepth || p.Pos >= len(p.Data) {
		return nil, false
	}
	switch c := p.Data[p.Pos]; {
	case c == '{':
		p.Pos++
		n := p.node(yaml.MappingNode, "!!map", "")
		p.Space()
		if p.Next('}') {
			return n, true
		}
		for {
			p.Space()
			key, ok := p.Quoted()
			if !ok {
				return nil, false
			}
			p.Space()
			if !p.Next(':') {
				return nil, false
			}
			p.Space()
			val, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, p.node(yaml.ScalarNode, "!!str", key), val)
			p.Space()
			if p.Next(',') {
				continue
			}
			return n, p.Next('}')
		}
	case c == '[':
		p.Pos++
		n := p.node(yaml.SequenceNode, "!!seq", "")
		p.Space()
		if p.Next(']') {
			return n, true
		}
		for {
			p.Space()
			val, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, val)
			p.Space()
			if p.Next(',') {
				continue
			}
			return n, p.Next(']')
		}
	case c == '"':
		s, ok := p.Quoted()
		if !ok {
			return nil, false
		}
		return p.node(yaml.ScalarNode, "!!str", s), true
	case c == 't':
		return p.node(yaml.ScalarNode, "!!bool", "true"), p.Literal("true")
	case c == 'f':
		return p.node(yaml.ScalarNode, "!!bool", "false"), p.Literal("false")
	case c == 'n':
		return p.node(yaml.ScalarNode, "!!null", "null"), p.Literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

// number reads a number in JSON's grammar, tagged as yamlNode tags it.
func (p *yamlFast) number() (*yaml.Node, bool) {
	start := p.Pos
	float, ok := p.Number()
	if !ok {
		return nil, false
	}
	tag := "!!int"
	if float {
		tag = "!!float"
	}
	return p.node(yaml.ScalarNode, tag, string(p.Data[start:p.Pos])), true
}
