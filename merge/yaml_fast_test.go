package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// sameAsYAMLv3 fails unless emitYAMLEntry, when it writes an entry at
// all, writes what yaml.v3 writes. It says whether it wrote it.
func sameAsYAMLv3(t *testing.T, name, key string, data []byte) bool {
	t.Helper()
	node, ok := yamlNodeFast(data)
	if !ok {
		return false
	}
	fast, ok := emitYAMLEntry(key, node)
	if !ok {
		return false
	}
	want, err := yamlEntryV3(key, node)
	if err != nil {
		t.Fatalf("%s: yaml.v3 refuses what the emitter wrote: %v", name, err)
	}
	if !bytes.Equal(fast, want) {
		t.Fatalf("%s: YAML differs\n yaml.v3: %q\n emitter: %q", name, want, fast)
	}
	return true
}

// TestEmitYAMLEntryIsYAMLv3 writes every path item and component of the
// Xano fixtures and the Stripe pair as the merged document's entries,
// and checks that most take the emitter, not yaml.v3.
func TestEmitYAMLEntryIsYAMLv3(t *testing.T) {
	var docs [][]byte
	files, _ := filepath.Glob("testdata/merge/*.openapi.json")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	if !testing.Short() {
		docs = append(docs, stripePair(t)...)
	}
	entries, emitted := 0, 0
	for d, data := range docs {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		sections := map[string]json.RawMessage{}
		for _, section := range []string{"paths", "webhooks"} {
			var m map[string]json.RawMessage
			_ = json.Unmarshal(doc[section], &m)
			for name, raw := range m {
				sections[section+" "+name] = raw
			}
		}
		var comps map[string]map[string]json.RawMessage
		_ = json.Unmarshal(doc["components"], &comps)
		for kind, m := range comps {
			for name, raw := range m {
				sections[kind+" "+name] = raw
			}
		}
		for name, raw := range sections {
			entries++
			_, key, _ := strings.Cut(name, " ")
			if sameAsYAMLv3(t, fmt.Sprintf("doc %d %s", d, name), key, raw) {
				emitted++
			}
		}
	}
	t.Logf("%d of %d entries written by the emitter", emitted, entries)
	if entries == 0 || emitted < entries*3/4 {
		t.Errorf("only %d of %d entries were written by the emitter", emitted, entries)
	}
}

func FuzzEmitYAMLEntry(f *testing.F) {
	for _, seed := range []string{
		`{"a":"x","list":["a",{"p":"1x","q":[]},["z","y"],[{"m":{"n":[1,2.5,true,null]}}]],"e":{},"long":"This is a long description that goes on and on and on beyond eighty characters for sure","yes":"yes","num":"12","emp":"","multi":"a\nb","q":"it's: \"x\" # y","/p/{id}":{"get":null}}`,
		`[[],{},[[]],"-","- a","?","a: b"," lead","trail ","true","Null","~","0x1","1e3",12345678901234567890,1.5e300,-0.0]`,
		`{"a very long key that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on and on":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Deep nesting only makes both writers slow (each line is
		// indented by its depth); it tells nothing more.
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > 100 {
			return
		}
		sameAsYAMLv3(t, "input", "entry", data)
		sameAsYAMLv3(t, "input", "/p/{id}", data)
	})
}
