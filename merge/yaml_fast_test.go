package merge

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sameAsYAMLNode fails unless yamlNodeFast, when it reads data, builds
// the tree yamlNode builds from it. It says whether it read it.
func sameAsYAMLNode(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := yamlNodeFast(data)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	slow, err := yamlNode(dec)
	if err != nil {
		t.Fatalf("%s: the fast reader read what yamlNode refuses: %v", name, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: node trees differ", name)
	}
	return true
}

func TestYAMLNodeFastIsYAMLNode(t *testing.T) {
	files, err := filepath.Glob("testdata/merge/*.openapi.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no documents: %v", err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !sameAsYAMLNode(t, path, data) {
			t.Errorf("%s: the fast reader gave up on a document", path)
		}
	}
}

func FuzzYAMLNodeFast(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,-0,0.5,1e3,-2E-7,true,false,null,"s\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800"],"b":{},"c":[],"a":2}`,
		`[01]`, `[1.]`, `[-]`, `["\x"]`, "[\"\t\"]", `{"a" 1}`, `{"a":1,}`, `[1,]`, `tru`, `{"a":1} x`, `  {}  `, "\"\xff\"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsYAMLNode(t, "input", data)
	})
}

func BenchmarkYAMLEntry(b *testing.B) {
	data, err := os.ReadFile("testdata/merge/instance-metadata-api-2025-03.openapi.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(compact.Len()))
	for b.Loop() {
		if _, err := yamlEntry("doc", compact.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
