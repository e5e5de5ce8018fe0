package validate

import (
	"encoding/json"
	"unicode/utf8"
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
	p := &fastJSON{data: data, compactPaths: compactPaths}
	p.space()
	v, ok := p.value(1, false)
	if !ok {
		return nil, false
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, false
	}
	return v, true
}

type fastJSON struct {
	data         []byte
	pos          int
	compactPaths bool
}

func (p *fastJSON) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

// value reads one value at depth (the root is 1); inPaths says it is the
// root's "paths" object, whose object members are kept as compact JSON.
func (p *fastJSON) value(depth int, inPaths bool) (any, bool) {
	if depth > maxDepth || p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		obj := map[string]any{}
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return obj, true
		}
		for {
			p.space()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, false
			}
			p.pos++
			p.space()
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
			p.space()
			if p.pos >= len(p.data) {
				return nil, false
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
				continue
			case '}':
				p.pos++
				return obj, true
			}
			return nil, false
		}
	case c == '[':
		p.pos++
		arr := []any{}
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return arr, true
		}
		for {
			p.space()
			val, ok := p.value(depth+1, false)
			if !ok {
				return nil, false
			}
			arr = append(arr, val)
			p.space()
			if p.pos >= len(p.data) {
				return nil, false
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
				continue
			case ']':
				p.pos++
				return arr, true
			}
			return nil, false
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

func (p *fastJSON) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

// str reads a string. One without escapes is its bytes (the document is
// valid UTF-8, checked first); one with escapes is unquoted by
// encoding/json, so that every escape reads as it does there.
func (p *fastJSON) str() (string, bool) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return "", false
	}
	start := p.pos
	p.pos++
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

// number reads a number in JSON's grammar as the json.Number of its text.
func (p *fastJSON) number() (any, bool) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.digits() == 0:
		return nil, false
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(p.data[start:p.pos]), true
}

func (p *fastJSON) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// splitObjectFast is splitObject in one pass over the bytes, for JSON
// that json.Valid accepts: what the token stream would read, member by
// member, the last of a repeated key winning.
func splitObjectFast(data []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	ix := &jsonIndexer{data: data}
	ix.space()
	if !ix.byte('{') {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	ix.space()
	if ix.byte('}') {
		return out, true
	}
	for {
		ix.space()
		start := ix.pos
		if !ix.skipString() {
			return nil, false
		}
		key, ok := plainKey(data[start:ix.pos])
		if !ok {
			if json.Unmarshal(data[start:ix.pos], &key) != nil {
				return nil, false
			}
		}
		ix.space()
		if !ix.byte(':') {
			return nil, false
		}
		ix.space()
		vstart := ix.pos
		if !ix.skip(0) {
			return nil, false
		}
		out[key] = data[vstart:ix.pos]
		ix.space()
		if ix.byte(',') {
			continue
		}
		return out, ix.byte('}')
	}
}
