package diff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// referenceJSON reads a document through the general JSON decoder, token
// by token: what scanJSON must agree with.
func referenceJSON(data []byte) (*tnode, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))
	n, err := parseJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the document")
	}
	return n, nil
}

func parseJSON(dec *jsontext.Decoder, depth int) (*tnode, error) {
	if depth > maxTreeDepth {
		return nil, errors.New("too deep")
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		n := &tnode{kind: 'o'}
		for dec.PeekKind() != '}' {
			key, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			// A token is valid only until the decoder moves on.
			name := key.String()
			value, err := parseJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, name)
			n.items = append(n.items, value)
		}
		_, err := dec.ReadToken()
		return n, err
	case '[':
		n := &tnode{kind: 'a'}
		for dec.PeekKind() != ']' {
			value, err := parseJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, value)
		}
		_, err := dec.ReadToken()
		return n, err
	case '"':
		return &tnode{kind: 's', text: tok.String()}, nil
	default:
		return &tnode{kind: 'l', text: tok.String()}, nil
	}
}

// scanAgrees fails unless scanJSON reads data as the reference decoder
// does, or refuses it (stricter is safe: the documents then go whole).
func scanAgrees(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	got, errGot := scanJSON(data)
	want, errWant := referenceJSON(data)
	if errGot != nil {
		return false
	}
	if errWant != nil {
		t.Fatalf("scanJSON read %q, which the reference decoder refuses (%v)", data, errWant)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scanJSON read %q differently from the reference decoder", data)
	}
	return true
}

// TestScanJSON: valid JSON of every shape is read exactly as the reference
// decoder reads it; invalid JSON is refused.
func TestScanJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`, ` { "a" : [ ] , "b" : { } } `, `{"a":"x","a":"y"}`,
		`{"n":[0,-0,1.5,-2e10,3E+2,4e-3,123456789012345678901234567890]}`,
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00 é 😀","e":""}`,
		`{"l":[true,false,null]}`, "{\n\t\"a\":\r\n1}",
		`{"u":"\u0000"}`, `{"a":[{"b":1,"c":[2,{"d":3}]},4],"e":{"f":[5,[6,{"g":[]}]]}}`,
	} {
		if !scanAgrees(t, []byte(doc)) {
			t.Errorf("scanJSON refused valid %q", doc)
		}
	}
	for _, doc := range []string{
		`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`,
		`{"a":1e}`, `{"a":tru}`, `{"a":truex}`, `{"a":nulll}`, `{"a":"\x"}`, `{"a":"\u12"}`,
		`{"a":"\ud800"}`, `{"a":"\udc00\ud800"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
		`{"a":1} x`, `{"a":1}{}`, `{'a':1}`, `{a:1}`, `{"a":+1}`, `{"a":0x10}`, `{"a":1 2}`,
	} {
		if scanAgrees(t, []byte(doc)) {
			t.Errorf("scanJSON accepted invalid %q", doc)
		}
	}
}

// TestScanJSONStripe: the development corpus reads the same both ways.
func TestScanJSONStripe(t *testing.T) {
	dir := stripeCorpusDir(t)
	for _, v := range []int{90, 127} {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", v)))
		if err != nil {
			t.Fatal(err)
		}
		if !scanAgrees(t, data) {
			t.Fatalf("v%d: scanJSON refused it", v)
		}
	}
}

// FuzzScanJSON: whatever scanJSON accepts, the reference decoder reads to
// the same tree.
func FuzzScanJSON(f *testing.F) {
	for _, seed := range []string{`{"a":[1,"x",{"b":null}]}`, `{"s":"\u00e9\ud83d\ude00"}`, `{"n":-1.5e+3}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scanAgrees(t, data)
	})
}

// TestAppendQuoted: the pre-pass's quoting writes what jsontext's does,
// for plain ASCII, escapes, non-ASCII and invalid UTF-8 alike.
func TestAppendQuoted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2026))
	alphabet := []byte("aZ09 /<>&'\"\\\n\t\x00\x1f\x7f\xc3\xa9\xe2\x80\xa8\xff{}")
	strs := []string{"", "plain", "a\"b", "back\\slash", "é", "\u2028", "\xff", "<&>"}
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		want, _ := jsontext.AppendQuote([]byte("x"), s)
		if got := appendQuoted([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("%q: appendQuoted wrote %q, jsontext %q", s, got, want)
		}
	}
}
