package validate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/specharvest/specharvest/internal/sniff"
)

// sameAsTokenReader fails unless parseJSONFast, when it reads data at
// all, gives the tree parseJSONWith gives, and parseJSONWith reports no
// problem there. It says whether parseJSONFast read it.
func sameAsTokenReader(t *testing.T, name string, data []byte) bool {
	t.Helper()
	read := false
	for _, compact := range []bool{false, true} {
		fast, ok := parseJSONFast(data, compact)
		if !ok {
			continue
		}
		read = true
		var problems []Problem
		slow, err := parseJSONWith(data, func(p Problem) { problems = append(problems, p) }, compact)
		switch {
		case err != nil:
			t.Fatalf("%s: the fast reader read what the token reader refuses: %v", name, err)
		case len(problems) > 0:
			t.Fatalf("%s: the fast reader read what the token reader reports: %v", name, problems)
		case !reflect.DeepEqual(fast, slow):
			t.Fatalf("%s (compact paths %v): trees differ", name, compact)
		}
	}
	return read
}

func TestParseJSONFastIsTokenReader(t *testing.T) {
	var files []string
	for _, glob := range []string{"testdata/*.json", "../../merge/testdata/merge/*.json", "../../merge/diff/testdata/diff/*/*.json"} {
		matches, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	if !testing.Short() {
		files = append(files, stripeCorpus(t)...)
	}
	if len(files) < 3 {
		t.Fatalf("only %d documents found", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !sniff.JSON(data) {
			continue
		}
		var problems []Problem
		_, err = parseJSONWith(data, func(p Problem) { problems = append(problems, p) }, false)
		if !sameSplit(t, path, data) && err == nil && len(problems) == 0 {
			t.Errorf("%s: the fast split gave up on a document the token reader reads without a problem", path)
		}
		if !sameAsTokenReader(t, path, data) && err == nil && len(problems) == 0 {
			t.Errorf("%s: the fast reader gave up on a document the token reader reads without a problem", path)
		}
	}
}

// FuzzParseJSONFast holds parseJSONFast to the token reader on any bytes.
func FuzzParseJSONFast(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.0.0","paths":{"/a":{"get":{"x":[1,-0,0.5,1e3,-2E-7,"s\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800"]}},"/b":[],"/c":null},"pa\u0074hs":1}`,
		`{"a":1,"a":2}`, `{"a":{"b":{}},"A":[]}`, `[01]`, `[1.]`, `[-]`, `["\x"]`, "[\"\t\"]", `{"a" 1}`, `{"a":1,}`, `[1,]`,
		`tru`, `nul`, `{"paths":{"p":{"q":{"r":true}}}} x`, `  {}  `, `[[[[[[[[[[]]]]]]]]]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsTokenReader(t, "input", data)
		sameSplit(t, "input", data)
	})
}

// sameSplit fails unless splitObjectFast, when it splits data at all,
// gives what splitObjectTokens gives. It says whether it split it.
func sameSplit(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := splitObjectFast(data)
	if !ok {
		return false
	}
	slow, err := splitObjectTokens(data)
	if err != nil {
		t.Fatalf("%s: the fast split took what the token reader refuses: %v", name, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: the splits differ", name)
	}
	return true
}
