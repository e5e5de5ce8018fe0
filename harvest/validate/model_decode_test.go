package validate

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// sameAsUnmarshal fails unless decodeModel gives what json.Unmarshal
// gives: the same model, unexported fields included, or the same error.
func sameAsUnmarshal(t *testing.T, name string, data []byte) {
	t.Helper()
	want := &openapi3.T{}
	wantErr := json.Unmarshal(data, want)
	got, gotErr := decodeModel(data)
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Fatalf("%s: json.Unmarshal says %v, decodeModel says %v", name, wantErr, gotErr)
	case wantErr != nil:
		if wantErr.Error() != gotErr.Error() {
			t.Fatalf("%s: errors differ:\n json.Unmarshal: %v\n decodeModel:    %v", name, wantErr, gotErr)
		}
	case !reflect.DeepEqual(got, want):
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		t.Fatalf("%s: models differ (as JSON equal: %v)", name, string(a) == string(b))
	}
}

// modelCorpus is every OpenAPI document the module's tests keep, repaired
// as Load repairs them, with the Xano fixtures first.
func modelCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "fuzz" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.Contains(path, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
			return nil
		}
		switch filepath.Ext(path) {
		case ".json", ".yaml", ".yml":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if res := Load(context.Background(), data, Options{ModelOnly: true}); res.Repaired != nil {
			out[rel] = res.Repaired
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecodeModelIsUnmarshal holds decodeModel's law on every document of
// the module's tests, on the Stripe corpus, and on each as it came, and
// checks that the real documents take the fast path rather than the
// fallback (which would make the law hold trivially).
func TestDecodeModelIsUnmarshal(t *testing.T) {
	corpus := modelCorpus(t)
	if len(corpus) < 50 {
		t.Fatalf("only %d documents found", len(corpus))
	}
	inParts := 0
	for name, data := range corpus {
		sameAsUnmarshal(t, name, data)
		if _, err := decodeModelInParts(data); err == nil {
			inParts++
		} else if strings.Contains(name, "xano") || strings.Contains(name, "openapi.json") {
			t.Errorf("%s: a real document fell back to json.Unmarshal: %v", name, err)
		}
	}
	t.Logf("%d documents, %d decoded in parts", len(corpus), inParts)
	if inParts < len(corpus)*9/10 {
		t.Errorf("only %d of %d documents were decoded in parts", inParts, len(corpus))
	}
	if testing.Short() {
		return
	}
	for _, path := range stripeCorpus(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := Load(context.Background(), data, Options{ModelOnly: true})
		sameAsUnmarshal(t, filepath.Base(path), res.Repaired)
		if _, err := decodeModelInParts(res.Repaired); err != nil {
			t.Errorf("%s fell back to json.Unmarshal: %v", filepath.Base(path), err)
		}
	}
}

// FuzzDecodeModel holds the law on any bytes: the model or the error of
// json.Unmarshal, never another.
func FuzzDecodeModel(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"integer","minimum":1.0}}],"responses":{"200":{"description":"ok","headers":{"X":{"schema":{"type":"string"}}},"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},"components":{"schemas":{"A":{"type":"object","properties":{"b":{"$ref":"#/components/schemas/A","description":"sib"},"n":{"type":"array","maxItems":2,"items":{"type":"string"}}},"additionalProperties":{"type":"integer","minLength":1.0}}}}}`,
		`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"webhooks":{"w":{"post":{"callbacks":{"c":{"{$request.body#/u}":{"post":{"responses":{"200":{"description":"ok"}}}},"x-c":1}},"responses":{"200":{"description":"ok"},"x-r":{"a":1}}}}},"components":{"schemas":{"A":{"type":["string","null"],"prefixItems":[{"const":1},null],"unevaluatedProperties":{"not":{}},"if":{"minimum":1},"then":{},"else":false,"$defs":{"d":true}}}}}`,
		`{"openapi":"3.0.0","info":{"title":"dup","version":"1"},"paths":{"/p":{"get":{"responses":{}},"GET":{"responses":null}}},"Paths":{}}`,
		`{"openapi":"3.0.0","info":{"title":"c","version":"1"},"paths":{"/p":{"parameters":[{"$REF":"#/x"},null,{"name":"q","in":"query","content":{"a/b":{"schema":{"items":{"items":{"items":{"type":"string","minLength":12345678901234567890}}}}}}}]}}}`,
		`{"openapi":"3.0.0","info":{"title":"e","version":"1"},"paths":{"/x":{"post":{"requestBody":{"content":{"m/n":{"encoding":{"e":{"headers":{"h":{"schema":{"type":"string"}}}}}}}}}}},"x-top":{"a":[1,2]}}`,
		`{"openapi":"3.0.0","info":{"title":"\u00e9\ud800","version":"1"},"paths":{"/\u0078":{"get":{"responses":{"default":{"description":"d","links":{"l":{"operationId":"o"}}}}}}},"components":{"responses":{"r":{"description":"x","content":{"a":{"schema":{"properties":{"p":{"type":"string","Type":"integer"}}}}}}},"parameters":{"p":{"name":"n","in":"header","schema":{"allOf":[{},{"oneOf":[{"type":"string"}]}]}}}}}`,
		`{"openapi":"3.0.0","paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"x":{"schema":{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"integer","minimum":"one"}}}}}}}}}}}}}`,
		`{"openapi":"3.0.0","info":{"title":"f","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"a/b":{"schema":{"Type":"string","MaxLength":3,"Properties":{"p":{}},"x-e":[1.5,"s"],"unknown":{"a":null}}}}}}}}}}`,
		`[]`, `{}`, `null`, `{"paths":[]}`, `{"openapi":"3.0.0","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/r","x-e":1}}}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsUnmarshal(t, "input", data)
	})
}

func BenchmarkDecodeModel(b *testing.B) {
	data, err := os.ReadFile("testdata/apigroup-mobile-native.openapi.json")
	if err != nil {
		b.Fatal(err)
	}
	repaired := Load(context.Background(), data, Options{ModelOnly: true}).Repaired
	b.Run("unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(repaired)))
		for b.Loop() {
			if err := json.Unmarshal(repaired, &openapi3.T{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-parts", func(b *testing.B) {
		b.SetBytes(int64(len(repaired)))
		for b.Loop() {
			if _, err := decodeModelInParts(repaired); err != nil {
				b.Fatal(err)
			}
		}
	})
}
