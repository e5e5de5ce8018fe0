package diff

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// scanYAML reads the block YAML that real OpenAPI documents are written
// in into the pre-pass's tree, several times faster than the general
// parser. It reads exactly the tree that parser (pb33f/go-yaml, the one
// libopenapi reads with) and fromYAML give, or refuses: the caller then
// reads the document with that parser. Refusing is always safe, so it
// refuses whatever it is not sure of:
//
//   - anchors, aliases, tags, directives, complex keys (`?`), merge keys,
//     a second document or a document end marker;
//   - tabs, a carriage return not followed by a line feed, control
//     characters, byte order marks and the Unicode line breaks (NEL, LS,
//     PS), invalid UTF-8;
//   - a document whose top is not a block mapping;
//   - a plain scalar that starts with an indicator; a flow plain scalar
//     with ':' in it, or over several lines; a trailing
//     comma or an empty value in a flow collection; a multi-line key;
//   - a continuation line of a flow collection that is not indented more
//     than the block it belongs to; a quoted key over several lines;
//   - an auto-detected block scalar whose leading empty lines hold more
//     spaces than its first line.
//
// Plain scalars are typed by go-yaml's own resolution rules (yamlPlain),
// ported with the same library calls; a fuzz test holds the two readers
// equal on every input scanYAML accepts.
func scanYAML(data []byte) (*tnode, error) {
	if bytes.IndexByte(data, '\r') >= 0 {
		// go-yaml reads a CR LF line break as LF everywhere (in every
		// kind of scalar too); a lone CR is refused below.
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	if err := checkYAMLText(data); err != nil {
		return nil, err
	}
	s := &yamlScanner{data: data, src: string(data)}
	if err := s.skipLines(false); err != nil {
		return nil, err
	}
	if s.ind == 0 && s.marker() == '.' {
		return nil, s.fail("a document end marker")
	}
	if s.ind == 0 && s.marker() == '-' {
		// An explicit document start, with nothing after it on its line
		// but a comment.
		s.pos += 3
		if err := s.endLine(); err != nil {
			return nil, err
		}
	}
	if s.ind < 0 {
		return nil, s.fail("no document")
	}
	if !s.keyAhead() {
		return nil, s.fail("the document is not a block mapping")
	}
	col := s.ind
	n, err := s.mapping(col, 0)
	if err != nil {
		return nil, err
	}
	if s.ind >= 0 {
		return nil, s.fail("content after the document's mapping")
	}
	return n, nil
}

// checkYAMLText refuses the characters scanYAML does not handle the way
// go-yaml does (or which go-yaml refuses): control characters (tab and
// a lone carriage return included), DEL and the C1 controls (NEL is a line break
// to go-yaml), LS and PS, the byte order mark, U+FFFE/U+FFFF, invalid
// UTF-8.
func checkYAMLText(data []byte) error {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return fmt.Errorf("yaml: character %#02x at byte %d", c, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("yaml: invalid UTF-8 at byte %d", i)
		}
		if r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return fmt.Errorf("yaml: character %U at byte %d", r, i)
		}
		i += size
	}
	return nil
}

type yamlScanner struct {
	data []byte
	src  string
	pos  int
	// lineStart is where the line holding pos begins; ind is the
	// indentation of the current content line (pos is at its first
	// character), -1 at the end of the text.
	lineStart int
	ind       int
	slab      []tnode
	keys      []string
	items     []*tnode
	buf       []byte
	// Each node's keys and items are carved from these, capacity clipped.
	keySlab  []string
	itemSlab []*tnode
}

// carve copies a node's keys or items, gathered on a shared stack, into
// a slab: one allocation for thousands of nodes.
func carve[T any](slab *[]T, from []T) []T {
	if len(from) == 0 {
		return nil
	}
	if cap(*slab)-len(*slab) < len(from) {
		*slab = make([]T, 0, max(8192, len(from)))
	}
	start := len(*slab)
	*slab = append(*slab, from...)
	return (*slab)[start:len(*slab):len(*slab)]
}

var errYAMLSubset = errors.New("outside the YAML scanYAML reads")

func (s *yamlScanner) fail(what string) error {
	line := 1 + strings.Count(s.src[:min(s.pos, len(s.src))], "\n")
	return fmt.Errorf("%w: %s at line %d", errYAMLSubset, what, line)
}

func (s *yamlScanner) node(kind byte, depth int) (*tnode, error) {
	if depth > maxTreeDepth {
		return nil, s.fail("too deep")
	}
	if len(s.slab) == 0 {
		s.slab = make([]tnode, 1024)
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	n.kind = kind
	return n, nil
}

func (s *yamlScanner) at(i int) byte {
	if i < len(s.data) {
		return s.data[i]
	}
	return 0
}

// blankAt says whether i is a space, a line break or the end.
func (s *yamlScanner) blankAt(i int) bool {
	c := s.at(i)
	return c == ' ' || c == '\n' || c == 0
}

// marker returns '-' or '.' when pos (at the start of a line) holds a
// document start or end marker, else 0.
func (s *yamlScanner) marker() byte {
	p := s.pos
	if p+3 > len(s.data) || !s.blankAt(p+3) {
		return 0
	}
	if t := s.src[p : p+3]; t == "---" || t == "..." {
		return t[0]
	}
	return 0
}

// skipLines moves from the start of a line past empty and comment lines
// to the first character of the next content line, setting ind; at the
// end of the text ind is -1. A document marker there is refused unless
// allowed.
func (s *yamlScanner) skipLines(markers bool) error {
	for s.pos < len(s.data) {
		s.lineStart = s.pos
		for s.pos < len(s.data) && s.data[s.pos] == ' ' {
			s.pos++
		}
		if s.pos >= len(s.data) {
			break
		}
		switch s.data[s.pos] {
		case '\n':
			s.pos++
			continue
		case '#':
			s.toLineEnd()
			s.pos++
			continue
		}
		s.ind = s.pos - s.lineStart
		if s.ind == 0 && s.marker() != 0 && markers {
			return s.fail("a document marker")
		}
		return nil
	}
	s.ind = -1
	return nil
}

func (s *yamlScanner) toLineEnd() {
	if i := strings.IndexByte(s.src[s.pos:], '\n'); i >= 0 {
		s.pos += i
	} else {
		s.pos = len(s.data)
	}
}

// endLine finishes a line after a node: spaces, a comment, the line
// break; then it moves to the next content line.
func (s *yamlScanner) endLine() error {
	for s.pos < len(s.data) && s.data[s.pos] == ' ' {
		s.pos++
	}
	if s.pos < len(s.data) && s.data[s.pos] == '#' {
		if s.data[s.pos-1] != ' ' {
			return s.fail("a '#' right after a value")
		}
		s.toLineEnd()
	}
	if s.pos < len(s.data) {
		if s.data[s.pos] != '\n' {
			return s.fail("more after a value")
		}
		s.pos++
	}
	return s.skipLines(true)
}

// isIndicator lists the characters a plain scalar cannot start with
// (YAML's c-indicator), '-' included: callers let "-x" through.
func isIndicator(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return true
	}
	return false
}

// plainStart says whether a block plain scalar may start at pos (in the
// subset read here: "-x" may, "?x" and ":x" are refused).
func (s *yamlScanner) plainStart() bool {
	c := s.at(s.pos)
	if c == '-' {
		return !s.blankAt(s.pos + 1)
	}
	return c != 0 && c != ' ' && c != '\n' && !isIndicator(c)
}

func (s *yamlScanner) seqDash() bool {
	return s.at(s.pos) == '-' && s.blankAt(s.pos+1)
}

// keyAhead says whether the content at pos is a mapping key: a quoted
// scalar closed on this line, or a plain one, followed by ':' and a
// space, a line break or the end.
func (s *yamlScanner) keyAhead() bool {
	d := s.data
	i := s.pos
	switch c := s.at(i); {
	case c == '"' || c == '\'':
		for i++; i < len(d) && d[i] != '\n'; i++ {
			if c == '"' && d[i] == '\\' {
				i++
				continue
			}
			if d[i] == c {
				if c == '\'' && i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				break
			}
		}
		if i >= len(d) || d[i] != c {
			return false
		}
		for i++; i < len(d) && d[i] == ' '; i++ {
		}
		return i < len(d) && d[i] == ':' && s.blankAt(i+1)
	case !s.plainStart():
		return false
	}
	for ; i < len(d) && d[i] != '\n'; i++ {
		switch d[i] {
		case ':':
			if s.blankAt(i + 1) {
				return true
			}
		case '#':
			if d[i-1] == ' ' {
				return false
			}
		}
	}
	return false
}

// key reads a mapping key and its ':'.
func (s *yamlScanner) key() (string, error) {
	var key string
	switch c := s.at(s.pos); c {
	case '"', '\'':
		start := s.pos
		v, err := s.quoted(-1)
		if err != nil {
			return "", err
		}
		if strings.IndexByte(s.src[start:s.pos], '\n') >= 0 {
			return "", s.fail("a key over several lines")
		}
		key = v
		for s.pos < len(s.data) && s.data[s.pos] == ' ' {
			s.pos++
		}
	default:
		if !s.plainStart() {
			return "", s.fail("a key that is not a plain or quoted scalar")
		}
		start, end := s.pos, s.pos
		for ; s.pos < len(s.data); s.pos++ {
			c := s.data[s.pos]
			if c == '\n' || c == '#' && s.data[s.pos-1] == ' ' {
				return "", s.fail("a key without ':'")
			}
			if c == ':' && s.blankAt(s.pos+1) {
				break
			}
			if c != ' ' {
				end = s.pos + 1
			}
		}
		key = s.src[start:end]
	}
	if s.at(s.pos) != ':' || !s.blankAt(s.pos+1) {
		return "", s.fail("a key without ':'")
	}
	if key == "<<" {
		return "", s.fail("a merge key")
	}
	s.pos++
	return key, nil
}

// mapping reads a block mapping whose keys are at column col, from its
// first key at pos.
func (s *yamlScanner) mapping(col, depth int) (*tnode, error) {
	n, err := s.node('o', depth)
	if err != nil {
		return nil, err
	}
	keyBase, itemBase := len(s.keys), len(s.items)
	for {
		if s.seqDash() {
			return nil, s.fail("a sequence entry among mapping keys")
		}
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		v, err := s.mapValue(col, depth+1)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, key)
		s.items = append(s.items, v)
		if s.ind < col {
			break
		}
		if s.ind > col {
			return nil, s.fail("unexpected indentation")
		}
	}
	n.keys = carve(&s.keySlab, s.keys[keyBase:])
	n.items = carve(&s.itemSlab, s.items[itemBase:])
	s.keys, s.items = s.keys[:keyBase], s.items[:itemBase]
	return n, nil
}

// mapValue reads the value after a key of the mapping at column n.
func (s *yamlScanner) mapValue(n, depth int) (*tnode, error) {
	for s.pos < len(s.data) && s.data[s.pos] == ' ' {
		s.pos++
	}
	if c := s.at(s.pos); c != 0 && c != '\n' && c != '#' {
		return s.inline(n, depth)
	}
	if err := s.endLine(); err != nil {
		return nil, err
	}
	switch {
	case s.ind > n:
		return s.blockNode(n, depth)
	case s.ind == n && s.seqDash():
		// An indentless sequence: its entries at the key's column.
		return s.sequence(n, depth)
	}
	return s.leaf('l', "null", depth)
}

// blockNode reads a node that starts a line, more indented than the
// block collection at column n that holds it.
func (s *yamlScanner) blockNode(n, depth int) (*tnode, error) {
	switch {
	case s.seqDash():
		return s.sequence(s.ind, depth)
	case s.keyAhead():
		return s.mapping(s.ind, depth)
	}
	return s.inline(n, depth)
}

// sequence reads a block sequence whose entries are at column col.
func (s *yamlScanner) sequence(col, depth int) (*tnode, error) {
	n, err := s.node('a', depth)
	if err != nil {
		return nil, err
	}
	base := len(s.items)
	for {
		s.pos++ // the dash
		for s.pos < len(s.data) && s.data[s.pos] == ' ' {
			s.pos++
		}
		var item *tnode
		if c := s.at(s.pos); c == 0 || c == '\n' || c == '#' {
			if err := s.endLine(); err != nil {
				return nil, err
			}
			if s.ind > col {
				item, err = s.blockNode(col, depth+1)
			} else {
				item, err = s.leaf('l', "null", depth+1)
			}
		} else {
			// A node on the dash's line: a compact mapping or sequence
			// starts at its column.
			m := s.pos - s.lineStart
			switch {
			case s.seqDash():
				item, err = s.sequence(m, depth+1)
			case s.keyAhead():
				item, err = s.mapping(m, depth+1)
			default:
				item, err = s.inline(col, depth+1)
			}
		}
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, item)
		if s.ind < col || s.ind == col && !s.seqDash() {
			break
		}
		if s.ind > col {
			return nil, s.fail("unexpected indentation")
		}
	}
	n.items = carve(&s.itemSlab, s.items[base:])
	s.items = s.items[:base]
	return n, nil
}

func (s *yamlScanner) leaf(kind byte, text string, depth int) (*tnode, error) {
	n, err := s.node(kind, depth)
	if err != nil {
		return nil, err
	}
	n.text = text
	return n, nil
}

// inline reads a scalar or a flow collection at pos, inside the block
// collection at column n, and moves to the next content line.
func (s *yamlScanner) inline(n, depth int) (*tnode, error) {
	switch c := s.at(s.pos); c {
	case '|', '>':
		v, err := s.blockScalar(n)
		if err != nil {
			return nil, err
		}
		return s.leaf('s', v, depth)
	case '"', '\'':
		v, err := s.quoted(n)
		if err != nil {
			return nil, err
		}
		if err := s.endLine(); err != nil {
			return nil, err
		}
		return s.leaf('s', v, depth)
	case '[', '{':
		v, err := s.flow(n, depth)
		if err != nil {
			return nil, err
		}
		if err := s.endLine(); err != nil {
			return nil, err
		}
		return v, nil
	}
	if !s.plainStart() {
		return nil, s.fail("a node this reader does not read")
	}
	v, err := s.plain(n)
	if err != nil {
		return nil, err
	}
	kind, text, err := yamlPlain(v)
	if err != nil {
		return nil, s.fail(err.Error())
	}
	return s.leaf(kind, text, depth)
}

// plainLine scans a plain scalar's text on one line from i: it returns
// the end of its last non-space character and where the scan stopped (a
// line break, the end, or a comment's '#').
func (s *yamlScanner) plainLine(i int) (end, stop int, err error) {
	d := s.data
	end = i
	for ; i < len(d); i++ {
		switch d[i] {
		case '\n':
			return end, i, nil
		case ' ':
			continue
		case '#':
			if d[i-1] == ' ' {
				return end, i, nil
			}
		case ':':
			if s.blankAt(i + 1) {
				s.pos = i
				return 0, 0, s.fail("a mapping value where a scalar is")
			}
		}
		end = i + 1
	}
	return end, i, nil
}

// plain reads a block plain scalar, folding the lines that continue it
// (those more indented than n), and moves to the next content line.
func (s *yamlScanner) plain(n int) (string, error) {
	start := s.pos
	end, stop, err := s.plainLine(start)
	if err != nil {
		return "", err
	}
	value := s.src[start:end]
	folded := false
	for stop < len(s.data) && s.data[stop] == '\n' {
		// Look past empty lines for a continuation line.
		breaks := 0
		i := stop + 1
		lineStart := i
		for i < len(s.data) {
			lineStart = i
			for i < len(s.data) && s.data[i] == ' ' {
				i++
			}
			if i < len(s.data) && s.data[i] == '\n' {
				breaks++
				i++
				continue
			}
			break
		}
		if i >= len(s.data) || s.data[i] == '#' || i-lineStart <= n {
			break
		}
		if !folded {
			s.buf = append(s.buf[:0], value...)
			folded = true
		}
		if breaks == 0 {
			s.buf = append(s.buf, ' ')
		}
		for range breaks {
			s.buf = append(s.buf, '\n')
		}
		var lineEnd int
		lineEnd, stop, err = s.plainLine(i)
		if err != nil {
			return "", err
		}
		s.buf = append(s.buf, s.data[i:lineEnd]...)
	}
	if folded {
		value = string(s.buf)
	}
	s.pos = stop
	if err := s.endLine(); err != nil {
		return "", err
	}
	return value, nil
}

// quoted reads a single- or double-quoted scalar at pos; its
// continuation lines must be indented more than n (n < 0: it must be on
// one line). pos ends after the closing quote.
func (s *yamlScanner) quoted(n int) (string, error) {
	d := s.data
	q := d[s.pos]
	start := s.pos + 1
	i := start
	// The common case: no escapes, no line breaks.
	for i < len(d) && d[i] != q && d[i] != '\n' && (q != '"' || d[i] != '\\') {
		i++
	}
	if i < len(d) && d[i] == q && (q == '"' || i+1 >= len(d) || d[i+1] != '\'') {
		s.pos = i + 1
		return s.src[start:i], nil
	}
	// Otherwise the text is read again, folded and unescaped as go-yaml
	// does it.
	i = start
	b := s.buf[:0]
	var spaces []byte
	for {
		// Non-blank characters.
		leadingBlanks := false
		for i < len(d) && d[i] != ' ' && d[i] != '\n' {
			c := d[i]
			if q == '\'' && c == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					b = append(b, '\'')
					i += 2
					continue
				}
				break
			}
			if q == '"' && c == '"' {
				break
			}
			if q == '"' && c == '\\' {
				if i+1 < len(d) && d[i+1] == '\n' {
					// An escaped line break: the lines join with nothing.
					i += 2
					if err := s.quotedLine(&i, n); err != nil {
						return "", err
					}
					leadingBlanks = true
					break
				}
				var err error
				b, i, err = s.escape(b, i)
				if err != nil {
					return "", err
				}
				continue
			}
			b = append(b, c)
			i++
		}
		if i >= len(d) {
			s.pos = i
			return "", s.fail("an unclosed quoted scalar")
		}
		if d[i] == q {
			break
		}
		// Blanks and line breaks.
		spaces = spaces[:0]
		firstBreak, breaks := false, 0
		for i < len(d) && (d[i] == ' ' || d[i] == '\n') {
			if d[i] == ' ' {
				if !leadingBlanks {
					spaces = append(spaces, ' ')
				}
				i++
				continue
			}
			if !leadingBlanks {
				spaces = spaces[:0]
				firstBreak, leadingBlanks = true, true
			} else {
				breaks++
			}
			i++
			if err := s.quotedLine(&i, n); err != nil {
				return "", err
			}
		}
		if leadingBlanks {
			if firstBreak && breaks == 0 {
				b = append(b, ' ')
			}
			for range breaks {
				b = append(b, '\n')
			}
		} else {
			b = append(b, spaces...)
		}
	}
	s.buf = b
	s.pos = i + 1
	return string(b), nil
}

// quotedLine checks the start (i) of a quoted scalar's continuation line:
// go-yaml reads it at any indentation, but refuses a document marker
// there. With n < 0 the scalar must be on one line (a key). It leaves i
// where it was.
func (s *yamlScanner) quotedLine(i *int, n int) error {
	if n < 0 {
		s.pos = *i
		return s.fail("a quoted key over several lines")
	}
	s.pos = *i
	if s.marker() != 0 {
		return s.fail("a document marker in a quoted scalar")
	}
	return nil
}

// escape reads the escape sequence at d[i] ('\\') into b, as go-yaml
// reads it.
func (s *yamlScanner) escape(b []byte, i int) ([]byte, int, error) {
	d := s.data
	if i+1 >= len(d) {
		s.pos = i
		return nil, 0, s.fail("an unclosed quoted scalar")
	}
	code := 0
	switch d[i+1] {
	case '0':
		b = append(b, 0)
	case 'a':
		b = append(b, '\a')
	case 'b':
		b = append(b, '\b')
	case 't':
		b = append(b, '\t')
	case 'n':
		b = append(b, '\n')
	case 'v':
		b = append(b, '\v')
	case 'f':
		b = append(b, '\f')
	case 'r':
		b = append(b, '\r')
	case 'e':
		b = append(b, 0x1b)
	case ' ':
		b = append(b, ' ')
	case '"', '\'', '\\':
		b = append(b, d[i+1])
	case 'N':
		b = append(b, "\u0085"...)
	case '_':
		b = append(b, "\u00a0"...)
	case 'L':
		b = append(b, "\u2028"...)
	case 'P':
		b = append(b, "\u2029"...)
	case 'x':
		code = 2
	case 'u':
		code = 4
	case 'U':
		code = 8
	default:
		s.pos = i
		return nil, 0, s.fail("an unknown escape")
	}
	i += 2
	if code == 0 {
		return b, i, nil
	}
	if i+code > len(d) {
		s.pos = i
		return nil, 0, s.fail("a short escape")
	}
	v, err := strconv.ParseUint(s.src[i:i+code], 16, 32)
	if err != nil || strings.ContainsAny(s.src[i:i+code], "+-_xX") || v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
		s.pos = i
		return nil, 0, s.fail("an invalid escape")
	}
	return utf8.AppendRune(b, rune(v)), i + code, nil
}

// blockScalar reads a literal or folded block scalar (header at pos) in
// the block collection at column n, and moves to the next content line.
func (s *yamlScanner) blockScalar(n int) (string, error) {
	d := s.data
	literal := d[s.pos] == '|'
	s.pos++
	chomp, increment := 0, 0
	for range 2 {
		switch c := s.at(s.pos); {
		case (c == '+' || c == '-') && chomp == 0:
			chomp = 1
			if c == '-' {
				chomp = -1
			}
			s.pos++
		case c >= '1' && c <= '9' && increment == 0:
			increment = int(c - '0')
			s.pos++
		}
	}
	c := s.at(s.pos)
	if c != ' ' && c != '\n' && c != 0 {
		return "", s.fail("an unusual block scalar header")
	}
	for s.pos < len(d) && d[s.pos] == ' ' {
		s.pos++
	}
	if s.pos < len(d) && d[s.pos] == '#' {
		s.toLineEnd()
	}
	if s.pos >= len(d) || d[s.pos] != '\n' {
		return "", s.fail("a block scalar header this reader does not read")
	}
	s.pos++ // the line break
	indent := -1
	if increment > 0 {
		indent = n + increment
	}
	// breaks eats indentation and empty lines, as go-yaml's
	// scanBlockScalarBreaks does; the first time, it finds the
	// indentation.
	breaks := func() (int, error) {
		count, maxCol := 0, 0
		for {
			s.lineStart = s.pos
			for s.pos < len(d) && d[s.pos] == ' ' && (indent < 0 || s.pos-s.lineStart < indent) {
				s.pos++
			}
			col := s.pos - s.lineStart
			if s.pos >= len(d) || d[s.pos] != '\n' {
				if indent < 0 {
					if maxCol > col && s.pos < len(d) {
						return 0, s.fail("a block scalar's empty lines indented past its text")
					}
					indent = max(maxCol, col, n+1)
				}
				return count, nil
			}
			maxCol = max(maxCol, col)
			count++
			s.pos++
		}
	}
	trailing, err := breaks()
	if err != nil {
		return "", err
	}
	b := s.buf[:0]
	leadingBreak, leadingBlank := false, false
	for s.pos < len(d) && s.pos-s.lineStart == indent {
		trailingBlank := d[s.pos] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		for range trailing {
			b = append(b, '\n')
		}
		leadingBlank = trailingBlank
		end := strings.IndexByte(s.src[s.pos:], '\n')
		if end < 0 {
			end = len(d) - s.pos
		}
		b = append(b, d[s.pos:s.pos+end]...)
		s.pos += end
		leadingBreak = s.pos < len(d)
		if leadingBreak {
			s.pos++
		}
		if trailing, err = breaks(); err != nil {
			return "", err
		}
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for range trailing {
			b = append(b, '\n')
		}
	}
	s.buf = b
	v := string(b)
	s.pos = s.lineStart
	if err := s.skipLines(true); err != nil {
		return "", err
	}
	return v, nil
}

// flow reads a flow sequence or mapping at pos, inside the block
// collection at column n.
func (s *yamlScanner) flow(n, depth int) (*tnode, error) {
	open := s.data[s.pos]
	kind, closer := byte('a'), byte(']')
	if open == '{' {
		kind, closer = 'o', '}'
	}
	node, err := s.node(kind, depth)
	if err != nil {
		return nil, err
	}
	s.pos++
	keyBase, itemBase := len(s.keys), len(s.items)
	if err := s.flowSpace(n); err != nil {
		return nil, err
	}
	if s.at(s.pos) == closer {
		s.pos++
		return node, nil
	}
	for {
		if kind == 'o' {
			var key string
			if c := s.at(s.pos); c == '"' || c == '\'' {
				key, err = s.quoted(-1)
			} else {
				key, err = s.flowPlain(true)
			}
			if err != nil {
				return nil, err
			}
			for s.at(s.pos) == ' ' {
				s.pos++
			}
			if s.at(s.pos) != ':' || !s.blankAt(s.pos+1) || key == "<<" {
				return nil, s.fail("a flow mapping entry this reader does not read")
			}
			s.pos++
			if err := s.flowSpace(n); err != nil {
				return nil, err
			}
			s.keys = append(s.keys, key)
		}
		v, err := s.flowValue(n, depth+1)
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, v)
		if err := s.flowSpace(n); err != nil {
			return nil, err
		}
		switch s.at(s.pos) {
		case ',':
			s.pos++
			if err := s.flowSpace(n); err != nil {
				return nil, err
			}
			if c := s.at(s.pos); c == ']' || c == '}' || c == ',' {
				return nil, s.fail("an empty flow entry")
			}
			continue
		case closer:
			s.pos++
		default:
			return nil, s.fail("a flow collection this reader does not read")
		}
		break
	}
	if kind == 'o' {
		node.keys = carve(&s.keySlab, s.keys[keyBase:])
		s.keys = s.keys[:keyBase]
	}
	node.items = carve(&s.itemSlab, s.items[itemBase:])
	s.items = s.items[:itemBase]
	return node, nil
}

// flowSpace skips spaces, line breaks and comments inside a flow
// collection; each line it reaches must be indented more than n.
func (s *yamlScanner) flowSpace(n int) error {
	d := s.data
	for s.pos < len(d) {
		switch c := d[s.pos]; {
		case c == ' ':
			s.pos++
		case c == '#' && (d[s.pos-1] == ' ' || d[s.pos-1] == '\n'):
			s.toLineEnd()
		case c == '\n':
			s.pos++
			s.lineStart = s.pos
			for s.pos < len(d) && d[s.pos] == ' ' {
				s.pos++
			}
			if s.pos < len(d) && d[s.pos] != '\n' && s.pos-s.lineStart <= n {
				return s.fail("a flow collection's line not indented more than its block")
			}
		default:
			return nil
		}
	}
	return s.fail("an unclosed flow collection")
}

func (s *yamlScanner) flowValue(n, depth int) (*tnode, error) {
	switch s.at(s.pos) {
	case '[', '{':
		return s.flow(n, depth)
	case '"', '\'':
		v, err := s.quoted(n)
		if err != nil {
			return nil, err
		}
		return s.leaf('s', v, depth)
	}
	v, err := s.flowPlain(false)
	if err != nil {
		return nil, err
	}
	kind, text, err := yamlPlain(v)
	if err != nil {
		return nil, s.fail(err.Error())
	}
	return s.leaf(kind, text, depth)
}

// flowPlain reads a plain scalar inside a flow collection, on one line;
// it refuses one with ':' in it (go-yaml's rules for it there are
// intricate). A key ends at ": ".
func (s *yamlScanner) flowPlain(key bool) (string, error) {
	d := s.data
	c := s.at(s.pos)
	if c == 0 || c == ' ' || c == '\n' || isIndicator(c) && (c != '-' || s.blankAt(s.pos+1) || strings.IndexByte(",[]{}", s.at(s.pos+1)) >= 0) {
		return "", s.fail("a flow entry this reader does not read")
	}
	start, end := s.pos, s.pos
	for ; s.pos < len(d); s.pos++ {
		c := d[s.pos]
		if c == '\n' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == '#' && d[s.pos-1] == ' ' {
			break
		}
		if key && c == ':' && s.blankAt(s.pos+1) {
			break
		}
		if c == ':' || c == '?' && s.blankAt(s.pos+1) {
			return "", s.fail("a flow plain scalar with ':' or '?'")
		}
		if c != ' ' {
			end = s.pos + 1
		}
	}
	return s.src[start:end], nil
}

// yamlPlain types a plain scalar as go-yaml resolves it (resolve in its
// resolver.go, the same library calls in the same order) and then as
// fromYAML turns the result into a tree node: a string, the JSON text of
// a number, true, false or null, or an error where fromYAML refuses (a
// timestamp, a number without a JSON form, True, a merge key).
func yamlPlain(v string) (kind byte, text string, err error) {
	switch v {
	case "true", "false":
		return 'l', v, nil
	case "null", "Null", "NULL", "~", "":
		return 'l', "null", nil
	case "True", "TRUE", "False", "FALSE":
		return 0, "", fmt.Errorf("YAML boolean %q", v)
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<":
		return 0, "", fmt.Errorf("YAML scalar %q", v)
	case "-0", "-0.0":
		return 'l', v, nil
	}
	number := func() (byte, string, error) {
		if !jsontext.Value(v).IsValid() {
			return 0, "", fmt.Errorf("YAML number %q has no JSON form", v)
		}
		return 'l', v, nil
	}
	switch c := v[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return number()
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if isYAMLTimestamp(v) {
			return 0, "", fmt.Errorf("YAML timestamp %q", v)
		}
		plain := strings.ReplaceAll(v, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return number()
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return number()
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return number()
			}
		}
	}
	return 's', v, nil
}

// yamlStyleFloat and the timestamp formats are go-yaml's.
var yamlStyleFloat = regexp.MustCompile(`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$`)

var yamlTimestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func isYAMLTimestamp(v string) bool {
	i := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
	}
	if i != 4 || i == len(v) || v[i] != '-' {
		return false
	}
	for _, format := range yamlTimestampFormats {
		if _, err := time.Parse(format, v); err == nil {
			return true
		}
	}
	return false
}
