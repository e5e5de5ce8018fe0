package diff

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/specharvest/specharvest/internal/jsonlex"
)

// scanJSON parses a JSON document into the pre-pass's tree. It is a
// plain recursive-descent reader over the bytes: reading a nightly pair
// token by token through a general decoder cost more than libopenapi's
// model of what the pre-pass keeps. It is strict — whatever it is not sure
// of (invalid UTF-8, a lone surrogate escape, a control character in a
// string, a number outside JSON's grammar) is an error, and the documents
// then go to the comparison whole — so it never reads a document the
// comparison would refuse. Duplicate names are kept in order, as the
// diff's parser reads them.
func scanJSON(data []byte) (*tnode, error) {
	// One copy of the text, which unescaped strings are slices of; nodes
	// come from slabs; each object's keys and items are gathered on a
	// shared stack and copied once, at their final size, into slabs too. Allocation, not
	// scanning, is what reading a large document costs.
	s := &jsonScanner{Lexer: jsonlex.Lexer{Data: data}, src: string(data)}
	s.Space()
	n, err := s.value(0)
	if err != nil {
		return nil, err
	}
	s.Space()
	if s.Pos != len(s.Data) {
		return nil, s.fail("data after the document")
	}
	return n, nil
}

type jsonScanner struct {
	jsonlex.Lexer
	src   string
	slab  []tnode
	keys  []string
	items []*tnode
	// Each node's keys and items are carved from these (carve).
	keySlab  []string
	itemSlab []*tnode
}

func (s *jsonScanner) node(kind byte) *tnode {
	if len(s.slab) == 0 {
		s.slab = make([]tnode, 1024)
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	n.kind = kind
	return n
}

var errJSONEnd = errors.New("unexpected end of JSON")

func (s *jsonScanner) fail(what string) error {
	return fmt.Errorf("%s at byte %d", what, s.Pos)
}

func (s *jsonScanner) value(depth int) (*tnode, error) {
	if depth > maxTreeDepth {
		return nil, s.fail("too deep")
	}
	if s.Pos >= len(s.Data) {
		return nil, errJSONEnd
	}
	switch c := s.Data[s.Pos]; {
	case c == '{':
		s.Pos++
		n := s.node('o')
		s.Space()
		if s.Pos < len(s.Data) && s.Data[s.Pos] == '}' {
			s.Pos++
			return n, nil
		}
		keyBase, itemBase := len(s.keys), len(s.items)
		for {
			s.Space()
			if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
				return nil, s.fail("expected a member name")
			}
			key, err := s.str()
			if err != nil {
				return nil, err
			}
			s.Space()
			if s.Pos >= len(s.Data) || s.Data[s.Pos] != ':' {
				return nil, s.fail("expected ':'")
			}
			s.Pos++
			s.Space()
			v, err := s.value(depth + 1)
			if err != nil {
				return nil, err
			}
			s.keys = append(s.keys, key)
			s.items = append(s.items, v)
			s.Space()
			if s.Pos >= len(s.Data) {
				return nil, errJSONEnd
			}
			switch s.Data[s.Pos] {
			case ',':
				s.Pos++
			case '}':
				s.Pos++
				n.keys = carve(&s.keySlab, s.keys[keyBase:])
				n.items = carve(&s.itemSlab, s.items[itemBase:])
				s.keys, s.items = s.keys[:keyBase], s.items[:itemBase]
				return n, nil
			default:
				return nil, s.fail("expected ',' or '}'")
			}
		}
	case c == '[':
		s.Pos++
		n := s.node('a')
		s.Space()
		if s.Pos < len(s.Data) && s.Data[s.Pos] == ']' {
			s.Pos++
			return n, nil
		}
		base := len(s.items)
		for {
			s.Space()
			v, err := s.value(depth + 1)
			if err != nil {
				return nil, err
			}
			s.items = append(s.items, v)
			s.Space()
			if s.Pos >= len(s.Data) {
				return nil, errJSONEnd
			}
			switch s.Data[s.Pos] {
			case ',':
				s.Pos++
			case ']':
				s.Pos++
				n.items = carve(&s.itemSlab, s.items[base:])
				s.items = s.items[:base]
				return n, nil
			default:
				return nil, s.fail("expected ',' or ']'")
			}
		}
	case c == '"':
		text, err := s.str()
		if err != nil {
			return nil, err
		}
		n := s.node('s')
		n.text = text
		return n, nil
	case c == 't', c == 'f', c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(s.Data)-s.Pos >= len(lit) && string(s.Data[s.Pos:s.Pos+len(lit)]) == lit {
				s.Pos += len(lit)
				if s.Pos < len(s.Data) && isNameByte(s.Data[s.Pos]) {
					return nil, s.fail("invalid literal")
				}
				n := s.node('l')
				n.text = lit
				return n, nil
			}
		}
		return nil, s.fail("invalid literal")
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.Pos
		if err := s.number(); err != nil {
			return nil, err
		}
		n := s.node('l')
		n.text = s.src[start:s.Pos]
		return n, nil
	default:
		return nil, s.fail("unexpected character")
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// number reads a number in JSON's grammar, and nothing after it but a
// delimiter.
func (s *jsonScanner) number() error {
	if _, ok := s.Number(); !ok {
		return s.fail("invalid number")
	}
	if d := s.Data; s.Pos < len(d) && (isNameByte(d[s.Pos]) || d[s.Pos] == '.' || d[s.Pos] == '+' || d[s.Pos] == '-') {
		return s.fail("invalid number")
	}
	return nil
}

// str reads a string at s.Pos (its opening quote) and returns its value.
func (s *jsonScanner) str() (string, error) {
	d := s.Data
	s.Pos++
	start := s.Pos
	ascii := true
	for s.Pos < len(d) {
		c := d[s.Pos]
		switch {
		case c == '"':
			text := s.src[start:s.Pos]
			s.Pos++
			if !ascii && !utf8.ValidString(text) {
				return "", s.fail("invalid UTF-8")
			}
			return text, nil
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", s.fail("control character in a string")
		case c >= 0x80:
			ascii = false
		}
		s.Pos++
	}
	return "", errJSONEnd
}

// escaped finishes a string that has escapes, from its first backslash.
func (s *jsonScanner) escaped(start int) (string, error) {
	d := s.Data
	out := append([]byte(nil), d[start:s.Pos]...)
	for s.Pos < len(d) {
		c := d[s.Pos]
		switch {
		case c == '"':
			s.Pos++
			if !utf8.Valid(out) {
				return "", s.fail("invalid UTF-8")
			}
			return string(out), nil
		case c < 0x20:
			return "", s.fail("control character in a string")
		case c != '\\':
			out = append(out, c)
			s.Pos++
			continue
		}
		if s.Pos+1 >= len(d) {
			return "", errJSONEnd
		}
		e := d[s.Pos+1]
		s.Pos += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", s.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by an escaped low one.
				if r >= 0xDC00 || s.Pos+1 >= len(d) || d[s.Pos] != '\\' || d[s.Pos+1] != 'u' {
					return "", s.fail("lone surrogate")
				}
				s.Pos += 2
				low, ok := s.hex4()
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return "", s.fail("lone surrogate")
				}
				r = utf16.DecodeRune(r, low)
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", s.fail("invalid escape")
		}
	}
	return "", errJSONEnd
}

func (s *jsonScanner) hex4() (rune, bool) {
	if len(s.Data)-s.Pos < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.Data[s.Pos:s.Pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.Pos += 4
	return rune(v), true
}
