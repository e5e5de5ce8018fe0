package jsonlex

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLexer holds the lexer to encoding/json: a string it reads is the
// string encoding/json reads from the same bytes, a number it reads is a
// JSON number (a float when it has a fraction or an exponent), and
// whatever Go string or number encoding/json writes, it reads back whole.
func FuzzLexer(f *testing.F) {
	for _, seed := range []string{
		`"plain"`, `"esc\"aped\\ \n \u00e9 \ud83d\ude00"`, `"\ud800"`, `"tab	in"`, `"open`, `""`,
		`0`, `-0`, `12.5e-3`, `1E+9`, `01`, `-`, `1.`, `.5`, `1e`, `123abc`, `true`, `null`, ` 	 x`,
	} {
		f.Add([]byte(seed), 0.0)
	}
	f.Add([]byte(`"x"`), math.MaxFloat64)
	f.Add([]byte(`"x"`), -1.25e-300)
	f.Fuzz(func(t *testing.T, data []byte, number float64) {
		// Strings, from whatever bytes.
		l := &Lexer{Data: data}
		if got, ok := l.Quoted(); ok && utf8.Valid(data[:l.Pos]) {
			var want string
			if err := json.Unmarshal(data[:l.Pos], &want); err != nil || want != got {
				t.Fatalf("Quoted read %q from %q; encoding/json reads %q (%v)", got, data[:l.Pos], want, err)
			}
		}
		// Numbers, from whatever bytes.
		n := &Lexer{Data: data}
		if float, ok := n.Number(); ok {
			text := data[:n.Pos]
			var v json.Number
			if err := json.Unmarshal(text, &v); err != nil || string(v) != string(text) {
				t.Fatalf("Number read %q, which encoding/json does not read as a number (%v)", text, err)
			}
			if float != strings.ContainsAny(string(text), ".eE") {
				t.Fatalf("Number read %q as float %v", text, float)
			}
		}
		// What encoding/json writes reads back whole.
		quoted, _ := json.Marshal(string(data))
		back := &Lexer{Data: quoted}
		var want string
		if err := json.Unmarshal(quoted, &want); err != nil {
			t.Fatal(err)
		}
		if got, ok := back.Quoted(); !ok || back.Pos != len(quoted) || got != want {
			t.Fatalf("Quoted read %q (ok %v, %d of %d bytes) from encoding/json's %q", got, ok, back.Pos, len(quoted), quoted)
		}
		if skipped := (&Lexer{Data: quoted}); !skipped.SkipString() || skipped.Pos != len(quoted) {
			t.Fatalf("SkipString stopped at %d of %q", skipped.Pos, quoted)
		}
		if math.IsInf(number, 0) || math.IsNaN(number) {
			return
		}
		for _, text := range []string{strconv.FormatFloat(number, 'g', -1, 64), strconv.FormatInt(int64(number), 10)} {
			l := &Lexer{Data: []byte(text)}
			if _, ok := l.Number(); !ok || l.Pos != len(text) {
				t.Fatalf("Number read %d bytes of %q", l.Pos, text)
			}
		}
	})
}

func TestLexerTokens(t *testing.T) {
	l := &Lexer{Data: []byte(" \t\r\n true,false null")}
	l.Space()
	if !l.Literal("true") || !l.Next(',') || l.Literal("true") || !l.Literal("false") || l.Next(',') {
		t.Fatalf("literals and punctuation misread at %d", l.Pos)
	}
	l.Space()
	if !l.Literal("null") || l.Pos != len(l.Data) || l.Next('x') || l.Literal("null") {
		t.Fatalf("the end misread at %d", l.Pos)
	}
	for text, want := range map[string]bool{"0": true, "-0.5": true, "1e5": true, "01": true, "-": false, "1.": false, "1e+": false, "+1": false} {
		l := &Lexer{Data: []byte(text)}
		_, ok := l.Number()
		// "01" is the number 0 followed by 1: the caller judges what follows.
		if ok != want || (text == "01" && l.Pos != 1) {
			t.Errorf("Number(%q) = %v at %d, want %v", text, ok, l.Pos, want)
		}
	}
}
