package jsonlex

import "encoding/json"

// Lexer reads the JSON text Data from Pos on.
type Lexer struct {
	Data []byte
	Pos  int
}

// Space moves past white space.
func (l *Lexer) Space() {
	for l.Pos < len(l.Data) {
		switch l.Data[l.Pos] {
		case ' ', '\t', '\r', '\n':
			l.Pos++
		default:
			return
		}
	}
}

// Next moves past c if it is the next byte.
func (l *Lexer) Next(c byte) bool {
	if l.Pos < len(l.Data) && l.Data[l.Pos] == c {
		l.Pos++
		return true
	}
	return false
}

// Literal moves past word (true, false, null) if it comes next.
func (l *Lexer) Literal(word string) bool {
	if len(l.Data)-l.Pos < len(word) || string(l.Data[l.Pos:l.Pos+len(word)]) != word {
		return false
	}
	l.Pos += len(word)
	return true
}

// Quoted reads a quoted string: its bytes when it has no escapes, else as
// encoding/json unquotes it, so that every escape reads as it does there.
// It reports false on anything but a closed string without control
// characters.
func (l *Lexer) Quoted() (string, bool) {
	if !l.Next('"') {
		return "", false
	}
	start := l.Pos - 1
	escaped := false
	for l.Pos < len(l.Data) {
		switch c := l.Data[l.Pos]; {
		case c == '"':
			l.Pos++
			if !escaped {
				return string(l.Data[start+1 : l.Pos-1]), true
			}
			var s string
			if err := json.Unmarshal(l.Data[start:l.Pos], &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			l.Pos += 2
		case c < 0x20:
			return "", false
		default:
			l.Pos++
		}
	}
	return "", false
}

// SkipString moves past a string without reading it; the text must be
// valid JSON.
func (l *Lexer) SkipString() bool {
	if !l.Next('"') {
		return false
	}
	for l.Pos < len(l.Data) {
		switch l.Data[l.Pos] {
		case '\\':
			l.Pos += 2
		case '"':
			l.Pos++
			return true
		default:
			l.Pos++
		}
	}
	return false
}

// Number moves past a number in JSON's grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; float says it has a
// fraction or an exponent. What follows it is the caller's to judge.
func (l *Lexer) Number() (float, ok bool) {
	l.Next('-')
	switch {
	case l.Next('0'):
	case l.digits() == 0:
		return false, false
	}
	if l.Next('.') {
		float = true
		if l.digits() == 0 {
			return false, false
		}
	}
	if l.Next('e') || l.Next('E') {
		float = true
		if !l.Next('+') {
			l.Next('-')
		}
		if l.digits() == 0 {
			return false, false
		}
	}
	return float, true
}

func (l *Lexer) digits() int {
	n := 0
	for l.Pos < len(l.Data) && l.Data[l.Pos] >= '0' && l.Data[l.Pos] <= '9' {
		l.Pos++
		n++
	}
	return n
}
