package validate

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/specharvest/specharvest/internal/jsonlex"
)

// parseJSONFast reads a JSON document into the tree parseJSONWith builds,
// in one pass over the bytes: the token stream of encoding/json, which
// parseJSONWith reads to see duplicate keys and depth, costs several
// times as much, and every crawled document is read so. It gives up
// (ok false) on anything parseJSONWith would report — a syntax error, a
// duplicate key, nesting past maxDepth — and the caller then reads the
// document with parseJSONWith, whose problems and errors are the ones
// reported. FuzzParseJSONFast holds it to that.
func parseJSONFast(data []byte, compactPaths bool) (tree any, ok bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	p := &fastJSON{Lexer: jsonlex.Lexer{Data: data}, compactPaths: compactPaths}
	p.Space()
	v, ok := p.value(1, false)
	if !ok {
		return nil, false
	}
	p.Space()
	if p.Pos != len(p.Data) {
		return nil, false
	}
	return v, true
}

type fastJSON struct {
	jsonlex.Lexer
	compactPaths bool
}

// value reads one value at depth (the root is 1); inPaths says it is the
// root's "paths" object, whose object members are kept as compact JSON.
func (p *fastJSON) value(depth int, inPaths bool) (any, bool) {
	if depth > maxDepth || p.Pos >= len(p.Data) {
		return nil, false
	}
	switch c := p.Data[p.Pos]; {
	case c == '{':
		p.Pos++
		obj := map[string]any{}
		p.Space()
		if p.Pos < len(p.Data) && p.Data[p.Pos] == '}' {
			p.Pos++
			return obj, true
		}
		for {
			p.Space()
			key, ok := p.Quoted()
			if !ok {
				return nil, false
			}
			p.Space()
			if p.Pos >= len(p.Data) || p.Data[p.Pos] != ':' {
				return nil, false
			}
			p.Pos++
			p.Space()
			val, ok := p.value(depth+1, depth == 1 && key == "paths")
			if !ok {
				return nil, false
			}
			if _, dup := obj[key]; dup {
				return nil, false
			}
			if inPaths && p.compactPaths {
				if _, isObject := val.(map[string]any); isObject {
					if compact, err := compactJSON(val); err == nil {
						val = compact
					}
				}
			}
			obj[key] = val
			p.Space()
			if p.Pos >= len(p.Data) {
				return nil, false
			}
			switch p.Data[p.Pos] {
			case ',':
				p.Pos++
				continue
			case '}':
				p.Pos++
				return obj, true
			}
			return nil, false
		}
	case c == '[':
		p.Pos++
		arr := []any{}
		p.Space()
		if p.Pos < len(p.Data) && p.Data[p.Pos] == ']' {
			p.Pos++
			return arr, true
		}
		for {
			p.Space()
			val, ok := p.value(depth+1, false)
			if !ok {
				return nil, false
			}
			arr = append(arr, val)
			p.Space()
			if p.Pos >= len(p.Data) {
				return nil, false
			}
			switch p.Data[p.Pos] {
			case ',':
				p.Pos++
				continue
			case ']':
				p.Pos++
				return arr, true
			}
			return nil, false
		}
	case c == '"':
		return p.Quoted()
	case c == 't':
		return true, p.Literal("true")
	case c == 'f':
		return false, p.Literal("false")
	case c == 'n':
		return nil, p.Literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

// number reads a number in JSON's grammar as the json.Number of its text.
func (p *fastJSON) number() (any, bool) {
	start := p.Pos
	if _, ok := p.Number(); !ok {
		return nil, false
	}
	return json.Number(p.Data[start:p.Pos]), true
}

// splitObjectFast is splitObject in one pass over the bytes, for JSON
// that json.Valid accepts: what the token stream would read, member by
// member, the last of a repeated key winning.
func splitObjectFast(data []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	ix := &jsonIndexer{Lexer: jsonlex.Lexer{Data: data}}
	ix.Space()
	if !ix.Next('{') {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	ix.Space()
	if ix.Next('}') {
		return out, true
	}
	for {
		ix.Space()
		start := ix.Pos
		if !ix.SkipString() {
			return nil, false
		}
		key, ok := plainKey(data[start:ix.Pos])
		if !ok {
			if json.Unmarshal(data[start:ix.Pos], &key) != nil {
				return nil, false
			}
		}
		ix.Space()
		if !ix.Next(':') {
			return nil, false
		}
		ix.Space()
		vstart := ix.Pos
		if !ix.skip(0) {
			return nil, false
		}
		out[key] = data[vstart:ix.Pos]
		ix.Space()
		if ix.Next(',') {
			continue
		}
		return out, ix.Next('}')
	}
}
