package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadRepairedBuildsTheSameModel holds LoadRepaired to what it
// promises: from a Result's Repaired it builds the model Load built,
// field for field, for the real Xano documents (which need repairs), a
// Swagger 2.0 document (converted) and, outside -short, the large Stripe
// documents.
func TestLoadRepairedBuildsTheSameModel(t *testing.T) {
	paths := []string{
		filepath.Join("testdata", "apigroup-mobile-native.openapi.json"),
		filepath.Join("testdata", "instance-metadata-api-2025-03.openapi.json"),
	}
	docs := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(p)] = data
	}
	docs["swagger2.yaml"] = []byte(`swagger: "2.0"
info: {title: pets, version: "1"}
host: api.example.com
basePath: /v1
paths:
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, type: integer}]
      responses:
        "200": {description: a pet, schema: {$ref: "#/definitions/Pet"}}
definitions:
  Pet: {type: object, required: [name], properties: {name: {type: string}, tag: {type: string, example: 7}}}
`)
	if !testing.Short() && !raceEnabled {
		for _, p := range stripeCorpus(t) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			docs[filepath.Base(p)] = data
		}
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			res := Load(context.Background(), data, Options{})
			if res.Doc == nil {
				t.Fatalf("Load built no model: %v", res.Problems)
			}
			again, err := LoadRepaired(context.Background(), res.Repaired, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(res.Doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("the model from Repaired differs from Load's (%d bytes against %d)", len(got), len(want))
			}
		})
	}
}

// TestLoadRepairedRejectsWhatIsNotADocument: bytes that are not a
// repaired document give an error, never a half-built model.
func TestLoadRepairedRejectsWhatIsNotADocument(t *testing.T) {
	for _, bad := range []string{"", "{", "[]", `{"openapi":"3.0.3","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Missing"}}}}}}`} {
		if doc, err := LoadRepaired(context.Background(), []byte(bad), Options{}); err == nil {
			t.Errorf("LoadRepaired(%q) = %v, want an error", bad, doc)
		}
	}
}
